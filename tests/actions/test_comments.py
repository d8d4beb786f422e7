"""Comments: get_comments (extra=files) and post_comment (todo, hidden, mention, attach)."""

from __future__ import annotations

import io
import json

import pytest
from conftest import DATE_ADDED, OWNER_EMAIL, as_user, error, ok_data, post_task, ref

from models.comments import Comment, CommentVisibility
from models.events import Event
from models.files import File
from models.members import User
from models.projects import Project
from models.tasks import Task

TASK_INVALID = {"status": "error", "status_code": 5, "message": "Task is invalid"}


@pytest.fixture
def task(app):
    project = Project.create(name="Website", author=User.owner())
    return Task.create(project=project, name="Survey", author=User.owner())




def written():
    """Every row an action could have written."""
    return (Comment.select().count(), CommentVisibility.select().count(), Event.select().count(),
            File.select().count())


# post_comment


def test_post_comment_as_in_postman(api, task, frank, kate):
    """Postman: text + three todo[] + hidden (two emails, with a space) + mention."""
    data = ok_data(api.call(
        "post_comment", id_task=task.id, text="Need info on the topic about your department",
        todo=["survey results", "questions and suggestions", "gamification and motivation"],
        hidden="frank.harper@ws.com, kate.greenway@ws.com", mention="frank.harper@ws.com"))
    comment = Comment.get()
    assert data == {
        "id": str(comment.id),
        "page": f"/project/{task.project_id}/{task.id}/#com{comment.id}",
        "text": "Need info on the topic about your department\r\n• survey results\r\n"
                "• questions and suggestions\r\n• gamification and motivation Frank Harper",
        "date_added": data["date_added"],
        "user_from": {"id": str(User.owner().id), "email": OWNER_EMAIL, "name": "Henry Gardner"},
    }
    assert DATE_ADDED.match(data["date_added"])
    assert comment.hidden and comment.text == data["text"]
    assert {v.user_id for v in CommentVisibility.select()} == {frank.id, kate.id}


def test_post_comment_records_an_event_pointing_at_the_task(api, task, frank):
    data = ok_data(api.call("post_comment", id_task=task.id, text="Hello",
                            email_user_from=frank.email))
    event = Event.get()
    assert (event.action, event.object_type, event.object_id, event.page, event.user_id,
            event.project_id, event.task_id, event.new_values) == (
        "post", "comment", int(data["id"]), f"/project/{task.project_id}/{task.id}/", frank.id,
        task.project_id, task.id, {"text": "Hello"})


def test_post_comment_as_json_with_author_and_todo_only(api, task, frank):
    data = ok_data(api.post_json("post_comment", id_task=task.id, todo=["a, b", "c"],
                                 email_user_from="Frank.Harper@ws.com"))
    assert (data["text"], data["user_from"]) == ("• a, b\r\n• c", ref(frank))
    assert not Comment.get().hidden and CommentVisibility.select().count() == 0


def test_post_comment_mentions_several_users_at_the_end(api, task, frank, kate):
    data = ok_data(api.call("post_comment", id_task=task.id, text="See this",
                            mention="kate.greenway@ws.com,frank.harper@ws.com"))
    assert data["text"] == "See this Kate Greenway, Frank Harper"


def test_post_comment_on_a_subtask_links_to_the_subtask(api, task):
    sub = Task.create(project=task.project, parent=task, root=task, depth=1, name="Sub",
                      author=User.owner())
    data = ok_data(api.call("post_comment", page=f"/project/{task.project_id}/{task.id}/{sub.id}/",
                            text="legacy page addressing"))
    assert data["page"] == f"/project/{task.project_id}/{task.id}/{sub.id}/#com{data['id']}"


def test_post_comment_with_attachments(api, task):
    body = api.post_form("post_comment", id_task=task.id, text="Added one more file needed",
                         files={"attach[0]": (io.BytesIO(b"x" * 512), "Image file.png"),
                                "attach[1]": (io.BytesIO(b"doc"), "Text file.docx")})
    comment_id = int(ok_data(body)["id"])
    assert [(f.name, f.size, f.comment_id, f.task_id) for f in File.select().order_by(File.id)] \
        == [("Image file.png", 512, comment_id, None), ("Text file.docx", 3, comment_id, None)]


def test_post_comment_with_only_a_file(api, task):
    body = api.post_form("post_comment", id_task=task.id,
                         files={"attach[0]": (io.BytesIO(b"abc"), "a.txt")})
    assert ok_data(body)["text"] == ""
    assert File.get().comment_id == Comment.get().id


