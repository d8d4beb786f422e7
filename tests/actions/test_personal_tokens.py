"""Tasq: a personal token made through the API for the token's own user (scopes no wider
than the caller's, the secret shown once), and a user in several teams."""

from __future__ import annotations

from conftest import DATE_ADDED, error, ok_data
from peer_kit import UserCalls, as_token

from models.members import Team
from models.tokens import Token


def test_create_token_for_the_callers_own_user(client, frank):
    caller = as_token(client, frank, scopes=["tasks_read", "users_read", "users_write"])
    made = ok_data(caller.call("create_token", name="CI bot", scopes="tasks_read", days=7))
    assert DATE_ADDED.match(made.pop("date_expires"))
    secret = made.pop("token")
    assert made == {"id": made["id"], "name": "CI bot", "scopes": ["tasks_read"]}
    row = Token.get_by_id(int(made["id"]))
    assert (row.user_id, row.name) == (frank.id, "CI bot") and secret not in row.digest
    for style in ("bearer", "bare", "accesstoken"):
        assert ok_data(UserCalls(client, secret, style).call("get_task_types")) == []
    assert UserCalls(client, secret, "bare").call("get_user", email=frank.email)[
        "status_code"] == 2  # tasks_read only: no users_read
    every = ok_data(caller.call("create_token", name="All mine"))
    assert every["scopes"] == ["tasks_read", "users_read", "users_write"]


def test_create_token_refuses_wider_scopes_unknown_ones_and_the_admin_key(api, client, frank):
    caller = as_token(client, frank, scopes=["users_write"])
    count = Token.select().count()
    assert caller.call("create_token", name="x", scopes="administrative") == error(
        11, "Invalid scopes: more than the calling token has", "administrative")
    assert caller.call("create_token", name="x", scopes="root")["status_code"] == 11
    assert caller.call("create_token", name="x", days=0)["status_code"] == 11
    assert caller.call("create_token")["status_code"] == 10
    assert api.call("create_token", name="x") == error(2, "This action needs a user access token")
    assert Token.select().count() == count


def test_a_user_in_several_teams(api, frank):
    ok_data(api.call("add_user_group", title="Ops"))
    ok_data(api.call("add_user_group", title="Support"))
    user = ok_data(api.call("update_user", email=frank.email, teams=["Support", "Ops"]))
    assert user["group"] == "Support"
    assert [t["title"] for t in user["teams"]] == ["Support", "Ops"]
    assert [t["title"] for t in ok_data(api.call("get_user", email=frank.email))["teams"]] == [
        "Support", "Ops"]
    ops = Team.get(title="Ops")
    user = ok_data(api.call("update_user", email=frank.email, teams=str(ops.id)))
    assert [t["title"] for t in user["teams"]] == ["Ops"] and user["group"] == "Ops"
    assert api.call("update_user", email=frank.email, teams="Nowhere") == error(
        11, "Invalid teams: no such team", "Nowhere")
    assert ok_data(api.call("get_user", email=frank.email))["group"] == "Ops"
