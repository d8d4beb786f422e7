"""Tasks and subtasks: get_all_tasks, get_tasks, get_task, post_task, update_task,
complete_task, reopen_task, their legacy names and extras."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import DATE_ADDED, OWNER_EMAIL, UserRef, error, ok_data, post_task, ref

from actions.task_dump import load_refs, task_brief
from models.comments import Comment, CommentVisibility
from models.costs import Cost
from models.events import Event
from models.files import File
from models.members import Contact, User
from models.projects import Project
from models.tags import Tag, TagGroup, TaskTag
from models.tasks import Task, TaskRelation, TaskSubscriber, TaskVisibility
from models.timers import Timer
from models.webhooks import utcnow

HENRY = UserRef("henry.gardner@ws.com", "Henry Gardner")
ANY = {"id": "2", "email": "ANY", "name": "Anyone"}
NOONE = {"id": "1", "email": "NOONE", "name": "Executive isn't assigned"}


@pytest.fixture
def project(app):
    return Project.create(name="Owl brand launch", author=User.owner())


@pytest.fixture
def labels(app):
    """The task tags the tests name: post_task sets existing tags only (add_task_tags makes
    them, as in Postman)."""
    group = TagGroup.create(scope="task", title="Labels", type="label")
    return {title: Tag.create(group=group, title=title).id
            for title in ("to-do", "design", "x", "y", "z", "urgent")}




def post(api, project, **params):
    return ok_data(api.call("post_task", id_project=project.id, **params))


def project_ref(project):
    return {"id": str(project.id), "name": project.name, "page": f"/project/{project.id}/"}


def events(kind=None):
    query = Event.select().order_by(Event.id)
    return [e for e in query if kind is None or e.action == kind]


# post_task


def test_post_task_with_the_title_only(api, project):
    """Postman: post_task&id_project&title=Template creation, every other parameter empty."""
    data = post(api, project, title="Template creation", id_parent="", email_user_to="",
                priority="", text="", todo="", datestart="", tags="")
    task = Task.get()
    assert data == {
        "id": str(task.id), "name": "Template creation",
        "page": f"/project/{project.id}/{task.id}/", "status": "active", "priority": "1",
        "user_from": HENRY, "user_to": NOONE, "project": project_ref(project),
        "date_added": task.date_added.strftime("%Y-%m-%d %H:%M")}


def test_post_subtask_with_every_parameter(api, project, frank, kate, labels):
    """Postman: a subtask with executive, priority, text, todo, dates, subscribers, hidden,
    estimates, tags and extra=text."""
    parent = post(api, project, title="Template creation", priority=10)
    data = post(api, project, title="Template prototype", id_parent=parent["id"],
                email_user_to="frank.harper@ws.com", priority=2,
                text="Take previous prototype as an example",
                todo=["draft", "first version", "final result"], datestart="15.01.2021",
                dateend="17.01.2021", subscribe="kate.greenway@ws.com, frank.harper@ws.com",
                hidden="kate.greenway@ws.com", max_time=15, max_money=165,
                tags="to-do, design", extra="text")
    task = Task.get_by_id(int(data["id"]))
    tags = {str(labels[title]): title for title in ("to-do", "design")}
    assert data == {
        "id": str(task.id), "name": "Template prototype",
        "page": f"/project/{project.id}/{parent['id']}/{task.id}/", "status": "active",
        "priority": "2", "user_from": HENRY, "user_to": ref(frank),
        "project": project_ref(project),
        "parent": {"id": parent["id"], "name": "Template creation", "page": parent["page"],
                   "status": "active", "priority": "10"},
        "text": "Take previous prototype as an example\r\n• draft\r\n• first version"
                "\r\n• final result",
        "date_added": data["date_added"], "date_start": "2021-01-15", "date_end": "2021-01-17",
        "max_time": 15, "max_money": 165, "tags": tags}
    assert list(tags.values()) == ["to-do", "design"]
    assert task.hidden and [v.user_id for v in TaskVisibility.select()] == [kate.id]
    assert sorted(s.user_id for s in TaskSubscriber.select().where(
        TaskSubscriber.task == task)) == [User.owner().id, frank.id, kate.id]


def test_post_task_records_a_post_event(api, project, frank):
    data = post(api, project, title="Design", email_user_to=frank.email, priority=3,
                dateend="11.01.2024", text="Mockups")
    [event] = events()
    assert (event.action, event.object_type, event.object_id, event.page, event.user_id,
            event.project_id, event.task_id) == (
        "post", "task", int(data["id"]), data["page"], User.owner().id, project.id, int(data["id"]))
    assert event.new_values == {"title": "Design", "user_to": ref(frank), "priority": "3",
                                "date_end": "2024-01-11", "text": "Mockups"}


def test_post_task_author_from_email_user_from(api, project, frank):
    data = post(api, project, title="Design", email_user_from="Frank.Harper@ws.com")
    assert data["user_from"] == ref(frank)
    assert events()[0].user_id == frank.id


@pytest.mark.parametrize("params", [{}, {"email_user_from": OWNER_EMAIL}])
def test_post_task_into_an_unknown_project(api, project, params):
    """As the owner by the admin key (project and owner read together) or by email: code 4."""
    assert api.call("post_task", id_project=project.id + 999, title="Lost", **params) == {
        "status": "error", "status_code": 4, "message": "Project is invalid"}
    assert not Task.select().where(Task.name == "Lost").exists()


def test_post_task_author_is_the_first_owner(api, project):
    """The admin key posts as the owner: the one with the lowest id, as User.owner() finds."""
    User.update(first_name="Olga").where(User.role == "owner").execute()
    data = post(api, project, title="Design")
    owner = User.owner()
    assert (data["user_from"], events()[0].user_id) == (ref(owner), owner.id)
    assert data["user_from"]["name"].startswith("Olga")


@pytest.mark.parametrize(("value", "expected"), [("ANY", ANY), ("any", ANY), ("NOONE", NOONE)])
def test_post_task_executive_sentinels(api, project, value, expected):
    assert post(api, project, title="T", email_user_to=value)["user_to"] == expected


def test_post_task_takes_the_projects_default_executive(api, project, frank):
    project.default_user_to = frank
    project.save()
    assert post(api, project, title="T")["user_to"] == ref(frank)
    project.default_user_to, project.default_to_any = None, True
    project.save()
    assert post(api, project, title="T")["user_to"] == ANY


def test_post_task_mention_appends_the_names(api, project, frank, kate):
    data = post(api, project, title="T", text="Please review",
                mention="frank.harper@ws.com,kate.greenway@ws.com", extra="text")
    assert data["text"] == "Please review Frank Harper, Kate Greenway"


def test_post_task_todo_without_text(api, project):
    data = post(api, project, title="T", todo=["one, with comma", "two"], extra="text")
    assert data["text"] == "• one, with comma\r\n• two"


def test_post_task_with_html_extra_escapes_the_text(api, project):
    data = post(api, project, title="T", text="a < b", todo=["c"], extra="html")
    assert data["text"] == "a &lt; b<br>• c"


def test_post_task_through_a_json_body(api, project, frank, labels):
    data = ok_data(api.post_json("post_task", id_project=project.id, title="JSON task",
                                 priority=7, todo=["a", "b"], subscribe=[frank.email],
                                 tags=["x"], max_time=1.5, extra="text"))
    assert (data["priority"], data["text"], data["max_time"], list(data["tags"].values())) == (
        "7", "• a\r\n• b", 1.5, ["x"])


def test_post_task_uses_existing_tags_by_name_or_id(api, project):
    group = TagGroup.create(scope="task", title="Stage", type="status")
    tag = Tag.create(group=group, title="review")
    data = post(api, project, title="T", tags=f"review,{tag.id}")
    assert data["tags"] == {str(tag.id): "review"}
    assert Tag.select().count() == 1


def test_post_task_ignores_unknown_tags_and_creates_none(api, project):
    """Postman's post_task succeeds with tags=to-do, design where "to-do" is no tag."""
    group = TagGroup.create(scope="task", title="Labels", type="label")
    design = Tag.create(group=group, title="design")
    data = post(api, project, title="T", tags="to-do, design, 99999")
    assert data["tags"] == {str(design.id): "design"}
    assert Tag.select().count() == 1


