"""Versioned schema migrations: a ``schema_version`` table and the numbered modules beside
this one (``m0001_baseline.py``, ``m0002_....py``), applied in order by ``upgrade()``.

A migration module has a docstring (what it changes and why) and ``upgrade(migrator)``, which
receives Peewee's ``SchemaMigrator`` for the database (``playhouse.migrate``); it writes with
the migrator's operations or SQL, never with today's models, which may have moved on. Each
pending migration runs in the one transaction of ``upgrade()`` and is recorded in
``schema_version``; if one fails, nothing of the upgrade stays.

- A fresh database: migration 0001 creates every table of today's models, and the later
  migrations are recorded as contained in it (as Alembic's "create_all, then stamp head").
- A database made before versioned migrations (tables, no ``schema_version``): it is the
  schema of 0001, so 0001 is recorded without running, then the later ones run.
- Last, always, the additive sync (``sync.py``): tables of new models are created, columns a
  model gained are added with their defaults, missing indexes are created. A new model or a
  new nullable/defaulted column therefore needs no migration file; renames, type changes,
  data changes and new constraints do.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

from peewee import CharField, DateTimeField, IntegerField, Model, PostgresqlDatabase
from playhouse.migrate import SchemaMigrator

from models import all_models
from models.base import db, now
from models.migrations.sync import sync_schema

MODULE_NAME = re.compile(r"m(\d{4})_(\w+)")
PACKAGE = __name__  # where the migration modules are looked for
LOCK_ID = 7_271_843  # the PostgreSQL advisory lock that keeps two upgrades from racing


class SchemaTooNew(Exception):
    """The database was upgraded by a newer Taskgate than this one."""


class SchemaVersion(Model):
    """One applied migration. Not a ``BaseModel``: it is bookkeeping, not account data."""

    version = IntegerField(primary_key=True)
    name = CharField(max_length=200)
    applied_at = DateTimeField(default=now)

    class Meta:
        database = db
        table_name = "schema_version"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def migrations() -> list[Migration]:
    """Every migration module of this package, in version order."""
    found, package = [], importlib.import_module(PACKAGE)
    for info in pkgutil.iter_modules(package.__path__):
        if match := MODULE_NAME.fullmatch(info.name):
            module = importlib.import_module(f"{PACKAGE}.{info.name}")
            found.append(Migration(int(match.group(1)), match.group(2), module))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version number: {versions}")
    return found


def head() -> int:
    """The version today's code expects."""
    return migrations()[-1].version


def applied_versions() -> set[int]:
    """The versions recorded in the database (none when it has no ``schema_version``)."""
    if not SchemaVersion.table_exists():
        return set()
    return {row.version for row in SchemaVersion.select(SchemaVersion.version)}


def current_version() -> int:
    return max(applied_versions(), default=0)


def pending() -> list[Migration]:
    applied = applied_versions()
    return [migration for migration in migrations() if migration.version not in applied]


@contextmanager
def one_host_at_a_time() -> Iterator[None]:
    """Hosts upgrading or installing one shared PostgreSQL database take turns: an advisory
    lock held to the end of a transaction around the block (SQLite's one writer needs none)."""
    if not isinstance(db.obj, PostgresqlDatabase):
        yield
        return
    with db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
        yield


def upgrade() -> list[str]:
    """Bring the database to today's schema; return the labels of the migrations that ran."""
    with one_host_at_a_time(), db.atomic():
        ran = run_pending()
        sync_schema()
    return ran


def run_pending() -> list[str]:
    tables = set(db.get_tables())
    fresh = not tables & {model._meta.table_name for model in all_models()}
    if SchemaVersion._meta.table_name not in tables:
        SchemaVersion.create_table()
    applied = {row.version for row in SchemaVersion.select(SchemaVersion.version)}
    legacy = not fresh and not applied  # made before migrations: 0001's schema
    if max(applied, default=0) > head():
        raise SchemaTooNew(f"The database is at schema version {max(applied)}, newer "
                           f"than this Taskgate's {head()}: run the newer version")
    migrator, ran = SchemaMigrator.from_database(db.obj), []
    for migration in migrations():
        if migration.version in applied:
            continue
        if runs(migration.version, fresh, legacy):
            migration.module.upgrade(migrator)
            ran.append(migration.label)
        SchemaVersion.create(version=migration.version, name=migration.name)
    return ran


def runs(version: int, fresh: bool, legacy: bool) -> bool:
    """Whether a pending migration runs or is only recorded (see the module's docstring)."""
    if fresh:
        return version == 1
    return version != 1 if legacy else True
