"""Backups of a SQLite install (a file made with SQLite's online backup API) and reading one
back on either database, through the export format (``models.transfer``)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from models.base import connect_database, db
from models.migrations import upgrade
from models.transfer import export_account

SQLITE_HEADER = b"SQLite format 3\x00"
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
