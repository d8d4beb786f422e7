"""Loading an export (``models.transfer`` describes the format) into this database: in one
transaction, ids kept, PostgreSQL's id sequences moved past them, file contents stored."""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from peewee import AutoField, ForeignKeyField, PostgresqlDatabase

from models import all_models
from models.base import BaseModel, db
from models.migrations import head
from models.storage import Storage
from models.transfer import FORMAT, VERSION, Progress, TransferError, decoder

SQLITE_VARIABLES = 30_000  # under SQLite's 32,766 bound parameters per statement
# Tables a migration dropped: an older export's rows of them are passed over, as an upgrade
# drops them (models/migrations/m0003_drop_login_failures.py).
DROPPED_TABLES = frozenset({"login_failures"})


def import_account(lines: Iterable[str], files: Storage, force: bool = False,
                   progress: Progress = lambda n: None) -> tuple[dict[str, int], int]:
    """Load an export into this database (emptied first with ``force``, else refused when it
    holds any row); return the rows loaded by table and the number of files."""
    records = (json.loads(line) for line in lines if line.strip())
    check_header(next(records, None))
    loader = Loader(files, progress)
    with db.atomic(), loader:
        make_room(force)
        for record in records:
            if loader.take(record):
                break
        else:
            raise TransferError("The file is cut short (no end record): nothing was imported")
        advance_sequences()
    return loader.counts, loader.blobs


def check_header(header: Any) -> dict[str, Any]:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError("Not a Taskgate export (the first line is not its header)")
    if header.get("version") != VERSION:
        raise TransferError(f"Export format version {header.get('version')} is not "
                            f"supported (this Taskgate reads version {VERSION})")
    if header.get("schema_version", 0) > head():
        raise TransferError(f"The export comes from a newer Taskgate (schema "
                            f"{header['schema_version']}, this one has {head()}): upgrade first")
    return header


def is_empty() -> bool:
    return not any(model.select().exists() for model in all_models())


def make_room(force: bool) -> None:
    """Refuse to overwrite data, or (``force``) delete every row, referencing tables first."""
    if is_empty():
        return
    if not force:
        raise TransferError("The database is not empty: pass --force to replace its content")
    for model in reversed(all_models()):
        model.delete().execute()