@pytest.mark.parametrize("params, error", [
    ({"id_task": 999, "text": ""}, TASK_INVALID),  # Postman: id_task=330091&text=
    ({"id_task": 999, "text": "hi"}, TASK_INVALID),
    ({"text": "hi"}, {"status": "error", "status_code": 10, "message": "Field is required",
                      "message_details": "id_task"}),
    ({"id_task": "abc", "text": "hi"}, {
        "status": "error", "status_code": 11, "message": "Invalid id_task: must be a numeric id",
        "message_details": "id_task"}),
    ({"text": ""}, {"status": "error", "status_code": 10, "message": "Field is required",
                    "message_details": "id_task"}),
    ({"TASK": True}, {"status": "error", "status_code": 10,
                      "message": "At least one of fields required",
                      "message_details": "text, todo"}),
    ({"TASK": True, "text": " ", "todo": [""]}, {
        "status": "error", "status_code": 10, "message": "At least one of fields required",
        "message_details": "text, todo"}),
    ({"TASK": True, "text": "hi", "email_user_from": "nobody@ws.com"}, {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "nobody@ws.com"}),
    ({"TASK": True, "text": "hi", "email_user_from": "a@ws.com,b@ws.com"}, {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "a@ws.com,b@ws.com"}),
    ({"TASK": True, "text": "hi", "hidden": "frank.harper@ws.com,x@ws.com,y@ws.com"}, {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "x@ws.com,y@ws.com"}),
    ({"TASK": True, "text": "hi", "mention": "nobody@ws.com"}, {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "nobody@ws.com"}),
    ({"TASK": True, "text": "hi", "mention": "not-an-email"}, {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "not-an-email"}),
])
def test_post_comment_bad_input_writes_nothing(api, task, frank, params, error):
    if params.pop("TASK", False):
        params["id_task"] = task.id
    assert api.call("post_comment", **params) == error
    assert written() == (0, 0, 0, 0)


def test_post_comment_text_over_the_limit_is_refused(api, task):
    body = api.post_json("post_comment", id_task=task.id, text="x" * 1_000_001)
    assert (body["status"], body["status_code"], body["message_details"]) == ("error", 11, "text")
    assert written() == (0, 0, 0, 0)


def test_post_comment_attach_must_be_files(api, task):
    assert api.post_json("post_comment", id_task=task.id, text="hi", attach=["a.png"]) == {
        "status": "error", "status_code": 11,
        "message": "Invalid attach: must be files sent as multipart/form-data parts",
        "message_details": "attach"}
    assert written() == (0, 0, 0, 0)


# get_comments


def test_get_comments_as_in_postman(api, task, frank):
    """Postman: newest first (19086 of 2021-01-02 before 19078 of 2021-01-01), each with its
    files under extra=files as {id, size, name, page}."""
    older = ok_data(api.post_form("post_comment", id_task=task.id, email_user_from=frank.email,
                                  files={"attach[0]": (io.BytesIO(b"1" * 11), "Text file.docx"),
                                         "attach[1]": (io.BytesIO(b"22"), "Sheet.xlsx")}))
    newer = ok_data(api.post_form("post_comment", id_task=task.id,
                                  text="Added one more file needed",
                                  files={"attach[0]": (io.BytesIO(b"png"), "Image file.png")}))
    files = list(File.select().order_by(File.id))
    data = ok_data(api.call("get_comments", id_task=task.id, extra="files"))
    assert data == [
        {**newer, "files": [
            {"id": str(files[2].id), "size": "3", "name": "Image file.png",
             "page": f"/download/{files[2].id}/"}]},
        {**older, "files": [
            {"id": str(files[0].id), "size": "11", "name": "Text file.docx",
             "page": f"/download/{files[0].id}/"},
            {"id": str(files[1].id), "size": "2", "name": "Sheet.xlsx",
             "page": f"/download/{files[1].id}/"}]},
    ]
    assert list(data[0]) == ["id", "page", "text", "date_added", "user_from", "files"]
    assert older["text"] == "" and older["user_from"] == ref(frank)


def test_get_comments_without_extra_has_no_files(api, task):
    first = ok_data(api.post_json("post_comment", id_task=task.id, text="first"))
    second = ok_data(api.post_json("post_comment", id_task=task.id, text="second"))
    assert ok_data(api.post_json("get_comments", id_task=task.id)) == [second, first]
    with_files = ok_data(api.call("get_comments", id_task=task.id, extra="files,unknown"))
    assert with_files == [second, first]  # a comment without files shows no files key


