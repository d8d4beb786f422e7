"""Fixtures: an app on a fresh database, a client that signs requests like real clients do.

The suite runs on a temporary SQLite file per test (a copy of one installed once). Setting
``TEST_DATABASE_URL`` to a PostgreSQL URL runs the same suite there (tables created once,
emptied between tests); when that server cannot be reached every test is skipped with the
reason.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

import pytest
from peewee import AutoField
from webhook_kit import BACKOFF, Clock, Receiver
from werkzeug.serving import make_server

import models.tokens
from actions import delivery
from actions.caller import Caller, calling_as
from actions.registry import dispatch
from app import create_app
from models import all_models, create_tables
from models.base import connect_database, db
from models.install import ensure_install
from models.members import User
from models.postgres import PooledPostgres
from models.settings import SNAPSHOT as SETTINGS_SNAPSHOT
from models.sqlite import PooledSqlite
from schemas.envelope import ApiError, fail

API_KEY = "7776461cd931e7b1c8e9632ff8e979ce"
SECRET_KEY = "test-secret"
OWNER_EMAIL = "henry.gardner@ws.com"
# s3_url: moto's S3 server; redis_prefix; smtp_server, mail_app: a real SMTP server and the app
# sending to it; source: a filled Worksection-like source account for the importer
pytest_plugins = ["s3_kit", "redis_kit", "mail_kit", "import_kit"]
DATE_ADDED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")  # as the API writes dates


def one_database_per_worker() -> None:
    """Under pytest-xdist (``./run-tests`` runs a worker per core), each worker gets a
    database of its own on the TEST_DATABASE_URL server, named after it; subprocesses
    inherit the URL."""
    url, worker = os.environ.get("TEST_DATABASE_URL"), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or url.rstrip("/").endswith(f"_{worker}"):
        return
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{worker}"
    try:
        server = connect_database(urlunsplit(parts._replace(path="/postgres")))
        if not server.execute_sql("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone():
            server.execute_sql(f'CREATE DATABASE "{name}"')
        server.close()
    except Exception:  # unreachable: the database_url fixture skips, with the reason
        return
    os.environ["TEST_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))


one_database_per_worker()


@pytest.fixture(autouse=True)
def no_sender_left_running():
    """A webhook sender started in this process (by an app made without TESTING) delivers
    the pending webhooks of whatever database the next tests bind, with its own settings:
    it never outlives the test that started it."""
    yield
    delivery.stop_sender()


@pytest.fixture(scope="session")
def database_url() -> str | None:
    """The PostgreSQL URL under test, reachable and emptied once; None for SQLite."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    try:
        database = connect_database(url)
        database.connect()
    except Exception as err:  # any driver error means "not reachable here"
        pytest.skip(f"PostgreSQL at {url} is not reachable ({err.__class__.__name__}: {err})")
    db.initialize(database)
    db.drop_tables(all_models(), safe=True, cascade=True)
    create_tables()
    database.close_all()  # psycopg 3 warns of a connection dropped open
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An installed SQLite database, made once; each test starts from a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "installed.sqlite"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}",
                      "SECRET_KEY": SECRET_KEY, "API_KEY": API_KEY, "OWNER_EMAIL": OWNER_EMAIL})
    with app.app_context():
        ensure_install(SECRET_KEY, OWNER_EMAIL, API_KEY)
    db.obj.close_all()  # the last connection out checkpoints the WAL into the file
    return path


@pytest.fixture
def app(tmp_path, database_url, request):
    if database_url:
        url = database_url
    else:
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.sqlite")
        url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                      "API_KEY": API_KEY, "OWNER_EMAIL": OWNER_EMAIL,
                      "FILES_DIR": str(tmp_path / "files")})
    if database_url:
        with app.app_context():
            empty_tables()
            ensure_install(SECRET_KEY, OWNER_EMAIL, API_KEY)
            db.close()
    yield app
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    elif not db.is_closed():
        db.close()


