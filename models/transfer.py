"""The export format (``flask export`` / ``flask import``, and backups on PostgreSQL): the
whole account as JSON lines, written and read one row at a time.

Version 1, one JSON value per line:

1. a header: ``{"format": "taskgate-export", "version": 1, "schema_version": N,
   "exported_at": "...", "tables": {"<table>": rows, ...}, "files": blobs}``;
2. for each table, referenced tables first: ``{"table": "<name>", "columns": [...]}``, then
   one JSON array per row, its values in that column order, ordered by primary key;
3. for each uploaded file's content: ``{"blob": "<sha256>", "size": n}``, then its bytes as
   ``{"data": "<base64>"}`` lines of at most 1 MiB;
4. ``{"end": true}``: a file without it is cut short and is not imported.

Values: JSON's own for text, numbers, booleans and null; ISO 8601 strings for dates and times
(``2026-11-29T22:04:49``); strings for decimals (``"12.50"``); base64 for bytes. Keys and
secrets stay as stored: API keys and webhook secrets sealed under ``TASKGATE_SECRET_KEY``
(the target needs the same one), passwords and tokens as their hashes.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from peewee import (
    BlobField,
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    PostgresqlDatabase,
    SqliteDatabase,
    TimeField,
    Tuple,
)

from models import all_models
from models.base import BaseModel, db
from models.blobs import CHUNK
from models.files import File
from models.migrations import head
from models.storage import Storage

FORMAT, VERSION = "taskgate-export", 1
PAGE = 1000
Progress = Callable[[int], None]


class TransferError(Exception):
    """A file that cannot be imported, or a database that must not be overwritten."""


def export_account(out: IO[str], files: Storage | None, progress: Progress = lambda n: None,
                   ) -> dict[str, int]:
    """Write every model's rows (and the files' bytes) to ``out`` from one consistent
    snapshot; return the row counts by table."""
    with snapshot():
        counts = {model._meta.table_name: model.select().count() for model in all_models()}
        blobs = [row[0] for row in File.select(File.sha256).distinct().order_by(File.sha256)
                 .tuples()] if files else []
        write(out, {"format": FORMAT, "version": VERSION, "schema_version": head(),
                    "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "tables": counts, "files": len(blobs)})
        for model in all_models():
            fields = model._meta.sorted_fields
            write(out, {"table": model._meta.table_name,
                        "columns": [field.column_name for field in fields]})
            for row in rows_of(model):
                out.write(json.dumps([encode(value) for value in row]) + "\n")
                progress(1)
        for sha256 in blobs:
            write_blob(out, files, sha256)
            progress(1)
        write(out, {"end": True})
    return counts


@contextmanager
def snapshot() -> Iterator[None]:
    """A read transaction that sees one moment of the database throughout."""
    if isinstance(db.obj, SqliteDatabase):
        with db.atomic(lock_type="DEFERRED"):  # WAL: the first read fixes the snapshot
            yield
        return
    with db.atomic():
        if isinstance(db.obj, PostgresqlDatabase):
            db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def rows_of(model: type[BaseModel]) -> Iterator[tuple]:
    """The model's rows as tuples of its fields, by primary key, a page at a time (keyset
    paging: memory stays bounded on any table size)."""
    fields = model._meta.sorted_fields
    keys = primary_key_fields(model)
    names = [field.name for field in fields]  # (a Field's == builds SQL, so no list.index)
    positions = [names.index(key.name) for key in keys]
    last = None
    while True:
        query = model.select(*fields).order_by(*keys).limit(PAGE).tuples()
        if last is not None:
            query = query.where(Tuple(*keys) > Tuple(*last))
        page = list(query)
        yield from page
        if len(page) < PAGE:
            return
        last = [page[-1][position] for position in positions]


def primary_key_fields(model: type[BaseModel]) -> list[Field]:
    meta = model._meta
    if meta.composite_key:
        return [meta.fields[name] for name in meta.primary_key.field_names]
    return [meta.primary_key]


def write_blob(out: IO[str], files: Storage, sha256: str) -> None:
    found = files.open(sha256)
    if found is None:
        raise TransferError(f"The content of file {sha256} is missing from the file storage")
    with found.stream or open(found.path, "rb") as blob:
        write(out, {"blob": sha256, "size": found.size})
        while chunk := blob.read(CHUNK):
            write(out, {"data": base64.b64encode(chunk).decode()})


def write(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record) + "\n")


def encode(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def decoder(field: Field) -> Callable[[Any], Any]:
    """How to turn a JSON value of this field's column back into the value it was."""
    for kind, parse in DECODERS:
        if isinstance(field, kind):
            return lambda value: None if value is None else parse(value)
    return lambda value: value


DECODERS: list[tuple[type[Field], Callable[[Any], Any]]] = [
    (DateTimeField, dt.datetime.fromisoformat), (DateField, dt.date.fromisoformat),
    (TimeField, dt.time.fromisoformat), (DecimalField, decimal.Decimal),
    (BlobField, base64.b64decode),
]
