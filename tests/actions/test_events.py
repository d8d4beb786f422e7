"""get_events: the recorded events in the catalogue's shape, filtered by period, project, task."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import OWNER_EMAIL, UserRef, ok_data

from models.base import now
from models.events import Event, record
from models.members import User
from models.projects import Project
from models.tasks import Task

HENRY = UserRef(OWNER_EMAIL, "Henry Gardner")
PERIOD_REQUIRED = {"status": "error", "status_code": 10, "message": "Field is required",
                   "message_details": "period"}




@pytest.fixture
def project(app):
    return Project.create(name="Performance improvement", author=User.owner())


@pytest.fixture
def task(project):
    return Task.create(project=project, name="Workflow revision", author=User.owner())


def aged(event, **ago):
    """The event, moved back in time by ``ago`` (timedelta keywords)."""
    Event.update(date_added=now() - dt.timedelta(**ago)).where(Event.id == event.id).execute()
    return Event.get_by_id(event.id)


def ids(body):
    return [int(item["object"]["id"]) for item in ok_data(body)]


def test_get_events_answers_in_the_catalogue_shape_oldest_first(api, project, task, frank):
    owner = User.owner()
    closed = aged(record("close", "task", task.id, task.page, user=frank,
                         project_id=project.id, task_id=task.id), minutes=5)
    updated = aged(record("update", "task", task.id, task.page, user=owner,
                          project_id=project.id, task_id=task.id,
                          new={"priority": "7", "date_end": "2024-01-11"},
                          old={"priority": "1", "date_end": ""}), minutes=20)
    posted = aged(record("post", "project", project.id, project.page, user=owner,
                         project_id=project.id, new={"title": project.name}), minutes=40)
    assert ok_data(api.call("get_events", period="1h")) == [
        {"action": "post",
         "object": {"type": "project", "id": str(project.id), "page": f"/project/{project.id}/"},
         "date_added": posted.date_added.strftime("%Y-%m-%d %H:%M"),
         "user_from": HENRY,
         "new": {"title": "Performance improvement"}},
        {"action": "update",
         "object": {"type": "task", "id": str(task.id),
                    "page": f"/project/{project.id}/{task.id}/"},
         "date_added": updated.date_added.strftime("%Y-%m-%d %H:%M"),
         "user_from": HENRY,
         "new": {"priority": "7", "date_end": "2024-01-11"},
         "old": {"priority": "1", "date_end": ""}},
        {"action": "close",
         "object": {"type": "task", "id": str(task.id),
                    "page": f"/project/{project.id}/{task.id}/"},
         "date_added": closed.date_added.strftime("%Y-%m-%d %H:%M"),
         "user_from": {"id": str(frank.id), "email": "frank.harper@ws.com",
                       "name": "Frank Harper"}},
    ]


def test_a_comment_event_points_at_its_task(api, task):
    record("post", "comment", 19870, task.page, user=User.owner(), project_id=task.project_id,
           task_id=task.id, new={"text": "Today we have a meetup."})
    [event] = ok_data(api.call("get_events", period="10m"))
    assert event["object"] == {"type": "comment", "id": "19870", "page": task.page}
    assert event["new"] == {"text": "Today we have a meetup."}


@pytest.mark.parametrize(("period", "inside", "outside"), [
    ("1m", {"seconds": 30}, {"seconds": 90}),
    ("360m", {"minutes": 355}, {"minutes": 365}),
    ("1h", {"minutes": 55}, {"minutes": 65}),
    ("72h", {"hours": 71}, {"hours": 73}),
    ("1d", {"hours": 23}, {"hours": 25}),
    ("30d", {"days": 29}, {"days": 31}),
    ("6H", {"hours": 5}, {"hours": 7}),
])
def test_get_events_period_bounds(api, project, period, inside, outside):
    kept = aged(record("post", "project", 1, "/project/1/", user=None), **inside)
    aged(record("post", "project", 2, "/project/2/", user=None), **outside)
    assert ids(api.call("get_events", period=period)) == [kept.object_id]


@pytest.mark.parametrize("period", ["60d", "31d", "73h", "361m", "0m", "0d", "6", "h", "6w",
                                    "1.5h", "-1h", "6 h", "1y", "99999d"])
def test_get_events_with_a_period_outside_the_ranges(api, period):
    assert api.call("get_events", period=period) == PERIOD_REQUIRED


def test_get_events_without_a_period(api):
    assert api.call("get_events") == PERIOD_REQUIRED
    assert api.call("get_events", period="") == PERIOD_REQUIRED


def test_get_events_period_as_a_json_number_is_not_a_period(api):
    assert api.post_json("get_events", period=6) == PERIOD_REQUIRED


def test_get_events_of_one_project(api, project, task):
    other = Project.create(name="Other", author=User.owner())
    record("post", "project", other.id, other.page, user=None, project_id=other.id)
    mine = record("post", "task", task.id, task.page, user=None, project_id=project.id,
                  task_id=task.id)
    assert ids(api.call("get_events", period="1h", id_project=project.id)) == [mine.object_id]
    assert len(ok_data(api.call("get_events", period="1h"))) == 2


def test_get_events_of_one_task_is_its_history(api, project, task):
    sibling = Task.create(project=project, name="Sibling", author=User.owner())
    record("post", "task", sibling.id, sibling.page, user=None, project_id=project.id,
           task_id=sibling.id)
    record("post", "task", task.id, task.page, user=None, project_id=project.id,
           task_id=task.id)
    record("post", "comment", 77, task.page, user=None, project_id=project.id, task_id=task.id)
    body = api.call("get_events", period="1h", id_task=task.id)
    assert [(e["action"], e["object"]["type"], e["object"]["id"]) for e in ok_data(body)] == [
        ("post", "task", str(task.id)), ("post", "comment", "77")]


def test_get_events_of_an_unknown_project_or_task(api):
    assert api.call("get_events", period="1h", id_project=999) == {
        "status": "error", "status_code": 4, "message": "Project is invalid"}
    assert api.call("get_events", period="1h", id_task=999) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}


def test_get_events_when_nothing_happened(api):
    assert api.call("get_events", period="30d") == {"status": "ok", "data": []}


def test_get_events_records_the_mutations_made_through_the_api(api, frank):
    project = ok_data(api.call("post_project", title="Prototyping"))
    task = ok_data(api.call("post_task", id_project=project["id"], title="Wireframes",
                            priority=1))
    ok_data(api.call("update_task", id_task=task["id"], priority=7,
                     email_user_to=frank.email))
    assert api.call("complete_task", id_task=task["id"])["status"] == "ok"
    events = ok_data(api.post_json("get_events", period="5m"))
    assert [(e["action"], e["object"]["type"], e["object"]["id"]) for e in events] == [
        ("post", "project", project["id"]), ("post", "task", task["id"]),
        ("update", "task", task["id"]), ("close", "task", task["id"])]
    assert events[0]["new"]["title"] == "Prototyping"
    assert events[1]["object"]["page"] == task["page"]
    assert events[2]["new"]["priority"] == "7" and events[2]["old"]["priority"] == "1"
    assert events[2]["new"]["user_to"] == {"id": str(frank.id), "email": frank.email,
                                           "name": "Frank Harper"}
    assert "new" not in events[3] and "old" not in events[3]
    assert all(e["user_from"] == HENRY for e in events)
    history = ok_data(api.call("get_events", period="5m", id_task=int(task["id"])))
    assert [e["action"] for e in history] == ["post", "update", "close"]


def test_every_event_streams_across_batches_of_one_moment_once_each(api, project, monkeypatch):
    """Batches continue after the last (time, id) written: events of the same second, which
    a time alone cannot order, are all listed once, in id order, whatever the batch size."""
    monkeypatch.setattr("actions.events.BATCH", 3)
    moment = now().replace(microsecond=0) - dt.timedelta(minutes=5)
    made = [record("post", "task", n, f"/project/{project.id}/{n}/", user=None,
                   project_id=project.id, new={"title": f"Task {n}"}) for n in range(1, 8)]
    Event.update(date_added=moment).execute()
    listed = ok_data(api.call("get_events", period="1h"))
    assert [int(event["object"]["id"]) for event in listed] == list(range(1, 8))
    assert listed == ok_data(api.call("get_events", period="1h", limit=1000))
    assert len(made) == 7


def test_an_event_time_stored_as_a_bare_day_still_answers_its_minute(api, project):
    """A time the driver gives as text other than ``YYYY-MM-DD HH:MM:SS`` (a bare day, as an
    import may have stored) is read as Peewee reads it: midnight."""
    event = record("post", "project", project.id, project.page, user=None,
                   project_id=project.id)
    day = (now() - dt.timedelta(days=1)).date()
    Event.update(date_added=day).where(Event.id == event.id).execute()
    answered = ok_data(api.call("get_events", period="3d"))
    assert [item["date_added"] for item in answered] == [f"{day:%Y-%m-%d} 00:00"]
