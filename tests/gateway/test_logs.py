"""One JSON line per request on stderr: request id, action, caller (never a secret), HTTP and
envelope status, duration, SQL statements; errors at warning level, crashes with a
traceback."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re

import pytest
from conftest import API_KEY, md5_hash, ok_data

from actions.gateway import logs
from actions.registry import ACTIONS, Action
from models.members import User
from schemas.base import Params


def lines(capsys) -> list[dict]:
    """Every JSON log line written to stderr so far."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def request_lines(capsys) -> list[dict]:
    return [line for line in lines(capsys) if line["name"] == "taskgate.requests"]


def test_a_signed_call_logs_one_json_line_without_the_secret(api, capsys):
    capsys.readouterr()
    response = api.get("get_users", {"email_user_from": "x@ws.com"})
    assert response.get_json()["status"] == "ok"
    output = capsys.readouterr().err
    [line] = [json.loads(text) for text in output.splitlines()]
    assert line["level"] == "INFO" and line["message"] == "request"
    assert {k: line[k] for k in ("action", "caller", "http_status", "status", "status_code",
                                 "method", "path")} == {
        "action": "get_users", "caller": "key:admin", "http_status": 200, "status": "ok",
        "status_code": None, "method": "GET", "path": "/api/admin/v2/"}
    assert line["sql_statements"] > 0 and line["duration_ms"] >= 0
    assert response.headers["X-Request-Id"] == line["request_id"]
    query = "action=get_users&email_user_from=x%40ws.com"
    assert API_KEY not in output and md5_hash(query) not in output


def test_the_clients_request_id_is_kept_and_returned(client, capsys):
    response = client.get("/healthz", headers={"X-Request-Id": "req-42"})
    assert response.headers["X-Request-Id"] == "req-42"
    assert request_lines(capsys)[-1]["request_id"] == "req-42"


def test_an_unusable_request_id_is_replaced(client, capsys):
    response = client.get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert response.headers["X-Request-Id"] != "bad id\twith spaces"
    assert len(response.headers["X-Request-Id"]) == 32


def test_a_failed_signature_logs_its_reason_at_warning_level(client, capsys):
    capsys.readouterr()
    client.get("/api/admin/v2/?action=get_tasks&id_project=1&hash=0123456789abcdef")
    [line] = request_lines(capsys)
    assert line["level"] == "WARNING"
    assert line["message"] == "request failed: Action hash is missed or invalid"
    assert (line["http_status"], line["status"], line["status_code"]) == (200, "error", 2)
    assert line["action"] == "get_tasks" and line["caller"] is None
    assert "0123456789abcdef" not in json.dumps(line)


def test_a_user_token_caller_is_named_by_user_id(app, client, capsys):
    runner = app.test_cli_runner()
    owner = User.owner()
    token = runner.invoke(args=["create-token", owner.email]).output.splitlines()[0]
    capsys.readouterr()
    ok_data(client.get("/api/oauth2?action=me", headers={"Authorization": f"Bearer {token}"})
            .get_json())
    [line] = request_lines(capsys)
    assert line["caller"] == f"user:{owner.id}"
    assert token not in json.dumps(line)


@pytest.fixture
def crashing_action(monkeypatch):
    def crash(_params):
        raise RuntimeError("boom")

    monkeypatch.setitem(ACTIONS, "crash_now",
                        Action("crash_now", crash, Params(), "Crash.", False, "crash_now"))


def test_an_unexpected_error_logs_its_traceback(api, capsys, crashing_action):
    capsys.readouterr()
    assert api.call("crash_now")["status_code"] == 500
    found = lines(capsys)
    crash = next(line for line in found if line["name"] == "app")
    assert crash["level"] == "ERROR" and "RuntimeError: boom" in crash["exc_info"]
    request = next(line for line in found if line["name"] == "taskgate.requests")
    assert (request["level"], request["http_status"], request["status_code"]) == (
        "WARNING", 500, 500)
    assert crash["request_id"] == request["request_id"]


@pytest.mark.parametrize("query", [
    {"action": "get_users"},  # an ok line
    {"action": "get_task", "id_task": "999999"},  # an error line, with its reason
])
def test_the_direct_line_is_the_line_logging_writes(api, capsys, monkeypatch, query):
    """The request line written at once (no LogRecord) has the bytes logging's own path gives
    it: a filter on the logger turns the direct path off. (Not passed on to pytest's own
    handler on the root, as gunicorn.conf.py does not pass it to the root's.)"""
    from actions.gateway import logs

    monkeypatch.setattr(logs.REQUESTS, "propagate", False)

    def line_of_one_call() -> dict:
        capsys.readouterr()
        api.get(query["action"], {k: v for k, v in query.items() if k != "action"})
        [line] = [text for text in capsys.readouterr().err.splitlines()
                  if '"taskgate.requests"' in text]
        return json.loads(line), line

    assert logs.sole_json_handler(logging.INFO) is not None
    direct, direct_text = line_of_one_call()
    logs.REQUESTS.addFilter(lambda _record: True)
    try:
        assert logs.sole_json_handler(logging.INFO) is None
        through_logging, logged_text = line_of_one_call()
    finally:
        logs.REQUESTS.filters.clear()
    assert logs.sole_json_handler(logging.INFO) is not None
    varying = ("time", "duration_ms", "request_id", "sql_statements")  # the first call reads more
    assert list(direct) == list(through_logging)
    assert {k: v for k, v in direct.items() if k not in varying} == {
        k: v for k, v in through_logging.items() if k not in varying}
    shape = [(k, type(v)) for k, v in direct.items()]
    assert shape == [(k, type(v)) for k, v in through_logging.items()]
    assert direct_text.count(", ") == logged_text.count(", ")


def test_a_lines_time_and_pid_are_those_of_its_process(client, capsys):
    capsys.readouterr()
    before = dt.datetime.now().astimezone()
    client.get("/healthz")
    [line] = request_lines(capsys)
    written = dt.datetime.fromisoformat(line["time"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", line["time"])
    assert before - dt.timedelta(seconds=1) <= written <= dt.datetime.now().astimezone()
    assert line["pid"] == os.getpid()


def test_a_forked_worker_logs_its_own_pid():
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # gunicorn forks its workers after the app is imported
        os.write(write, str(logs.PID[0] == os.getpid()).encode())
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 10) == b"True"
