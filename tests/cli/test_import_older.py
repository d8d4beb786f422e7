"""``flask import-from`` against sources that answer otherwise than the documentation: older
generations' shapes and names, throttling, ids that cannot be kept, a dry run."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import ok_data
from import_kit import FakeSource

import actions.importer as importer
from actions.importer.source import NotReadOnly, SourceClient
from models.base import now
from models.comments import Comment
from models.costs import Cost
from models.imports import ImportedRow, record_run
from models.members import User
from models.projects import Project
from models.tasks import Task

ANN = {"id": 101, "email": "ann@old.example", "name": "Ann Old"}
OLD_ACCOUNT = {
    "get_users": [{**ANN, "first_name": "Ann", "last_name": "Old", "role": "Owner",
                   "group": "Main team"},
                  {"id": "102", "name": "Bob", "email": "bob@old.example", "role": "User"}],
    "get_user_groups": [{"id": 1, "title": "Main team", "client": 0}],
    "get_projects": [{"id": 1, "name": "Legacy", "page": "/project/1/", "status": "archived",
                      "user_from": ANN, "user_to": {"id": 0, "email": "NOONE"}, "tags": []}],
    "get_all_tasks": [
        {"id": 11, "name": "Top", "page": "/project/1/11/", "priority": 3, "user_from": ANN,
         "project": {"id": 1}, "user_to": {"id": "2", "email": "ANY", "name": "Anyone"},
         "date_added": "15.01.2020 10:00"},
        {"id": 12, "name": "Sub", "page": "/project/1/11/12/", "parent": {"id": "11"},
         "project": {"id": "1"}, "user_from": ANN, "status": "done"},
        "not an object"],
    "get_comments": lambda args: [{"id": 21, "text": "hi", "user_from": ANN,
                                   "date_added": "2020-01-15"}] if args["id_task"] == "11" else [],
    "get_files": [],
    "get_timemoney": [{"id": 7, "time": "1.5", "money": 10, "date": "15.01.2020",
                       "user_from": ANN, "task": {"id": 12}}],
    "get_timers": [], "get_webhooks": [], "get_contacts": [], "get_contact_groups": [],
    "get_project_groups": [], "get_events": [],
}


@pytest.fixture
def old_source():
    server = FakeSource(OLD_ACCOUNT, throttled=2)
    yield server
    server.close()


def run(app, url, *extra):
    return app.test_cli_runner().invoke(args=[
        "import-from", url, "--key", "k", "--rate", "50", "--backoff", "0",
        "--journal", str(app.config["FILES_DIR"]) + ".journal", *extra])


def test_older_shapes_come_over_and_what_cannot_be_read_is_reported(app, old_source, tmp_path):
    result = run(app, old_source.url, "--summary", str(tmp_path / "s.json"))
    assert result.exit_code == 0, result.output
    assert old_source.calls[:3] == ["get_users"] * 3  # two HTTP 429s, then retried
    assert "get_timemoney" in old_source.calls  # get_costs is unknown there
    summary = json.loads((tmp_path / "s.json").read_text())
    assert "get_all_tasks: 1 items are not objects" in summary["unreadable"]
    assert any(u.startswith("get_task_custom_fields: Action is invalid")
               for u in summary["unreadable"])
    assert "could not read: get_tags: Action is invalid" in result.output  # the older name
    with app.app_context():
        assert Project.get_by_id(1).status == "archive"
        sub = Task.get_by_id(12)
        assert (sub.parent_id, sub.root_id, sub.depth, sub.status) == (11, 11, 1, "done")
        top = Task.get_by_id(11)
        assert top.user_to_any and top.priority == 3 and top.date_added.year == 2020
        assert Comment.get_by_id(21).task_id == 11
        cost = Cost.get_by_id(7)
        assert (cost.minutes, cost.cents, cost.task_id, cost.user_id) == (90, 1000, 12, 101)


def test_ids_that_cannot_be_kept_stop_the_import_before_it_writes(app, api, tmp_path):
    ok_data(api.call("post_project", title="Here first"))  # takes project id 1
    account = {**OLD_ACCOUNT, "get_users": [*OLD_ACCOUNT["get_users"],
                                            {"id": 2, "email": "two@old.example"}]}
    server = FakeSource(account)
    try:
        result = run(app, server.url)
        assert result.exit_code == 2
        assert "project 1: a different project here has this id" in result.output
        assert "user 2: ids 0, 1 and 2 mean 'nobody' and 'anyone' here" in result.output
        with app.app_context():
            assert ImportedRow.select().count() == 0 and Task.select().count() == 0

        result = run(app, server.url, "--remap", str(tmp_path / "ids.json"))
        assert result.exit_code == 0, result.output
        remapped = json.loads((tmp_path / "ids.json").read_text())
        with app.app_context():  # the owner here has data already: the source's maps to it
            two = User.get(User.email == "two@old.example").id
            assert remapped == {"project": {"1": 2}, "user": {"101": User.owner().id, "2": two}}
            assert two >= 1000  # clear of the sentinels, as every user id here
            assert Project.get_by_id(2).name == "Legacy"
            assert Task.get_by_id(11).project_id == 2
    finally:
        server.close()


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(app, old_source):
    result = run(app, old_source.url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create" in result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["task", "2", "0", "0", "0", "0"] in lines
    with app.app_context():
        assert (Project.select().count(), Task.select().count(),
                ImportedRow.select().count()) == (0, 0, 0)


def test_the_client_never_calls_an_action_that_writes():
    client = SourceClient("http://127.0.0.1:9", key="k")
    with pytest.raises(NotReadOnly, match="post_task is not a read action"):
        client.call("post_task", id_project=1, title="x")


def test_a_run_more_than_30_days_after_the_last_reads_everything_again(app, old_source):
    assert run(app, old_source.url).exit_code == 0
    result = run(app, old_source.url)
    assert result.exit_code == 0 and "Reading what changed since" in result.output
    with app.app_context():
        record_run(old_source.url.rstrip("/"), now() - dt.timedelta(days=31))
    result = run(app, old_source.url)
    assert result.exit_code == 0, result.output
    assert ("Note: the last run was more than 30 days ago, longer than the source keeps "
            "events: reading everything again.") in result.output
    assert "Reading the whole account" in result.output


def test_a_window_with_as_many_events_as_the_source_answers_reads_every_task(app, monkeypatch):
    monkeypatch.setattr(importer, "EVENTS_CAP", 2)  # Worksection's is 10,000
    events = [{"action": "update", "object": {"type": "task", "id": str(i),
                                              "page": f"/project/1/{i}/"},
               "date_added": "2026-12-01 10:00", "user_from": ANN} for i in (11, 12)]
    server = FakeSource({**OLD_ACCOUNT, "get_events": events})
    try:
        assert run(app, server.url).exit_code == 0
        before = len(server.calls)
        result = run(app, server.url)
        assert result.exit_code == 0, result.output
        assert ("Note: the source answered 2 events or more (its most): reading every task's "
                "comments again.") in result.output
        assert server.calls[before:].count("get_comments") == 2  # both tasks, not only named
    finally:
        server.close()
