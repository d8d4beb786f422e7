"""A real gunicorn with gunicorn.conf.py for the tests that need its own parsing and logs
(test_serve.py's helpers; the installing app runs no webhook thread in the test process)."""

from __future__ import annotations

import subprocess

import pytest
from test_serve import KEY, ROOT, environment, stop, wait_until_up

from app import create_app
from models.base import db
from models.install import ensure_install

__all__ = ["KEY", "served"]


@pytest.fixture
def served(tmp_path):
    """gunicorn -w 2 on an installed SQLite database: its base URL and its log file."""
    env = environment(tmp_path, WEB_CONCURRENCY="2", TASKGATE_API_KEY=KEY,
                      PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    app = create_app({"DATABASE_URL": env["TASKGATE_DATABASE_URL"], "SECRET_KEY": "serve-test",
                      "WEBHOOK_WORKER": False})
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
