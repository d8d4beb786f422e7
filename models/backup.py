"""Backups: of a SQLite install, a file made with SQLite's online backup API, read back on
either database through the export format (``models.transfer``); of a PostgreSQL install,
pg_dump's custom format read back by pg_restore. Every file is written at 0600."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from peewee import AutoField, PostgresqlDatabase

from models import all_models
from models.base import connect_database, db
from models.migrations import upgrade
from models.transfer import export_account

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
SEQUENCE = "SELECT pg_get_serial_sequence(quote_ident(%s), %s)"
PAGES_PER_STEP = 1024


def is_sqlite_file(path: str) -> bool:
    with open(path, "rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def backup_sqlite(target: str, progress: Callable[[int, int], None] = lambda done, of: None,
                  ) -> None:
    """Copy the live SQLite database to ``target`` (replaced atomically when it exists) while
    the server runs: SQLite's backup API restarts a step that a write overtook, so the copy is
    one moment of the database, its WAL included."""
    folder = os.path.dirname(os.path.abspath(target))
    fd, temp = tempfile.mkstemp(dir=folder, suffix=".sqlite-partial")
    os.close(fd)
    try:
        copy = sqlite3.connect(temp)
        try:
            db.connection().backup(copy, pages=PAGES_PER_STEP,
                                   progress=lambda _, left, total: progress(total - left, total))
        finally:
            copy.close()
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def export_sqlite_file(path: str, out: IO[str]) -> None:
    """Write a SQLite backup's content (upgraded to today's schema, on a copy) in the export
    format, so that it can be loaded into any database."""
    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, "backup.sqlite")
        shutil.copyfile(path, copy)
        with bound_to(connect_database(f"sqlite:///{copy}")):
            upgrade()
            export_account(out, files=None)


@contextmanager
def bound_to(database: Any) -> Iterator[None]:
    """Point the models at another database for a while."""
    previous = db.obj
    db.initialize(database)
    try:
        yield
    finally:
        database.close_all() if hasattr(database, "close_all") else database.close()
        db.initialize(previous)


def private_file(path: str) -> None:
    """Create (or truncate) ``path`` at mode 0600 before anything is written to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)


def is_pg_dump_file(path: str) -> bool:
    with open(path, "rb") as file:
        return file.read(len(PG_DUMP_HEADER)) == PG_DUMP_HEADER


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password (pg_dump's command line is visible to every user), and
    the environment that carries the password instead."""
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        user = f"{parts.username}@" if parts.username else ""
        parts = parts._replace(netloc=user + host)
    return urlunsplit(parts), env


def run_pg(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise RuntimeError(f"{command[0]} failed: {lines[0] if lines else done.returncode}")


def pg_dump(url: str, target: str) -> None:
    """pg_dump's custom format (read back by pg_restore), written at 0600, atomically."""
    dsn, env = libpq(url)
    temp = f"{target}.partial"
    private_file(temp)
    try:
        run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                f"--file={temp}", f"--dbname={dsn}"], env)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def pg_restore(url: str, source: str) -> None:
    """Replace this database's tables by the dump's, in one transaction."""
    dsn, env = libpq(url)
    db.close()
    run_pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", f"--dbname={dsn}", source], env)


def sequence_positions() -> dict[str, int]:
    """The last id each PostgreSQL sequence handed out (none on SQLite, whose ids are
    AUTOINCREMENT: never handed out twice)."""
    if not isinstance(db.obj, PostgresqlDatabase):
        return {}
    found = {}
    for table, column in serial_columns():
        last, called = db.execute_sql(
            f"SELECT last_value, is_called FROM "
            f"{db.execute_sql(SEQUENCE, (table, column)).fetchone()[0]}").fetchone()
        found[table] = last if called else last - 1
    return found


def keep_sequences_past(before: dict[str, int]) -> None:
    """After a restore: no id handed out before it (after the backup) is handed out again."""
    for table, column in serial_columns():
        if table in before:
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence(quote_ident(%s), %s), "
                           f'GREATEST(%s, (SELECT COALESCE(MAX("{column}"), 0) FROM "{table}"),'
                           f" 1))", (table, column, before[table]))


def serial_columns() -> list[tuple[str, str]]:
    existing = set(db.get_tables())
    return [(m._meta.table_name, m._meta.primary_key.column_name) for m in all_models()
            if isinstance(m._meta.primary_key, AutoField) and m._meta.table_name in existing]