def test_subtasks_nest_two_levels_with_top_task_pages(api, project):
    top = post(api, project, title="Development")
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    sub = post(api, project, title="Subsprint 1.1", id_parent=sprint["id"])
    assert sprint["page"] == f"/project/{project.id}/{top['id']}/{sprint['id']}/"
    assert sub["page"] == f"/project/{project.id}/{top['id']}/{sub['id']}/"
    assert sub["parent"]["page"] == sprint["page"]
    assert api.call("post_task", id_project=project.id, title="Too deep",
                    id_parent=sub["id"]) == {
        "status": "error", "status_code": 11,
        "message": "Invalid id_parent: subtasks nest two levels deep at most",
        "message_details": "id_parent"}
    assert Task.select().count() == 3


def test_post_subtask_legacy_name_with_page(api, project):
    top = post(api, project, title="Development")
    data = ok_data(api.call("post_subtask", page=top["page"], title="Sprint 1"))
    assert data["parent"]["id"] == top["id"]
    assert data["page"] == f"{top['page']}{data['id']}/"


def test_post_task_under_a_closed_parent(api, project):
    """Postman: post_task with a closed id_parent → 8 Task is closed."""
    top = post(api, project, title="Done")
    ok_data(api.call("complete_task", id_task=top["id"]))
    assert api.call("post_task", id_project=project.id, title="Dev workflow",
                    id_parent=top["id"]) == {
        "status": "error", "status_code": 8, "message": "Task is closed"}


