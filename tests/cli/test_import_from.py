"""``flask import-from``: a whole account read from a second Taskgate over HTTP, compared
action by action; interrupted and resumed; run again over an unchanged source."""

from __future__ import annotations

import json

from compare_kit import assert_same_account, source_snapshot, target_snapshot
from conftest import Api, ok_data
from import_kit import KEY

from actions.importer.source import READ_ACTIONS
from actions.registry import ACTIONS
from models import all_models
from models.files import File
from models.imports import LAST_RUN
from models.tasks import Task

RATE = 20


def import_from(app, proxy, tmp_path, *extra):
    args = ["import-from", proxy.url, "--key", KEY, "--rate", str(RATE), "--backoff", "0",
            "--journal", str(tmp_path / "journal"), "--summary", str(tmp_path / "summary.json"),
            *extra]
    result = app.test_cli_runner().invoke(args=args)
    summary = (json.loads((tmp_path / "summary.json").read_text())
               if result.exit_code == 0 else None)
    return result, summary


def every_row() -> dict:
    """Every row here, but the time of the last run (each run records its own)."""
    rows = {model.__name__: sorted(model.select().tuples()) for model in all_models()}
    rows["ImportedRow"] = [row for row in rows["ImportedRow"] if row[2] != LAST_RUN[0]]
    return rows


def test_a_whole_account_comes_over_with_its_ids(app, client, source, tmp_path):
    server, proxy = source
    result, summary = import_from(app, proxy, tmp_path)
    assert result.exit_code == 0, result.output
    assert summary["failed"] == [] and summary["unreadable"] == []
    assert_same_account(server, client)
    called = {action for _, action in proxy.calls}
    assert called <= READ_ACTIONS
    assert all(not ACTIONS[action].writes for action in called)
    assert proxy.busiest_second() <= RATE

    api = Api(client)  # new rows take ids after the imported ones (PostgreSQL sequences)
    assert int(ok_data(api.call("post_project", title="After"))["id"]) == 4
    last_user = max(int(user["id"]) for user in ok_data(api.call("get_users")))
    assert int(ok_data(api.call("add_user", email="new@ws.com"))["id"]) == last_user + 1
    webhook = ok_data(api.call("get_webhooks"))[0]
    assert webhook["status"] == "paused"
    enabled = app.test_cli_runner().invoke(args=["enable-webhook", webhook["id"]])
    assert "Signing secret: whsec_" in enabled.output
    assert ok_data(api.call("get_webhooks"))[0]["status"] == "active"


def test_an_interrupted_import_continues_and_a_third_run_writes_nothing(app, client, source,
                                                                        tmp_path):
    server, proxy = source
    proxy.fail_at = ("download", 2)  # the source goes away after the first file
    result, _ = import_from(app, proxy, tmp_path)
    assert result.exit_code == 1 and "run the same command again" in result.output
    with app.app_context():  # half way: everything before the files is written
        assert Task.select().count() == 6 and File.select().count() == 1
    proxy.fail_at, proxy.down, before = None, False, len(proxy.calls)
    result, summary = import_from(app, proxy, tmp_path)
    assert result.exit_code == 0, result.output
    assert summary["counts"]["task"] == {"created": 0, "updated": 0, "skipped": 6, "deleted": 0,
                                         "failed": 0}
    assert summary["counts"]["file"]["created"] == 2
    assert_same_account(server, client)
    # What the source had answered was not asked again: only the two files left.
    assert [action for _, action in proxy.calls[before:]] == ["download", "download"]

    with app.app_context():
        before = every_row()
    result, summary = import_from(app, proxy, tmp_path)
    assert result.exit_code == 0, result.output
    assert {(o, n) for counts in summary["counts"].values() for o, n in counts.items()
            if o != "skipped" and n} == set()
    with app.app_context():
        assert every_row() == before  # the third run wrote nothing
    assert_same_account(server, client)
    assert proxy.busiest_second() <= RATE


def test_an_account_reachable_only_as_a_user_comes_over_as_that_user_sees_it(app, client,
                                                                           source, tmp_path):
    server, proxy = source
    token = server.token("kate.greenway@ws.com")
    result = app.test_cli_runner().invoke(args=[
        "import-from", proxy.url, "--oauth-token", token, "--rate", str(RATE),
        "--journal", str(tmp_path / "journal"), "--summary", str(tmp_path / "summary.json")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert any(u.startswith("get_timers:") for u in summary["unreadable"])  # admin key only
    # As the user sees it there; here the admin key sees all of it.
    expected, found = source_snapshot(server, token), target_snapshot(client)
    for action in ("get_users", "get_projects", "get_all_tasks", "get_comments", "get_costs",
                   "download"):
        assert found[action] == expected[action], action
