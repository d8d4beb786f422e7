"""The rules every user token obeys: a token mints tokens that expire no later than itself with
at most its scopes; disabling a user, changing their password or their role revokes their
tokens for good; a reused refresh token revokes its whole family."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from conftest import ok_data
from peer_kit import UserCalls, as_token

from models.base import now
from models.tokens import SCOPES, Token, UserPassword

PASSWORD = "correct horse battery"
REDIRECT = "https://reports.example.com/callback"
INVALID = {"status": "error", "status_code": 2, "message": "Access token is missed or invalid"}


pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


def me(client, secret: str) -> dict:
    return UserCalls(client, secret, "bearer").call("me")


def test_a_day_token_cannot_mint_a_ten_year_token(client, frank):
    caller = as_token(client, frank, scopes=["users_read", "users_write"])
    made = ok_data(caller.call("create_token", name="forever", days=3650))
    parent_expiry = max(t.expires_at for t in Token.select() if t.name != "forever")
    child = Token.get_by_id(int(made["id"]))
    assert child.expires_at <= parent_expiry <= now() + dt.timedelta(hours=24)
    grandchild = ok_data(UserCalls(client, made["token"], "bearer").call(
        "create_token", name="again", days=3650))
    assert Token.get_by_id(int(grandchild["id"])).expires_at <= child.expires_at


def test_a_minted_token_has_at_most_its_parents_scopes(frank):
    parent, _ = Token.issue("access", frank, ["tasks_read"])
    with pytest.raises(ValueError, match="users_write"):
        Token.issue("access", frank, ["tasks_read", "users_write"], parent=parent)


def live_tokens(client, frank) -> list[str]:
    """A login token, a personal token minted from it and an OAuth pair's access token."""
    first = as_token(client, frank, scopes=list(SCOPES))
    minted = ok_data(first.call("create_token", name="bot"))["token"]
    return [first.token, minted, Token.issue("access", frank, ["users_read"])[1]]


@pytest.mark.parametrize("change", ["disable", "password", "role"])
def test_a_credential_change_revokes_every_token_of_the_user(api, app, client, frank, change):
    secrets = live_tokens(client, frank)
    assert all(ok_data(me(client, secret)) for secret in secrets)
    if change == "disable":
        ok_data(api.call("disable_user", email=frank.email))
        ok_data(api.call("enable_user", email=frank.email))  # and it stays revoked
    elif change == "password":
        result = app.test_cli_runner().invoke(args=["set-password", frank.email],
                                              input=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.exit_code == 0, result.output
    else:
        ok_data(api.call("update_user", email=frank.email, role="guest"))
        ok_data(api.call("update_user", email=frank.email, role="user"))
    assert [me(client, secret) for secret in secrets] == [INVALID] * 3


def test_an_update_that_keeps_the_role_keeps_the_tokens(api, client, frank):
    secret = Token.issue("access", frank, ["users_read"])[1]
    ok_data(api.call("update_user", email=frank.email, role=frank.role, title="Lead"))
    assert ok_data(me(client, secret))


@pytest.fixture
def oauth(app, frank):
    UserPassword.set(frank, PASSWORD)
    out = app.test_cli_runner().invoke(
        args=["create-client", "Reports", "--redirect-uri", REDIRECT]).output
    return SimpleNamespace(id=re.search(r"client_id: (\w+)", out).group(1),
                           secret=re.search(r"client_secret \(shown once\): (\S+)", out).group(1))


def token_call(client, oauth, **params) -> dict:
    body = {"client_id": oauth.id, "client_secret": oauth.secret, **params}
    return client.post("/oauth2/token", data=body).get_json()


def test_a_reused_refresh_token_revokes_its_family(client, oauth, frank):
    first = token_call(client, oauth, grant_type="password", username=frank.email,
                       password=PASSWORD)
    second = token_call(client, oauth, grant_type="refresh_token",
                        refresh_token=first["refresh_token"])
    third = token_call(client, oauth, grant_type="refresh_token",
                       refresh_token=second["refresh_token"])
    other = token_call(client, oauth, grant_type="password", username=frank.email,
                       password=PASSWORD)  # another family
    assert ok_data(me(client, third["access_token"]))
    reused = token_call(client, oauth, grant_type="refresh_token",
                        refresh_token=first["refresh_token"])
    assert reused["error"] == "invalid_request"
    for tokens in (first, second, third):
        assert me(client, tokens["access_token"]) == INVALID
    assert token_call(client, oauth, grant_type="refresh_token",
                      refresh_token=third["refresh_token"])["error"] == "invalid_request"
    assert ok_data(me(client, other["access_token"]))
