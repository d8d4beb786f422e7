"""UserTasks' addressing: a client-chosen task_uid wherever id_task is taken, batch get by
uids, several assignees and teams, comments with their last-modified time."""

from __future__ import annotations

import uuid

import pytest
from conftest import DATE_ADDED, error, ok_data, ref

from models.events import Event
from models.tasks import Task
from models.usertasks import TaskUid

UID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
TASK_INVALID = error(5, "Task is invalid", "task_uid")


def post(api, website, uid=UID, **params):
    return ok_data(api.post_json("post_task", id_project=website, task_uid=uid,
                                 **{"title": "Invoice", **params}))


def test_a_task_is_addressed_by_its_uid(api, website):
    task = post(api, website)
    assert task["task_uid"] == UID.lower()
    uid = UID.lower()
    assert ok_data(api.call("get_task", task_uid=UID))["id"] == task["id"]
    updated = ok_data(api.call("update_task", task_uid=uid, title="Invoice #2"))
    assert (updated["id"], updated["name"]) == (task["id"], "Invoice #2")
    comment = ok_data(api.call("post_comment", task_uid=uid, text="Sent"))
    assert [c["id"] for c in ok_data(api.call("get_comments", task_uid=uid))] == [comment["id"]]
    assert len(ok_data(api.call("get_events", task_uid=uid))) == 3
    ok_data(api.call("complete_task", task_uid=uid))
    assert api.call("delete_task", task_uid=uid) == {"status": "ok"}
    assert api.call("get_task", task_uid=uid) == TASK_INVALID
    assert TaskUid.select().count() == 0


def test_a_retried_create_answers_the_same_task(api, website):
    first = post(api, website)
    again = post(api, website)
    assert again == first and Task.select().count() == 1
    assert Event.select().where(Event.object_type == "task").count() == 1
    body = api.post_json("post_task", id_project=website, title="Other", task_uid=UID)
    assert body == error(11, "This task_uid belongs to another task", "task_uid")
    assert Task.select().count() == 1


@pytest.mark.parametrize("action", ["get_task", "update_task", "delete_task", "get_comments"])
def test_a_uid_that_is_not_a_uuid_or_belongs_to_nobody(api, website, action):
    post(api, website)
    assert api.call(action, task_uid="12345", title="x") == error(
        11, "Invalid task_uid: not a UUID", "task_uid")
    assert api.call(action, task_uid=str(uuid.uuid4()), title="x") == TASK_INVALID
    assert Task.get().name == "Invoice"


def test_post_task_refuses_a_uid_that_is_not_a_uuid(api, website):
    body = api.post_json("post_task", id_project=website, title="x", task_uid="abc")
    assert (body["status_code"], body["message_details"]) == (11, "task_uid")
    assert Task.select().count() == 0


def test_id_task_and_task_uid_must_agree(api, website):
    post(api, website)
    other = post(api, website, uid=str(uuid.uuid4()))
    assert api.call("get_task", task_uid=UID, id_task=other["id"]) == TASK_INVALID


def test_batch_get_by_uids_in_the_order_asked(api, website):
    uids = [str(uuid.uuid4()) for _ in range(3)]
    tasks = [post(api, website, uid=uid, title=f"T{n}") for n, uid in enumerate(uids)]
    asked = [uids[2], str(uuid.uuid4()), uids[0]]
    found = ok_data(api.post_json("get_tasks_by_uids", task_uids=asked, extra="text"))
    assert [t["id"] for t in found] == [tasks[2]["id"], tasks[0]["id"]]
    assert "text" in found[0]
    assert ok_data(api.call("get_tasks_by_uids", task_uids=",".join(uids[:2])))[1]["task_uid"] \
        == uids[1]
    assert api.call("get_tasks_by_uids", task_uids="nope")["status_code"] == 11
    assert api.call("get_tasks_by_uids")["status_code"] == 10


def test_several_assignees_and_teams(api, website, frank, kate):
    testers = ok_data(api.call("add_user_group", title="Testers"))
    task = post(api, website, email_user_to=frank.email, assignees=[kate.email, frank.email],
                assigned_groups="Testers")
    assert task["user_to"] == ref(frank)
    assert task["assignees"] == [ref(frank), ref(kate)]
    assert task["assigned_groups"] == [{"id": testers["id"], "title": "Testers"}]
    cleared = ok_data(api.call("update_task", id_task=task["id"], assignees="none",
                               assigned_groups="none"))
    assert "assignees" not in cleared and "assigned_groups" not in cleared
    assert api.call("update_task", id_task=task["id"], assignees="who@ws.com") == error(
        11, "Invalid email", "who@ws.com")
    assert api.call("update_task", id_task=task["id"], assigned_groups="Nobody") == error(
        11, "Invalid assigned_groups: no such team", "Nobody")
    ok_data(api.call("disable_user", email=kate.email))
    assert api.call("update_task", id_task=task["id"], assignees=kate.email)["status_code"] == 11


def test_comments_carry_their_last_modified_time(api, website):
    post(api, website)
    comment = ok_data(api.call("post_comment", task_uid=UID, text="Draft"))
    assert "date_modified" not in comment
    edited = ok_data(api.call("update_comment", id_comment=comment["id"], text="Final"))
    assert DATE_ADDED.match(edited["date_modified"])
    assert ok_data(api.call("get_comments", task_uid=UID))[0]["date_modified"] == \
        edited["date_modified"]
    assert ok_data(api.call("delete_comment", id_comment=comment["id"])) is None
    assert ok_data(api.call("get_comments", task_uid=UID)) == []


def test_a_uid_taken_by_a_concurrent_create_writes_nothing(api, website, monkeypatch):
    post(api, website)
    monkeypatch.setattr("actions.tasks.retried_post", lambda params: None)  # both passed it
    body = api.post_json("post_task", id_project=website, title="Invoice", task_uid=UID)
    assert body == error(11, "This task_uid was taken by a request at the same time: retry",
                         "task_uid")
    assert Task.select().count() == 1
