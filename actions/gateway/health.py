"""Health checks for load balancers and orchestrators; no signature, no rate limit.

``/healthz``: the process answers (the database is not touched). ``/readyz``: the database
answers ``SELECT 1``, every table exists and the secret key decrypts the stored API keys;
otherwise HTTP 503 with the error envelope saying what is wrong.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from peewee import PeeweeException

from models import all_models
from models.base import db
from models.install import secret_problem
from models.version import version
from schemas.envelope import NotReady, fail, ok

ENDPOINTS = ("healthz", "readyz", "metrics")  # probes and scrapes: never limited


def answer_health():
    """Answer a health check (or a metrics scrape) before any other hook runs."""
    endpoint = request.endpoint
    if endpoint in ENDPOINTS:
        return current_app.view_functions[endpoint]()
    return None


def healthz():
    """The process is up; the version it runs."""
    return jsonify(ok({"version": version()}))


def readyz():
    """The database answers and has every table."""
    try:
        problem = database_problem()
    except PeeweeException as err:
        current_app.logger.warning("readyz: database unreachable: %s", err)
        problem = NotReady("Not ready: the database cannot be reached",
                           details=type(err).__name__)
    if problem is not None:
        return jsonify(fail(problem)), problem.http_status
    return jsonify(ok())


def database_problem() -> NotReady | None:
    db.connect(reuse_if_open=True)
    db.execute_sql("SELECT 1")
    missing = sorted({m._meta.table_name for m in all_models()} - set(db.get_tables()))
    if missing:
        return NotReady("Not ready: tables are missing (run flask init-db)",
                        details=", ".join(missing))
    wrong_secret = secret_problem(current_app.config["SECRET_KEY"])
    if wrong_secret:
        return NotReady(f"Not ready: {wrong_secret}")
    return None
