"""``flask deliver-webhooks --forever``: the webhook worker, a process of its own that sends
what the web processes (WEBHOOK_WORKER = False) commit and drops expired idempotency keys,
until SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import API_KEY, SECRET_KEY, Api, ok_data
from webhook_kit import Receiver

from app import create_app
from models.base import db, now
from models.idempotency import StoredResponse

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30  # seconds at most for the worker to deliver


def wait_for(receiver: Receiver, count: int) -> list[dict]:
    deadline = time.monotonic() + WAIT
    while len(receiver.events()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return receiver.events()


def test_the_worker_delivers_until_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    settings = {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "API_KEY": API_KEY,
                "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_WORKER": False}
    web = create_app(settings)  # not TESTING: a web process, told not to send
    web.test_cli_runner().invoke(args=["init-db"])
    StoredResponse.create(caller="key:admin", key="old", fingerprint="0" * 64, body="{}",
                          created=now() - dt.timedelta(days=2))
    api = Api(web.test_client())
    receiver = Receiver()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TASKGATE_")},
           "TASKGATE_DATABASE_URL": url, "TASKGATE_SECRET_KEY": SECRET_KEY,
           "TASKGATE_WEBHOOK_ALLOW_PRIVATE": "true", "TASKGATE_WEBHOOK_POLL": "0.2"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app",
                               "deliver-webhooks", "--forever"], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True)
    try:
        ok_data(api.call("add_webhook", url=receiver.url, events="post_project"))
        ok_data(api.call("post_project", title="Website"))
        assert [e["new"]["title"] for e in wait_for(receiver, 1)] == ["Website"]
        ok_data(api.call("post_project", title="Intranet"))
        assert [e["new"]["title"] for e in wait_for(receiver, 2)] == ["Website", "Intranet"]
        assert "taskgate-webhooks" not in {thread.name for thread in threading.enumerate()}
        assert StoredResponse.select().count() == 0  # purged by the worker at its start
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=WAIT)
        receiver.close()
        db.obj.close_all()
    assert worker.returncode == 0, errors
    assert "webhook worker stopped" in errors
