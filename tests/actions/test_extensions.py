"""Taskgate's extension actions (spec README §3): get_user, update_user, enable_user,
disable_user, update_user_group, delete_user_group, delete_task, update_comment,
delete_comment, and the webhook events the last three emit."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import OWNER_EMAIL, ok_data, ref

from actions.context import Caller, calling_as
from actions.delivery import run_once
from actions.envelope import ApiError, fail
from actions.registry import dispatch
from models.comments import Comment, CommentVisibility
from models.costs import Cost
from models.events import Event
from models.files import File
from models.members import Team, User
from models.projects import ProjectMember
from models.tags import TaskTag
from models.tasks import Task, TaskRelation, TaskSubscriber, TaskVisibility
from models.timers import Timer
from models.webhooks import utcnow

DATE_ADDED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def error(code, message, details=None):
    body = {"status": "error", "status_code": code, "message": message}
    return body if details is None else {**body, "message_details": details}


def users():
    """Every user row as stored, to show that a refused call changed nothing."""
    return list(User.select().order_by(User.id).tuples())


def teams():
    return list(Team.select().order_by(Team.id).tuples())


# get_user ----------------------------------------------------------------------------------

def test_get_user_by_email_or_id_is_the_get_users_object_and_more(api):
    by_email = ok_data(api.call("get_user", email=OWNER_EMAIL.upper()))
    assert DATE_ADDED.match(by_email.pop("date_added"))
    assert by_email == {
        "id": "1", "first_name": "Henry", "last_name": "Gardner", "name": "Henry Gardner",
        "title": "", "rate": 0, "avatar": "", "group": "Main team", "department": "",
        "role": "Owner", "email": OWNER_EMAIL, "phone": "", "accepting_tasks": 1, "active": 1}
    assert ok_data(api.call("get_user", id=1)) == ok_data(api.post_json("get_user", id="1"))
    assert ok_data(api.call("get_user", id=1)) == ok_data(api.call("get_user", email=OWNER_EMAIL))


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
        "address2": "PO box 7", "accepting_tasks": 0, "active": 1}
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
    assert ok_data(api.call("update_user", id=1, first_name="Harry"))["name"] == "Harry Gardner"


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
    ({"id": 2, "role": "account admin"},
     error(11, "Invalid role: must be one of user, guest, reader", "role")),
    ({"id": 2, "role": "owner"},
     error(11, "Invalid role: must be one of user, guest, reader", "role")),
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
    assert api.call("disable_user", id=1) == error(
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
    assert ok_data(api.call("get_user", id=1))["group"] == "Staff"


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


# delete_task ---------------------------------------------------------------------------------

@pytest.fixture
def project(api):
    return int(ok_data(api.call("post_project", title="Website"))["id"])


def post_task(api, project, **params):
    return int(ok_data(api.call("post_task", id_project=project, **{"title": "T", **params}))
               ["id"])


def rows_of(task_ids):
    """How many rows of each kind still point at these tasks."""
    comments = Comment.select(Comment.id).where(Comment.task.in_(task_ids))
    return {
        "tasks": Task.select().where(Task.id.in_(task_ids)).count(),
        "comments": comments.count(),
        "comment_visibility": CommentVisibility.select()
        .where(CommentVisibility.comment.in_(comments)).count(),
        "files": File.select().where(File.task.in_(task_ids) | File.comment.in_(comments))
        .count(),
        "costs": Cost.select().where(Cost.task.in_(task_ids)).count(),
        "subscribers": TaskSubscriber.select().where(TaskSubscriber.task.in_(task_ids)).count(),
        "visibility": TaskVisibility.select().where(TaskVisibility.task.in_(task_ids)).count(),
        "tags": TaskTag.select().where(TaskTag.task.in_(task_ids)).count(),
        "relations": TaskRelation.select().where(TaskRelation.from_task.in_(task_ids)
                                                 | TaskRelation.to_task.in_(task_ids)).count(),
        "timers": Timer.select().where(Timer.task.in_(task_ids)).count(),
    }


def test_delete_task_takes_everything_of_the_task_with_it(api, project, frank, kate):
    other = post_task(api, project, title="Other")
    body = api.post_form("post_task", id_project=project, title="Doomed", tags="urgent",
                         subscribe=frank.email, hidden=f"{frank.email},{kate.email}",
                         relations_from=str(other),
                         files={"attach[0]": (io.BytesIO(b"spec"), "spec.txt")})
    task = int(ok_data(body)["id"])
    sub = post_task(api, project, title="Sub", id_parent=task)
    subsub = post_task(api, project, title="Subsub", id_parent=sub)
    ok_data(api.post_form("post_comment", id_task=sub, text="See file", hidden=kate.email,
                          files={"attach[0]": (io.BytesIO(b"img"), "a.png")}))
    ok_data(api.call("add_costs", id_task=subsub, time="1:30", email_user_from=OWNER_EMAIL))
    Timer.create(user=frank, task=sub, started_at=utcnow())
    doomed = [task, sub, subsub]
    assert all(rows_of(doomed).values())
    kept = rows_of([other])

    assert api.call("delete_task", id_task=task) == {"status": "ok"}

    assert rows_of(doomed) == dict.fromkeys(kept, 0)
    assert rows_of([other]) == {**kept, "relations": 0}
    assert api.call("get_task", id_task=task) == error(5, "Task is invalid")
    assert [t["id"] for t in ok_data(api.call("get_tasks", id_project=project))] == [str(other)]
    [event] = [e for e in ok_data(api.call("get_events", period="1h"))
               if e["action"] == "delete"]
    assert DATE_ADDED.match(event.pop("date_added"))
    assert event == {"action": "delete",
                     "object": {"type": "task", "id": str(task),
                                "page": f"/project/{project}/{task}/"},
                     "user_from": ref(User.owner()), "old": {"title": "Doomed"}}
    assert Event.select().where(Event.task_id == task).count() == 2  # post and delete


def test_delete_a_subtask_as_another_user(api, project, frank):
    task = post_task(api, project)
    sub = post_task(api, project, title="Sub", id_parent=task)
    assert api.post_json("delete_task", id_task=sub, email_user_from=frank.email) == {
        "status": "ok"}
    assert [t["id"] for t in ok_data(api.call("get_tasks", id_project=project))] == [str(task)]
    assert "child" not in ok_data(api.call("get_task", id_task=task))
    event = Event.get(Event.action == "delete")
    assert (event.object_id, event.page, event.user_id, event.project_id, event.task_id) == (
        sub, f"/project/{project}/{task}/{sub}/", frank.id, project, sub)


@pytest.mark.parametrize("params, expected", [
    ({}, error(10, "Field is required", "id_task")),
    ({"id_task": 999}, error(5, "Task is invalid")),
    ({"id_task": "abc"}, error(11, "Invalid id_task: must be a numeric id", "id_task")),
    ({"id_task": 1, "email_user_from": "ghost@ws.com"}, error(11, "Invalid email",
                                                              "ghost@ws.com")),
])
def test_delete_task_with_bad_input(api, project, params, expected):
    post_task(api, project)
    before = (Task.select().count(), Event.select().count())
    assert api.call("delete_task", **params) == expected
    assert (Task.select().count(), Event.select().count()) == before


def test_delete_task_twice(api, project):
    task = post_task(api, project)
    assert api.call("delete_task", id_task=task) == {"status": "ok"}
    assert api.call("delete_task", id_task=task) == error(5, "Task is invalid")


# update_comment / delete_comment ------------------------------------------------------------

@pytest.fixture
def comment(api, project):
    task = post_task(api, project)
    return ok_data(api.call("post_comment", id_task=task, text="Frist draft")), task


def test_update_comment_replaces_the_text_and_records_old_and_new(api, comment, project, kate):
    posted, task = comment
    data = ok_data(api.call("update_comment", id_comment=posted["id"], text="First draft",
                            email_user_from=kate.email))
    assert data == {**posted, "text": "First draft"}
    assert ok_data(api.call("get_comments", id_task=task))[0]["text"] == "First draft"
    event = ok_data(api.call("get_events", period="1h", id_task=task))[-1]
    event.pop("date_added")
    assert event == {"action": "update",
                     "object": {"type": "comment", "id": posted["id"],
                                "page": f"/project/{project}/{task}/"},
                     "user_from": ref(kate), "new": {"text": "First draft"},
                     "old": {"text": "Frist draft"}}
    count = Event.select().count()
    ok_data(api.post_json("update_comment", id_comment=int(posted["id"]), text="First draft"))
    assert Event.select().count() == count  # nothing changed, nothing recorded


def test_delete_comment_with_its_files(api, project, kate):
    task = post_task(api, project)
    body = api.post_form("post_comment", id_task=task, text="With a file", hidden=kate.email,
                         files={"attach[0]": (io.BytesIO(b"abc"), "a.txt")})
    posted = ok_data(body)
    kept = ok_data(api.call("post_comment", id_task=task, text="Stays"))
    assert api.call("delete_comment", id_comment=posted["id"]) == {"status": "ok"}
    assert [c["id"] for c in ok_data(api.call("get_comments", id_task=task))] == [kept["id"]]
    assert (File.select().count(), CommentVisibility.select().count()) == (0, 0)
    event = ok_data(api.call("get_events", period="1h", id_task=task))[-1]
    assert (event["action"], event["object"], event["user_from"], event["old"]) == (
        "delete", {"type": "comment", "id": posted["id"], "page": f"/project/{project}/{task}/"},
        ref(User.owner()), {"text": "With a file"})
    assert api.call("delete_comment", id_comment=posted["id"]) == error(10, "Comment is invalid")


@pytest.mark.parametrize("action, params, expected", [
    ("update_comment", {"text": "x"}, error(10, "Field is required", "id_comment")),
    ("update_comment", {"id_comment": 1}, error(10, "Field is required", "text")),
    ("update_comment", {"id_comment": 1, "text": " "}, error(10, "Field is required", "text")),
    ("update_comment", {"id_comment": 9, "text": "x"}, error(10, "Comment is invalid")),
    ("update_comment", {"id_comment": 1, "text": "x", "email_user_from": "ghost@ws.com"},
     error(11, "Invalid email", "ghost@ws.com")),
    ("delete_comment", {}, error(10, "Field is required", "id_comment")),
    ("delete_comment", {"id_comment": 9}, error(10, "Comment is invalid")),
    ("delete_comment", {"id_comment": "1,2"},
     error(11, "Invalid id_comment: must be a numeric id", "id_comment")),
    ("delete_comment", {"id_comment": 1, "email_user_from": "ghost@ws.com"},
     error(11, "Invalid email", "ghost@ws.com")),
])
def test_comment_changes_with_bad_input(api, comment, action, params, expected):
    before = (list(Comment.select().tuples()), Event.select().count())
    assert api.call(action, **params) == expected
    assert (list(Comment.select().tuples()), Event.select().count()) == before


# webhooks ------------------------------------------------------------------------------------

class Receiver:
    """A webhook receiver on 127.0.0.1 that answers the probe and keeps every event."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                events.extend(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                answer = b'{"status": "OK"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app):
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT=2)
    server = Receiver()
    yield server
    server.close()