def test_post_task_under_a_parent_of_another_project(api, project):
    other = Project.create(name="Other", author=User.owner())
    top = post(api, other, title="Elsewhere")
    assert api.call("post_task", id_project=project.id, title="T", id_parent=top["id"]) == {
        "status": "error", "status_code": 5, "message": "Task is invalid",
        "message_details": top["id"]}


# bad input: the error envelope and nothing written


def bad_post_cases():
    return [
        ({"id_project": 999, "title": "T"},
         {"status_code": 4, "message": "Project is invalid"}),
        ({"id_project": ""}, {"status_code": 10, "message": "Field is required",
                              "message_details": "id_project"}),
        ({"title": ""}, {"status_code": 10, "message": "Field is required",
                         "message_details": "title"}),
        ({"id_project": "abc", "title": "T"},
         {"status_code": 11, "message": "Invalid id_project: must be a numeric id",
          "message_details": "id_project"}),
        ({"id_parent": 999}, {"status_code": 5, "message": "Task is invalid",
                              "message_details": "999"}),
        ({"id_parent": "9" * 20}, {"status_code": 11, "message": "Invalid id_parent: is too "
                                   "large for an id", "message_details": "id_parent"}),
        ({"priority": 11}, {"status_code": 11,
                            "message": "Invalid priority: must be between 0 and 10",
                            "message_details": "priority"}),
        ({"priority": "high"}, {"status_code": 11, "message": "Invalid priority: Not a valid "
                                "integer", "message_details": "priority"}),
        ({"datestart": "10.01.2024", "dateend": "09.01.2024"},
         {"status_code": 11, "message": "Invalid dateend: before datestart",
          "message_details": "dateend"}),
        ({"datestart": "31.02.2024"},
         {"status_code": 11, "message": "Invalid datestart: '31.02.2024' is not a date in the "
                                        "DD.MM.YYYY format", "message_details": "datestart"}),
        ({"dateend": "2024/01/01"},
         {"status_code": 11, "message": "Invalid dateend: '2024/01/01' is not a date in the "
                                        "DD.MM.YYYY format", "message_details": "dateend"}),
        ({"email_user_to": "brian@gmail.com"},
         {"status_code": 11, "message": "Invalid email", "message_details": "brian@gmail.com"}),
        ({"email_user_to": "a@ws.com,b@ws.com"},
         {"status_code": 11, "message": "Invalid email",
          "message_details": "a@ws.com,b@ws.com"}),
        ({"email_user_from": "brian@gmail.com"},
         {"status_code": 11, "message": "Invalid email", "message_details": "brian@gmail.com"}),
        ({"mention": "brian@gmail.com"},
         {"status_code": 11, "message": "Invalid email", "message_details": "brian@gmail.com"}),
        ({"max_money": "-5"}, {"status_code": 11, "message": "Invalid max_money: must be a "
                               "non-negative number", "message_details": "max_money"}),
        ({"relations_from": "finish-to-start:999"},
         {"status_code": 5, "message": "Task is invalid", "message_details": "999"}),
        ({"relations_to": "before:1"},
         {"status_code": 11, "message": "Invalid relations_to: 'before:1' is not TYPE:TASK_ID "
                                        "with TYPE one of finish-to-start, start-to-start",
          "message_details": "relations_to"}),
        ({"relations_from": "²"},
         {"status_code": 11, "message": "Invalid relations_from: '²' is not TYPE:TASK_ID "
                                        "with TYPE one of finish-to-start, start-to-start",
          "message_details": "relations_from"}),
        ({"page": "/projects/1/"}, {"status_code": 3, "message": "Page is invalid",
                                    "message_details": "/projects/1/"}),
    ]


