"""The additive part of an upgrade, run after the versioned migrations: create the tables of
new models, add the columns models gained (each nullable or with a default, so existing rows
get a value) and the indexes they declare. Nothing is ever dropped or changed here."""

from __future__ import annotations

from collections import defaultdict

from peewee import PostgresqlDatabase
from playhouse.migrate import SchemaMigrator, migrate

from models import all_models
from models.base import db


def sync_schema() -> None:
    existing = set(db.get_tables())
    models = all_models()
    db.create_tables([m for m in models if m._meta.table_name not in existing])
    add_missing_columns()
    indexes = existing_indexes()
    for model in models:
        for index in model._meta.fields_to_index():
            if index._name not in indexes:
                db.execute(model._schema._create_index(index, safe=True))


def existing_indexes() -> set[str]:
    """The names of every index, in one catalogue query (asking with CREATE INDEX IF NOT
    EXISTS, index by index, made each start, and each test's set-up, slower)."""
    if isinstance(db.obj, PostgresqlDatabase):
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    return {row[0] for row in db.execute_sql(sql).fetchall()}


def add_missing_columns() -> list[str]:
    """Add the columns the models have and the database lacks; return them as table.column."""
    migrator = SchemaMigrator.from_database(db.obj)
    added, operations = [], []
    columns = existing_columns()
    for model in all_models():
        table = model._meta.table_name
        for field in model._meta.sorted_fields:
            if field.column_name not in columns[table]:
                operations.append(migrator.add_column(table, field.column_name, field))
                added.append(f"{table}.{field.column_name}")
    if operations:
        with db.atomic():
            migrate(*operations)
    return added


def existing_columns() -> dict[str, set[str]]:
    """The columns of every table, by table: in one query on PostgreSQL, whose catalogue is
    slow to ask table by table (that made every test's set-up 100 ms longer)."""
    if isinstance(db.obj, PostgresqlDatabase):
        cursor = db.execute_sql("SELECT table_name, column_name FROM information_schema.columns"
                                " WHERE table_schema = current_schema()")
        columns: dict[str, set[str]] = defaultdict(set)
        for table, column in cursor.fetchall():
            columns[table].add(column)
        return columns
    return {model._meta.table_name: {c.name for c in db.get_columns(model._meta.table_name)}
            for model in all_models()}
