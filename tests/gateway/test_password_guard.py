"""One guard on every door that checks a password or a client secret: failures through any mix
of doors count together, per account and per client address, and lock every door; the
address limit is tested before any password hash is computed; nothing is written for them."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from unittest import mock

import pytest
from redis_kit import REDIS_URL

import models.tokens
from app import create_app
from models import all_models
from models.tokens import Token, UserPassword

PASSWORD = "correct horse battery"
REDIRECT = "https://reports.example.com/callback"
LOCKED = 429


pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.fixture
def oauth(oauth_client):
    return oauth_client


def login(client, oauth, email, password, secret=None):
    return client.post("/api/v1/login", json={"username": email, "password": password})


def authorize(client, oauth, email, password, secret=None):
    query = (f"client_id={oauth.id}&redirect_uri={REDIRECT}&scope=tasks_read"
             "&response_type=code&state=s")
    return client.post(f"/oauth2/authorize?{query}", data={"username": email,
                                                          "password": password})


def password_grant(client, oauth, email, password, secret=None):
    return client.post("/oauth2/token", data={
        "grant_type": "password", "client_id": oauth.id, "client_secret": secret or oauth.secret,
        "username": email, "password": password})


def client_secret(client, oauth, email, password, secret=None):
    """The client secret is the credential: ``password`` is sent as the client's secret."""
    return client.post("/oauth2/token", data={
        "grant_type": "password", "client_id": oauth.id,
        "client_secret": oauth.secret if password == PASSWORD else password,
        "username": email, "password": PASSWORD})


PASSWORD_DOORS = {"login": login, "authorize": authorize, "password_grant": password_grant}
DOORS = {**PASSWORD_DOORS, "client_secret": client_secret}


def succeeded(response) -> bool:
    if response.status_code == 302:
        return "code=" in response.headers["Location"]
    body = response.get_json()
    return response.status_code == 200 and bool(body.get("success") or body.get("access_token"))


def refused_as_locked(response) -> bool:
    return response.status_code == LOCKED and int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("mix", list(itertools.product(PASSWORD_DOORS, repeat=2)),
                         ids="+".join)
def test_failures_through_any_mix_of_doors_lock_the_account_at_every_door(
        app, client, oauth, frank, kate, mix):
    UserPassword.set(frank, PASSWORD)
    UserPassword.set(kate, PASSWORD)
    for door in (PASSWORD_DOORS[name] for name in mix):
        assert succeeded(door(client, oauth, frank.email, PASSWORD))
    for n, name in zip(range(app.config["LOGIN_MAX_FAILURES"]), itertools.cycle(mix)):
        address = {"REMOTE_ADDR": f"198.51.100.{n}"}  # from many addresses: still one account
        with mock.patch.dict(client.environ_base, address):
            assert not succeeded(PASSWORD_DOORS[name](client, oauth, frank.email, "guess"))
    for door in PASSWORD_DOORS.values():
        assert refused_as_locked(door(client, oauth, frank.email, PASSWORD))
        assert succeeded(door(client, oauth, kate.email, PASSWORD))  # another account is not


@pytest.mark.parametrize("mix", list(itertools.combinations(DOORS, 2)), ids="+".join)
def test_failures_from_one_address_through_any_mix_lock_every_door_for_it(
        app, client, oauth, frank, mix):
    app.config.update(LOGIN_MAX_FAILURES_PER_ADDRESS=4)
    UserPassword.set(frank, PASSWORD)
    for n, name in zip(range(4), itertools.cycle(mix)):
        assert not succeeded(DOORS[name](client, oauth, f"nobody{n}@ws.com", f"guess{n}"))
    with mock.patch.object(models.tokens, "check_password_hash") as hashed:
        for door in DOORS.values():
            assert refused_as_locked(door(client, oauth, frank.email, PASSWORD))
    assert hashed.call_count == 0  # refused before any hash is computed
    with mock.patch.dict(client.environ_base, {"REMOTE_ADDR": "203.0.113.9"}):
        for door in DOORS.values():
            assert succeeded(door(client, oauth, frank.email, PASSWORD))


def test_the_address_limit_is_on_by_default(app, client, oauth):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    assert 0 < limit <= 50
    for n in range(limit):
        assert login(client, oauth, f"new{n}@ws.com", "x").status_code == 401
    assert refused_as_locked(login(client, oauth, "another@ws.com", "x"))


def test_unknown_accounts_write_no_rows(app, client, oauth):
    def rows() -> int:
        return sum(model.select().count() for model in all_models())

    before = rows()
    for n, door in enumerate(DOORS.values()):
        door(client, oauth, f"stranger{n}@ws.com", "guess")
    assert rows() == before


def test_a_locked_oauth_door_answers_oauths_error_shape(app, client, oauth, frank):
    app.config.update(LOGIN_MAX_FAILURES=1)
    UserPassword.set(frank, PASSWORD)
    password_grant(client, oauth, frank.email, "guess")
    response = password_grant(client, oauth, frank.email, PASSWORD)
    assert response.get_json() == {"error": "temporarily_unavailable",
                                   "errorDescription": "Too many failed logins: try again later"}
    assert Token.select().count() == 0


def test_nothing_else_checks_a_password_or_a_client_secret():
    """The guard is the only caller of the checks (so no door can skip it)."""
    root = Path(__file__).resolve().parents[2]
    callers = {str(path.relative_to(root)) for folder in ("actions", "schemas", "app.py")
               for path in ((root / folder).rglob("*.py") if folder != "app.py"
                            else [root / folder])
               if re.search(r"UserPassword\.check|OAuthClient\.authenticated|"
                            r"check_password_hash", path.read_text())}
    assert callers == {"actions/gateway/guard.py"}


def test_two_processes_share_the_count_through_redis(app, frank, redis_prefix):
    """Two app instances (as two workers or hosts) on one Redis: one count for both."""
    UserPassword.set(frank, PASSWORD)
    settings = {**app.config, "RATE_LIMIT_STORAGE": REDIS_URL, "RATE_LIMIT_PREFIX": redis_prefix,
                "LOGIN_MAX_FAILURES": 2}
    first, second = (create_app(dict(settings)).test_client() for _ in range(2))
    assert login(first, None, frank.email, "a").status_code == 401
    assert login(second, None, frank.email, "b").status_code == 401
    assert refused_as_locked(login(first, None, frank.email, PASSWORD))
    assert refused_as_locked(login(second, None, frank.email, PASSWORD))


def test_an_unreachable_storage_lets_logins_through_and_says_so(app, frank, caplog):
    pytest.importorskip("redis", reason="the redis client is not installed")
    UserPassword.set(frank, PASSWORD)
    client = create_app({**app.config, "RATE_LIMIT_STORAGE": "redis://127.0.0.1:1",
                         "LOGIN_MAX_FAILURES": 1}).test_client()
    assert login(client, None, frank.email, "a").status_code == 401
    assert login(client, None, frank.email, PASSWORD).status_code == 200
    assert any("rate limit storage failed" in r.getMessage() for r in caplog.records)
