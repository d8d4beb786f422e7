"""PostgreSQL as Taskgate runs it: psycopg 3, pooled connections, statements planned once
and sent together where nothing waits for their answers."""

from __future__ import annotations

import contextlib
import functools
import select
import time
from collections.abc import Iterator
from typing import Any

from peewee import __exception_wrapper__
from playhouse.pool import PooledPostgresqlDatabase
from psycopg.pq import PipelineStatus

from models.deferred import DefersReads

PREPARE_AFTER = 1  # runs of a statement on a connection before psycopg prepares it
PING_AFTER_IDLE = 5.0  # seconds in the pool after which a connection is pinged before use
# What a statement must not contain to run outside a deferred transaction: row locks,
# transaction-scoped locks and settings, sequence moves.
NOT_PLAIN_READ = (" FOR UPDATE", " FOR SHARE", " FOR NO KEY UPDATE", " FOR KEY SHARE",
                  "PG_ADVISORY", "SET_CONFIG(", "SETVAL(", "NEXTVAL(")  # upper case


@functools.lru_cache(maxsize=512)
def is_plain_read(sql: str) -> bool:
    """A SELECT that takes no row lock, sets nothing and moves no sequence."""
    text = " ".join(sql.upper().split())
    return text.lstrip(" (").startswith("SELECT") and not any(
        word in text for word in NOT_PLAIN_READ)


class PooledPostgres(DefersReads, PooledPostgresqlDatabase):
    """PostgreSQL through psycopg 3, connections pooled per process.

    Two round trips are saved on every request. A pooled connection is pinged (``SELECT 1``)
    on its way out of the pool only when it sat there longer than ``PING_AFTER_IDLE`` or when
    its socket has something to read (a server that closed it, restarted or terminated it has
    sent an error and an end of file there). An action that writes nothing runs in a
    :class:`DeferredTransaction`: no BEGIN, no COMMIT, unless it writes after all.

    Statements are sent together where nothing waits for their answers: a transaction's BEGIN
    and the writes whose results nobody reads (``models.base.run_later``) are held on the
    connection and go with the transaction's next statement or its COMMIT; reads that do not
    depend on each other go together (``models.base.one_round_trip``).
    """

    is_plain_read = staticmethod(is_plain_read)

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
        conn.taskgate_held = []
        return super()._close(conn, close_conn)

    def execute_sql(self, sql, params=None, later=False, read_at_once=False):
        """Run ``sql`` after what the connection holds, in one round trip; ``later``: hold it
        too, if a transaction is open (it returns no cursor then); ``read_at_once``: its rows are
        read before the connection runs another statement (see :meth:`cursor`): in a
        pipeline, a statement whose result is never fetched would leave it to land on the
        reader among a later statement's."""
        self.begin_before(sql)
        if later and self._state.transactions:
            self.held().append((sql, params))
            return None
        held = self.taken_held()
        if not held:
            return self._execute_cursor(sql, params, read_at_once=read_at_once)
        with self.round_trip():
            self.send(held)
            return self._execute_cursor(sql, params, read_at_once=read_at_once)

    def cursor(self, named_cursor=None, read_at_once=False):
        """A new cursor, or for a statement read at once the connection's reader: psycopg
        builds each new cursor's row loaders anew (40 µs of a task's read by id). The reader
        holds its last rows (a page, a batch) until its next statement."""
        if not read_at_once:
            return super().cursor(named_cursor)
        return own_cursor(self.connection(), "taskgate_reader")

    def begin(self, isolation_level=None):
        """Hold the BEGIN until the transaction's first statement; a transaction that runs no
        statement sends neither BEGIN nor COMMIT."""
        level = isolation_level or self._isolation_level
        self.held().append(("BEGIN" if not level else "BEGIN TRANSACTION ISOLATION LEVEL "
                            + self._adapter.isolation_level_str(level), None))

    def commit(self):
        held = self.taken_held()
        if not held:
            super().commit()
        elif len(held) > 1 or not is_begin(held[0]):  # else the transaction ran nothing
            with self.round_trip():
                self.send([*held, ("COMMIT", None)])

    def rollback(self):
        held = self.taken_held()
        if not held or not is_begin(held[0]):  # else nothing was sent: held writes dropped
            super().rollback()

    def held(self) -> list[tuple[str, Any]]:
        """What the connection holds to send with its next statement: BEGIN, writes."""
        conn = self.connection()
        if not hasattr(conn, "taskgate_held"):
            conn.taskgate_held = []
        return conn.taskgate_held

    def taken_held(self) -> list[tuple[str, Any]]:
        """What the connection held, no longer held."""
        conn = self._state.conn
        held = getattr(conn, "taskgate_held", None)
        if held:
            conn.taskgate_held = []
        return held or []

    def send(self, statements: list[tuple[str, Any]]) -> None:
        """Queue ``statements`` in the open pipeline; their results are never read."""
        sender = own_cursor(self._state.conn, "taskgate_sender")
        for sql, params in statements:
            sender.execute(sql, params, prepare=None if params else False)

    @contextlib.contextmanager
    def round_trip(self) -> Iterator[None]:
        """The statements run in this block go to the server together (a pipeline): read
        their cursors after it. Inside another, they go with the outer one's (psycopg ends
        a nested pipeline with a round trip of its own)."""
        conn = self.connection()
        if conn.pgconn.pipeline_status != PipelineStatus.OFF:
            yield
            return
        with __exception_wrapper__, conn.pipeline():
            yield

    def defers_on(self, connection) -> bool:
        """Under READ COMMITTED every statement reads its own snapshot, in a transaction or
        not, so a read's statements before its BEGIN see what they would have seen in one."""
        return connection.taskgate_read_committed


def is_begin(statement: tuple[str, Any]) -> bool:
    """Whether a held statement is its transaction's BEGIN (then nothing of it was sent)."""
    return statement[0].startswith("BEGIN")


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


def own_cursor(connection, name: str):
    """The connection's cursor kept as ``name``, made at its first use (again if closed)."""
    cursor = getattr(connection, name, None)
    if cursor is None or cursor.closed:
        cursor = connection.cursor()
        setattr(connection, name, cursor)
    return cursor


def has_input(connection) -> bool:
    """Whether the idle connection's socket has bytes (or its end) waiting: no round trip."""
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