def empty_tables() -> None:
    """Empty the tables the last test wrote to and restart the ids: far faster than TRUNCATE
    of every table (which costs PostgreSQL ~80 ms however little was written)."""
    models = all_models()
    probe = " UNION ALL ".join(
        f"SELECT '{m._meta.table_name}' WHERE EXISTS (SELECT 1 FROM \"{m._meta.table_name}\")"
        for m in models)
    used = {row[0] for row in db.execute_sql(probe).fetchall()}
    for model in reversed(models):  # referencing tables first
        if model._meta.table_name in used:
            db.execute_sql(f'DELETE FROM "{model._meta.table_name}"')
    # Every sequence, not only the used tables': a rolled-back insert advances one too.
    restarts = [f"setval(pg_get_serial_sequence('\"{m._meta.table_name}\"', 'id'), 1, false)"
                for m in models if isinstance(m._meta.primary_key, AutoField)]
    db.execute_sql("SELECT " + ", ".join(restarts))


@pytest.fixture
def client(app):
    return app.test_client()


def php_query(params: dict[str, Any]) -> str:
    """``http_build_query`` as the PHP SDK builds it (space → ``+``, lists as ``k[]``)."""
    pairs = []
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            pairs += [(f"{key}[]", item) for item in value]
        else:
            pairs.append((key, value))
    return "&".join(f"{quote_plus(str(k))}={quote_plus(str(v))}" for k, v in pairs)


def md5_hash(query: str, key: str = API_KEY) -> str:
    return hashlib.md5((query + key).encode()).hexdigest()


def admin_header(action: str, key: str = API_KEY, at: int | None = None) -> str:
    stamp = int(time.time()) if at is None else at
    signature = hmac.new(key.encode(), f"{action}:{stamp}".encode(), hashlib.sha256).hexdigest()
    return f"Admin {stamp}_{signature}"


