"""The production server: ``./serve`` prints the admin key on the first start only, and
/metrics under gunicorn with two workers adds up every worker's counters (parsed with
prometheus-client's parser). Both start real processes, with bounded waits; when they cannot
start here the tests are skipped with the reason."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from models.base import db
from models.install import ensure_install

ROOT = Path(__file__).resolve().parents[1]
KEY = "0123456789abcdef0123456789abcdef"
START_LIMIT = 60  # seconds a process may take to come up before the test is skipped

pytestmark = pytest.mark.gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TASKGATE_", "PROMETHEUS"))}
    return {**env, "TASKGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite'}",
            "TASKGATE_SECRET_KEY": "serve-test", "HOST": "127.0.0.1",
            "PORT": str(free_port()), **extra}


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def serve_until_serving(env: dict[str, str]) -> str:
    """Run ./serve, return what it printed up to "Serving on", and stop it."""
    process = subprocess.Popen([str(ROOT / "serve")], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=lambda: [*map(lines.put, process.stdout), lines.put(None)],
                              daemon=True)
    reader.start()
    printed, deadline = [], time.monotonic() + START_LIMIT
    try:
        while not printed or not printed[-1].startswith("Serving on"):
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.skip(f"./serve did not start within {START_LIMIT}s: {printed[-5:]}")
            if line is None:
                pytest.fail(f"./serve ended early: {''.join(printed)}")
            printed.append(line)
    finally:
        stop(process)
        reader.join(timeout=10)
        process.stdout.close()
    return "".join(printed)


def test_serve_prints_the_key_on_the_first_start_only(tmp_path):
    env = environment(tmp_path)
    first = serve_until_serving(env)
    assert "creating the database…" in first
    key = first.split("Admin API key (shown once): ")[1].split()[0]
    assert "curl 'http://127.0.0.1:" in first and "action=get_users&hash=" in first
    second = serve_until_serving(env)
    assert key not in second and "Admin API key" not in second and "curl" not in second
    assert "creating the database" not in second and "Serving on" in second


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn -w 2 with gunicorn.conf.py on an installed SQLite database; its base URL and
    its log file."""
    env = environment(tmp_path, WEB_CONCURRENCY="2", TASKGATE_API_KEY=KEY,
                      PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    app = create_app({"DATABASE_URL": env["TASKGATE_DATABASE_URL"], "SECRET_KEY": "serve-test",
                      "WEBHOOK_WORKER": False})  # it only installs: no sender in this process
    with app.app_context():
        ensure_install("serve-test", "owner@example.com", KEY)
    db.obj.close_all()
    log = tmp_path / "gunicorn.log"
    gunicorn_bin = ROOT / ".venv" / "bin" / "gunicorn"
    command = [str(gunicorn_bin) if gunicorn_bin.exists() else "gunicorn", "-c",
               str(ROOT / "gunicorn.conf.py")]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_until_up(base, process, log)
        yield base, log
    finally:
        stop(process)


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.skip(f"gunicorn could not start: {log.read_text()[-500:]}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    pytest.skip(f"gunicorn did not answer within {START_LIMIT}s: {log.read_text()[-500:]}")


def get_users(base: str) -> dict:
    query = "action=get_users"
    signed = hashlib.md5((query + KEY).encode()).hexdigest()
    with urllib.request.urlopen(f"{base}/api/admin/v2/?{query}&hash={signed}", timeout=10) as r:
        return json.load(r)


def served_by(log: Path) -> set[int]:
    """The worker pids that logged a get_users request."""
    lines = (json.loads(line) for line in log.read_text().splitlines() if line.startswith("{"))
    return {line["pid"] for line in lines if line.get("action") == "get_users"}


def scraped_count(base: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples
               if sample.name == "taskgate_requests_total"
               and sample.labels == {"endpoint": "api", "action": "get_users", "code": "ok"})


def test_metrics_add_up_every_gunicorn_worker(gunicorn):
    base, log = gunicorn
    sent = 0
    with ThreadPoolExecutor(6) as pool:
        for _ in range(10):  # concurrent batches until both workers have answered some
            answers = list(pool.map(lambda _: get_users(base), range(12)))
            assert all(answer["status"] == "ok" for answer in answers)
            sent += len(answers)
            if len(served_by(log)) == 2:
                break
    assert len(served_by(log)) == 2, "one worker answered every request"
    assert [scraped_count(base) for _ in range(6)] == [sent] * 6  # whichever worker scrapes
    signed = hashlib.md5(("action=get_users" + KEY).encode()).hexdigest()
    logged = log.read_text()
    assert signed not in logged and KEY not in logged
    lines = [json.loads(line) for line in logged.splitlines()]  # every line is JSON
    access = [line for line in lines if line["name"] == "gunicorn.access"]
    assert any('"GET /api/admin/v2/?action=get_users&hash=*** HTTP/1.1" 200' in line["message"]
               for line in access)
    assert any(line["name"] == "gunicorn.error" and line["level"] == "INFO"
               and line["message"].startswith("Booting worker") for line in lines)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", line["time"])
               for line in lines)  # ISO 8601 with the zone


def test_serve_with_an_unreachable_postgresql_is_one_line(tmp_path):
    env = environment(tmp_path, TASKGATE_DATABASE_URL="postgresql://postgres@127.0.0.1:1/x")
    done = subprocess.run([str(ROOT / "serve")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=START_LIMIT)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        'Error: cannot reach the database at 127.0.0.1:1/x: connection to server at '
        '"127.0.0.1", port 1 failed: Connection refused']


def test_a_wrong_secret_stops_serve_and_gunicorn_with_one_line(tmp_path):
    from models.install import WRONG_SECRET

    env = environment(tmp_path)
    first = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "init-db"], cwd=ROOT,
                           capture_output=True, text=True, env=env, timeout=START_LIMIT)
    assert "Database ready" in first.stdout, first.stdout + first.stderr
    wrong = {**env, "TASKGATE_SECRET_KEY": "another", "WEB_CONCURRENCY": "1"}
    served = subprocess.run([str(ROOT / "serve")], cwd=ROOT, env=wrong, capture_output=True,
                            text=True, timeout=START_LIMIT)
    assert served.returncode == 1 and served.stderr == f"Error: {WRONG_SECRET}\n"
    gunicorn = subprocess.run([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"],
                              cwd=ROOT, env=wrong, capture_output=True, text=True,
                              timeout=START_LIMIT)
    assert gunicorn.returncode != 0
    assert f"stopping: {WRONG_SECRET}" in gunicorn.stderr


def test_hup_then_term_leaves_no_temporary_folder(tmp_path):
    env = environment(tmp_path, WEB_CONCURRENCY="1", TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "init-db"], cwd=ROOT,
                   env=env, capture_output=True, timeout=START_LIMIT, check=True)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"],
                                   cwd=ROOT, env=env, stdout=output, stderr=output,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_until_up(base, process, log)
        assert len(list((tmp_path / "tmp").iterdir())) == 1  # the metrics folder
        process.send_signal(signal.SIGHUP)
        time.sleep(2)
        wait_until_up(base, process, log)
    finally:
        stop(process)
    assert list((tmp_path / "tmp").iterdir()) == []
    levels = {json.loads(line)["level"] for line in log.read_text().splitlines()}
    assert levels == {"INFO"}  # a normal start, reload and stop
