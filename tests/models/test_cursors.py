"""Cursors: a statement read at once runs on the connection's kept reader (PostgreSQL; a new
psycopg cursor builds its row loaders anew), held writes on its sender; whatever is read
lazily keeps a cursor of its own, so that no read overwrites the rows of another."""

from __future__ import annotations

import itertools

from models.base import db, run_later, transaction
from models.compiled import compiled
from models.members import User


def emails() -> list[str]:
    for n in range(3):
        User.create(email=f"reader{n}@example.com")
    return [user.email for user in User.select().order_by(User.id)]


def test_reads_at_once_inside_a_lazy_read_leave_its_rows_alone(app):
    with app.app_context():
        expected = emails()
        by_id = compiled("test email by id",
                         lambda: User.select(User.email).where(User.id == User.id))
        seen = []
        lazy = User.select().order_by(User.id).iterator()  # read row by row
        for user in itertools.islice(lazy, len(expected) + 1):
            assert by_id.rows() and by_id.one()  # run between two rows of the lazy read
            seen.append(user.email)
        assert seen == expected


def test_reads_at_once_share_one_cursor_and_other_statements_get_their_own(postgres):
    reader = db.execute_sql("SELECT 1", read_at_once=True)
    assert db.execute_sql("SELECT 2", read_at_once=True) is reader
    assert reader.fetchall() == [(2,)]
    assert db.execute_sql("SELECT 3") is not reader


def test_a_read_after_held_writes_reads_its_own_rows(postgres):
    by_email = compiled("test user by email", lambda: User.select(User.email).where(
        User.email.startswith("held")))
    with transaction(writes=True):
        for n in range(2):
            assert run_later(*User.insert(email=f"held{n}@example.com").sql()) is None
        assert by_email.rows() == [("held0@example.com",), ("held1@example.com",)]
