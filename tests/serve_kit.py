"""A real gunicorn with gunicorn.conf.py, for the tests that need its own parsing and logs:
its environment, the ``served`` fixture (the installing app runs no webhook thread in the test
process) and stopping it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from app import create_app
from models.base import db
from models.install import ensure_install

ROOT = Path(__file__).resolve().parents[1]
KEY = "0123456789abcdef0123456789abcdef"
START_LIMIT = 60  # seconds a process may take to come up before the test is skipped


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



@pytest.fixture
def served(tmp_path):
    """gunicorn -w 2 on an installed SQLite database: its base URL and its log file."""
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
