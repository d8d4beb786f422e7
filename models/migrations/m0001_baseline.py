"""The schema of the first release with versioned migrations (commit 7a73931's models): on a
fresh database, every table of today's models; a database made before migrations existed
has it already and is only stamped."""

from __future__ import annotations

from playhouse.migrate import SchemaMigrator

from models import create_tables


def upgrade(migrator: SchemaMigrator) -> None:
    create_tables()
