"""Users and teams: get_users, add_user, get_user_groups, add_user_group."""

from __future__ import annotations

import pytest
from conftest import ok_data

from models.members import User


def test_get_users_lists_the_owner(api):
    assert ok_data(api.call("get_users")) == [{
        "id": "1", "first_name": "Henry", "last_name": "Gardner", "name": "Henry Gardner",
        "title": "", "rate": 0, "avatar": "", "group": "Main team", "department": "",
        "role": "Owner", "email": "henry.gardner@ws.com",
        "date_added": ok_data(api.call("get_users"))[0]["date_added"],
    }]


def test_add_user_with_email_only_takes_the_name_from_the_address(api):
    """Postman: add_user&email=kate.greenway@ws.com → first_name kate, last_name greenway."""
    user = ok_data(api.call("add_user", email="kate.greenway@ws.com"))
    assert user["id"] == "2"
    assert {k: user[k] for k in ("first_name", "last_name", "name", "role", "group", "email",
                                 "title", "department")} == {
        "first_name": "kate", "last_name": "greenway", "name": "kate greenway", "role": "User",
        "group": "Main team", "email": "kate.greenway@ws.com", "title": "", "department": ""}
    assert "phone" not in user  # unset optional fields are omitted


def test_add_user_with_every_field(api):
    user = ok_data(api.call("add_user", email="Frank.Harper@ws.com", first_name="Frank",
                            last_name="Harper", title="QA specialist", group="Development",
                            department="Test team", role="guest"))
    assert (user["name"], user["title"], user["group"], user["department"], user["role"],
            user["email"]) == ("Frank Harper", "QA specialist", "Development", "Test team",
                               "Guest", "frank.harper@ws.com")
    assert ok_data(api.call("get_user_groups"))[-1]["title"] == "Development"
    assert [u["email"] for u in ok_data(api.call("get_users"))] == [
        "henry.gardner@ws.com", "frank.harper@ws.com"]


def test_add_user_through_the_official_json_style(api):
    user = ok_data(api.post_json("add_user", email="reader@ws.com", role="reader"))
    assert user["role"] == "Reader"


def test_add_user_without_email(api):
    assert api.call("add_user", email="") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "email"}


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "a@b.co,c@d.co", "a b@c.de"])
def test_add_user_with_a_malformed_email(api, email):
    assert api.call("add_user", email=email) == {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": email}
    assert User.select().count() == 1


def test_add_user_twice_is_an_error_not_a_second_user(api):
    ok_data(api.call("add_user", email="kate@ws.com"))
    assert api.call("add_user", email="KATE@ws.com") == {
        "status": "error", "status_code": 11,
        "message": "User with this email already exists", "message_details": "kate@ws.com"}
    assert User.select().where(User.email == "kate@ws.com").count() == 1


@pytest.mark.parametrize("role", ["owner", "account admin", "god"])
def test_add_user_with_a_role_outside_user_guest_reader(api, role):
    assert api.call("add_user", email="x@ws.com", role=role) == {
        "status": "error", "status_code": 11,
        "message": "Invalid role: must be one of user, guest, reader",
        "message_details": "role"}
    assert User.by_email("x@ws.com") is None


def test_add_user_with_a_title_over_the_limit(api):
    body = api.call("add_user", email="x@ws.com", title="t" * 501)
    assert (body["status_code"], body["message_details"]) == (11, "title")


def test_get_user_groups_lists_the_main_team(api):
    assert ok_data(api.call("get_user_groups")) == [
        {"id": "1", "title": "Main team", "type": "company", "client": 0}]


def test_add_user_group_is_idempotent_by_title(api):
    first = ok_data(api.call("add_user_group", title="Singing bird", client=1))
    assert first == {"id": "2", "title": "Singing bird", "type": "company", "client": 1}
    assert ok_data(api.call("add_user_group", title="Singing bird")) == first
    assert len(ok_data(api.call("get_user_groups"))) == 2


def test_add_user_group_without_title(api):
    assert api.call("add_user_group", title="") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "title"}


def test_add_user_group_with_a_bad_client_flag(api):
    body = api.call("add_user_group", title="X", client="maybe")
    assert (body["status_code"], body["message"]) == (11, "Invalid client: must be 1 or 0")


# get_users: Taskgate's search, page and limit

@pytest.fixture
def crowd(api):
    """Owner (1) plus six users, ids 2..7."""
    for email, first, last in [("kate.greenway@ws.com", "Kate", "Greenway"),
                               ("frank.harper@ws.com", "Frank", "Harper"),
                               ("olena@ws.com", "Олена", "Шевченко"),
                               ("x_y@ws.com", "", ""),
                               ("xay@ws.com", "", ""),
                               ("ann@clients.org", "Ann", "Green")]:
        ok_data(api.call("add_user", email=email, first_name=first or email[0],
                         last_name=last or "-"))


def emails(body):
    return [user["email"] for user in ok_data(body)]


@pytest.mark.parametrize("search, found", [
    ("GREEN", ["kate.greenway@ws.com", "ann@clients.org"]),  # names, any case
    ("kate green", ["kate.greenway@ws.com"]),  # the full name
    ("clients.ORG", ["ann@clients.org"]),  # the email
    ("шевч", ["olena@ws.com"]),  # any alphabet, any case
    ("x_y", ["x_y@ws.com"]),  # _ and % are plain characters
    ("%", []),
    ("nobody", []),
])
def test_get_users_search(api, crowd, search, found):
    assert emails(api.call("get_users", search=search)) == found


def test_get_users_pages_with_a_total(api, crowd):
    everyone = emails(api.call("get_users"))
    assert len(everyone) == 7
    first = api.call("get_users", page=1, limit=3)
    assert (first["total"], emails(first)) == (7, everyone[:3])
    assert emails(api.call("get_users", page=3, limit=3)) == everyone[6:]
    assert api.call("get_users", page=4, limit=3) == {"status": "ok", "data": [], "total": 7}
    assert emails(api.call("get_users", limit=2)) == everyone[:2]  # page 1
    assert emails(api.call("get_users", page=1)) == everyone  # 100 a page
    assert api.post_json("get_users", search="@WS.com", page=2, limit=2) == {
        "status": "ok", "data": ok_data(api.call("get_users"))[2:4], "total": 6}


def test_get_users_without_paging_has_no_total(api, crowd):
    assert list(api.call("get_users", search="a")) == ["status", "data"]


@pytest.mark.parametrize("params, message, key", [
    ({"limit": 0}, "Invalid limit: must be a number from 1 to 10000", "limit"),
    ({"limit": 10001}, "Invalid limit: must be a number from 1 to 10000", "limit"),
    ({"limit": "ten"}, "Invalid limit: Not a valid integer", "limit"),
    ({"page": 0}, "Invalid page: must be a number from 1 to 1000000000", "page"),
    ({"page": -1}, "Invalid page: must be a number from 1 to 1000000000", "page"),
    ({"page": 10**10}, "Invalid page: must be a number from 1 to 1000000000", "page"),
    ({"search": "s" * 501}, "Invalid search: longer than 500 characters", "search"),
])
def test_get_users_with_bad_paging_or_search(api, params, message, key):
    assert api.call("get_users", **params) == {
        "status": "error", "status_code": 11, "message": message, "message_details": key}


def test_get_users_last_page_at_the_limit(api):
    assert api.call("get_users", page=10**9, limit=10**4) == {
        "status": "ok", "data": [], "total": 1}
