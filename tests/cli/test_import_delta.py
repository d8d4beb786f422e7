"""The cut-over from Worksection (issue 26): a later ``flask import-from`` run asks the
source's events what changed since the previous run and reads only that, so the last run
before switching takes minutes, not the hour a full read of 3,000 tasks takes at 1 request/s.
The source here is a real Taskgate over HTTP, its tasks written straight into its database
(cheap), the importer's requests counted by a proxy, no rate limit. With 300 tasks it runs by
default; with 3,000 (the issue's size: ~20 s, most of it the first run's writing) under
``-m slow``."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from compare_kit import assert_same_account
from import_kit import KEY, Proxy, Source

from actions.importer.shapes import period_since
from actions.importer.snapshot import touched
from models.backup import bound_to
from models.base import connect_database
from models.comments import Comment
from models.imports import LAST_RUN, ImportedRow
from models.members import User
from models.projects import Project
from models.tasks import Task

PROJECTS, WITH_COMMENTS = 10, 60
# SQLite only: what this proves (which requests a run sends) does not depend on the database,
# the import tests beside it write through PostgreSQL too, and that run is near its budget.
pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="request counts do not depend on the database")
LISTS = 18  # one request per list of the account


@pytest.fixture(scope="module", params=[300, pytest.param(3000, marks=pytest.mark.slow)])
def big_source(request, tmp_path_factory):
    """A source with 300 or 3,000 tasks in 10 projects, 60 of them with a comment."""
    tasks = request.param
    server = Source(tmp_path_factory.mktemp("big"))
    try:
        fill(server, tasks)
    except BaseException:
        server.close()
        raise
    proxy = Proxy(server.url)
    yield server, proxy, tasks
    proxy.close()
    server.close()


def fill(server: Source, tasks: int) -> None:
    """Rows written straight into the source's database: no API calls, no events."""
    added = dt.datetime(2026, 1, 5, 9, 30)
    with bound_to(connect_database(f"sqlite:///{server.db}")):
        owner = User.owner().id
        Project.insert_many([{"id": p, "name": f"Project {p}", "author": owner,
                              "date_added": added} for p in range(1, PROJECTS + 1)]).execute()
        rows = [{"id": t, "project": 1 + t % PROJECTS, "name": f"Task {t}", "priority": t % 10,
                 "author": owner, "date_added": added} for t in range(1, tasks + 1)]
        for start in range(0, tasks, 500):
            Task.insert_many(rows[start:start + 500]).execute()
        Comment.insert_many([{"task": t, "text": f"About task {t}", "author": owner,
                              "date_added": added}
                             for t in range(1, WITH_COMMENTS + 1)]).execute()


def run(app, proxy, tmp_path, *extra):
    before = len(proxy.calls)
    result = app.test_cli_runner().invoke(args=[
        "import-from", proxy.url, "--key", KEY, "--rate", "1000", "--backoff", "0",
        "--journal", str(tmp_path / "journal"), "--summary", str(tmp_path / "summary.json"),
        *extra])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    return result.output, summary, [action for _, action in proxy.calls[before:]]


def outcomes(summary, kind):
    return {k: v for k, v in summary["counts"].get(kind, {}).items() if v}


def test_a_later_run_reads_only_what_changed(app, client, big_source, tmp_path):
    server, proxy, tasks = big_source
    output, summary, calls = run(app, proxy, tmp_path)  # the first run, days ahead
    assert (f"Reading the whole account: {LISTS + WITH_COMMENTS + PROJECTS} requests ({LISTS} "
            f"lists, {WITH_COMMENTS} tasks' comments, {PROJECTS} projects' files, 0 "
            "downloads), about 1 s at 1000 requests/s.") in output
    assert len(calls) == LISTS + WITH_COMMENTS + PROJECTS
    assert outcomes(summary, "task") == {"created": tasks}

    output, summary, calls = run(app, proxy, tmp_path)  # nothing changed since
    assert len(calls) == LISTS and "get_comments" not in calls
    assert "Reading what changed since" in output
    assert outcomes(summary, "task") == {"skipped": tasks}

    changed = [str(t) for t in range(100, 150)]
    for task in changed[:30]:  # 50 changes: 30 comments, 20 tasks renamed
        server.call("post_comment", id_task=task, text=f"Done {task}")
    for task in changed[30:]:
        server.call("update_task", id_task=task, title=f"Renamed {task}")
    output, summary, calls = run(app, proxy, tmp_path, "--dry-run")
    assert len(calls) == LISTS  # a dry run reads the lists, then says what the run needs
    assert f"{LISTS + 30} requests ({LISTS} lists, 30 tasks' comments, 0 projects' files" in output
    assert outcomes(summary, "task") == {"updated": 20, "skipped": tasks - 20}

    output, summary, calls = run(app, proxy, tmp_path)
    assert calls.count("get_comments") == 30 and len(calls) == LISTS + 30
    assert outcomes(summary, "task") == {"updated": 20, "skipped": tasks - 20}
    assert outcomes(summary, "comment") == {"created": 30}
    with app.app_context():
        assert ImportedRow.select().where(ImportedRow.kind == LAST_RUN[0]).count() == 1

    # Source and target agree on every list (every task), and task by task on a sample.
    assert_same_account(server, client, only=changed[::3] + ["1", "60"])


@pytest.mark.parametrize("minutes, period", [
    (0, "1m"), (59.5, "60m"), (360, "360m"), (361, "7h"), (72 * 60, "72h"),
    (72 * 60 + 1, "4d"), (30 * 1440, "30d"), (30 * 1440 + 1, None)])
def test_the_window_is_the_shortest_period_get_events_takes(minutes, period):
    assert period_since(dt.timedelta(minutes=minutes)) == period


def test_events_name_the_tasks_whose_comments_and_projects_whose_files_changed():
    events = [{"action": "post", "object": {"type": "comment", "id": "9", "page": page}}
              for page in ("/project/1/22/", "/project/1/22/33/", "/task/44/")]
    events += [{"action": "update", "object": {"type": "task", "id": "55",
                                               "page": "/project/2/55/"}},
               {"action": "post", "object": {"type": "project", "id": "5", "page": "/project/5/"}},
               {"action": "post", "object": "not an object"}]
    assert touched(events) == {"task": {22, 33, 44}, "project": {5}}
