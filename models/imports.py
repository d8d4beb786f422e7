"""What an import brought over: for each object of the source, its id here and a digest of
how the source last showed it (a run skips what has not changed since)."""

from __future__ import annotations

import datetime as dt

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


# The row that records when a source's last completed run started (its digest holds the time,
# naive UTC): the next run asks the source only for what changed since.
LAST_RUN = ("run", "last")


def last_run(source: str) -> dt.datetime | None:
    row = ImportedRow.get_or_none(ImportedRow.source == source, ImportedRow.kind == LAST_RUN[0],
                                  ImportedRow.source_id == LAST_RUN[1])
    try:
        return dt.datetime.fromisoformat(row.digest) if row else None
    except ValueError:
        return None


def record_run(source: str, started: dt.datetime) -> None:
    updated = ImportedRow.update(digest=started.isoformat()).where(
        ImportedRow.source == source, ImportedRow.kind == LAST_RUN[0],
        ImportedRow.source_id == LAST_RUN[1]).execute()
    if not updated:
        ImportedRow.create(source=source, kind=LAST_RUN[0], source_id=LAST_RUN[1], local_id=0,
                           digest=started.isoformat())


def advance_sequence(model: type[BaseModel]) -> None:
    """After rows were inserted with their ids, the next id PostgreSQL hands out follows them
    (SQLite already takes the largest id plus one)."""
    if isinstance(db.obj, PostgresqlDatabase):
        table = model._meta.table_name
        top = model.select(fn.MAX(model._meta.primary_key)).scalar()
        if top:
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), %s)",
                           (top,))
