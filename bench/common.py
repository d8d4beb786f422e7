"""What every bench script shares: the admin key, signed URLs, the Flask "hello" baseline, an
installed app on a database URL (or one on each database, in one process), and a median of
timed rounds.

Scripts run as ``python bench/<name>.py``: they put the checkout on ``sys.path`` and import
this module as ``bench.common``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
KEY = "7776461cd931e7b1c8e9632ff8e979ce"
SECRET = "bench"
OWNER_EMAIL = "owner@example.com"
REFUSED = "/api/admin/v2/?action=get_users&hash=0"  # a wrong signature
PIPELINE = "pipeline (no-op action)"  # bench_api.add_noop_action's action: the pipeline alone
DATABASES = ("sqlite", "postgresql")  # as on_both() names them


def signed(params: dict[str, str]) -> str:
    query = urlencode(params)
    return f"/api/admin/v2/?{query}&hash={hashlib.md5((query + KEY).encode()).hexdigest()}"


def hello_app() -> Flask:
    """A bare Flask app answering the envelope: the floor for any Flask route."""
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: {"status": "ok", "data": []})
    return hello


def installed_app(database_url: str, **config):
    """Taskgate on this database, with its schema, owner and the admin key ``KEY``."""
    from app import create_app
    from models.base import db
    from models.install import ensure_install

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
                      "API_KEY": KEY, "WEBHOOK_WORKER": False, **config})
    with app.app_context():
        ensure_install(SECRET, OWNER_EMAIL, KEY)
        db.close()
    return app


def seeded_pair_arguments(calls: int) -> argparse.ArgumentParser:
    """The arguments of a script run on a seeded SQLite and PostgreSQL pair
    (``scale_seed.py`` prints the ids): both URLs, ``--task``, ``--post-project``,
    ``--calls`` and ``--out``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("sqlite")
    parser.add_argument("postgresql")
    parser.add_argument("--task", type=int, required=True)
    parser.add_argument("--post-project", type=int, required=True)
    parser.add_argument("--calls", type=int, default=calls)
    parser.add_argument("--out")
    return parser


def on_both(sqlite_url: str, postgresql_url: str) -> Callable[[str, str], bytes]:
    """``ask(database, path)``: the body of a GET of ``path`` through Taskgate installed on
    ``"sqlite"`` or ``"postgresql"`` (both in this process, each call binding its own database;
    request logs off), checked to be a success envelope."""
    from models.base import bind, db

    clients, databases = {}, {}
    for name, url in zip(DATABASES, (sqlite_url, postgresql_url), strict=True):
        clients[name] = installed_app(url).test_client()
        databases[name] = db.obj  # each app bound the proxy to its own database
    logging.getLogger("taskgate.requests").disabled = True

    def ask(name: str, path: str) -> bytes:
        bind(databases[name])
        response = clients[name].get(path)
        body = response.get_data()
        response.close()
        if not body.startswith(b'{"status":"ok"'):
            raise SystemExit(f"unexpected answer from {name}: {body[:300]!r}")
        return body

    return ask


def cpu_per_call(call, seconds: float, check=None) -> float:
    """CPU seconds per call, over as many calls as fit in ``seconds`` of CPU (10 at least)."""
    calls, start = 0, time.process_time()
    while calls < 10 or time.process_time() - start < seconds:
        response = call()
        if check is not None and calls == 0:
            check(response)
        calls += 1
    return (time.process_time() - start) / calls


def machine() -> dict[str, object]:
    """The machine, and how busy it is (other jobs on the cores skew every figure)."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "load_average": [round(load, 2) for load in os.getloadavg()]}
