"""Timers: get_timers and stop_timer (admin key), and the token user's get_my_timer,
start_my_timer, stop_my_timer and delete_my_timer (user tokens; tested through ``dispatch``
with a user as the caller until user tokens reach the route)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from conftest import API_KEY, OWNER_EMAIL, UserRef, as_user, ok_data
from worksection.client import Client

import actions.timers
from models.costs import Cost
from models.members import User
from models.projects import Project, ProjectMember
from models.tasks import Task
from models.timers import Timer

FRANK = UserRef("frank.harper@ws.com", "Frank Harper")
HENRY = UserRef(OWNER_EMAIL, "Henry Gardner")
NOW = dt.datetime(2021, 1, 1, 13, 34, 13)


@pytest.fixture
def ws(app, monkeypatch):
    """The Postman examples' world, with the clock stopped at ``NOW``."""
    monkeypatch.setattr(actions.timers, "now", lambda: NOW)
    owner = User.owner()
    frank = User.create(email=FRANK["email"], first_name="Frank", last_name="Harper",
                        rate=Decimal(11))
    project = Project.create(name="Performance improvement", author=owner)
    ProjectMember.create(project=project, user=frank)
    revision = Task.create(project=project, name="Workflow revision", author=owner,
                           user_to=frank, date_added=dt.datetime(2021, 1, 1, 9, 11))
    rollout = Task.create(project=project, name="Worksection implementation", author=owner,
                          user_to_any=True, date_added=dt.datetime(2021, 1, 1, 11))
    return SimpleNamespace(owner=owner, frank=frank, project=project, revision=revision,
                           rollout=rollout)


def started(user, task, ago):
    return Timer.create(user=user, task=task, started_at=NOW - ago)




def test_get_timers_matches_the_postman_example(api, ws):
    older = started(ws.owner, ws.rollout, dt.timedelta(hours=1, minutes=34, seconds=13))
    newer = started(ws.frank, ws.revision, dt.timedelta(minutes=11, seconds=13))
    project = {"id": str(ws.project.id), "name": "Performance improvement",
               "page": f"/project/{ws.project.id}/"}
    assert api.call("get_timers") == {"status": "ok", "data": [
        {"id": str(newer.id), "time": "00:11:13", "date_started": "2021-01-01 13:23",
         "user_from": FRANK,
         "task": {"id": str(ws.revision.id), "name": "Workflow revision",
                  "page": f"/project/{ws.project.id}/{ws.revision.id}/", "status": "active",
                  "priority": "1", "user_from": HENRY, "user_to": FRANK, "project": project,
                  "date_added": "2021-01-01 09:11"}},
        {"id": str(older.id), "time": "01:34:13", "date_started": "2021-01-01 12:00",
         "user_from": HENRY,
         "task": {"id": str(ws.rollout.id), "name": "Worksection implementation",
                  "page": f"/project/{ws.project.id}/{ws.rollout.id}/", "status": "active",
                  "priority": "1", "user_from": HENRY,
                  "user_to": {"id": "2", "email": "ANY", "name": "Anyone"}, "project": project,
                  "date_added": "2021-01-01 11:00"}},
    ]}


def test_get_timers_without_timers_and_past_a_hundred_hours(api, ws):
    assert api.call("get_timers") == {"status": "ok", "data": []}
    started(ws.frank, ws.rollout, dt.timedelta(hours=101, seconds=5))
    assert ok_data(api.call("get_timers"))[0]["time"] == "101:00:05"


def test_stop_timer_saves_a_timer_cost_line(api, ws):
    """Postman: stop_timer&timer=2918 → {"status": "ok"}; the time is priced at the rate."""
    timer = started(ws.frank, ws.revision, dt.timedelta(hours=6, minutes=49, seconds=30))
    other = started(ws.owner, ws.rollout, dt.timedelta(minutes=5))
    assert api.call("stop_timer", timer=timer.id) == {"status": "ok"}
    assert [t["id"] for t in ok_data(api.call("get_timers"))] == [str(other.id)]
    [line] = ok_data(api.call("get_costs"))
    assert (line["time"], line["money"], line["date"], line["is_timer"], line["comment"],
            line["user_from"], line["task"]["id"]) == (
        "6:50", "75.17", "2021-01-01", True, "", FRANK, str(ws.revision.id))


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 1), (29, 1), (89, 1), (90, 2), (3600, 60)])
def test_a_stopped_timer_counts_whole_minutes_and_at_least_one(api, ws, seconds, minutes):
    timer = started(ws.owner, ws.rollout, dt.timedelta(seconds=seconds))
    assert api.call("stop_timer", timer=timer.id) == {"status": "ok"}
    assert Cost.get().minutes == minutes


def test_stop_timer_for_an_unknown_or_stopped_timer(api, ws):
    """Postman: stop_timer&timer=2919 → code 7 "Timer not found"."""
    timer = started(ws.frank, ws.revision, dt.timedelta(minutes=3))
    not_found = {"status": "error", "status_code": 7, "message": "Timer not found"}
    assert api.call("stop_timer", timer=timer.id + 1) == not_found
    assert api.call("stop_timer", timer=timer.id) == {"status": "ok"}
    assert api.call("stop_timer", timer=timer.id) == not_found
    assert Cost.select().count() == 1


def test_stop_timer_with_a_bad_id(api, ws):
    assert api.call("stop_timer") == {"status": "error", "status_code": 10,
                                      "message": "Field is required", "message_details": "timer"}
    assert api.call("stop_timer", timer="abc") == {
        "status": "error", "status_code": 11, "message": "Invalid timer: must be a numeric id",
        "message_details": "timer"}