@pytest.mark.parametrize(("params", "error"), bad_post_cases())
def test_post_task_with_bad_input_writes_nothing(api, project, params, error):
    Contact.create(first_name="Brian", email="brian@gmail.com")
    params = {"id_project": project.id, "title": "T", **params}
    before = (Task.select().count(), Event.select().count())
    assert api.call("post_task", **params) == {"status": "error", **error}
    assert (Task.select().count(), Event.select().count(), Tag.select().count()) == (
        *before, 0)


def test_post_task_with_a_one_megabyte_title(api, project):
    body = api.post_json("post_task", id_project=project.id, title="t" * 1_000_000)
    assert body == {"status": "error", "status_code": 11,
                    "message": "Invalid title: longer than 500 characters",
                    "message_details": "title"}
    assert Task.select().count() == 0


def test_unknown_extra_words_are_ignored(api, project):
    data = post(api, project, title="T", extra="bogus,text")
    assert data["text"] == ""
    assert ok_data(api.call("get_tasks", id_project=project.id, extra="bogus"))[0].keys() == (
        data.keys() - {"text"})


# get_task and the extras


def comment(task, user, text, minutes):
    return Comment.create(task=task, author=user, text=text,
                          date_added=dt.datetime(2021, 1, 7, 10, minutes))


def test_get_task_with_every_extra(api, project, frank, kate):
    top = post(api, project, title="Development", text="Business logic", priority=7,
               email_user_to=frank.email, subscribe=kate.email)
    task = Task.get_by_id(int(top["id"]))
    before = post(api, project, title="Prototyping")
    after = post(api, project, title="Testing")
    ok_data(api.call("update_task", id_task=top["id"], relations_from=before["id"],
                     relations_to=f"start-to-start:{after['id']}"))
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    sub = post(api, project, title="Subsprint 1.1", id_parent=sprint["id"])
    doc = File.create(name="Requirements.doc", size=27136, sha256="0" * 64, author=frank,
                      task=task)
    for i in range(7):
        comment(task, frank if i % 2 else User.owner(), f"comment {i}", i)
    data = ok_data(api.call("get_task", id_task=top["id"],
                            extra="text,files,comments,relations,subtasks,subscribers"))
    brief = {k: before[k] for k in ("id", "name", "page", "status", "priority")}
    assert data == {
        **{k: top[k] for k in ("id", "name", "page", "status", "priority", "user_from",
                               "user_to", "project", "date_added")},
        "text": "Business logic",
        "subscribers": [HENRY, ref(frank), ref(kate)],
        "files": [{"id": str(doc.id), "page": f"/download/{doc.id}/",
                   "name": "Requirements.doc", "size": "27136"}],
        "has_comments": 1,
        "comments": [{"id": str(c.id), "page": f"{top['page']}#com{c.id}", "text": c.text,
                      "date_added": f"2021-01-07 10:0{c.date_added.minute}",
                      "user_from": ref(c.author)}
                     for c in Comment.select().order_by(Comment.id.desc()).limit(5)],
        "relations": {
            "from": [{"type": "finish-to-start", "task": brief}],
            "to": [{"type": "start-to-start",
                    "task": {k: after[k] for k in ("id", "name", "page", "status",
                                                   "priority")}}]},
        "child": [{"id": sprint["id"], "name": "Sprint 1", "page": sprint["page"],
                   "status": "active", "priority": "1",
                   "child": [{"id": sub["id"], "name": "Subsprint 1.1", "page": sub["page"],
                              "status": "active", "priority": "1"}]}]}
    other_side = ok_data(api.call("get_task", id_task=before["id"], extra="relations"))
    assert other_side["relations"] == {"to": [{"type": "finish-to-start", "task": {
        k: top[k] for k in ("id", "name", "page", "status", "priority")}}]}


def test_get_task_of_a_subtask_names_its_parent(api, project):
    top = post(api, project, title="Development", priority=7)
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    data = ok_data(api.call("get_task", id_task=sprint["id"]))
    assert data["parent"] == {"id": top["id"], "name": "Development", "page": top["page"],
                              "status": "active", "priority": "7"}
    assert data == sprint


