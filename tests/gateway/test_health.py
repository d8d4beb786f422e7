"""``/healthz`` answers without the database; ``/readyz`` checks that it answers and has every
table, else HTTP 503 with the envelope saying what is missing."""

from __future__ import annotations

import pytest
from conftest import SECRET_KEY

from actions.gateway.landing import version
from app import create_app
from models import all_models, create_tables
from models.base import db

OK = {"status": "ok"}
LIVE = {"status": "ok", "data": {"version": version()}}  # /healthz names the version


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file of its own, created empty (no table)."""
    yield create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'health.sqlite'}"})
    db.obj.close_all()


def test_both_answer_ok_without_a_signature_when_the_database_is_ready(client):
    for path, body in (("/healthz", LIVE), ("/readyz", OK)):
        response = client.get(path)
        assert (response.status_code, response.get_json()) == (200, body)


def test_without_a_database_the_process_is_live_but_not_ready(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite'}"})
    client = app.test_client()
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, LIVE)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error", "status_code": 503,
        "message": "Not ready: the database cannot be reached",
        "message_details": "OperationalError"}
    assert client.get("/api/admin/v2/?action=get_users&hash=x").status_code == 500  # control


def test_an_empty_database_is_not_ready_and_every_table_is_named(sqlite_app):
    response = sqlite_app.test_client().get("/readyz")
    assert response.status_code == 503
    names = sorted(model._meta.table_name for model in all_models())
    assert response.get_json() == {
        "status": "error", "status_code": 503,
        "message": "Not ready: tables are missing (run flask init-db)",
        "message_details": ", ".join(names)}


def test_one_missing_table_is_named(sqlite_app):
    with sqlite_app.app_context():
        create_tables()
        db.execute_sql('DROP TABLE "timers"')
        db.close()
    response = sqlite_app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()["message_details"]) == (503, "timers")
    with sqlite_app.app_context():
        create_tables()
        db.close()
    response = sqlite_app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (200, OK)
