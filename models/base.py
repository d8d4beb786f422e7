"""The database handle, bound at run time from a URL, and the helpers every model shares."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import select
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from peewee import (
    DatabaseProxy,
    DoesNotExist,
    Model,
    PostgresqlDatabase,
    SqliteDatabase,
    __exception_wrapper__,
    _transaction,
)
from playhouse import db_url
from playhouse.pool import PooledPostgresqlDatabase

if TYPE_CHECKING:
    from schemas.envelope import ApiError

db = DatabaseProxy()

M = TypeVar("M", bound="BaseModel")
PREPARE_AFTER = 1  # runs of a statement on a connection before psycopg prepares it
PING_AFTER_IDLE = 5.0  # seconds in the pool after which a connection is pinged before use
# What a statement must not contain to run outside a deferred transaction: row locks,
# transaction-scoped locks and settings, sequence moves.
NOT_PLAIN_READ = (" FOR UPDATE", " FOR SHARE", " FOR NO KEY UPDATE", " FOR KEY SHARE",
                  "PG_ADVISORY", "SET_CONFIG(", "SETVAL(", "NEXTVAL(")  # upper case


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


SUPPORTED_URLS = "sqlite:///path/to/file.sqlite or postgresql://user:password@host:5432/name"


class UnsupportedDatabase(RuntimeError):
    """A database URL with no scheme, or one Taskgate does not run on."""


def connect_database(url: str) -> SqliteDatabase | PostgresqlDatabase:
    """Open a database from a URL: ``sqlite:///path`` or ``postgresql://...``.

    SQLite runs in WAL mode with a busy timeout and takes the write lock when a transaction
    begins (IMMEDIATE): a read-then-write transaction under DEFERRED fails with "database is
    locked" as soon as another process has written in between.
    """
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql"} or "://" not in url:
        what = f"scheme {scheme}://, which is not supported" if scheme else "no scheme"
        raise UnsupportedDatabase(f"the database URL {url!r} has {what}: use {SUPPORTED_URLS}")
    if scheme == "sqlite":  # pooled: a connection (and its PRAGMAs) outlives the request
        url = url.replace("sqlite://", "sqlite+pool://", 1)
        pragmas = {"journal_mode": "wal", "synchronous": "normal", "foreign_keys": 1}
        # A pooled connection serves one thread at a time, but not always the same one.
        database = db_url.connect(url, stale_timeout=300, pragmas=pragmas, timeout=10,
                                  lock_type="IMMEDIATE", check_same_thread=False)
        # SQLite's own lower() folds ASCII only; filters compare names ignoring case in
        # every alphabet, as PostgreSQL's lower() does.
        database.register_function(unicode_lower, "lower", 1, deterministic=True)
        create_private(database.database)
        return database
    if scheme in {"postgres", "postgresql"}:
        # psycopg 3 prepares a statement its connection has run twice: the compiled reads
        # (models.compiled) are then planned once per pooled connection, not at every call.
        settings = db_url.parse(url)
        return PooledPostgres(settings.pop("database"), prefer_psycopg3=True,
                              prepare_threshold=PREPARE_AFTER, **settings)
    return db_url.connect(url)


def create_private(path: str) -> None:
    """Create the SQLite file readable by its owner only (0600): it holds the account's data.
    SQLite gives its -wal and -shm files the mode of the database file."""
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError:  # no such folder, no right to write: SQLite says so on first use
        pass


class PooledPostgres(PooledPostgresqlDatabase):
    """PostgreSQL through psycopg 3, connections pooled per process.

    Two round trips are saved on every request. A pooled connection is pinged (``SELECT 1``)
    on its way out of the pool only when it sat there longer than ``PING_AFTER_IDLE`` or when
    its socket has something to read (a server that closed it, restarted or terminated it has
    sent an error and an end of file there). An action that writes nothing runs in a
    :class:`DeferredTransaction`: no BEGIN, no COMMIT, unless it writes after all; a
    transaction's BEGIN goes with its first statement; reads that do not depend on each other
    go together (:func:`one_round_trip`).
    """

    def _connect(self):
        connection = super()._connect()  # from the pool, or new
        connection._pool = None  # psycopg: pooled (dropped unclosed with its pool, unwarned)
        if not hasattr(connection, "taskgate_read_committed"):
            connection.taskgate_read_committed = set_up(connection)
        return connection

    def _is_closed(self, conn):
        if conn.closed:
            return True
        returned = getattr(conn, "taskgate_returned", None)
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE \
                and not has_input(conn):
            return False
        return super()._is_closed(conn)

    def _close(self, conn, close_conn=False):
        conn.taskgate_returned = time.monotonic()
        conn.taskgate_begin = None
        return super()._close(conn, close_conn)

    def execute_sql(self, sql, params=None):
        transactions = self._state.transactions
        if transactions:
            outermost = transactions[0]
            if type(outermost) is DeferredTransaction and not outermost.begun \
                    and not is_plain_read(sql):
                outermost.begin_now()
        held = self.taken_begin()
        if held is None:
            return super().execute_sql(sql, params)
        with self.round_trip():  # the BEGIN held by begin(), then this statement
            self._state.conn.execute(held, prepare=False)
            return super().execute_sql(sql, params)

    def begin(self, isolation_level=None):
        """Hold the BEGIN until the transaction's first statement, and send both in one
        round trip (a pipeline); a transaction that runs no statement sends neither BEGIN
        nor COMMIT."""
        level = isolation_level or self._isolation_level
        self.connection().taskgate_begin = "BEGIN" if not level else \
            f"BEGIN TRANSACTION ISOLATION LEVEL {self._adapter.isolation_level_str(level)}"

    def commit(self):
        if self.taken_begin() is None:  # else the transaction ran nothing
            super().commit()

    def rollback(self):
        if self.taken_begin() is None:
            super().rollback()

    def taken_begin(self) -> str | None:
        """The BEGIN :meth:`begin` holds, if its transaction has sent nothing yet; no longer
        held once taken."""
        conn = self._state.conn
        held = getattr(conn, "taskgate_begin", None)
        if held is not None:
            conn.taskgate_begin = None
        return held

    @contextlib.contextmanager
    def round_trip(self) -> Iterator[None]:
        """The statements run in this block go to the server together (a pipeline): read
        their cursors after it."""
        with __exception_wrapper__, self.connection().pipeline():
            yield

    def deferred_transaction(self):
        """A read's transaction: BEGIN only before its first statement that is not a plain
        read. Under READ COMMITTED every statement reads its own snapshot, in a transaction
        or not, so the reads before it see what they would have seen inside one."""
        if self.in_transaction() or not self.connection().taskgate_read_committed:
            return self.atomic()
        return DeferredTransaction(self)


class DeferredTransaction(_transaction):
    """A transaction whose BEGIN waits for :meth:`begin_now` (``PooledPostgres.execute_sql``
    calls it before the first statement that could lock, set or write anything); one that
    never began has nothing to commit or roll back."""

    begun = False

    def _begin(self):
        self.begun = False

    def begin_now(self):
        self.db.begin()
        self.begun = True

    def commit(self, begin=True):
        self.end(self.db.commit, self.db._run_commit_callbacks, begin)

    def rollback(self, begin=True):
        self.end(self.db.rollback, self.db._clear_commit_callbacks, begin)

    def end(self, finish, callbacks, begin: bool) -> None:
        if self.begun:
            finish()
        callbacks()
        if begin:
            self._begin()


@functools.lru_cache(maxsize=512)
def is_plain_read(sql: str) -> bool:
    """A SELECT that takes no row lock, sets nothing and moves no sequence."""
    text = " ".join(sql.upper().split())
    return text.lstrip(" (").startswith("SELECT") and not any(
        word in text for word in NOT_PLAIN_READ)


def one_round_trip() -> contextlib.AbstractContextManager:
    """A block whose statements do not depend on each other's results: on PostgreSQL they
    are sent together and answered in one round trip, their cursors read after the block;
    on SQLite each runs when it is executed."""
    round_trip = getattr(db.obj, "round_trip", None)
    return contextlib.nullcontext() if round_trip is None else round_trip()


def set_up(connection) -> bool:
    """Plan each prepared statement once (unless an operator chose a ``plan_cache_mode``);
    whether the server's default isolation is READ COMMITTED (an operator may set another:
    then every transaction begins at once, as it did).

    Left to choose, PostgreSQL may plan a statement anew at every run when it guesses its
    generic plan costs more: planning a task page's ten joins took 8 ms, running it 1.5."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('default_transaction_isolation'),"
            " CASE WHEN current_setting('plan_cache_mode') = 'auto'"
            " THEN set_config('plan_cache_mode', 'force_generic_plan', false) END")
        return cursor.fetchone()[0] == "read committed"


def has_input(connection) -> bool:
    """Whether the idle connection's socket has bytes (or its end) waiting: no round trip."""
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


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
    deferred: on SQLite DEFERRED, so that readers do not queue behind the write lock that
    IMMEDIATE takes at once; on PostgreSQL with no BEGIN until its first statement that is
    not a plain read (a read alone sends neither BEGIN nor COMMIT)."""
    if writes:
        return db.atomic()
    if isinstance(db.obj, SqliteDatabase):
        return db.atomic(lock_type="DEFERRED")
    if isinstance(db.obj, PooledPostgres):
        return db.obj.deferred_transaction()
    return db.atomic()
