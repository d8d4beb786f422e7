"""Projects, their teams and folders: get_projects, get_project, post_project, update_project,
close_project, activate_project, add/delete_project_members, get_project_groups,
add_project_group(s)."""

from __future__ import annotations

import pytest
from conftest import API_KEY, UserRef, error, ok_data
from worksection.client import Client

from models.events import Event
from models.members import Contact, User
from models.projects import Project, ProjectFolder, ProjectMember
from models.tags import ProjectTag, Tag

HENRY = UserRef("henry.gardner@ws.com", "Henry Gardner")
FRANK = UserRef("frank.harper@ws.com", "Frank Harper")
KATE = UserRef("kate.greenway@ws.com", "Kate Greenway")
BILL = UserRef("bill.jones@gmail.com", "Bill Jones")
NO_MANAGER = {"id": "0", "email": "NOONE", "name": "Manager isn't assigned"}
NO_OPTIONS = dict.fromkeys(
    ("allow_close", "allow_give", "allow_term", "allow_limit", "require_term", "require_tag",
     "require_limit", "require_hidden", "deny_comments_edit", "deny_task_edit",
     "deny_task_delete", "time_require", "time_today", "timer_only"), 0)
CONFLICT = {"status": "error", "status_code": 11,
            "message": "Only one parameter (options.time_require or options.time_today or "
                       "options.timer_only) can be set as 1."}
# Postman's post_project example, parameter for parameter.
BRAND_LAUNCH = {
    "title": "New brand launch", "email_manager": "frank.harper@ws.com",
    "members": "kate.greenway@ws.com, bill.jones@gmail.com",
    "text": "All requirements in files attached", "company": "Marketing",
    "datestart": "01.02.2021", "dateend": "01.03.2021", "max_time": "352", "max_money": "4224",
    "tags": "paid, contract", "extra": "options", "options.allow_close": "1",
    "options.allow_give": "1", "options.require_term": "1", "options.require_tag": "1",
    "options.require_limit": "1", "options.timer_only": "1"}


@pytest.fixture
def people(api):
    """Three more users (ids 2-4) and a contact who is not a user."""
    for email, first, last in (("frank.harper@ws.com", "Frank", "Harper"),
                               ("kate.greenway@ws.com", "Kate", "Greenway"),
                               ("bill.jones@gmail.com", "Bill", "Jones")):
        ok_data(api.call("add_user", email=email, first_name=first, last_name=last))
    ok_data(api.call("add_contact", email="brian.dragonfly@gmail.com", name="Brian Dragonfly"))
    # Postman's add_project_tags: post_project names only tags that exist.
    ok_data(api.call("add_project_tag_groups", title="Contract", access="public"))
    ok_data(api.call("add_project_tags", group="Contract", title="paid,contract,wiki"))


@pytest.fixture
def project(api, people):
    """A plain project by the owner, no manager; its id."""
    return int(ok_data(api.call("post_project", title="Prototyping"))["id"])




def invalid(field, reason):
    return error(11, f"Invalid {field}: {reason}", field)


def state():
    """Everything a project action may write, to show that a failed one wrote nothing."""
    return [list(model.select().tuples()) for model in
            (Project, ProjectMember, ProjectFolder, ProjectTag, Tag, Event)]


def events():
    return [(e.action, e.object_type, e.object_id, e.page, e.user_id, e.new_values,
             e.old_values) for e in Event.select().order_by(Event.id)]


# post_project ------------------------------------------------------------------------------

def test_post_project_answers_like_the_postman_example(api, people):
    data = ok_data(api.call("post_project", **BRAND_LAUNCH))
    tag_ids = [str(t.id) for t in Tag.select().order_by(Tag.id)]
    assert data == {
        "id": "1", "name": "New brand launch", "page": "/project/1/", "status": "active",
        "company": "Marketing", "user_from": HENRY, "user_to": FRANK,
        "date_added": data["date_added"], "date_start": "2021-02-01", "date_end": "2021-03-01",
        "options": {**NO_OPTIONS, "allow_close": 1, "allow_give": 1, "require_term": 1,
                    "require_tag": 1, "require_limit": 1, "timer_only": 1},
        "max_time": 352, "max_money": 4224,
        "tags": {tag_ids[0]: "paid", tag_ids[1]: "contract"}}
    assert list(data) == ["id", "name", "page", "status", "company", "user_from", "user_to",
                          "date_added", "date_start", "date_end", "options", "max_time",
                          "max_money", "tags"]
    team = ok_data(api.call("get_project", id_project=1, extra="users,text"))
    assert team["users"] == [HENRY, FRANK, KATE, BILL]  # author and manager join the team
    assert team["text"] == "All requirements in files attached"