@pytest.mark.parametrize(("action", "params"), [
    ("get_my_timer", {}), ("start_my_timer", {"id_task": 1}),
    ("stop_my_timer", {"comment": "Done"}), ("delete_my_timer", {}),
])
def test_my_timer_actions_need_a_user_token(api, ws, action, params):
    started(ws.owner, ws.rollout, dt.timedelta(minutes=3))
    assert api.call(action, **params) == {
        "status": "error", "status_code": 2, "message": "This action needs a user access token"}
    assert api.post_json(action, **params)["message"] == "This action needs a user access token"
    assert (Timer.select().count(), Cost.select().count()) == (1, 0)


def test_admin_actions_refuse_a_user_token(ws):
    timer = started(ws.frank, ws.rollout, dt.timedelta(minutes=3))
    refused = {"status": "error", "status_code": 2,
               "message": "This action needs the admin API key"}
    assert as_user(ws.frank, "get_timers") == refused
    assert as_user(ws.frank, "stop_timer", timer=timer.id) == refused
    assert Timer.select().count() == 1


def test_my_timer_from_start_to_stop(ws):
    assert as_user(ws.frank, "get_my_timer") == {"status": "ok", "data": []}
    assert as_user(ws.frank, "start_my_timer", id_task=ws.rollout.id) == {
        "status": "ok", "data": None}
    assert as_user(ws.frank, "start_my_timer", id_task=ws.revision.id) == {
        "status": "error", "status_code": 6, "message": "Timer is already started"}
    Timer.update(started_at=NOW - dt.timedelta(seconds=4360)).execute()
    assert as_user(ws.frank, "get_my_timer") == {"status": "ok", "data": {
        "time": 4360, "date_started": "2021-01-01 12:21",
        "task": {"id": str(ws.rollout.id), "name": "Worksection implementation",
                 "page": f"/project/{ws.project.id}/{ws.rollout.id}/", "status": "active",
                 "priority": "1", "user_from": HENRY,
                 "user_to": {"id": "2", "email": "ANY", "name": "Anyone"},
                 "project": {"id": str(ws.project.id), "name": "Performance improvement",
                             "page": f"/project/{ws.project.id}/"},
                 "date_added": "2021-01-01 11:00"}}}
    assert as_user(ws.owner, "get_my_timer") == {"status": "ok", "data": []}  # Frank's only
    assert as_user(ws.frank, "stop_my_timer",
                   comment="Developed workflow improvement plan for next two weeks") == {
        "status": "ok", "data": None}
    cost = Cost.get()
    assert (cost.task_id, cost.user_id, cost.minutes, cost.cents, cost.is_timer, cost.comment,
            cost.date) == (ws.rollout.id, ws.frank.id, 73, 1338, True,
                           "Developed workflow improvement plan for next two weeks",
                           dt.date(2021, 1, 1))
    assert as_user(ws.frank, "stop_my_timer") == {
        "status": "error", "status_code": 7, "message": "Timer is not started"}
    assert Cost.select().count() == 1


def test_delete_my_timer_discards_it(ws):
    assert as_user(ws.owner, "start_my_timer", id_task=ws.rollout.id)["status"] == "ok"
    assert as_user(ws.frank, "start_my_timer", id_task=ws.rollout.id)["status"] == "ok"
    assert as_user(ws.owner, "delete_my_timer") == {"status": "ok", "data": None}
    assert [t.user_id for t in Timer.select()] == [ws.frank.id]
    assert Cost.select().count() == 0
    assert as_user(ws.owner, "delete_my_timer") == {
        "status": "error", "status_code": 7, "message": "Timer is not started"}
    assert as_user(ws.owner, "start_my_timer", id_task=ws.revision.id)["status"] == "ok"


def test_start_my_timer_on_a_bad_task(ws):
    assert as_user(ws.frank, "start_my_timer", id_task=999) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}
    assert as_user(ws.frank, "start_my_timer") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "id_task"}
    assert Timer.select().count() == 0


def test_the_plain_functions(ws):
    timer = actions.timers.start_timer(ws.owner, ws.revision)
    assert (timer.user_id, timer.task_id, timer.started_at) == (ws.owner.id, ws.revision.id, NOW)
    with pytest.raises(actions.timers.TimerStarted):
        actions.timers.start_timer(ws.owner, ws.rollout)
    assert actions.timers.my_timer(ws.owner)["time"] == 0
    cost = actions.timers.stop_timer_of(ws.owner, "short")
    assert (cost.minutes, cost.cents, cost.comment, cost.is_timer) == (1, 0, "short", True)
    with pytest.raises(actions.timers.TimerNotStarted):
        actions.timers.stop_timer_of(ws.owner)
    assert actions.timers.my_timer(ws.owner) == []


def test_the_official_client(live_server, ws):
    client = Client(live_server).set_api_key(API_KEY)
    timer = started(ws.frank, ws.revision, dt.timedelta(minutes=11, seconds=13))
    [listed] = client.timers.all()
    assert (listed.id, listed.time, listed.date_started, listed.user_from.email,
            listed.task.name) == (str(timer.id), "00:11:13", "2021-01-01 13:23", FRANK["email"],
                                  "Workflow revision")
    client.timers.stop(timer.id)
    assert client.timers.all() == []
    assert [(c.time, c.money, c.is_timer) for c in client.costs.list()] == [
        ("0:11", "2.02", True)]