def test_get_task_without_comments_has_comments_zero(api, project):
    top = post(api, project, title="Quiet")
    data = ok_data(api.call("get_task", id_task=top["id"], extra="comments,files,relations"))
    assert data == {**top, "has_comments": 0}


def test_get_task_filter_active_limits_the_children(api, project):
    top = post(api, project, title="Development")
    done = post(api, project, title="Sprint 1", id_parent=top["id"])
    open_ = post(api, project, title="Sprint 2", id_parent=top["id"])
    ok_data(api.call("complete_task", id_task=done["id"]))
    everything = ok_data(api.call("get_task", id_task=top["id"], extra="subtasks"))
    assert [c["id"] for c in everything["child"]] == [done["id"], open_["id"]]
    active = ok_data(api.call("get_task", id_task=top["id"], extra="subtasks", filter="active"))
    assert [c["id"] for c in active["child"]] == [open_["id"]]


def test_get_task_of_a_subtask_with_subtasks(api, project):
    top = post(api, project, title="Development")
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    sub = post(api, project, title="Subsprint", id_parent=sprint["id"])
    data = ok_data(api.call("get_task", page=sprint["page"], extra="subtasks"))
    assert data["id"] == sprint["id"]
    assert [c["id"] for c in data["child"]] == [sub["id"]]


@pytest.mark.parametrize("params", [{"id_task": 999}, {"page": "/project/1/999/"}])
def test_get_task_unknown(api, project, params):
    """Postman: get_task&id_task=331895 → 5 Task is invalid."""
    assert api.call("get_task", **params) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}


def test_get_task_without_id(api):
    assert api.call("get_task") == {"status": "error", "status_code": 10,
                                    "message": "Field is required", "message_details": "id_task"}


# get_tasks and get_all_tasks


def test_get_tasks_lists_top_tasks_with_children_as_full_objects(api, project, frank):
    top = post(api, project, title="Development", email_user_to=frank.email)
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    sub = post(api, project, title="Subsprint", id_parent=sprint["id"])
    second = post(api, project, title="Testing")
    post(api, Project.create(name="Other", author=User.owner()), title="Elsewhere")
    assert ok_data(api.call("get_tasks", id_project=project.id)) == [top, second]
    data = ok_data(api.call("get_tasks", id_project=project.id,
                            extra="text,subtasks,subscribers,comments"))
    child = {k: v for k, v in sprint.items() if k != "parent"}
    grandchild = {k: v for k, v in sub.items() if k != "parent"}
    assert data[0] == {**top, "text": "", "subscribers": [HENRY, ref(frank)], "has_comments": 0,
                       "child": [{**child, "text": "", "subscribers": [HENRY],
                                  "has_comments": 0,
                                  "child": [{**grandchild, "text": "", "subscribers": [HENRY],
                                             "has_comments": 0}]}]}


def test_get_tasks_filter_active_and_legacy_status(api, project):
    top = post(api, project, title="Open")
    done = post(api, project, title="Done")
    ok_data(api.call("complete_task", id_task=done["id"]))
    every = [t["id"] for t in ok_data(api.call("get_tasks", id_project=project.id))]
    assert every == [top["id"], done["id"]]
    for params in ({"filter": "active"}, {"status": "active"}):
        data = ok_data(api.call("get_tasks", id_project=project.id, **params))
        assert [t["id"] for t in data] == [top["id"]]


def test_get_tasks_legacy_show_subtasks_and_page(api, project):
    top = post(api, project, title="Development")
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    data = ok_data(api.call("get_tasks", page=f"/project/{project.id}/", show_subtasks=1))
    assert [c["id"] for c in data[0]["child"]] == [sprint["id"]]


@pytest.mark.parametrize(("params", "error"), [
    ({"id_project": 999}, {"status_code": 4, "message": "Project is invalid"}),
    ({}, {"status_code": 10, "message": "Field is required", "message_details": "id_project"}),
    ({"id_project": 1, "filter": "done"},
     {"status_code": 11, "message": "Invalid filter: must be one of active",
      "message_details": "filter"}),
])
def test_get_tasks_bad_input(api, project, params, error):
    assert api.call("get_tasks", **params) == {"status": "error", **error}


