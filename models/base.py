"""The database handle, bound at run time from a URL, and the helpers every model shares."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from peewee import DatabaseProxy, DoesNotExist, Model, PostgresqlDatabase, SqliteDatabase
from playhouse import db_url

from models.postgres import PREPARE_AFTER, PooledPostgres
from models.sqlite import connect_sqlite

if TYPE_CHECKING:
    from schemas.envelope import ApiError

db = DatabaseProxy()

M = TypeVar("M", bound="BaseModel")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


SUPPORTED_URLS = "sqlite:///path/to/file.sqlite or postgresql://user:password@host:5432/name"


class UnsupportedDatabase(RuntimeError):
    """A database URL with no scheme, or one Taskgate does not run on."""


def connect_database(url: str) -> SqliteDatabase | PostgresqlDatabase:
    """Open a database from a URL: ``sqlite:///path`` or ``postgresql://...``.

    SQLite runs in WAL mode with a busy timeout and takes the write lock when a write's
    transaction begins (IMMEDIATE), a read's at its first write (:mod:`models.sqlite`).
    """
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql"} or "://" not in url:
        what = f"scheme {scheme}://, which is not supported" if scheme else "no scheme"
        raise UnsupportedDatabase(f"the database URL {url!r} has {what}: use {SUPPORTED_URLS}")
    if scheme == "sqlite":
        return connect_sqlite(url)
    # postgres:// or postgresql://. psycopg 3 prepares a statement its connection has run
    # twice: the compiled reads (models.compiled) are then planned once per pooled
    # connection, not at every call.
    settings = db_url.parse(url)
    return PooledPostgres(settings.pop("database"), prefer_psycopg3=True,
                          prepare_threshold=PREPARE_AFTER, **settings)


def one_round_trip() -> contextlib.AbstractContextManager:
    """A block whose statements do not depend on each other's results: on PostgreSQL they
    are sent together and answered in one round trip, their cursors read after the block;
    on SQLite each runs when it is executed."""
    round_trip = getattr(db.obj, "round_trip", None)
    return contextlib.nullcontext() if round_trip is None else round_trip()


def on_postgres() -> bool:
    return isinstance(db.obj, PooledPostgres)


def run_later(sql: str, params: list[Any]) -> Any:
    """Run a write whose result nobody reads and that no constraint can refuse: on PostgreSQL
    inside a transaction it waits for the transaction's next statement or its COMMIT and goes
    with it (one round trip less); elsewhere it runs now. Its cursor if it ran, else None."""
    if on_postgres():
        return db.execute_sql(sql, params, later=True)
    return db.execute_sql(sql, params)


def bind(database: Any) -> None:
    db.initialize(database)


def now() -> dt.datetime:
    """The current time as stored: naive UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def get_or_fail(model: type[M], pk: Any, error: type[ApiError], **where: Any) -> M:
    """The row with this primary key (and field values), or raise ``error``."""
    query = model.select().where(model._meta.primary_key == pk)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    try:
        return query.get()
    except DoesNotExist:
        raise error() from None


def transaction(writes: bool = True):
    """One transaction for one action. An action that writes nothing (or writes late) begins
    deferred, with no BEGIN until its first statement that is not a plain read: a read alone
    sends neither BEGIN nor COMMIT, and readers do not queue behind SQLite's write lock."""
    return db.atomic() if writes else db.obj.deferred_transaction()
