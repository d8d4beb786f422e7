"""Users and teams: get_users, add_user, get_user_groups, add_user_group."""

from __future__ import annotations

import pytest
from conftest import DATE_ADDED, OWNER_EMAIL, error, ok_data, ref

from models.events import Event
from models.members import Team, User
from models.projects import ProjectMember
from models.tasks import Task

ROLES = ("Invalid role: must be one of account admin, team admin, department admin, user, "
         "guest, reader")


def test_get_users_lists_the_owner(api):
    assert ok_data(api.call("get_users")) == [{
        "id": str(User.owner().id), "first_name": "Henry", "last_name": "Gardner",
        "name": "Henry Gardner",
        "title": "", "rate": 0, "avatar": "", "group": "Main team", "department": "",
        "role": "Owner", "email": "henry.gardner@ws.com",
        "date_added": ok_data(api.call("get_users"))[0]["date_added"],
    }]


def test_add_user_with_email_only_takes_the_name_from_the_address(api):
    """Postman: add_user&email=kate.greenway@ws.com → first_name kate, last_name greenway."""
    user = ok_data(api.call("add_user", email="kate.greenway@ws.com"))
    assert int(user["id"]) == User.owner().id + 1
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


@pytest.mark.parametrize("role", ["owner", "god"])
def test_add_user_with_a_role_no_one_gives(api, role):
    assert api.call("add_user", email="x@ws.com", role=role) == {
        "status": "error", "status_code": 11,
        "message": ROLES,
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
    assert api.call("get_users", page=4, limit=3, total=1) == {
        "status": "ok", "data": [], "total": 7}
    assert api.call("get_users", page=4, limit=3) == {"status": "ok", "data": []}
    assert emails(api.call("get_users", limit=2)) == everyone[:2]  # page 1
    assert emails(api.call("get_users", page=1)) == everyone  # 100 a page
    assert api.post_json("get_users", search="@WS.com", page=2, limit=2, total=1) == {
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
    assert api.call("get_users", page=10**9, limit=10**4, total=1) == {
        "status": "ok", "data": [], "total": 1}




def users():
    """Every user row as stored, to show that a refused call changed nothing."""
    return list(User.select().order_by(User.id).tuples())


def teams():
    return list(Team.select().order_by(Team.id).tuples())


MAIL_DEFAULTS = {"notify": "all", "notify_digest": "0", "morning_digest": 0}


# get_user ----------------------------------------------------------------------------------

def test_get_user_by_email_or_id_is_the_get_users_object_and_more(api):
    by_email = ok_data(api.call("get_user", email=OWNER_EMAIL.upper()))
    assert DATE_ADDED.match(by_email.pop("date_added"))
    assert by_email == {
        "id": str(User.owner().id), "first_name": "Henry", "last_name": "Gardner",
        "name": "Henry Gardner",
        "title": "", "rate": 0, "avatar": "", "group": "Main team", "department": "",
        "role": "Owner", "email": OWNER_EMAIL, "phone": "", "accepting_tasks": 1, "active": 1,
        "teams": [{"id": str(Team.main().id), "title": "Main team"}], "mail": MAIL_DEFAULTS}
    assert ok_data(api.call("get_user", id=User.owner().id)) == ok_data(
        api.post_json("get_user", id=str(User.owner().id)))
    assert ok_data(api.call("get_user", id=User.owner().id)) == ok_data(
        api.call("get_user", email=OWNER_EMAIL))


def test_get_user_shows_the_optional_fields_that_are_set(api, frank):
    frank.phone2, frank.address = "+380 44 000", "Kyiv"
    frank.save()
    user = ok_data(api.call("get_user", email=frank.email))
    assert (user["phone"], user["phone2"], user["address"]) == ("", "+380 44 000", "Kyiv")
    assert "phone3" not in user and "address2" not in user


@pytest.mark.parametrize("params, expected", [
    ({}, error(10, "At least one of fields required", "id, email")),
    ({"email": "nobody@ws.com"}, error(11, "Invalid email", "nobody@ws.com")),
    ({"email": "not-an-email"}, error(11, "Invalid email", "not-an-email")),
    ({"id": 99}, error(10, "User is invalid")),
    ({"id": "x"}, error(11, "Invalid id: must be a numeric id", "id")),
    ({"id": 0}, error(11, "Invalid id: must be a positive id", "id")),
])
def test_get_user_with_bad_input(api, params, expected):
    assert api.call("get_user", **params) == expected


# update_user --------------------------------------------------------------------------------

def test_update_user_sets_every_field(api, frank):
    data = ok_data(api.call(
        "update_user", email=frank.email, first_name="Franklin", last_name="Harper-Lee",
        title="QA lead", group="Testers", department="QA", role="guest", phone="+1 303",
        phone2="2", phone3="3", phone4="4", address="Main st. 1", address2="PO box 7",
        accepting_tasks=0, rate="12.50"))
    data.pop("date_added")
    assert data == {
        "id": str(frank.id), "first_name": "Franklin", "last_name": "Harper-Lee",
        "name": "Franklin Harper-Lee", "title": "QA lead", "rate": 12.5, "avatar": "",
        "group": "Testers", "department": "QA", "role": "Guest", "email": frank.email,
        "phone": "+1 303", "phone2": "2", "phone3": "3", "phone4": "4", "address": "Main st. 1",
        "address2": "PO box 7", "accepting_tasks": 0, "active": 1,
        "teams": [{"id": str(Team.get(title="Testers").id), "title": "Testers"}],
        "mail": MAIL_DEFAULTS}
    listed = ok_data(api.call("get_users"))[1]
    assert listed["group"] == "Testers" and listed["phone4"] == "4"
    assert [t["title"] for t in ok_data(api.call("get_user_groups"))] == ["Main team", "Testers"]


def test_update_user_changes_only_what_is_given(api, frank):
    before = ok_data(api.call("get_user", id=frank.id))
    after = ok_data(api.post_json("update_user", id=frank.id, accepting_tasks=False))
    assert after == {**before, "accepting_tasks": 0}
    assert ok_data(api.call("update_user", id=frank.id, accepting_tasks="1")) == before


def test_update_user_by_id_takes_email_as_the_new_address(api, frank):
    data = ok_data(api.call("update_user", id=frank.id, email="Frank@New.ws.com"))
    assert data["email"] == "frank@new.ws.com"
    assert User.by_email("frank.harper@ws.com") is None
    assert ok_data(api.call("get_user", email="frank@new.ws.com"))["id"] == str(frank.id)


def test_update_user_may_rename_the_owner(api):
    renamed = ok_data(api.call("update_user", id=User.owner().id, first_name="Harry"))
    assert renamed["name"] == "Harry Gardner"


def test_update_user_refuses_an_address_another_user_has(api, frank, kate):
    before = users()
    assert api.call("update_user", id=frank.id, email=kate.email, first_name="X") == error(
        11, "User with this email already exists", kate.email)
    assert users() == before


def test_update_user_keeps_the_owner_role(api):
    before = users()
    assert api.call("update_user", email=OWNER_EMAIL, role="user", title="CEO") == error(
        11, "Invalid role: the owner's role cannot be changed", "role")
    assert users() == before


@pytest.mark.parametrize("params, expected", [
    ({"first_name": "X"}, error(10, "At least one of fields required", "id, email")),
    ({"id": 42, "title": "X"}, error(10, "User is invalid")),
    ({"email": "ghost@ws.com", "title": "X"}, error(11, "Invalid email", "ghost@ws.com")),
    ({"id": 2, "role": "god"}, error(11, ROLES, "role")),
    ({"id": 2, "role": "owner"}, error(11, ROLES, "role")),
    ({"id": 2, "phone": "1" * 101}, error(11, "Invalid phone: longer than 100 characters",
                                           "phone")),
    ({"id": 2, "accepting_tasks": "maybe"},
     error(11, "Invalid accepting_tasks: must be 1 or 0", "accepting_tasks")),
    ({"id": 2, "rate": "-1"}, error(11, "Invalid rate: must be a non-negative number", "rate")),
    ({"id": 2, "rate": "1000000000"}, error(11, "Invalid rate: must not exceed 999999999",
                                             "rate")),
    ({"id": 2, "email": "a@b.co,c@d.co"}, error(11, "Invalid email", "a@b.co,c@d.co")),
])
def test_update_user_with_bad_input(api, frank, params, expected):
    before, before_teams = users(), teams()
    assert api.call("update_user", group="Never made", **params) == expected
    assert (users(), teams()) == (before, before_teams)


# enable_user / disable_user ------------------------------------------------------------------

def test_a_disabled_user_cannot_be_assigned_or_act(api, frank):
    project = ok_data(api.call("post_project", title="Launch"))["id"]
    data = ok_data(api.call("disable_user", email=frank.email))
    assert (data["email"], data["active"]) == (frank.email, 0)
    assert ok_data(api.call("get_user", id=frank.id))["active"] == 0
    written = (Task.select().count(), Event.select().count())
    assert api.call("post_task", id_project=project, title="T", email_user_to=frank.email) == \
        error(11, "Invalid email", frank.email)
    assert api.call("post_task", id_project=project, title="T",
                    email_user_from=frank.email) == error(11, "Invalid email", frank.email)
    assert api.call("add_project_members", id_project=project, members=frank.email) == \
        error(11, "Invalid email", frank.email)
    assert (Task.select().count(), Event.select().count()) == written
    assert not ProjectMember.select().where(ProjectMember.user == frank).exists()


def test_disable_then_enable_gives_the_user_back(api, frank):
    project = ok_data(api.call("post_project", title="Launch"))["id"]
    ok_data(api.call("disable_user", id=frank.id))
    assert api.call("disable_user", id=frank.id) == error(
        12, "User is already disabled", frank.email)
    assert ok_data(api.call("enable_user", email=frank.email))["active"] == 1
    assert api.call("enable_user", email=frank.email) == error(
        12, "User is already active", frank.email)
    task = ok_data(api.call("post_task", id_project=project, title="T",
                            email_user_to=frank.email))
    assert task["user_to"] == ref(frank)


def test_the_owner_cannot_be_disabled(api):
    before = users()
    assert api.call("disable_user", id=User.owner().id) == error(
        11, "The account owner cannot be disabled", OWNER_EMAIL)
    assert users() == before


@pytest.mark.parametrize("action", ["enable_user", "disable_user"])
@pytest.mark.parametrize("params, expected", [
    ({}, error(10, "At least one of fields required", "id, email")),
    ({"id": 77}, error(10, "User is invalid")),
    ({"email": "ghost@ws.com"}, error(11, "Invalid email", "ghost@ws.com")),
])
def test_enable_and_disable_with_bad_input(api, frank, action, params, expected):
    before = users()
    assert api.call(action, **params) == expected
    assert users() == before


# update_user_group / delete_user_group -------------------------------------------------------

def test_update_user_group_renames_and_flags_a_client_team(api):
    team = ok_data(api.call("add_user_group", title="Birds"))["id"]
    assert ok_data(api.call("update_user_group", id=team, title="Singing birds", client=1)) == {
        "id": team, "title": "Singing birds", "type": "company", "client": 1}
    assert ok_data(api.call("update_user_group", id=team, title="Singing birds")) == {
        "id": team, "title": "Singing birds", "type": "company", "client": 1}
    assert ok_data(api.post_json("update_user_group", id=int(team), client=False))["client"] == 0
    assert ok_data(api.call("get_user_groups"))[1] == {
        "id": team, "title": "Singing birds", "type": "company", "client": 0}


def test_the_main_team_may_be_renamed(api):
    assert ok_data(api.call("update_user_group", id=1, title="Staff"))["title"] == "Staff"
    assert ok_data(api.call("get_user", id=User.owner().id))["group"] == "Staff"


@pytest.mark.parametrize("params, expected", [
    ({"title": "X"}, error(10, "Field is required", "id")),
    ({"id": 99, "title": "X"}, error(10, "User group is invalid")),
    ({"id": 2, "title": "Main team"},
     error(11, "User group with this title already exists", "Main team")),
    ({"id": 2, "title": "t" * 501}, error(11, "Invalid title: longer than 500 characters",
                                           "title")),
    ({"id": 2, "client": "2"}, error(11, "Invalid client: must be 1 or 0", "client")),
])
def test_update_user_group_with_bad_input(api, params, expected):
    ok_data(api.call("add_user_group", title="Birds"))
    before = teams()
    assert api.call("update_user_group", **params) == expected
    assert teams() == before


def test_delete_user_group_moves_its_users_to_the_main_team(api):
    ok_data(api.call("add_user", email="ann@ws.com", group="Birds"))
    ok_data(api.call("add_user", email="bob@ws.com", group="Fish"))
    birds = Team.get(Team.title == "Birds").id
    assert api.call("delete_user_group", id=birds) == {"status": "ok"}
    assert [t["title"] for t in ok_data(api.call("get_user_groups"))] == ["Main team", "Fish"]
    assert [(u["email"], u["group"]) for u in ok_data(api.call("get_users"))] == [
        (OWNER_EMAIL, "Main team"), ("ann@ws.com", "Main team"), ("bob@ws.com", "Fish")]


@pytest.mark.parametrize("params, expected", [
    ({}, error(10, "Field is required", "id")),
    ({"id": 1}, error(11, "The main team cannot be deleted", "1")),
    ({"id": 99}, error(10, "User group is invalid")),
    ({"id": "two"}, error(11, "Invalid id: must be a numeric id", "id")),
])
def test_delete_user_group_with_bad_input(api, params, expected):
    ok_data(api.call("add_user", email="ann@ws.com", group="Birds"))
    before, before_users = teams(), users()
    assert api.call("delete_user_group", **params) == expected
    assert (teams(), users()) == (before, before_users)