def test_get_comments_of_a_task_without_comments(api, task):
    other = Task.create(project=task.project, name="Other", author=User.owner())
    Comment.create(task=other, author=User.owner(), text="elsewhere")
    assert api.call("get_comments", id_task=task.id) == {"status": "ok", "data": []}


def test_get_comments_shows_hidden_comments_to_the_admin_key(api, task, frank):
    ok_data(api.call("post_comment", id_task=task.id, text="secret", hidden=frank.email))
    assert [c["text"] for c in ok_data(api.call("get_comments", id_task=task.id))] == ["secret"]


@pytest.mark.parametrize("params, error", [
    ({"id_task": 330091}, TASK_INVALID),
    ({}, {"status": "error", "status_code": 10, "message": "Field is required",
          "message_details": "id_task"}),
])
def test_get_comments_bad_input(api, task, params, error):
    assert api.call("get_comments", **params) == error




def test_a_posted_comment_shows_on_its_task(api, task):
    assert ok_data(api.call("get_task", id_task=task.id, extra="comments"))["has_comments"] == 0
    data = ok_data(api.call("post_comment", id_task=task.id, text="note"))
    got = ok_data(api.call("get_task", id_task=task.id, extra="comments"))
    assert (got["has_comments"], got["comments"]) == (1, [data])


def test_post_comment_keeps_the_json_text_exactly(api, task):
    text = "Line one\nLine «two» 😀 <b>bold</b>"
    data = ok_data(api.post_json("post_comment", id_task=task.id, text=text))
    assert data["text"] == text == Comment.get().text
    assert json.loads(Event.get().new) == {"text": text}


# update_comment / delete_comment ------------------------------------------------------------

@pytest.fixture
def draft(api, website):
    task = post_task(api, website)
    return ok_data(api.call("post_comment", id_task=task, text="Frist draft")), task


def test_update_comment_replaces_the_text_and_records_old_and_new(api, draft, website, kate):
    posted, task = draft
    data = ok_data(api.call("update_comment", id_comment=posted["id"], text="First draft",
                            email_user_from=kate.email))
    assert DATE_ADDED.match(data.pop("date_modified"))
    assert data == {**posted, "text": "First draft"}
    assert ok_data(api.call("get_comments", id_task=task))[0]["text"] == "First draft"
    event = ok_data(api.call("get_events", period="1h", id_task=task))[-1]
    event.pop("date_added")
    assert event == {"action": "update",
                     "object": {"type": "comment", "id": posted["id"],
                                "page": f"/project/{website}/{task}/"},
                     "user_from": ref(kate), "new": {"text": "First draft"},
                     "old": {"text": "Frist draft"}}
    count = Event.select().count()
    ok_data(api.post_json("update_comment", id_comment=int(posted["id"]), text="First draft"))
    assert Event.select().count() == count  # nothing changed, nothing recorded


def test_delete_comment_with_its_files(api, website, kate):
    task = post_task(api, website)
    body = api.post_form("post_comment", id_task=task, text="With a file", hidden=kate.email,
                         files={"attach[0]": (io.BytesIO(b"abc"), "a.txt")})
    posted = ok_data(body)
    kept = ok_data(api.call("post_comment", id_task=task, text="Stays"))
    assert api.call("delete_comment", id_comment=posted["id"]) == {"status": "ok"}
    assert [c["id"] for c in ok_data(api.call("get_comments", id_task=task))] == [kept["id"]]
    assert (File.select().count(), CommentVisibility.select().count()) == (0, 0)
    event = ok_data(api.call("get_events", period="1h", id_task=task))[-1]
    assert (event["action"], event["object"], event["user_from"], event["old"]) == (
        "delete", {"type": "comment", "id": posted["id"], "page": f"/project/{website}/{task}/"},
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
def test_comment_changes_with_bad_input(api, draft, action, params, expected):
    before = (list(Comment.select().tuples()), Event.select().count())
    assert api.call(action, **params) == expected
    assert (list(Comment.select().tuples()), Event.select().count()) == before


def test_a_user_token_cannot_touch_a_hidden_comment_it_cannot_see(api, website, frank, kate):
    ok_data(api.call("add_project_members", id_project=website,
                     members=f"{frank.email},{kate.email}"))
    task = post_task(api, website)
    hidden = ok_data(api.call("post_comment", id_task=task, text="Secret", hidden=kate.email))
    for action, params in [("update_comment", {"text": "Mine now"}), ("delete_comment", {})]:
        assert as_user(frank, action, id_comment=int(hidden["id"]), **params) == error(
            10, "Comment is invalid")
        assert as_user(kate, action, id_comment=int(hidden["id"]), **params)["status"] == "ok"
    assert Comment.select().count() == 0