def test_get_all_tasks_skips_archived_projects_unless_asked(api, project):
    archived = Project.create(name="Old", author=User.owner(), status="archive")
    mine = post(api, project, title="Current")
    old = post(api, archived, title="Old task")
    assert [t["id"] for t in ok_data(api.call("get_all_tasks"))] == [mine["id"]]
    data = ok_data(api.call("get_all_tasks", extra="archive"))
    assert [t["id"] for t in data] == [mine["id"], old["id"]]
    assert ok_data(api.call("get_tasks", id_project=archived.id)) == [old]


def test_get_all_tasks_filter_active_applies_to_children(api, project):
    top = post(api, project, title="Development")
    done = post(api, project, title="Sprint 1", id_parent=top["id"])
    post(api, project, title="Sprint 2", id_parent=top["id"])
    ok_data(api.call("complete_task", id_task=done["id"]))
    data = ok_data(api.post_json("get_all_tasks", filter="active", extra="subtasks"))
    assert [c["name"] for c in data[0]["child"]] == ["Sprint 2"]
    legacy = ok_data(api.call("get_all_tasks", status="active", show_subtasks=1))
    assert legacy == data


def test_get_all_tasks_empty(api):
    assert api.call("get_all_tasks") == {"status": "ok", "data": []}


# update_task


def test_update_task_changes_fields_and_records_only_the_changes(api, project, frank):
    """Postman: update_task&id_task&priority=10."""
    top = post(api, project, title="Template creation", email_user_to="ANY")
    data = ok_data(api.call("update_task", id_task=top["id"], priority=10, title="",
                            email_user_to=""))
    assert data == {**top, "priority": "10"}
    data = ok_data(api.call("update_task", id_task=top["id"], email_user_to=frank.email,
                            title="Renamed", datestart="01.02.2024", dateend="2024-02-11",
                            max_time="2.5", max_money=100))
    assert {k: data[k] for k in ("name", "user_to", "date_start", "date_end", "max_time",
                                 "max_money")} == {
        "name": "Renamed", "user_to": ref(frank), "date_start": "2024-02-01",
        "date_end": "2024-02-11", "max_time": 2.5, "max_money": 100}
    first, second = events("update")
    assert (first.new_values, first.old_values) == ({"priority": "10"}, {"priority": "1"})
    assert second.new_values == {"title": "Renamed", "user_to": ref(frank),
                                 "date_start": "2024-02-01", "date_end": "2024-02-11",
                                 "max_time": 2.5, "max_money": 100}
    assert second.old_values == {"title": "Template creation", "user_to": ANY,
                                 "date_start": "", "date_end": "", "max_time": "",
                                 "max_money": ""}
    assert TaskSubscriber.get_or_none(TaskSubscriber.user == frank) is not None


def test_update_task_with_no_change_records_no_event(api, project):
    top = post(api, project, title="Same", priority=3)
    ok_data(api.call("update_task", id_task=top["id"], priority=3))
    assert events("update") == []


def test_update_task_works_on_a_closed_task_and_sets_dateclosed(api, project):
    top = post(api, project, title="Done")
    closed = ok_data(api.call("complete_task", id_task=top["id"]))
    data = ok_data(api.call("update_task", id_task=top["id"], dateclosed="02.01.2021",
                            priority=5))
    assert data["status"] == "done" and data["priority"] == "5"
    assert data["date_closed"] == "2021-01-02 " + closed["date_closed"][-5:]
    assert events("update")[0].new_values == {"priority": "5",
                                              "date_closed": data["date_closed"]}


def test_update_task_checks_dates_against_the_stored_ones(api, project):
    top = post(api, project, title="T", datestart="10.01.2024")
    assert api.call("update_task", id_task=top["id"], dateend="09.01.2024") == {
        "status": "error", "status_code": 11, "message": "Invalid dateend: before datestart",
        "message_details": "dateend"}
    assert Task.get().date_end is None and events("update") == []


