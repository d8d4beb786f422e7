"""The production server: ``./serve`` prints the admin key on the first start only, and
/metrics under gunicorn with two workers adds up every worker's counters (parsed with
prometheus-client's parser). Both start real processes, with bounded waits; when they cannot
start here the tests are skipped with the reason."""

from __future__ import annotations

import hashlib
import json
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from serve_kit import (  # noqa: F401 - served: the real-gunicorn fixture
    KEY,
    ROOT,
    START_LIMIT,
    environment,
    free_port,
    served,
    stop,
    wait_until_up,
)

pytestmark = pytest.mark.gunicorn


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
    # a port of its own: the first server's last worker may still hold its socket a moment
    second = serve_until_serving({**env, "PORT": str(free_port())})
    assert key not in second and "Admin API key" not in second and "curl" not in second
    assert "creating the database" not in second and "Serving on" in second




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


def test_metrics_add_up_every_gunicorn_worker(served):  # noqa: F811 - the fixture
    base, log = served
    sent = 0
    with ThreadPoolExecutor(6) as pool:
        for _ in range(60):  # concurrent batches until both workers have answered some
            # (answers take a couple of ms: one worker can take ten batches on its own)
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
    started = subprocess.run([str(ROOT / "serve")], cwd=ROOT, env=wrong, capture_output=True,
                             text=True, timeout=START_LIMIT)
    assert started.returncode == 1 and started.stderr == f"Error: {WRONG_SECRET}\n"
    gunicorn = subprocess.run([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"],
                              cwd=ROOT, env=wrong, capture_output=True, text=True,
                              timeout=START_LIMIT)
    assert gunicorn.returncode != 0
    assert f"stopping: {WRONG_SECRET}" in gunicorn.stderr


def test_a_worker_booting_while_the_database_is_away_serves_on(tmp_path):
    """The secret check at a worker's boot cannot reach the database: the worker serves (the
    readiness probe says why it is not ready) instead of halting every worker."""
    env = environment(tmp_path, WEB_CONCURRENCY="1", TASKGATE_WEBHOOK_WORKER="false",
                      TASKGATE_DATABASE_URL="postgresql://postgres@127.0.0.1:1/away")
    base = f"http://127.0.0.1:{env['PORT']}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"],
                                   cwd=ROOT, env=env, stdout=output, stderr=output,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + START_LIMIT
        while True:
            assert process.poll() is None, f"gunicorn stopped: {log.read_text()[-800:]}"
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip(f"gunicorn did not answer within {START_LIMIT}s")
                time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/readyz", timeout=10)
        assert refused.value.code == 503
        assert json.load(refused.value)["message"] == "Not ready: the database cannot be reached"
        assert "could not check the secret against the database" in log.read_text()
    finally:
        stop(process)


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
