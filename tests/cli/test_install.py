"""Installing: the init-db, api-key, sign-url and actions commands, and upgrading a database
made by an older version."""

from __future__ import annotations

import re

from conftest import API_KEY, OWNER_EMAIL, SECRET_KEY, ok_data

from app import create_app
from models.base import db
from models.install import add_missing_columns, ensure_install
from models.keys import ApiKey
from models.members import User


def test_init_db_is_idempotent_and_prints_the_key_once(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
                      "SECRET_KEY": "s", "API_KEY": None, "OWNER_EMAIL": OWNER_EMAIL})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"]).output
    key = re.search(r"Admin API key \(shown once\): ([0-9a-f]{32})", first).group(1)
    second = runner.invoke(args=["init-db"]).output
    assert "Admin API key" not in second
    with app.app_context():
        assert User.select().count() == 1 and ApiKey.select().count() == 1
    assert runner.invoke(args=["api-key"]).output.strip() == key


def test_fixed_api_key_from_config(app):
    assert app.test_cli_runner().invoke(args=["api-key"]).output.strip() == API_KEY


def test_sign_url_prints_a_working_curl_command(app, client):
    output = app.test_cli_runner().invoke(args=["sign-url", "add_user_group",
                                                "title=Design team"]).output
    url = re.search(r"curl '(http://127\.0\.0\.1:5000)(/api/admin/v2/\?[^']+)'", output).group(2)
    assert client.get(url).get_json()["data"]["title"] == "Design team"


def test_actions_lists_every_action_with_its_doc(app):
    output = app.test_cli_runner().invoke(args=["actions"]).output
    assert re.search(r"^add_user\s+Invite a user to the account", output, re.M)


def test_a_column_added_by_a_newer_version_is_added_with_its_default(app, api):
    ok_data(api.call("add_user", email="kate@ws.com", department="Design"))
    with app.app_context():
        db.execute_sql('ALTER TABLE "members" DROP COLUMN "department"')
        assert ensure_install(SECRET_KEY, OWNER_EMAIL, API_KEY) is None
        assert "department" in {column.name for column in db.get_columns("members")}
        assert add_missing_columns() == []
        db.close()
    assert [u["department"] for u in ok_data(api.call("get_users"))] == ["", ""]
