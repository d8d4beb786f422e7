"""Lists are streamed: the same bytes as a whole answer, the transaction open until the last
row, the connection closed after it (or when the client leaves before reading). A stream that
writes is alive for gunicorn's timeout; one cut short is invalid JSON and a logged error; its
request line is written when it ends."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import time

import pytest

from actions.gateway import streaming
from app import create_app
from models.base import db
from models.events import Event
from models.install import ensure_install
from models.members import User
from models.projects import Project
from models.tasks import Task
from tests import test_serve
from tests.conftest import md5_hash, php_query, post_task

KEY = test_serve.KEY
# The served app runs on its own SQLite file whatever the suite's database: once is enough.
SQLITE_ONLY = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                 reason="gunicorn on SQLite: run in the SQLite pass")


def add_events(api, website, count):
    for n in range(count):
        post_task(api, website, title=f"Task {n}")


def events(api, **options):
    query = php_query({"action": "get_events", "period": "1d"})
    return api.client.get(f"{api.path}?{query}&hash={md5_hash(query)}", **options)


def test_a_streamed_list_is_the_whole_answer_byte_for_byte(api, app, website):
    add_events(api, website, 3)
    response = events(api)
    assert response.is_streamed
    body = response.get_data(as_text=True)
    answer = json.loads(body)
    assert answer["status"] == "ok" and len(answer["data"]) == Event.select().count()
    with app.app_context():
        whole = app.json.response(answer).get_data(as_text=True)
    assert body == whole


def test_rows_are_written_a_chunk_at_a_time(api, website, monkeypatch):
    monkeypatch.setattr(streaming, "CHUNK", 2)
    add_events(api, website, 5)
    response = events(api, buffered=False)
    pieces = list(response.response)
    response.close()
    assert len(pieces) >= 4
    assert json.loads("".join(p.decode() if isinstance(p, bytes) else p for p in pieces))


def test_a_client_that_leaves_early_releases_the_database(api, website):
    add_events(api, website, 3)
    response = events(api, buffered=False)
    next(iter(response.response))
    response.close()
    assert db.is_closed() or not db.in_transaction()
    assert post_task(api, website, title="Still writable")


def test_a_stream_calls_the_heartbeat_a_chunk_at_a_time(api, website, monkeypatch):
    beats = []
    monkeypatch.setattr(streaming, "CHUNK", 2)
    monkeypatch.setattr(streaming, "HEARTBEAT", lambda: beats.append(1))
    add_events(api, website, 5)
    assert json.loads(events(api).get_data())["status"] == "ok"
    assert len(beats) == (Event.select().count() + 1) // 2  # a beat per chunk of 2


def request_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()
            if line.startswith("{") and '"taskgate.requests"' in line]


def test_the_log_line_of_a_stream_is_written_at_its_end(api, website, capsys, monkeypatch):
    monkeypatch.setattr(streaming, "CHUNK", 2)
    add_events(api, website, 5)
    capsys.readouterr()
    assert json.loads(events(api).get_data())["status"] == "ok"
    [line] = request_lines(capsys)
    assert (line["message"], line["rows"], line["stream"]) == (
        "request", Event.select().count(), "complete")
    assert line["sql_statements"] >= 1 and line["duration_ms"] > 0  # read while streaming


def test_a_stream_cut_short_logs_an_error(api, website, capsys, monkeypatch):
    def failing(rows):
        yield [next(iter(rows))]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(streaming, "chunks", failing)
    add_events(api, website, 3)
    capsys.readouterr()
    with pytest.raises(RuntimeError):
        events(api).get_data()
    output = capsys.readouterr().err
    assert "a streamed answer was cut short after 1 rows" in output
    [line] = [json.loads(text) for text in output.splitlines()
              if '"taskgate.requests"' in text]
    assert (line["level"], line["stream"], line["rows"]) == ("ERROR", "cut_short", 1)


def served(tmp_path, tasks: int, timeout: str):
    """gunicorn (2 sync workers, gunicorn.conf.py, worker ``timeout``) over an installed
    SQLite database with ``tasks`` tasks; its base URL, log and master process."""
    env = test_serve.environment(tmp_path, WEB_CONCURRENCY="2", TASKGATE_API_KEY=KEY,
                                 TASKGATE_TIMEOUT=timeout,
                                 PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    app = create_app({"TESTING": True, "DATABASE_URL": env["TASKGATE_DATABASE_URL"],
                      "SECRET_KEY": "serve-test"})
    with app.app_context():
        ensure_install("serve-test", "owner@example.com", KEY)
        project = Project.create(name="Streamed", author=User.owner())
        rows = [(project.id, f"Task {n}", project.author_id) for n in range(tasks)]
        with db.atomic():
            for start in range(0, tasks, 5000):
                Task.insert_many(rows[start:start + 5000], fields=[
                    Task.project, Task.name, Task.author]).execute()
    db.obj.close_all()
    log = tmp_path / "gunicorn.log"
    command = [str(test_serve.ROOT / ".venv" / "bin" / "gunicorn"), "-c",
               str(test_serve.ROOT / "gunicorn.conf.py")]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=test_serve.ROOT, env=env, stdout=output,
                                   stderr=output, start_new_session=True)
    base = f"127.0.0.1:{env['PORT']}"
    test_serve.wait_until_up(f"http://{base}", process, log)
    return base, log, process


def all_tasks(base: str) -> http.client.HTTPResponse:
    query = "action=get_all_tasks"
    connection = http.client.HTTPConnection(base, timeout=30)
    connection.request("GET", f"/api/admin/v2/?{query}&hash={md5(query + KEY)}")
    return connection.getresponse()


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def logged(log, stream: str, wait: float = 15) -> dict:
    """The request line of the stream that ended so (waited for)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for text in log.read_text().splitlines():
            line = json.loads(text) if text.startswith("{") else {}
            if line.get("stream") == stream:
                return line
        time.sleep(0.1)
    pytest.fail(f"no {stream} line logged: {log.read_text()[-3000:]}")


