"""A secret key that cannot decrypt the stored API keys stops init-db, the webhook worker and
api-key with one line, and /readyz answers 503 with the reason (tests/test_serve.py: gunicorn
and ./serve)."""

from __future__ import annotations

from conftest import OWNER_EMAIL

from app import create_app
from models.install import WRONG_SECRET


def install(tmp_path, secret: str):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}",
                      "SECRET_KEY": secret, "API_KEY": None, "OWNER_EMAIL": OWNER_EMAIL})
    return app


def test_a_changed_secret_stops_the_commands_with_one_line(tmp_path):
    assert install(tmp_path, "first").test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    runner = install(tmp_path, "second").test_cli_runner()
    for command in (["init-db"], ["deliver-webhooks"], ["api-key"]):
        done = runner.invoke(args=command)
        assert done.exit_code == 1, (command, done.output)
        assert done.output == f"Error: {WRONG_SECRET}\n", command


def test_readyz_names_the_wrong_secret(tmp_path):
    install(tmp_path, "first").test_cli_runner().invoke(args=["init-db"])
    answer = install(tmp_path, "second").test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["message"] == f"Not ready: {WRONG_SECRET}"
    assert install(tmp_path, "first").test_client().get("/readyz").status_code == 200


def test_a_new_database_takes_any_secret(tmp_path):
    assert install(tmp_path, "any").test_client().get("/readyz").status_code == 503  # no tables
    assert install(tmp_path, "any").test_cli_runner().invoke(args=["init-db"]).exit_code == 0
