"""``/api/admin/v2/<action>``: one path per action (for OpenAPI generators), signed so that a
hash made for one action never runs another."""

from __future__ import annotations

import pytest
from conftest import admin_header, error, md5_hash, ok_data, php_query

BAD_HASH = error(2, "Action hash is missed or invalid")


def mismatch(details: str) -> dict:
    return error(2, "The action parameter differs from the action in the path", details)


def test_the_path_action_is_hashed_as_the_first_query_parameter(client):
    signed = md5_hash("action=get_users&limit=5")
    body = client.get(f"/api/admin/v2/get_users?limit=5&hash={signed}").get_json()
    assert len(ok_data(body)) >= 1


def test_no_other_parameter_than_the_hash(client):
    body = client.get(f"/api/admin/v2/get_users?hash={md5_hash('action=get_users')}")
    assert ok_data(body.get_json())


def test_a_hash_for_one_action_does_not_run_another(client):
    signed = md5_hash("action=get_users&limit=5")
    body = client.get(f"/api/admin/v2/add_user?limit=5&hash={signed}").get_json()
    assert body == BAD_HASH


def test_a_hash_of_the_query_alone_does_not_run_the_path_action(client):
    signed = md5_hash("email=kate%40example.com")  # no action in what was hashed
    body = client.get(f"/api/admin/v2/add_user?email=kate%40example.com&hash={signed}")
    assert body.get_json() == BAD_HASH


def test_the_query_may_name_the_same_action_and_is_then_hashed_as_sent(client):
    query = php_query({"action": "get_users", "limit": 5})
    body = client.get(f"/api/admin/v2/get_users?{query}&hash={md5_hash(query)}").get_json()
    assert ok_data(body)


@pytest.mark.parametrize("where", ["query", "form", "json"])
def test_an_action_parameter_that_differs_from_the_path_fails(client, where):
    query = php_query({"action": "add_user", "email": "kate@example.com"})
    url = f"/api/admin/v2/get_users?hash={md5_hash(query)}"
    if where == "query":
        body = client.get(f"/api/admin/v2/get_users?{query}&hash={md5_hash(query)}")
    elif where == "form":
        body = client.post(url, data={"action": "add_user", "email": "kate@example.com"})
    else:
        body = client.post(url, json={"action": "add_user", "email": "kate@example.com"})
    assert body.get_json() == mismatch("add_user != get_users")


def test_a_signed_form_body_is_hashed_with_the_path_action(client):
    form = "email=kate%40example.com&first_name=Kate"
    sent = {"email": "kate@example.com", "first_name": "Kate"}
    good = md5_hash(f"action=add_user&{form}")
    assert client.post(f"/api/admin/v2/get_users?hash={good}",
                       data=sent).get_json() == BAD_HASH
    body = client.post(f"/api/admin/v2/add_user?hash={good}", data=sent).get_json()
    assert ok_data(body)["email"] == "kate@example.com"


def test_a_json_body_with_the_hash_of_its_parameters(client):
    sorted_query = "action=add_user&email=kate%40example.com&first_name=Kate"
    body = client.post(f"/api/admin/v2/add_user?hash={md5_hash(sorted_query)}",
                       json={"first_name": "Kate", "email": "kate@example.com"}).get_json()
    assert ok_data(body)["first_name"] == "Kate"


def test_the_admin_header_signs_the_path_action(client):
    good = client.post("/api/admin/v2/get_users", headers={"Authorization":
                                                            admin_header("get_users")})
    assert ok_data(good.get_json())
    bad = client.post("/api/admin/v2/add_user", json={"email": "kate@example.com"},
                      headers={"Authorization": admin_header("get_users")})
    assert bad.get_json() == BAD_HASH


def test_an_unknown_path_action_is_refused_after_the_signature(client):
    signed = md5_hash("action=no_such_action")
    body = client.get(f"/api/admin/v2/no_such_action?hash={signed}").get_json()
    assert body == error(0, "Action is invalid", "no_such_action")
    assert client.get("/api/admin/v2/no_such_action").get_json() == BAD_HASH


def test_the_single_endpoint_is_unchanged(api):
    assert ok_data(api.call("get_users"))
