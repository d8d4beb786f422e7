"""The version of the API keys (``models.keys.ApiKeyVersion``): one row whose number every
change of a key draws anew, so that each process knows in one cheap statement when its cached
keys are stale. Its table is made here as it first was, and its row is written now: without
it, caches would reload the keys at every check until the first change of a key. A database
with no key yet gets no row, so that it still counts as empty for ``flask import``."""

from __future__ import annotations

import secrets

from peewee import BigIntegerField, IntegerField, Model
from playhouse.migrate import SchemaMigrator


class ApiKeyVersion(Model):
    """The table as this migration makes it (not today's model, which may move on)."""

    id = IntegerField(primary_key=True)
    version = BigIntegerField()

    class Meta:
        table_name = "api_key_version"


def upgrade(migrator: SchemaMigrator) -> None:
    database = migrator.database
    with ApiKeyVersion.bind_ctx(database):
        ApiKeyVersion.create_table(safe=True)
    database.execute_sql(
        f'INSERT INTO "api_key_version" ("id", "version") SELECT 1, {database.param} '
        'WHERE EXISTS (SELECT 1 FROM "api_keys") AND NOT EXISTS '
        '(SELECT 1 FROM "api_key_version")', (secrets.randbits(63),))
