"""Trudesk's password login (``POST /api/v1/login``), its lock-out after repeated failures,
and the token header styles of the peers' clients."""

from __future__ import annotations

import pytest
from conftest import ok_data, ref
from peer_kit import UserCalls, token_for

from models.tokens import SCOPES, Token, UserPassword

PASSWORD = "correct horse battery"
INVALID = {"success": False, "error": "Invalid username or password"}


@pytest.fixture
def frank_password(app, frank):
    UserPassword.set(frank, PASSWORD)
    return frank


def login(client, username, password, **kwargs):
    return client.post("/api/v1/login", json={"username": username, "password": password},
                       **kwargs)


def test_login_answers_a_token_and_the_user(client, frank_password):
    frank = frank_password
    response = login(client, frank.email.upper(), PASSWORD)
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True
    assert body["accesstoken"] == body["accessToken"] == response.headers["X-Subject-Token"]
    assert {k: body["user"][k] for k in ("id", "email", "name")} == ref(frank)
    assert "password" not in str(body["user"])
    token = Token.find("access", body["accesstoken"])
    assert token.user_id == frank.id and token.scope_list == list(SCOPES)
    assert ok_data(UserCalls(client, body["accesstoken"], "accesstoken").call("me"))[
        "email"] == frank.email


def test_a_form_body_works_too(client, frank_password):
    response = client.post("/api/v1/login", data={"username": frank_password.email,
                                                  "password": PASSWORD})
    assert response.get_json()["success"] is True


@pytest.mark.parametrize(("username", "password"), [
    ("frank.harper@ws.com", "wrong password"), ("nobody@ws.com", PASSWORD)])
def test_a_wrong_email_or_password_answers_the_same_and_issues_nothing(
        client, frank_password, username, password):
    response = login(client, username, password)
    assert (response.status_code, response.get_json()) == (401, INVALID)
    assert Token.select().count() == 0


def test_a_user_without_password_or_disabled_cannot_log_in(api, client, frank_password, kate):
    assert login(client, kate.email, PASSWORD).status_code == 401
    ok_data(api.call("disable_user", email=frank_password.email))
    assert login(client, frank_password.email, PASSWORD).status_code == 401


def test_missing_fields_are_invalid_post_data(client):
    response = client.post("/api/v1/login", json={"username": "a@b.c"})
    assert (response.status_code, response.get_json()) == (
        400, {"success": False, "error": "Invalid Post Data"})
    assert client.post("/api/v1/login", data=b"\xff\xfe", content_type="application/json"
                       ).status_code == 400
    assert client.get("/api/v1/login").status_code == 405


def test_repeated_failures_lock_the_email_out(client, frank_password, kate):
    for _ in range(5):
        assert login(client, frank_password.email, "guess").status_code == 401
    locked = login(client, frank_password.email, PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 800
    assert locked.get_json() == {"success": False,
                                 "error": "Too many failed logins: try again later"}
    assert Token.select().count() == 0
    UserPassword.set(kate, PASSWORD)
    assert login(client, kate.email, PASSWORD).status_code == 200  # another email is not locked


def test_a_success_forgets_earlier_failures(client, frank_password):
    for _ in range(4):
        login(client, frank_password.email, "guess")
    assert login(client, frank_password.email, PASSWORD).status_code == 200
    for _ in range(4):
        login(client, frank_password.email, "guess")
    assert login(client, frank_password.email, PASSWORD).status_code == 200


def test_the_lock_out_limit_is_configurable(app, client, frank_password):
    app.config.update(LOGIN_MAX_FAILURES=2)
    login(client, frank_password.email, "a")
    login(client, frank_password.email, "b")
    assert login(client, frank_password.email, PASSWORD).status_code == 429


@pytest.mark.parametrize("style", ["bearer", "bare", "accesstoken"])
def test_every_peer_header_style_carries_a_token(client, frank, style):
    assert ok_data(UserCalls(client, token_for(frank), style).call("me"))["email"] == frank.email


@pytest.mark.parametrize("headers", [
    {"Authorization": "short"}, {"Authorization": "Basic abcdefghijklmnopqrstuvwxyz"},
    {"accesstoken": "not-a-token-at-all-00000"}, {"Authorization": "Bearer"}])
def test_a_bad_header_is_an_invalid_token(client, headers):
    body = client.post("/api/oauth2?action=me", headers=headers).get_json()
    assert body == {"status": "error", "status_code": 2,
                    "message": "Access token is missed or invalid"}