class Api:
    """Calls actions through the real route, signed the way real clients sign them."""

    path = "/api/admin/v2/"

    def __init__(self, client) -> None:
        self.client = client

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """GET with every parameter in the query and ``hash=md5(query + key)`` (the docs)."""
        return self.get(action, params).get_json()

    def get(self, action: str, params: dict[str, Any] | None = None, key: str = API_KEY):
        query = php_query({"action": action, **(params or {})})
        return self.client.get(f"{self.path}?{query}&hash={md5_hash(query, key)}")

    def post_json(self, action: str, **params: Any) -> dict[str, Any]:
        """POST a JSON body with the 2026 ``Authorization: Admin`` header (official clients)."""
        response = self.client.post(f"/api/admin/v2?action={action}",
                                    data=json.dumps(params) if params else None,
                                    headers={"Authorization": admin_header(action),
                                             "Content-Type": "application/json; charset=utf-8"})
        return response.get_json()

    def post_form(self, action: str, data: dict[str, Any] | None = None,
                  files: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
        """POST with the signed parameters in the query and a multipart body (attachments)."""
        query = php_query({"action": action, **params})
        response = self.client.post(f"{self.path}?{query}&hash={md5_hash(query)}",
                                    data={**(data or {}), **(files or {})},
                                    content_type="multipart/form-data")
        return response.get_json()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


KEY_BOOKKEEPING = 'UPDATE "api_keys" SET "last_used"'  # once a minute per key, not per call


@pytest.fixture
def control(monkeypatch, app) -> list[str]:
    """The BEGIN and COMMIT (or ROLLBACK) the database is asked for from now on."""
    sent: list[str] = []
    for name in ("begin", "commit", "rollback"):
        real = getattr(db.obj, name)
        monkeypatch.setattr(db.obj, name, lambda *a, _real=real, _name=name, **k: (
            sent.append(_name.upper()), _real(*a, **k))[1])
    with app.app_context():
        yield sent


@pytest.fixture
def postgres(app, database_url):
    """The PostgreSQL database, in an app context; the test is skipped on SQLite."""
    yield from only_on(app, PooledPostgres, None if database_url else
                       "PostgreSQL only (TEST_DATABASE_URL)")


@pytest.fixture
def sqlite(app, database_url):
    """The SQLite database, in an app context; the test is skipped on PostgreSQL."""
    yield from only_on(app, PooledSqlite, "SQLite only (the default database)"
                       if database_url else None)


def only_on(app, kind: type, skipped: str | None):
    if skipped:
        pytest.skip(skipped)
    assert isinstance(db.obj, kind)
    with app.app_context():
        yield db.obj


def is_key_cache(sql: str) -> bool:
    """A statement of the key cache, or of a key change: at most every 0.25 s per process,
    not per call (tests/gateway/test_key_cache.py counts them)."""
    return '"api_key_version"' in sql or (sql.startswith("SELECT") and 'FROM "api_keys"' in sql) \
        or sql == SETTINGS_SNAPSHOT  # the settings' cache, read as often as the key cache


@pytest.fixture
def count_queries(monkeypatch) -> list[str]:
    """Every SQL statement run from now on: clear it, make a call, count, to catch N+1."""
    real = db.obj.execute_sql
    queries: list[str] = []

    def counting(sql, *args, **kwargs):
        if not sql.startswith(KEY_BOOKKEEPING) and not is_key_cache(sql):
            queries.append(sql)
        return real(sql, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    return queries


@pytest.fixture
def frank(app):
    return User.create(email="frank.harper@ws.com", first_name="Frank", last_name="Harper")


@pytest.fixture
def kate(app):
    return User.create(email="kate.greenway@ws.com", first_name="Kate", last_name="Greenway")


def ref(user) -> dict[str, str]:
    """A user as the API embeds one."""
    return {"id": str(user.id), "email": user.email, "name": user.name}


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port (for the official client)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def ok_data(body: dict[str, Any]) -> Any:
    """The ``data`` of a success envelope (fails the test on an error envelope)."""
    assert body["status"] == "ok", body
    return body.get("data")


def error(code: int, message: str, details: Any = None) -> dict[str, Any]:
    """The error envelope the API answers."""
    body = {"status": "error", "status_code": code, "message": message}
    return body if details is None else {**body, "message_details": details}


def as_user(user, action: str, **params) -> dict[str, Any]:
    """Run an action as a user token would, and answer the envelope."""
    with calling_as(Caller(user=user)):
        try:
            return {"status": "ok", "data": dispatch(action, params)}
        except ApiError as err:
            return fail(err)


def post_task(api, project: int, **params) -> int:
    """A task made through the API in the project with this id; its id."""
    body = api.call("post_task", id_project=project, **{"title": "Brand book", **params})
    return int(ok_data(body)["id"])


@pytest.fixture
def website(api) -> int:
    """A project made through the API; its id."""
    return int(ok_data(api.call("post_project", title="Website"))["id"])


@pytest.fixture
def hooks_app(app):
    """The app with private receivers allowed (the receiver is on 127.0.0.1), short timeouts
    and a short backoff list."""
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT=0.5, WEBHOOK_BACKOFF=BACKOFF)
    yield app
    delivery.stop_sender()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def clock():
    return Clock()


class UserRef(dict):
    """A user as the API embeds one, known by email: its id is looked up when compared, so
    tests never spell out a user id (ids start above the reserved range, see models/ids.py)."""

    def __init__(self, email: str, name: str) -> None:
        super().__init__(id="?", email=email, name=name)

    def resolved(self) -> dict[str, str]:
        user = User.by_email(self["email"])
        return {**self, "id": str(user.id) if user else "?"}

    def __getitem__(self, key: str) -> str:
        return self.resolved()[key] if key == "id" else super().__getitem__(key)

    def __eq__(self, other: object) -> bool:
        return self.resolved() == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


@pytest.fixture
def cheap_password_hashes(monkeypatch):
    """Passwords hashed with one PBKDF2 round, for tests that count checks, not their cost."""
    cheap = functools.partial(models.tokens.generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr(models.tokens, "generate_password_hash", cheap)
    models.tokens.dummy_hash.cache_clear()
    yield
    models.tokens.dummy_hash.cache_clear()


OAUTH_REDIRECT = "https://reports.example.com/callback"


@pytest.fixture
def oauth_client(app):
    """An OAuth client registered as an operator does (flask create-client): id and secret."""
    out = app.test_cli_runner().invoke(
        args=["create-client", "Reports", "--redirect-uri", OAUTH_REDIRECT]).output
    return SimpleNamespace(id=re.search(r"client_id: (\w+)", out).group(1),
                           secret=re.search(r"client_secret \(shown once\): (\S+)", out).group(1))