def test_post_project_with_a_title_only(api, people):
    """Postman's second example: no manager, no dates, all options off; the company is the
    main team (Postman: the author's team) when no folder is given."""
    data = ok_data(api.call("post_project", title="New brand launch", extra="options"))
    assert data == {"id": "1", "name": "New brand launch", "page": "/project/1/",
                    "status": "active", "company": "Main team", "user_from": HENRY,
                    "user_to": NO_MANAGER, "date_added": data["date_added"],
                    "options": NO_OPTIONS}
    assert ok_data(api.call("get_project", id_project=1, extra="users"))["users"] == [HENRY]


def test_post_project_through_the_official_json_style(api, people):
    data = ok_data(api.post_json("post_project", title="Owl", members=["kate.greenway@ws.com"],
                                 max_time=12.5, tags=["wiki"], company="Design",
                                 extra="users", options={"allow_term": 1}))
    assert (data["max_time"], data["company"], list(data["tags"].values()), data["users"]) == (
        12.5, "Design", ["wiki"], [HENRY, KATE])
    assert Project.get_by_id(1).options["allow_term"] == 1


def test_post_project_author_executive_and_iso_dates(api, people):
    data = ok_data(api.call("post_project", title="X", email_user_from="kate.greenway@ws.com",
                            email_user_to="ANY", datestart="2024-01-31", dateend="2024-02-29"))
    assert (data["user_from"], data["date_start"], data["date_end"]) == (
        KATE, "2024-01-31", "2024-02-29")
    project = Project.get_by_id(1)
    assert (project.default_to_any, project.default_user_to_id) == (True, None)
    ok_data(api.call("update_project", id_project=1, email_user_to="bill.jones@gmail.com"))
    project = Project.get_by_id(1)
    assert (project.default_to_any, project.default_user_to_id) == (False, int(BILL["id"]))
    ok_data(api.call("update_project", id_project=1, email_user_to="noone"))
    project = Project.get_by_id(1)
    assert (project.default_to_any, project.default_user_to_id) == (False, None)


def test_post_project_reuses_a_folder_and_tags_by_name_or_id(api, people):
    first = ok_data(api.call("post_project", title="A", company="Marketing", tags="paid"))
    paid_id = next(iter(first["tags"]))
    second = ok_data(api.call("post_project", title="B", company="Marketing",
                              tags=f"{paid_id},wiki"))
    assert list(second["tags"].values()) == ["paid", "wiki"]
    assert ProjectFolder.select().count() == 1
    assert Tag.select().count() == 3


def test_post_project_ignores_unknown_tags_and_creates_none(api, people):
    """Worksection: "only tags from sets added to the project"; add_project_tags creates."""
    data = ok_data(api.call("post_project", title="A", tags="999, nope, paid"))
    assert list(data["tags"].values()) == ["paid"]
    assert Tag.select().count() == 3


# get_projects / get_project ---------------------------------------------------------------

def test_get_projects_with_every_extra(api, people):
    """Postman's get_projects example: text (even empty), options and users on request."""
    ok_data(api.call("post_project", **{**BRAND_LAUNCH, "extra": ""}))
    ok_data(api.call("post_project", title="Prototyping", email_user_from="kate.greenway@ws.com"))
    first, second = ok_data(api.call("get_projects", extra="text, options, users"))
    assert list(first) == ["id", "name", "page", "status", "company", "user_from", "user_to",
                           "text", "date_added", "date_start", "date_end", "options",
                           "max_time", "max_money", "tags", "users"]
    assert first["users"] == [HENRY, FRANK, KATE, BILL]
    assert second == {"id": "2", "name": "Prototyping", "page": "/project/2/",
                      "status": "active", "company": "Main team", "user_from": KATE,
                      "user_to": NO_MANAGER, "text": "",
                      "date_added": second["date_added"], "options": NO_OPTIONS,
                      "users": [KATE]}


