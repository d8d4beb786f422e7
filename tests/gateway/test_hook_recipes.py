"""The three recipes of docs/inbound-hooks.md, end to end: the hooks exactly as the page
defines them, fed the senders' documented payloads and headers (tests/gateway/hook_payloads/).
A task follows its issue or alert; ping, an unmatched event, a wrong token and a replay each
answer as the page says and write nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import error, ok_data

from actions.gateway.decoding import fold, parse_pairs
from models.comments import Comment
from models.inbound_hooks import InboundHookCall
from models.tags import Tag
from models.tasks import Task

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = Path(__file__).parent / "hook_payloads"
PREFIX = ["flask", "--app", "app"]
GITHUB_SECRET = "It's a Secret to Everybody"
GITLAB_SECRET = "glwh-5f0c2d9e81b7"


def page_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "inbound-hooks.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = [shlex.split(line, comments=True) for block in blocks
                for line in block.replace("\\\n", " ").splitlines()]
    return [words[len(PREFIX):] for words in commands if words[:len(PREFIX)] == PREFIX]


def recipe(name: str, project: int) -> dict:
    """The add_inbound_hook parameters of the page's hook ``name``, in ``project``."""
    args = next(args for args in page_commands() if f"name={name}" in args)
    pairs = [tuple(arg.split("=", 1)) for arg in args[2:]]
    params = fold(parse_pairs(urlencode(pairs), "the parameters"))
    params["rules"] = [json.loads(rule) for rule in params["rules"]]
    for rule in params["rules"]:
        if "id_project" in rule.get("fixed", {}):
            rule["fixed"]["id_project"] = project
    return params


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def task_status(api, task_id) -> dict:
    return ok_data(api.call("get_task", id_task=task_id, extra="text"))


def test_every_command_of_the_page_works_on_a_fresh_install(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = app.test_cli_runner()
    for args in page_commands():
        result = runner.invoke(args=args)
        assert result.exit_code == 0, f"flask --app app {shlex.join(args)}: {result.output}"
    dry = json.loads(runner.invoke(args=next(a for a in page_commands()
                                             if a[1] == "test_inbound_hook")).output)
    assert dry["data"]["runs"][0]["target"] == "post_task"
    assert dry["data"]["calls"][0]["title"] == "#3 Crash on start"


@pytest.fixture
def github(api, website) -> dict:
    body = api.post_json("add_inbound_hook", **recipe("GitHub issues", website))
    assert body["status"] == "ok", body
    return body


def github_post(client, hook, name: str, event: str = "issues", delivery: str = "",
                secret: str = GITHUB_SECRET):
    raw = payload(name)
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or name,
               "X-GitHub-Hook-ID": "512340987", "X-Hub-Signature-256": f"sha256={digest}",
               "User-Agent": "GitHub-Hookshot/044aadd", "Content-Type": "application/json"}
    return client.post(hook["url"], data=raw, headers=headers)


def test_github_ping_is_ignored_with_202(client, github):
    response = github_post(client, github, "github_ping.json", event="ping")
    assert response.status_code == 202
    assert response.get_json() == {"status": "ok", "data": {"ignored": "no rule matched"}}
    assert Task.select().count() == 0
    call = InboundHookCall.get()
    assert (call.outcome, call.http_status) == ("ignored", 202)


def test_a_github_issue_is_followed_through_its_life(client, api, github):
    opened = github_post(client, github, "github_issues_opened.json")
    assert opened.status_code == 200, opened.get_json()
    task_id = opened.get_json()["data"]["id"]
    task = task_status(api, task_id)
    assert task["name"] == "#42 Checkout button does nothing on Safari"
    assert sorted(task["tags"].values()) == ["bug", "frontend"]  # created: create_tags
    again = github_post(client, github, "github_issues_opened.json", delivery="another")
    assert again.get_json()["data"]["id"] == task_id  # made once

    github_post(client, github, "github_issues_edited.json")
    assert task_status(api, task_id)["name"] == "#42 Checkout button does nothing on Safari 18"
    github_post(client, github, "github_issues_closed.json")
    assert task_status(api, task_id)["status"] == "done"
    twice = github_post(client, github, "github_issues_closed.json", delivery="closed-again")
    assert twice.get_json() == {"status": "ok", "data": {"unchanged": "Task is already closed"}}
    github_post(client, github, "github_issues_reopened.json")
    assert task_status(api, task_id)["status"] == "active"
    comment = github_post(client, github, "github_issue_comment_created.json",
                          event="issue_comment")
    assert comment.status_code == 200, comment.get_json()
    assert [c["text"] for c in ok_data(api.call("get_comments", id_task=task_id))] == [
        "hubot: Still happens on 18.1: the fetch is blocked by ITP."]
    assert Task.select().count() == 1


