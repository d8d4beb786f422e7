"""Ids: no user has a sentinel's id (0, 1 NOONE, 2 ANY), no id is handed out twice, and
``init-db`` upgrades a database made before either rule."""

from __future__ import annotations

import json

import pytest
from conftest import OWNER_EMAIL, ok_data, post_task

from models.base import db
from models.events import Event
from models.ids import USER_ID_START
from models.members import User
from models.tasks import Task

NOONE_ID, ANY_ID = "1", "2"


def user_ids(api) -> list[int]:
    return [int(u["id"]) for u in ok_data(api.call("get_users"))]


def test_no_user_ever_has_a_sentinel_id(api):
    ok_data(api.call("add_user", email="frank.harper@ws.com"))
    ok_data(api.call("add_user", email="kate.greenway@ws.com"))
    assert all(i >= USER_ID_START for i in user_ids(api))


def test_an_assignment_to_the_second_user_is_not_anyone(api, website):
    frank = ok_data(api.call("add_user", email="frank.harper@ws.com", first_name="Frank",
                             last_name="Harper"))
    task = post_task(api, website, email_user_to="frank.harper@ws.com")
    user_to = ok_data(api.call("get_task", id_task=task))["user_to"]
    assert user_to == {"id": frank["id"], "email": "frank.harper@ws.com", "name": "Frank Harper"}
    assert user_to["id"] not in (NOONE_ID, ANY_ID)
    anyone = ok_data(api.call("get_task", id_task=post_task(api, website, email_user_to="ANY")))
    assert anyone["user_to"] == {"id": ANY_ID, "email": "ANY", "name": "Anyone"}


@pytest.mark.parametrize("kind", ["task", "comment", "webhook"])
def test_a_deleted_id_is_never_handed_out_again(hooks_app, api, website, kind, receiver):
    task = post_task(api, website)
    make, delete = {
        "task": (lambda: post_task(api, website),
                 lambda i: api.call("delete_task", id_task=i)),
        "comment": (lambda: int(ok_data(api.call("post_comment", id_task=task, text="Hi"))["id"]),
                    lambda i: api.call("delete_comment", id_comment=i)),
        "webhook": (lambda: add_webhook(api, receiver.url),
                    lambda i: api.call("delete_webhook", id=i)),
    }[kind]
    first = make()
    assert delete(first)["status"] == "ok"
    assert make() > first


def add_webhook(api, url: str) -> int:
    body = api.call("add_webhook", url=url, events="post_task")
    assert body["status"] == "ok", body
    return int(body["id"])


def test_init_db_renumbers_users_and_every_reference_follows(app, api):
    owner = User.owner()
    User.update(id=1).where(User.id == owner.id).execute()
    User.create(id=2, email="frank.harper@ws.com", first_name="Frank", last_name="Harper")
    project = int(ok_data(api.call("post_project", title="Website"))["id"])
    task = post_task(api, project, email_user_to="frank.harper@ws.com")
    assert ok_data(api.call("get_task", id_task=task))["user_to"]["id"] == ANY_ID  # the bug

    assert "Database ready" in app.test_cli_runner().invoke(args=["init-db"]).output

    ids = {u["email"]: u["id"] for u in ok_data(api.call("get_users"))}
    assert all(int(i) >= USER_ID_START for i in ids.values())
    data = ok_data(api.call("get_task", id_task=task))
    assert (data["user_from"]["id"], data["user_to"]["id"]) == (
        ids[OWNER_EMAIL], ids["frank.harper@ws.com"])
    history = ok_data(api.call("get_events", period="1d"))
    [posted] = [e for e in history if e["object"]["type"] == "task"]
    assert posted["user_from"]["id"] == ids[OWNER_EMAIL]
    assert posted["new"]["user_to"]["id"] == ids["frank.harper@ws.com"]
    assert json.loads(Event.get(Event.task_id == task).new)["user_to"]["id"] == (
        ids["frank.harper@ws.com"])
    newcomer = ok_data(api.call("add_user", email="kate.greenway@ws.com"))
    assert int(newcomer["id"]) > max(int(i) for i in ids.values())
    app.test_cli_runner().invoke(args=["init-db"])  # again: nothing moves
    assert {u["email"]: u["id"] for u in ok_data(api.call("get_users"))} == {
        **ids, "kate.greenway@ws.com": newcomer["id"]}


def test_init_db_rebuilds_sqlite_tables_that_reuse_ids(app, api, website, database_url):
    if database_url:
        pytest.skip("PostgreSQL sequences never hand an id out twice")
    with app.app_context():
        [ddl] = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'tasks'").fetchone()
        db.execute_sql("PRAGMA foreign_keys = OFF")
        db.execute_sql("PRAGMA legacy_alter_table = ON")
        db.execute_sql("ALTER TABLE tasks RENAME TO tasks_new")
        db.execute_sql(ddl.replace("AUTOINCREMENT", ""))
        db.execute_sql("INSERT INTO tasks SELECT * FROM tasks_new")
        db.execute_sql("DROP TABLE tasks_new")
        db.execute_sql("PRAGMA foreign_keys = ON")
        db.close()
    first, second = post_task(api, website), post_task(api, website)
    app.test_cli_runner().invoke(args=["init-db"])
    assert [t["id"] for t in ok_data(api.call("get_tasks", id_project=website))] == [
        str(first), str(second)]
    ok_data(api.call("delete_task", id_task=second))
    assert post_task(api, website) > second
    with app.app_context():
        assert Task.select().count() == 2