class Loader:
    """Takes the records after the header one by one, inserting rows in batches."""

    def __init__(self, files: Storage, progress: Progress) -> None:
        self.files, self.progress = files, progress
        self.tables = {model._meta.table_name: model for model in all_models()}
        self.counts: dict[str, int] = {}
        self.model: type[BaseModel] | None = None
        self.passing_over = False  # the rows of a dropped table
        self.blob: Blob | None = None
        self.batch: list[list[Any]] = []
        self.blobs = 0

    def __enter__(self) -> Loader:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.blob is not None:  # cut short in the middle of a file's content
            self.blob.spool.close()

    def take(self, record: Any) -> bool:
        """Handle one record; True at the end record."""
        if isinstance(record, list):
            self.add_row(record)
        elif "data" in record and self.blob:
            self.blob.write(base64.b64decode(record["data"]))
        else:
            self.finish_table()
            self.finish_blob()
            if "table" in record:
                self.start_table(record["table"], record["columns"])
            elif "blob" in record:
                self.blob = Blob(self.files, record["blob"])
            elif record.get("end") is True:
                return True
            else:
                raise TransferError(f"Unexpected record: {json.dumps(record)[:200]}")
        return False

    def start_table(self, name: str, columns: list[str]) -> None:
        self.passing_over = name in DROPPED_TABLES
        if self.passing_over:
            return
        model = self.tables.get(name)
        if model is None:
            raise TransferError(f"Unknown table {name!r}: is the export from a newer Taskgate?")
        by_column = {field.column_name: field for field in model._meta.sorted_fields}
        unknown = [column for column in columns if column not in by_column]
        if unknown:
            raise TransferError(f"Unknown columns of {name}: {', '.join(unknown)}")
        given = [by_column[column] for column in columns]
        # Columns added since the export was made take their defaults, as an upgrade gives.
        self.added = [field for field in model._meta.sorted_fields
                      if field.column_name not in columns]
        self.model, self.fields = model, given + self.added
        self.decoders = [decoder(field) for field in given]
        self.forward = ForwardReferences(model, self.fields)
        self.counts[name] = 0
        self.per_batch = max(1, SQLITE_VARIABLES // max(1, len(self.fields)) // 2)

    def add_row(self, values: list[Any]) -> None:
        if self.passing_over:
            return
        if self.model is None or len(values) != len(self.decoders):
            raise TransferError("A row outside a table, or with the wrong number of values")
        row = [decode(value) for decode, value in zip(self.decoders, values, strict=True)]
        row += [field.default() if callable(field.default) else field.default
                for field in self.added]
        self.batch.append(self.forward.hold(row))
        self.counts[self.model._meta.table_name] += 1
        if len(self.batch) >= self.per_batch:
            self.flush()
        self.progress(1)

    def flush(self) -> None:
        """One multi-row INSERT for the batch, its SQL written here: Peewee's insert_many
        spends ten times longer building the statement than the database running it."""
        if not self.batch:
            return
        to_db = [field.db_value for field in self.fields]
        params = [convert(value) for row in self.batch
                  for convert, value in zip(to_db, row, strict=True)]
        db.execute_sql(self.insert_sql(len(self.batch)), params)
        self.batch = []

    def insert_sql(self, rows: int) -> str:
        columns = ", ".join(quoted(field.column_name) for field in self.fields)
        values = "(" + ", ".join([db.obj.param] * len(self.fields)) + ")"
        return (f"INSERT INTO {quoted(self.model._meta.table_name)} ({columns}) VALUES "
                + ", ".join([values] * rows))

    def finish_table(self) -> None:
        if self.model is not None:
            self.flush()
            self.forward.apply()
            self.model = None

    def finish_blob(self) -> None:
        if self.blob is not None:
            self.blob.close()
            self.blob = None
            self.blobs += 1
            self.progress(1)


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ForwardReferences:
    """Rows point at rows of their own table (a subtask at its parent) that may come later in
    id order; such values are inserted as NULL and set once the whole table is in."""

    def __init__(self, model: type[BaseModel], fields: list[Any]) -> None:
        self.model = model
        key = model._meta.primary_key
        names = [field.name for field in fields]  # (a Field's == builds SQL)
        self.key = names.index(key.name) if key.name in names else None
        self.own = [i for i, field in enumerate(fields)
                    if isinstance(field, ForeignKeyField) and field.rel_model is model]
        self.fields, self.later = fields, []

    def hold(self, row: list[Any]) -> list[Any]:
        if self.key is None:
            return row
        for i in self.own:
            if row[i] is not None and row[i] > row[self.key]:
                self.later.append((row[self.key], self.fields[i], row[i]))
                row[i] = None
        return row

    def apply(self) -> None:
        key = self.model._meta.primary_key
        for pk, field, value in self.later:
            self.model.update({field: value}).where(key == pk).execute()


class Blob:
    """A file's content arriving in parts, stored (by its SHA-256) once complete and checked."""

    def __init__(self, files: Storage, sha256: str) -> None:
        self.files, self.sha256 = files, sha256
        self.spool: IO[bytes] = tempfile.TemporaryFile()

    def write(self, data: bytes) -> None:
        self.spool.write(data)

    def close(self) -> None:
        with self.spool:
            self.spool.seek(0)
            digest = self.files.save(self.spool)[0]
        if digest != self.sha256:
            raise TransferError(f"The content of file {self.sha256} does not match its digest")


def advance_sequences() -> None:
    """PostgreSQL hands out ids from sequences, which inserting explicit ids leaves behind:
    move each past its table's largest id (SQLite takes max(id) + 1 by itself)."""
    if not isinstance(db.obj, PostgresqlDatabase):
        return
    existing = set(db.get_tables())  # a database of an older release lacks newer tables
    for model in all_models():
        if isinstance(model._meta.primary_key, AutoField) and (
                model._meta.table_name in existing):
            table, column = model._meta.table_name, model._meta.primary_key.column_name
            db.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table}"')