def test_github_unmatched_replayed_and_forged_deliveries_write_nothing(client, api, github):
    first = github_post(client, github, "github_issues_opened.json")
    calls = InboundHookCall.select().count()
    replay = github_post(client, github, "github_issues_opened.json")
    assert replay.get_data() == first.get_data()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert InboundHookCall.select().count() == calls  # not even a log line
    forged = github_post(client, github, "github_issues_closed.json", secret="guess")
    assert forged.status_code == 401
    assert forged.get_json() == error(2, "Sender signature is missing or invalid")
    unmatched = github_post(client, github, "github_issues_opened.json", event="deployment",
                            delivery="y")
    assert unmatched.status_code == 202
    assert Task.select().count() == 1
    assert task_status(api, first.get_json()["data"]["id"])["status"] == "active"


@pytest.fixture
def gitlab(api, website) -> dict:
    body = api.post_json("add_inbound_hook", **recipe("GitLab", website))
    assert body["status"] == "ok", body
    return body


def gitlab_post(client, hook, name: str, event: str, uuid: str, token: str = GITLAB_SECRET):
    headers = {"X-Gitlab-Event": event, "X-Gitlab-Token": token,
               "X-Gitlab-Event-UUID": uuid, "X-Gitlab-Instance": "https://gitlab.example.com",
               "User-Agent": "GitLab/17.6.0", "Content-Type": "application/json"}
    return client.post(hook["url"], data=payload(name), headers=headers)


def test_gitlab_issues_and_merge_requests_are_followed(client, api, gitlab):
    issue = gitlab_post(client, gitlab, "gitlab_issue_open.json", "Issue Hook", "u-1")
    assert issue.status_code == 200, issue.get_json()
    issue_id = issue.get_json()["data"]["id"]
    task = task_status(api, issue_id)
    assert task["name"] == "gitlabhq/gitlab-test#23 New API: create/update/delete file"
    assert list(task["tags"].values()) == ["API"]
    retried = gitlab_post(client, gitlab, "gitlab_issue_open.json", "Issue Hook", "u-1")
    assert retried.headers["Idempotent-Replayed"] == "true"
    gitlab_post(client, gitlab, "gitlab_issue_close.json", "Issue Hook", "u-2")
    assert task_status(api, issue_id)["status"] == "done"

    opened = gitlab_post(client, gitlab, "gitlab_merge_request_open.json",
                         "Merge Request Hook", "u-3")
    mr_id = opened.get_json()["data"]["id"]
    assert task_status(api, mr_id)["name"] == "gitlabhq/gitlab-test!1 MS-Viewport"
    gitlab_post(client, gitlab, "gitlab_merge_request_merge.json", "Merge Request Hook", "u-4")
    assert task_status(api, mr_id)["status"] == "done"
    assert Task.select().count() == 2


@pytest.mark.parametrize("token", ["", "glwh-wrong", GITLAB_SECRET + "x"])
def test_a_wrong_gitlab_token_is_refused(client, gitlab, token):
    response = gitlab_post(client, gitlab, "gitlab_issue_open.json", "Issue Hook", "u", token)
    assert response.status_code == 401
    assert Task.select().count() == 0
    assert InboundHookCall.get().outcome == "refused"


@pytest.fixture
def alertmanager(api, website) -> dict:
    body = api.post_json("add_inbound_hook", **recipe("Alertmanager", website))
    assert body["status"] == "ok", body
    return body


def alert_post(client, hook, name: str):
    return client.post(hook["url"], data=payload(name),
                       headers={"Content-Type": "application/json",
                                "User-Agent": "Alertmanager/0.27.0"})


def test_alerts_make_a_task_each_and_their_resolution_completes_them(client, api, alertmanager):
    firing = alert_post(client, alertmanager, "alertmanager.json")
    assert firing.status_code == 200, firing.get_json()
    made = [task["id"] for task in firing.get_json()["data"]]
    assert [task_status(api, t)["name"] for t in made] == [
        "[critical] HighRequestLatency on checkout-1:8080",
        "[critical] HighRequestLatency on payments-2:8080"]
    assert [list(task_status(api, t)["tags"].values()) for t in made] == [
        ["checkout"], ["payments"]]
    repeat = alert_post(client, alertmanager, "alertmanager.json")  # repeat_interval
    assert repeat.headers["Idempotent-Replayed"] == "true"
    resolved = alert_post(client, alertmanager, "alertmanager_resolved.json")
    assert resolved.status_code == 200, resolved.get_json()
    assert [task_status(api, t)["status"] for t in made] == ["done", "done"]
    assert Task.select().count() == 2
    assert Tag.select().count() == 2
    assert Comment.select().count() == 0
