"""SQLite as Taskgate runs it: WAL, pooled connections, Unicode ``lower()``, and reads that
begin no transaction (:class:`models.deferred.DeferredTransaction`)."""

from __future__ import annotations

import os
from typing import Any

from playhouse import db_url
from playhouse.pool import PooledSqliteDatabase

from models.deferred import DefersReads

PRAGMAS = {"journal_mode": "wal", "synchronous": "normal", "foreign_keys": 1}


def is_plain_read(sql: str) -> bool:
    """A SELECT (SQLite has no row locks; a PRAGMA sets the connection, not a transaction)."""
    return sql.lstrip(" (")[:6].upper() in ("SELECT", "PRAGMA")


class PooledSqlite(DefersReads, PooledSqliteDatabase):
    """A read runs in a deferred transaction (:mod:`models.deferred`): in WAL mode each
    statement reads the last commit, as PostgreSQL's READ COMMITTED does, and its first write
    begins IMMEDIATE (the write lock before anything is read for it: a transaction that began
    DEFERRED and read fails with "database is locked" once another process wrote in between)."""

    is_plain_read = staticmethod(is_plain_read)

    def execute_sql(self, sql, params=None, read_at_once=False):
        """``read_at_once`` changes nothing here: a sqlite3 cursor costs next to nothing."""
        self.begin_before(sql)
        return super().execute_sql(sql, params)


def connect_sqlite(url: str) -> PooledSqlite:
    """``sqlite:///path``, pooled: a connection (and its PRAGMAs) outlives the request. A
    pooled connection serves one thread at a time, but not always the same one. SQLite's own
    lower() folds ASCII only; filters compare names ignoring case in every alphabet, as
    PostgreSQL's lower() does."""
    settings = db_url.parse(url)
    database = PooledSqlite(settings.pop("database"), stale_timeout=300, pragmas=PRAGMAS,
                            timeout=10, lock_type="IMMEDIATE", check_same_thread=False,
                            **settings)
    database.register_function(unicode_lower, "lower", 1, deterministic=True)
    create_private(database.database)
    return database


def create_private(path: str) -> None:
    """Create the SQLite file readable by its owner only (0600): it holds the account's data.
    SQLite gives its -wal and -shm files the mode of the database file."""
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError:  # no such folder, no right to write: SQLite says so on first use
        pass


def unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
