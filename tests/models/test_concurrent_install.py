"""Replicas started together (compose's ``replicas: 2``, several hosts after a deploy) each run
``flask init-db`` on the same new PostgreSQL database: every one succeeds, and the install has
one owner and one admin key, returned to exactly one of them."""

from __future__ import annotations

import secrets
import threading
import time

from multihost_kit import create_database, postgres_server

from app import create_app
from models.base import db
from models.install import ensure_install
from models.keys import ApiKey
from models.members import User

STARTS = 4


def test_installs_started_together_on_one_postgresql_install_once(monkeypatch):
    database, drop_database = create_database(postgres_server())
    secret = secrets.token_urlsafe(32)
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": secret, "WEBHOOK_WORKER": False})
    together, keys, errors = threading.Barrier(STARTS), [], []
    issue = ApiKey.issue.__func__
    monkeypatch.setattr(ApiKey, "issue", classmethod(slowly(issue)))  # a slow key derivation

    def start() -> None:
        with app.app_context():
            together.wait()
            try:
                keys.append(ensure_install(secret, "owner@example.com"))
            except Exception as err:  # noqa: BLE001 - the assertion shows it
                errors.append(err)
            finally:
                db.close()

    try:
        threads = [threading.Thread(target=start) for _ in range(STARTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert len([key for key in keys if key]) == 1
        with app.app_context():
            assert User.select().where(User.role == "owner").count() == 1
            assert ApiKey.select().count() == 1
    finally:
        db.obj.close_all()
        drop_database()


def slowly(function):
    """``function`` after a pause: the window between the check and the insert made wide."""
    def slow(*args, **kwargs):
        time.sleep(0.3)
        return function(*args, **kwargs)
    return slow
