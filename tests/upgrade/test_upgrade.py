"""An install of the previous release upgraded in place: its dump (made by that release's
code, tests/upgrade/README.md) loaded into a fresh database, ``flask db upgrade`` run, then
every row and file still there and the API answering as it did. SQLite, and PostgreSQL when
TEST_DATABASE_URL names one."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from app import create_app
from models import all_models
from models.base import db as app_db_proxy
from models.files import File

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def previous(tmp_path, database_url):
    """(database URL, recorded answers) of the previous release's install."""
    if database_url:
        url, drop = postgres_copy(database_url)
    else:
        url, drop = f"sqlite:///{tmp_path / 'previous.sqlite'}", None
        with sqlite3.connect(tmp_path / "previous.sqlite") as connection:
            connection.executescript((FIXTURES / "dump.sqlite.sql").read_text())
    dialect = "postgresql" if database_url else "sqlite"
    shutil.copytree(FIXTURES / "files", tmp_path / "files")
    yield url, json.loads((FIXTURES / f"answers.{dialect}.json").read_text())
    if drop:
        drop()


def postgres_copy(server_url: str):
    psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL driver is not installed")
    name = f"taskgate_upgrade_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(urlunsplit(urlsplit(server_url)._replace(path="/postgres")),
                            autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    dump = "\n".join(line for line in (FIXTURES / "dump.postgresql.sql").read_text().splitlines()
                     if not line.startswith("\\"))  # psql's own commands (\restrict)
    with psycopg.connect(url) as connection:
        connection.execute(dump)

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return url, drop


# Tables a migration drops since the previous release, with why.
DROPPED = {"login_failures"}  # m0003: failed logins are counted in the rate-limit storage


def contains(new, old, where="answer"):
    """``new`` says all ``old`` said (a field added since is fine)."""
    if isinstance(old, dict):
        assert isinstance(new, dict), where
        for key, value in old.items():
            assert key in new, f"{where}: {key} is gone"
            contains(new[key], value, f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for n, (now, then) in enumerate(zip(new, old, strict=True)):
            contains(now, then, f"{where}[{n}]")
    else:
        assert new == old, f"{where}: {old!r} became {new!r}"


def test_the_previous_release_upgrades_in_place_with_every_row_file_and_answer(previous,
                                                                               tmp_path):
    url, recorded = previous
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": recorded["secret"],
                      "API_KEY": None, "FILES_DIR": str(tmp_path / "files")})
    upgraded = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    with app.app_context():
        rows = {m._meta.table_name: m.select().count() for m in all_models()}
        tables = set(app_db_proxy.get_tables())
    kept = {table: count for table, count in recorded["rows"].items() if table not in DROPPED}
    assert {table: rows.get(table) for table in kept} == kept
    assert not DROPPED & tables

    client = app.test_client()

    def call(action, **params):
        query = urlencode({"action": action, **params})
        signature = hashlib.md5((query + recorded["key"]).encode()).hexdigest()
        return client.post(f"/api/admin/v2/?{query}&hash={signature}")

    for request, answer in recorded["answers"].items():
        action, params = request.split(" ", 1)
        body = call(action, **json.loads(params)).get_json()
        assert body["status"] == "ok", (request, body)
        contains(body.get("data"), answer, request)
    with app.app_context():
        [file] = File.select()
    with call("download", id_file=file.id) as download:
        assert download.get_data() == b"the plan\n"