@SQLITE_ONLY
@pytest.mark.gunicorn
def test_a_stream_whose_worker_is_stopped_ends_as_invalid_json_and_an_error(tmp_path):
    base, log, process = served(tmp_path, 10_000, "30")
    try:
        response = all_tasks(base)
        first = response.read(4096)
        assert response.status == 200 and first.startswith(b'{"status":"ok","data":[')
        workers = re.findall(r"Booting worker with pid: (\d+)", log.read_text())
        for pid in workers:  # what the arbiter does to a worker past its timeout
            os.kill(int(pid), signal.SIGABRT)
        try:
            rest = response.read()
        except http.client.IncompleteRead as cut:
            rest = cut.partial
        with pytest.raises(json.JSONDecodeError):
            json.loads(first + rest)
        line = logged(log, "cut_short")
        assert line["level"] == "ERROR" and 0 < line["rows"] < 10_000
        assert "a streamed answer was cut short" in log.read_text()
    finally:
        test_serve.stop(process)


@SQLITE_ONLY
@pytest.mark.gunicorn
def test_a_stream_outlives_the_worker_timeout_while_it_writes(tmp_path):
    """A reader steady enough that the worker never waits on it for 2 s (a client that stops
    reading for longer is a stream that stopped writing: it is cut, and logged so)."""
    base, log, process = served(tmp_path, 40_000, "2")
    try:
        response, body = all_tasks(base), b""
        try:
            while piece := response.read(65536):  # the stream lasts several seconds
                body += piece
                time.sleep(0.02)
        except http.client.IncompleteRead:
            pytest.fail(f"cut after {len(body)} bytes: {log.read_text()[-3000:]}")
        assert len(json.loads(body)["data"]) == 40_000
        line = logged(log, "complete")
        assert line["rows"] == 40_000
        if line["duration_ms"] < 3000:
            pytest.skip(f"the stream took {line['duration_ms']} ms: too fast to outlive 2 s")
        assert f"WORKER TIMEOUT (pid:{line['pid']})" not in log.read_text()
    finally:
        test_serve.stop(process)