def test_get_projects_without_extra_leaves_the_extras_out(api, people):
    ok_data(api.call("post_project", **{**BRAND_LAUNCH, "extra": ""}))
    (data,) = ok_data(api.call("get_projects", extra="bogus"))
    assert not {"text", "options", "users"} & set(data)
    assert ok_data(api.call("get_projects", extra="html"))[0]["text"] == BRAND_LAUNCH["text"]


@pytest.mark.parametrize("word, expected", [
    ("active", ["A"]), ("pending", ["P"]), ("archive", ["C"]), ("archived", ["C"]),
    ("", ["A", "P", "C"])])
def test_get_projects_filter(api, people, word, expected):
    for title in ("A", "P", "C"):
        ok_data(api.call("post_project", title=title))
    Project.update(status="pending").where(Project.name == "P").execute()
    ok_data(api.call("close_project", id_project=3))
    assert [p["name"] for p in ok_data(api.call("get_projects", filter=word))] == expected


def test_get_projects_with_a_bogus_filter(api):
    assert api.call("get_projects", filter="deleted") == invalid(
        "filter", "must be one of active, pending, archive, archived")


def test_get_projects_when_there_are_none(api):
    assert api.call("get_projects") == {"status": "ok", "data": []}


def test_get_project_by_the_legacy_page_link(api, project):
    assert ok_data(api.call("get_project", page=f"/project/{project}/"))["name"] == "Prototyping"


@pytest.mark.parametrize("params, expected", [
    ({"id_project": "6623"}, error(4, "Project is invalid")),
    ({}, error(10, "Field is required", "id_project")),
    ({"id_project": "abc"}, invalid("id_project", "must be a numeric id")),
])
def test_get_project_errors(api, project, params, expected):
    assert api.call("get_project", **params) == expected


# update_project ---------------------------------------------------------------------------

def test_update_project_title_only(api, project):
    """Postman's update_project example."""
    data = ok_data(api.call("update_project", id_project=project, title="Owl brand launch"))
    assert data == {"id": "1", "name": "Owl brand launch", "page": "/project/1/",
                    "status": "active", "company": "Main team", "user_from": HENRY,
                    "user_to": NO_MANAGER, "date_added": data["date_added"]}
    assert events()[-1] == ("update", "project", 1, "/project/1/", User.owner().id,
                            {"title": "Owl brand launch"}, {"title": "Prototyping"})


def test_update_project_changes_only_what_is_given(api, people):
    ok_data(api.call("post_project", **BRAND_LAUNCH))
    data = ok_data(api.call("update_project", id_project=1, email_manager="kate.greenway@ws.com",
                            dateend="15.03.2021", max_money="5000.50", tags="wiki",
                            members="bill.jones@gmail.com", extra="options,users"))
    assert (data["name"], data["user_to"], data["date_start"], data["date_end"],
            data["max_time"], data["max_money"], data["tags"], data["users"],
            data["options"]["timer_only"]) == (
        "New brand launch", KATE, "2021-02-01", "2021-03-15", 352, 5000.5,
        {str(Tag.get(Tag.title == "wiki").id): "wiki"}, [KATE, BILL], 1)
    action, *_, new, old = events()[-1]
    assert action == "update"
    assert new == {"user_to": KATE, "date_end": "2021-03-15", "max_money": "5000.5",
                   "tags": {str(Tag.get(Tag.title == "wiki").id): "wiki"},
                   "users": [KATE, BILL]}
    assert old == {"user_to": FRANK, "date_end": "2021-03-01", "max_money": "4224",
                   "tags": {str(t.id): t.title for t in Tag.select().where(
                       Tag.title.in_(["paid", "contract"])).order_by(Tag.id)},
                   "users": [HENRY, FRANK, KATE, BILL]}


def test_update_project_that_changes_nothing_records_nothing(api, project):
    ok_data(api.call("update_project", id_project=project, title="Prototyping"))
    assert [e[0] for e in events()] == ["post"]


