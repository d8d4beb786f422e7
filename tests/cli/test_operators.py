"""Operator commands: ``flask call``, ``flask users add``/``list``, ``flask version``, their
--help, and one line (no traceback) for a database that cannot be reached."""

from __future__ import annotations

import json
import os

import pytest
from conftest import OWNER_EMAIL, SECRET_KEY, ok_data

from actions.cli import COMMANDS
from actions.gateway.landing import version
from app import create_app
from models.members import User
from models.tokens import UserPassword


def test_call_runs_an_action_and_prints_the_envelope(app, api):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["call", "post_project", "title=Website", "tags[]=web"])
    assert result.exit_code == 0, result.output
    project = json.loads(result.output)["data"]
    assert project["name"] == "Website"
    assert ok_data(api.call("get_project", id_project=project["id"]))["name"] == "Website"


def test_call_answers_an_error_envelope_with_exit_status_1(app):
    result = app.test_cli_runner().invoke(args=["call", "get_task", "id_task=999999"])
    assert result.exit_code == 1
    assert json.loads(result.output) == {"status": "error", "status_code": 5,
                                         "message": "Task is invalid"}


def test_call_validates_like_the_api(app):
    result = app.test_cli_runner().invoke(args=["call", "add_user", "email=not-an-email"])
    assert (result.exit_code, json.loads(result.output)["status_code"]) == (1, 11)


def test_users_add_with_a_role_and_a_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "add", "kate@example.com", "--role", "guest",
                                 "--password"], input="correct horse\ncorrect horse\n")
    assert result.exit_code == 0, result.output
    user = User.by_email("kate@example.com")
    assert user.role == "guest" and f"id {user.id}, guest" in result.output
    assert UserPassword.get_by_id(user.id).hash.startswith("scrypt")
    listed = runner.invoke(args=["users", "list"]).output
    assert "kate@example.com" in listed and OWNER_EMAIL in listed
    token = runner.invoke(args=["create-token", "kate@example.com"])
    assert token.exit_code == 0


def test_users_add_refuses_a_known_email_and_a_short_password(app):
    runner = app.test_cli_runner()
    again = runner.invoke(args=["users", "add", OWNER_EMAIL])
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(args=["users", "add", "x@example.com", "--password"],
                          input="short\nshort\n")
    assert short.exit_code == 2 and User.by_email("x@example.com") is None


def test_version(app):
    assert app.test_cli_runner().invoke(args=["version"]).output == f"Taskgate {version()}\n"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command.name)
def test_every_command_has_help(app, command):
    names = [command.name]
    subcommands = getattr(command, "commands", {})
    runner = app.test_cli_runner()
    for args in [names] + [names + [sub] for sub in subcommands]:
        result = runner.invoke(args=[*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
        assert len(result.output.split("Options:")[0].split("\n", 2)[-1].strip()) > 10, args


@pytest.mark.parametrize("url", [
    "postgresql://postgres@127.0.0.1:1/taskgate",  # nothing listens on port 1
    "sqlite:////no/such/directory/taskgate.sqlite",
])
def test_an_unreachable_database_is_one_line(url):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1
    location = url.split("@")[-1]
    assert result.output.startswith(f"Error: cannot reach the database at {location}: ")
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_missing_postgresql_database_is_one_line():
    server = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/x")
    url = server.rsplit("/", 1)[0] + "/taskgate_no_such_database"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    output = app.test_cli_runner().invoke(args=["keys", "list"]).output
    if "Connection refused" in output:
        pytest.skip(f"no PostgreSQL server answers at {server}")
    assert output.strip().endswith('database "taskgate_no_such_database" does not exist')
    assert len(output.strip().splitlines()) == 1