def test_the_new_events_reach_a_webhook(app, api, receiver, project):
    events = "delete_task,update_comment,delete_comment"
    assert api.call("add_webhook", url=receiver.url, events=events)["status"] == "ok"
    task = post_task(api, project)
    comment = ok_data(api.call("post_comment", id_task=task, text="a"))["id"]
    ok_data(api.call("update_comment", id_comment=comment, text="b"))
    assert api.call("delete_comment", id_comment=comment)["status"] == "ok"
    assert api.call("delete_task", id_task=task)["status"] == "ok"
    with app.app_context():
        assert run_once(lambda: utcnow() + dt.timedelta(minutes=1)) == (1, 1, 0)
    assert [(e["action"], e["object"]["type"], e["object"]["id"])
            for e in receiver.events] == [
        ("update", "comment", comment), ("delete", "comment", comment),
        ("delete", "task", str(task))]
    assert receiver.events == [e for e in ok_data(api.call("get_events", period="1h"))
                               if e["action"] != "post"]


def test_a_user_token_cannot_touch_a_hidden_comment_it_cannot_see(api, project, frank, kate):
    task = post_task(api, project)
    hidden = ok_data(api.call("post_comment", id_task=task, text="Secret", hidden=kate.email))
    for action, params in [("update_comment", {"text": "Mine now"}), ("delete_comment", {})]:
        assert as_user(frank, action, id_comment=int(hidden["id"]), **params) == error(
            10, "Comment is invalid")
        assert as_user(kate, action, id_comment=int(hidden["id"]), **params)["status"] == "ok"
    assert Comment.select().count() == 0


def as_user(user, action, **params):
    """Run an action as a user token would, and answer the envelope."""
    with calling_as(Caller(user=user)):
        try:
            return {"status": "ok", "data": dispatch(action, params)}
        except ApiError as err:
            return fail(err)
