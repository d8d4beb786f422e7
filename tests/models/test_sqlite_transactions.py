"""A read on SQLite begins no transaction (``models.sqlite``): each of its statements reads the
last commit, as under PostgreSQL's READ COMMITTED, and a write made in a read's transaction
begins IMMEDIATE just before it, so that a read-then-write never fails with "database is
locked" because another process wrote between its read and its write."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import ok_data

from models.base import transaction
from models.members import Team, User
from models.projects import Project
from models.sqlite import is_plain_read


@pytest.mark.parametrize(("sql", "plain"), [
    ('SELECT "t1"."id" FROM "tasks" AS "t1" WHERE ("t1"."id" = ?)', True),
    ('((SELECT ?, "t1"."task_id" FROM "task_tags" AS "t1") UNION ALL (SELECT 1, 2))', True),
    ("select id from tasks", True),
    ("PRAGMA data_version", True),
    ('INSERT INTO "tasks" ("name") VALUES (?)', False),
    ('WITH gone AS (SELECT 1) DELETE FROM "tags"', False),
    ('SAVEPOINT "s1";', False),
    ('UPDATE "api_keys" SET "last_used" = ?', False),
])
def test_only_a_select_or_a_pragma_runs_before_a_reads_transaction_begins(sql, plain):
    assert is_plain_read(sql) is plain


def test_a_write_action_takes_the_write_lock_when_it_begins(sqlite, control, api):
    project = Project.create(name="Write", author=User.owner())
    ok_data(api.call("post_task", id_project=project.id, title="One"))
    assert control == ["BEGIN", "COMMIT"]  # both databases: test_transactions.py
    assert sqlite._lock_type == "IMMEDIATE"  # what a BEGIN without a lock type takes


def test_a_write_in_a_reads_transaction_begins_it_immediate_before_the_write(sqlite, control):
    teams = Team.select().count()
    with transaction(writes=False):
        assert Team.select().count() == teams
        assert control == []
        Team.create(title="Late", client=0, is_main=0)
        assert control == ["BEGIN"]
    assert control == ["BEGIN", "COMMIT"]
    assert Team.select().count() == teams + 1


def test_a_reads_transaction_that_fails_after_its_write_keeps_nothing(sqlite, control):
    with pytest.raises(RuntimeError), transaction(writes=False):
        Team.create(title="Undone", client=0, is_main=0)
        raise RuntimeError("after the write")
    assert control == ["BEGIN", "ROLLBACK"]
    assert not Team.select().where(Team.title == "Undone").exists()


def test_a_write_after_another_process_wrote_since_the_read_is_kept(sqlite):
    """Under BEGIN DEFERRED the read fixed a snapshot, and the write then failed with
    "database is locked" (SQLITE_BUSY_SNAPSHOT) whatever the busy timeout."""
    other = sqlite3.connect(sqlite.database, isolation_level=None)
    try:
        with transaction(writes=False):
            assert not Team.select().where(Team.title == "Other").exists()
            other.execute("INSERT INTO teams (title, client, is_main) VALUES ('Other', 0, 0)")
            Team.create(title="Mine", client=0, is_main=0)
    finally:
        other.close()
    assert Team.select().where(Team.title.in_(["Mine", "Other"])).count() == 2