def test_update_task_replaces_tags_and_relations(api, project, labels):
    a, b, c = (post(api, project, title=name) for name in ("A", "B", "C"))
    top = post(api, project, title="T", tags="x,y", relations_from=f"{a['id']},{b['id']}")
    data = ok_data(api.call("update_task", id_task=top["id"], tags="z",
                            relations_from=f"start-to-start:{c['id']}",
                            relations_to=a["id"]))
    assert list(data["tags"].values()) == ["z"]
    rels = ok_data(api.call("get_task", id_task=top["id"], extra="relations"))["relations"]
    assert [(r["type"], r["task"]["id"]) for r in rels["from"]] == [("start-to-start", c["id"])]
    assert [(r["type"], r["task"]["id"]) for r in rels["to"]] == [("finish-to-start", a["id"])]
    ok_data(api.call("update_task", id_task=top["id"], relations_from="none",
                     relations_to="none"))
    assert "relations" not in ok_data(api.call("get_task", id_task=top["id"], extra="relations"))
    assert api.call("update_task", id_task=top["id"], relations_to=top["id"]) == {
        "status": "error", "status_code": 11,
        "message": "Invalid relations: a task cannot depend on itself",
        "message_details": top["id"]}


def test_update_subtask_legacy_name_with_page(api, project):
    top = post(api, project, title="Development")
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    data = ok_data(api.call("update_subtask", page=sprint["page"], title="Sprint one"))
    assert (data["id"], data["name"]) == (sprint["id"], "Sprint one")


@pytest.mark.parametrize(("params", "error"), [
    ({"id_task": 999}, {"status_code": 5, "message": "Task is invalid"}),
    ({"priority": 11}, {"status_code": 11, "message": "Invalid priority: must be between 0 "
                        "and 10", "message_details": "priority"}),
    ({"email_user_to": "brian@gmail.com"},
     {"status_code": 11, "message": "Invalid email", "message_details": "brian@gmail.com"}),
    ({"dateclosed": "31.02.2024"},
     {"status_code": 11, "message": "Invalid dateclosed: '31.02.2024' is not a date in the "
                                    "DD.MM.YYYY format", "message_details": "dateclosed"}),
    ({"title": "t" * 501}, {"status_code": 11, "message": "Invalid title: longer than 500 "
                            "characters", "message_details": "title"}),
])
def test_update_task_bad_input_changes_nothing(api, project, params, error):
    Contact.create(first_name="Brian", email="brian@gmail.com")
    top = post(api, project, title="T")
    before = json.dumps(Task.select().dicts().get(), default=str)
    assert api.call("update_task", **{"id_task": top["id"], **params}) == {
        "status": "error", **error}
    assert json.dumps(Task.select().dicts().get(), default=str) == before
    assert events("update") == []


# complete_task and reopen_task


def test_complete_task_returns_the_closed_task_and_records_close(api, project):
    top = post(api, project, title="Team meetup")
    data = ok_data(api.call("complete_task", id_task=top["id"]))
    task = Task.get()
    assert data == {**top, "status": "done",
                    "date_closed": task.date_closed.strftime("%Y-%m-%d %H:%M")}
    [event] = events("close")
    assert (event.object_id, event.new, event.old) == (task.id, None, None)
    assert api.call("complete_task", id_task=top["id"]) == {
        "status": "error", "status_code": 12, "message": "Task is already closed"}


def test_complete_task_with_open_children(api, project):
    top = post(api, project, title="Development")
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    sub = post(api, project, title="Subsprint", id_parent=sprint["id"])
    for task in (top, sprint):
        assert api.call("complete_task", id_task=task["id"]) == {
            "status": "error", "status_code": 13, "message": "Task has children"}
    ok_data(api.call("complete_subtask", page=sub["page"]))
    ok_data(api.call("complete_task", id_task=sprint["id"]))
    ok_data(api.call("complete_task", id_task=top["id"]))
    assert {t.status for t in Task.select()} == {"done"}


def test_reopen_task(api, project):
    top = post(api, project, title="Team meetup")
    assert api.call("reopen_task", id_task=top["id"]) == {
        "status": "error", "status_code": 12, "message": "Task is already active"}
    ok_data(api.call("complete_task", id_task=top["id"]))
    assert api.call("reopen_task", id_task=top["id"]) == {"status": "ok"}
    assert ok_data(api.call("get_task", id_task=top["id"])) == top
    assert [e.action for e in events()] == ["post", "close", "reopen"]


def test_reopen_subtask_under_a_done_parent(api, project):
    top = post(api, project, title="Development")
    sprint = post(api, project, title="Sprint 1", id_parent=top["id"])
    ok_data(api.call("complete_task", id_task=sprint["id"]))
    ok_data(api.call("complete_task", id_task=top["id"]))
    assert api.call("reopen_subtask", page=sprint["page"]) == {
        "status": "error", "status_code": 14, "message": "Parent task is done"}
    ok_data(api.call("reopen_task", id_task=top["id"]))
    assert api.call("reopen_subtask", page=sprint["page"]) == {"status": "ok"}