def test_update_project_options_rule_applies_to_the_resulting_set(api, project):
    ok_data(api.call("update_project", id_project=project, **{"options.timer_only": "1"}))
    before = state()
    assert api.call("update_project", id_project=project,
                    **{"options.time_today": "1"}) == CONFLICT
    assert state() == before
    data = ok_data(api.call("update_project", id_project=project, extra="options",
                            **{"options.time_today": "1", "options.timer_only": "0"}))
    assert (data["options"]["time_today"], data["options"]["timer_only"]) == (1, 0)
    assert events()[-1][5:] == ({"options": {**NO_OPTIONS, "time_today": 1}},
                                {"options": {**NO_OPTIONS, "timer_only": 1}})


def test_update_project_dates_rule_applies_to_the_resulting_dates(api, project):
    ok_data(api.call("update_project", id_project=project, datestart="10.01.2024"))
    assert api.call("update_project", id_project=project, dateend="09.01.2024") == invalid(
        "dateend", "is before datestart")
    assert Project.get_by_id(project).date_end is None


# close_project / activate_project ---------------------------------------------------------

def test_close_and_activate(api, project):
    assert api.call("close_project", id_project=project) == {"status": "ok"}
    closed = ok_data(api.call("get_project", id_project=project))
    assert closed["status"] == "archive"
    assert closed["date_closed"] == Project.get_by_id(project).date_closed.strftime(
        "%Y-%m-%d %H:%M")
    assert api.call("close_project", id_project=project) == error(
        12, "Project is already closed")
    assert api.call("activate_project", id_project=project) == {"status": "ok"}
    active = ok_data(api.call("get_project", id_project=project))
    assert (active["status"], active["date_closed"]) == ("active", closed["date_closed"])
    assert api.call("activate_project", id_project=project) == error(
        12, "Project is already active")
    assert [(e[0], e[5], e[6]) for e in events()] == [
        ("post", {"title": "Prototyping", "user_to": NO_MANAGER}, None),
        ("close", None, None), ("reopen", None, None)]


@pytest.mark.parametrize("name", ["close_project", "activate_project", "update_project",
                                  "add_project_members", "delete_project_members"])
def test_unknown_or_missing_project(api, name):
    members = {"members": "henry.gardner@ws.com"}
    assert api.call(name, id_project="77", **members) == error(4, "Project is invalid")
    assert api.call(name, **members) == error(10, "Field is required", "id_project")
    assert not Event.select().exists()


# members ----------------------------------------------------------------------------------

def test_add_and_delete_project_members(api, project):
    assert api.call("add_project_members", id_project=project,
                    members="frank.harper@ws.com, kate.greenway@ws.com") == {"status": "ok"}
    assert ok_data(api.call("get_project", id_project=project, extra="users"))["users"] == [
        HENRY, FRANK, KATE]
    assert ok_data(api.post_json("delete_project_members", id_project=project,
                                 members=["frank.harper@ws.com"])) is None
    assert ok_data(api.call("get_project", id_project=project, extra="users"))["users"] == [
        HENRY, KATE]
    assert [(e[0], e[5], e[6]) for e in events()[1:]] == [
        ("update", {"users": [HENRY, FRANK, KATE]}, {"users": [HENRY]}),
        ("update", {"users": [HENRY, KATE]}, {"users": [HENRY, FRANK, KATE]})]


@pytest.mark.parametrize("name", ["add_project_members", "delete_project_members"])
def test_members_with_one_bad_email_change_nothing(api, project, name):
    ok_data(api.call("add_project_members", id_project=project, members="kate.greenway@ws.com"))
    before = state()
    assert api.call(name, id_project=project,
                    members="frank.harper@ws.com,brian.dragonfly@gmail.com,kate.greenway@ws.com"
                    ) == error(11, "Invalid email", "brian.dragonfly@gmail.com")
    assert api.call(name, id_project=project, members="not-an-email") == error(
        11, "Invalid email", "not-an-email")
    assert api.call(name, id_project=project) == error(10, "Field is required", "members")
    assert state() == before


# project groups ---------------------------------------------------------------------------

def test_project_groups_list_folders_then_teams(api, people):
    ok_data(api.call("add_user_group", title="Singing bird", client="1"))
    assert ok_data(api.call("add_project_group", title="Design")) == {
        "id": "1", "title": "Design", "type": "folder"}
    assert ok_data(api.call("add_project_groups", title="Design"))["id"] == "1"
    assert ok_data(api.call("get_project_groups")) == [
        {"id": "1", "title": "Design", "type": "folder"},
        {"id": "1", "title": "Main team", "type": "company", "client": 0},
        {"id": "2", "title": "Singing bird", "type": "company", "client": 1}]


