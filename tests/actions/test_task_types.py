"""Task types and priorities (Trudesk's ticket types): CRUD, a task's type and priority,
the overdue flag and list, and no deletion of a type or priority in use without a replacement."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import error, ok_data, post_task

from models.base import now
from models.events import Event
from models.task_types import TaskPriority, TaskTicket, TaskType
from models.tasks import Task


@pytest.fixture
def kinds(api):
    """Two priorities (one default) and two types: Issue (both) and Task (the default)."""
    urgent = ok_data(api.call("add_task_priority", name="Urgent", overdue_in=60,
                              html_color="#FF0000"))
    normal = ok_data(api.call("add_task_priority", name="Normal", default=1))
    issue = ok_data(api.call("add_task_type", name="Issue",
                             priorities=f"{urgent['id']},{normal['id']}"))
    task = ok_data(api.call("add_task_type", name="Task"))
    return {"urgent": urgent, "normal": normal, "issue": issue, "task": task}


def test_types_with_their_priorities(api, kinds):
    urgent, normal = kinds["urgent"], kinds["normal"]
    assert urgent == {"id": urgent["id"], "name": "Urgent", "overdue_in": 60,
                      "html_color": "#ff0000", "default": 0}
    assert normal["overdue_in"] == 2880 and normal["html_color"] == "#29b955"
    assert ok_data(api.call("get_task_types")) == [
        {"id": kinds["issue"]["id"], "name": "Issue", "priorities": [urgent, normal]},
        {"id": kinds["task"]["id"], "name": "Task", "priorities": [normal]}]
    assert ok_data(api.call("get_task_priorities")) == [urgent, normal]


def test_update_a_type_and_a_priority(api, kinds):
    kind = ok_data(api.call("update_task_type", id=kinds["task"]["id"], name="Chore",
                            priorities=kinds["urgent"]["id"]))
    assert kind["name"] == "Chore" and [p["name"] for p in kind["priorities"]] == ["Urgent"]
    priority = ok_data(api.call("update_task_priority", id=kinds["urgent"]["id"],
                                overdue_in=30, html_color="#000"))
    assert (priority["overdue_in"], priority["html_color"]) == (30, "#000")


@pytest.mark.parametrize(("action", "params", "expected"), [
    ("add_task_type", {"name": "ab"}, (11, "name")),
    ("add_task_type", {"name": "Issue"}, (11, "Issue")),
    ("add_task_type", {"name": "Bug", "priorities": "999"}, (10, None)),
    ("update_task_type", {"id": 999, "name": "Bugs"}, (10, None)),
    ("add_task_priority", {"name": "Now", "html_color": "red"}, (11, "html_color")),
    ("add_task_priority", {"name": "Now", "overdue_in": 0}, (11, "overdue_in")),
    ("add_task_priority", {"name": "Urgent"}, (11, "Urgent")),
    ("update_task_priority", {"id": 999, "name": "x"}, (10, None)),
])
def test_bad_type_and_priority_input_writes_nothing(api, kinds, action, params, expected):
    counts = (TaskType.select().count(), TaskPriority.select().count())
    body = api.call(action, **params)
    assert (body["status_code"], body.get("message_details")) == expected
    assert (TaskType.select().count(), TaskPriority.select().count()) == counts


def test_a_task_carries_a_type_and_a_priority_the_type_allows(api, website, kinds):
    plain = ok_data(api.call("get_task", id_task=post_task(api, website)))
    assert "type" not in plain and "overdue" not in plain and "ticket_status" not in plain
    task = ok_data(api.call("post_task", id_project=website, title="Printer jam", type="Issue",
                            type_priority="Urgent"))
    assert task["type"] == {"id": kinds["issue"]["id"], "name": "Issue"}
    assert task["type_priority"] == {"id": kinds["urgent"]["id"], "name": "Urgent",
                                     "overdue_in": 60, "html_color": "#ff0000"}
    assert (task["overdue"], task["ticket_status"]) == (0, "New")
    moved = ok_data(api.call("update_task", id_task=task["id"], type=kinds["task"]["id"]))
    assert moved["type"]["name"] == "Task" and moved["type_priority"]["name"] == "Normal"
    assert api.call("update_task", id_task=task["id"], type_priority="Urgent") == error(
        11, "Invalid type_priority: the type does not allow it", "type_priority")
    assert api.call("update_task", id_task=task["id"], type="Nope") == error(
        11, "Invalid type: no such type", "Nope")
    plain_id = post_task(api, website)
    assert api.call("update_task", id_task=plain_id, type_priority="Urgent") == error(
        11, "Invalid type_priority: the task has no type", "type")
    assert TaskTicket.get(TaskTicket.task == int(task["id"])).type.name == "Task"


def test_the_default_task_type_setting(api, website, kinds):
    ok_data(api.call("update_setting", name="default_task_type", value=kinds["task"]["id"]))
    task = ok_data(api.call("get_task", id_task=post_task(api, website)))
    assert task["type"]["name"] == "Task" and task["type_priority"]["name"] == "Normal"
    assert api.call("delete_task_type", id=kinds["task"]["id"])["status_code"] == 11


def backdate(task_id: int, minutes: int) -> None:
    then = now() - dt.timedelta(minutes=minutes)
    Task.update(date_added=then).where(Task.id == task_id).execute()
    Event.update(date_added=then).where(Event.task_id == task_id).execute()


def test_overdue_tasks_are_flagged_and_listed(api, website, kinds):
    late = int(ok_data(api.call("post_task", id_project=website, title="Late", type="Issue",
                                type_priority="Urgent"))["id"])
    pending = int(ok_data(api.call("post_task", id_project=website, title="Waiting",
                                   type="Issue", type_priority="Urgent",
                                   ticket_status="Pending"))["id"])
    fresh = int(ok_data(api.call("post_task", id_project=website, title="Fresh", type="Issue",
                                 type_priority="Normal"))["id"])
    for task in (late, pending, fresh):
        backdate(task, 61)
    assert ok_data(api.call("get_task", id_task=late))["overdue"] == 1
    assert ok_data(api.call("get_task", id_task=pending))["overdue"] == 0
    assert ok_data(api.call("get_task", id_task=fresh))["overdue"] == 0
    assert [t["id"] for t in ok_data(api.call("get_overdue_tasks"))] == [str(late)]
    assert ok_data(api.call("get_overdue_tasks", id_project=website, page=2, limit=1)) == []
    ok_data(api.call("post_comment", id_task=late, text="Looking"))  # activity resets the clock
    assert ok_data(api.call("get_overdue_tasks")) == []
    backdate(late, 61)
    ok_data(api.call("update_setting", name="show_overdue", value=0))
    assert ok_data(api.call("get_overdue_tasks")) == []
    assert "overdue" not in ok_data(api.call("get_task", id_task=late))


def test_a_type_in_use_is_deleted_only_with_a_replacement(api, website, kinds):
    task = ok_data(api.call("post_task", id_project=website, title="Jam", type="Issue",
                            type_priority="Urgent"))
    issue = kinds["issue"]["id"]
    assert api.call("delete_task_type", id=issue) == error(
        13, "Tasks use it: give a replacement", "1 tasks; give id_type_new")
    assert api.call("delete_task_type", id=issue, id_type_new=issue)["status_code"] == 11
    assert api.call("delete_task_type", id=issue, id_type_new=999) == error(
        10, "Task type is invalid")
    assert TaskType.select().count() == 2
    assert api.call("delete_task_type", id=issue, id_type_new=kinds["task"]["id"]) == {
        "status": "ok", "updated": 1}
    moved = ok_data(api.call("get_task", id_task=task["id"]))
    assert moved["type"]["name"] == "Task" and "type_priority" not in moved
    assert api.call("delete_task_type", id=issue) == error(10, "Task type is invalid")


def test_a_priority_in_use_is_deleted_only_with_a_replacement(api, website, kinds):
    task = ok_data(api.call("post_task", id_project=website, title="Jam", type="Issue",
                            type_priority="Urgent"))
    urgent, normal = kinds["urgent"]["id"], kinds["normal"]["id"]
    assert api.call("delete_task_priority", id=urgent)["status_code"] == 13
    assert api.call("delete_task_priority", id=urgent, id_priority_new=normal) == {
        "status": "ok", "updated": 1}
    assert ok_data(api.call("get_task", id_task=task["id"]))["type_priority"]["name"] == "Normal"
    unused = ok_data(api.call("add_task_priority", name="Low"))
    assert api.call("delete_task_priority", id=unused["id"]) == {"status": "ok", "updated": 0}