@pytest.mark.parametrize("name", ["complete_task", "reopen_task", "update_task"])
def test_unknown_task(api, name):
    """Postman: update_task&id_task=331431 → 5 Task is invalid."""
    assert api.call(name, id_task=12345) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}
    assert Event.select().count() == 0


def test_task_brief_is_the_task_inside_costs_and_timers(api, project, frank, count_queries):
    """Postman get_costs / get_timers: the inner task, loaded in bulk by load_refs."""
    top = post(api, project, title="Workflow revision", email_user_to=frank.email)
    sub = post(api, project, title="Sprint", id_parent=top["id"], email_user_to="ANY")
    closed = ok_data(api.call("complete_task", id_task=sub["id"]))
    count_queries.clear()
    tasks = load_refs(list(Task.select().order_by(Task.id)))
    briefs = [task_brief(task) for task in tasks]
    assert len(count_queries) == 4  # the tasks, their users, projects and parents
    assert briefs == [
        {k: top[k] for k in ("id", "name", "page", "status", "priority", "user_from",
                             "user_to", "project", "date_added")},
        {k: closed[k] for k in ("id", "name", "page", "status", "priority", "user_from",
                                "user_to", "project", "date_added", "date_closed")}]
    assert briefs[1]["user_to"] == ANY and briefs[1]["status"] == "done"


# delete_task ---------------------------------------------------------------------------------

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


def test_delete_task_takes_everything_of_the_task_with_it(api, website, frank, kate, labels):
    other = post_task(api, website, title="Other")
    body = api.post_form("post_task", id_project=website, title="Doomed", tags="urgent",
                         subscribe=frank.email, hidden=f"{frank.email},{kate.email}",
                         relations_from=str(other),
                         files={"attach[0]": (io.BytesIO(b"spec"), "spec.txt")})
    task = int(ok_data(body)["id"])
    sub = post_task(api, website, title="Sub", id_parent=task)
    subsub = post_task(api, website, title="Subsub", id_parent=sub)
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
    assert [t["id"] for t in ok_data(api.call("get_tasks", id_project=website))] == [str(other)]
    [event] = [e for e in ok_data(api.call("get_events", period="1h"))
               if e["action"] == "delete"]
    assert DATE_ADDED.match(event.pop("date_added"))
    assert event == {"action": "delete",
                     "object": {"type": "task", "id": str(task),
                                "page": f"/project/{website}/{task}/"},
                     "user_from": ref(User.owner()), "old": {"title": "Doomed"}}
    assert Event.select().where(Event.task_id == task).count() == 2  # post and delete


def test_delete_a_subtask_as_another_user(api, website, frank):
    task = post_task(api, website)
    sub = post_task(api, website, title="Sub", id_parent=task)
    assert api.post_json("delete_task", id_task=sub, email_user_from=frank.email) == {
        "status": "ok"}
    assert [t["id"] for t in ok_data(api.call("get_tasks", id_project=website))] == [str(task)]
    assert "child" not in ok_data(api.call("get_task", id_task=task))
    event = Event.get(Event.action == "delete")
    assert (event.object_id, event.page, event.user_id, event.project_id, event.task_id) == (
        sub, f"/project/{website}/{task}/{sub}/", frank.id, website, sub)


@pytest.mark.parametrize("params, expected", [
    ({}, error(10, "Field is required", "id_task")),
    ({"id_task": 999}, error(5, "Task is invalid")),
    ({"id_task": "abc"}, error(11, "Invalid id_task: must be a numeric id", "id_task")),
    ({"id_task": 1, "email_user_from": "ghost@ws.com"}, error(11, "Invalid email",
                                                              "ghost@ws.com")),
])
def test_delete_task_with_bad_input(api, website, params, expected):
    post_task(api, website)
    before = (Task.select().count(), Event.select().count())
    assert api.call("delete_task", **params) == expected
    assert (Task.select().count(), Event.select().count()) == before


def test_delete_task_twice(api, website):
    task = post_task(api, website)
    assert api.call("delete_task", id_task=task) == {"status": "ok"}
    assert api.call("delete_task", id_task=task) == error(5, "Task is invalid")