@pytest.mark.parametrize("name", ["add_project_group", "add_project_groups"])
def test_add_project_group_without_title(api, name):
    assert api.call(name, title="") == error(10, "Field is required", "title")
    assert not ProjectFolder.select().exists()


# bad input to post_project (and update_project) writes nothing ----------------------------

@pytest.mark.parametrize("params, expected", [
    ({}, error(10, "Field is required", "title")),
    ({"title": "   "}, error(10, "Field is required", "title")),
    ({"title": "t" * 501}, invalid("title", "longer than 500 characters")),
    ({"title": "A", "datestart": "10.02.2024", "dateend": "09.02.2024"},
     invalid("dateend", "is before datestart")),
    ({"title": "A", "datestart": "31.02.2024"},
     invalid("datestart", "'31.02.2024' is not a date in the DD.MM.YYYY format")),
    ({"title": "A", "dateend": "2024/01/01"},
     invalid("dateend", "'2024/01/01' is not a date in the DD.MM.YYYY format")),
    ({"title": "A", "email_manager": "brian.dragonfly@gmail.com"},
     error(11, "Invalid email", "brian.dragonfly@gmail.com")),
    ({"title": "A", "email_user_to": "brian.dragonfly@gmail.com"},
     error(11, "Invalid email", "brian.dragonfly@gmail.com")),
    ({"title": "A", "email_user_from": "brian.dragonfly@gmail.com"},
     error(11, "Invalid email", "brian.dragonfly@gmail.com")),
    ({"title": "A", "options.timer_only": "1", "options.time_today": "1"}, CONFLICT),
    ({"title": "A", "options.time_require": "1", "options.time_today": "1",
      "options.timer_only": "1", "company": "New folder", "tags": "new"}, CONFLICT),
    ({"title": "A", "options.allow_close": "2"}, invalid("options.allow_close", "must be 1 or 0")),
    ({"title": "A", "max_time": "-3"}, invalid("max_time", "must be a non-negative number")),
])
def test_post_project_bad_input(api, people, params, expected):
    assert Contact.select().count() == 1
    before = state()
    assert api.call("post_project", **params) == expected
    assert state() == before


def test_post_project_ignores_an_unknown_extra(api, people):
    data = ok_data(api.call("post_project", title="A", extra="bogus"))
    assert not {"text", "options", "users"} & set(data)


@pytest.mark.parametrize("params, expected", [
    ({"title": "t" * 501}, invalid("title", "longer than 500 characters")),
    ({"title": " "}, error(10, "Field is required", "title")),
    ({"members": "kate.greenway@ws.com,brian.dragonfly@gmail.com"},
     error(11, "Invalid email", "brian.dragonfly@gmail.com")),
    ({"email_manager": "brian.dragonfly@gmail.com"},
     error(11, "Invalid email", "brian.dragonfly@gmail.com")),
    ({"datestart": "31.02.2024"},
     invalid("datestart", "'31.02.2024' is not a date in the DD.MM.YYYY format")),
    ({"options.time_today": "1", "options.timer_only": "1"}, CONFLICT),
])
def test_update_project_bad_input(api, project, params, expected):
    before = state()
    assert api.call("update_project", id_project=project, **params) == expected
    assert state() == before


# the official client ----------------------------------------------------------------------

def test_official_client_projects(live_server, people):
    ws = Client(live_server).set_api_key(API_KEY)
    created = ws.projects.create("Owl", {"members": ["kate.greenway@ws.com"], "extra": "options",
                                         "options.allow_close": 1})
    assert (created.name, created.user_to.email, created.options["allow_close"]) == (
        "Owl", "NOONE", 1)
    ws.projects.add_members(int(created.id), ["frank.harper@ws.com"])
    ws.projects.close(int(created.id))
    (archived,) = ws.projects.list({"filter": "archived", "extra": "users"})
    assert [u.email for u in archived.users] == [
        "henry.gardner@ws.com", "frank.harper@ws.com", "kate.greenway@ws.com"]
    ws.projects.activate(int(created.id))
    assert ws.projects.get(int(created.id)).status == "active"
    assert ws.projects.create_group("Design").type == "folder"
    assert [g.type for g in ws.projects.groups()] == ["folder", "company"]
