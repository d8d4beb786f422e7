"""Task subscribers: subscribe, unsubscribe, read back with extra=subscribers."""

from __future__ import annotations

import pytest
from conftest import UserRef, ok_data

from models.events import Event
from models.members import Contact, User
from models.projects import Project
from models.tasks import TaskSubscriber

HENRY = UserRef("henry.gardner@ws.com", "Henry Gardner")
FRANK = UserRef("frank.harper@ws.com", "Frank Harper")


@pytest.fixture
def task(api):
    User.create(email="frank.harper@ws.com", first_name="Frank", last_name="Harper")
    project = Project.create(name="Performance improvement", author=User.owner())
    return ok_data(api.call("post_task", id_project=project.id, title="Worksection docs"))


def subscribers(api, task):
    return ok_data(api.call("get_task", id_task=task["id"], extra="subscribers"))["subscribers"]


def test_subscribe_then_unsubscribe(api, task):
    """Postman: subscribe / unsubscribe &id_task&email_user=frank.harper@ws.com → ok."""
    assert subscribers(api, task) == [HENRY]
    assert api.call("subscribe", id_task=task["id"], email_user="frank.harper@ws.com") == {
        "status": "ok"}
    assert subscribers(api, task) == [HENRY, FRANK]
    assert api.call("unsubscribe", id_task=task["id"], email_user="Frank.Harper@ws.com") == {
        "status": "ok"}
    assert subscribers(api, task) == [HENRY]


def test_subscribe_twice_and_unsubscribe_a_stranger_are_no_ops(api, task):
    for _ in range(2):
        ok_data(api.post_json("subscribe", id_task=int(task["id"]),
                              email_user="frank.harper@ws.com"))
    assert TaskSubscriber.select().count() == 2
    ok_data(api.call("unsubscribe", id_task=task["id"], email_user="frank.harper@ws.com"))
    ok_data(api.call("unsubscribe", id_task=task["id"], email_user="frank.harper@ws.com"))
    assert TaskSubscriber.select().count() == 1


def test_subscriber_changes_are_update_events(api, task):
    ok_data(api.call("subscribe", id_task=task["id"], email_user="frank.harper@ws.com"))
    ok_data(api.call("subscribe", id_task=task["id"], email_user="frank.harper@ws.com"))
    ok_data(api.call("unsubscribe", id_task=task["id"], email_user="frank.harper@ws.com"))
    first, second = Event.select().where(Event.action == "update").order_by(Event.id)
    assert (first.object_id, first.page) == (int(task["id"]), task["page"])
    assert (first.new_values, first.old_values) == ({"subscribers": [HENRY, FRANK]},
                                                    {"subscribers": [HENRY]})
    assert (second.new_values, second.old_values) == ({"subscribers": [HENRY]},
                                                      {"subscribers": [HENRY, FRANK]})


def test_subscribe_by_legacy_page(api, task):
    ok_data(api.call("subscribe", page=task["page"], email_user="frank.harper@ws.com"))
    assert subscribers(api, task) == [HENRY, FRANK]


@pytest.mark.parametrize("name", ["subscribe", "unsubscribe"])
@pytest.mark.parametrize("email", ["henry.gardner@ws.com,frank.harper@ws.com",
                                   "brian@gmail.com", "nobody@ws.com", "not-an-email"])
def test_email_user_must_be_one_user(api, task, name, email):
    """Postman: a list of emails → 11 Invalid email with the raw value; so is a contact."""
    Contact.create(first_name="Brian", email="brian@gmail.com")
    assert api.call(name, id_task=task["id"], email_user=email) == {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": email}
    assert TaskSubscriber.select().count() == 1
    assert Event.select().where(Event.action == "update").count() == 0


@pytest.mark.parametrize(("params", "error"), [
    ({"id_task": 999, "email_user": "frank.harper@ws.com"},
     {"status_code": 5, "message": "Task is invalid"}),
    ({"email_user": "frank.harper@ws.com"},
     {"status_code": 10, "message": "Field is required", "message_details": "id_task"}),
    ({"id_task": 1}, {"status_code": 10, "message": "Field is required",
                      "message_details": "email_user"}),
])
def test_subscribe_bad_input(api, task, params, error):
    assert api.call("subscribe", **params) == {"status": "error", **error}
