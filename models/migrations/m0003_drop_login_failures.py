"""Failed logins are counted by the password guard in the rate-limit storage (memory or
Redis), per account and per address, with nothing written to the database; the table that
counted them per email is dropped. What it held was a window of recent failures, not account
data: the guard starts with clean counts."""

from __future__ import annotations

from playhouse.migrate import SchemaMigrator


def upgrade(migrator: SchemaMigrator) -> None:
    migrator.database.execute_sql('DROP TABLE IF EXISTS "login_failures"')
