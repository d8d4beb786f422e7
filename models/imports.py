"""What an import brought over: for each object of the source, its id here and a digest of
how the source last showed it (a run skips what has not changed since)."""

from __future__ import annotations

from peewee import CharField, IntegerField, PostgresqlDatabase, fn

from models.base import BaseModel, db
from models.ids import IdField


class ImportedRow(BaseModel):
    id = IdField()
    source = CharField(max_length=500)  # the source's base URL
    kind = CharField(max_length=32)  # user, project, task, comment, ...
    source_id = CharField(max_length=64)  # an id, or a digest for rows without one (events)
    local_id = IntegerField()
    digest = CharField(max_length=64)

    class Meta:
        table_name = "imported_rows"
        indexes = ((("source", "kind", "source_id"), True),)


def advance_sequence(model: type[BaseModel]) -> None:
    """After rows were inserted with their ids, the next id PostgreSQL hands out follows them
    (SQLite already takes the largest id plus one)."""
    if isinstance(db.obj, PostgresqlDatabase):
        table = model._meta.table_name
        top = model.select(fn.MAX(model._meta.primary_key)).scalar()
        if top:
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)",
                           (top,))
