"""Tags (statuses and labels) of tasks and projects, their groups, and the old names
get_tags, get_tag_groups, update_tags."""

from __future__ import annotations

import pytest
from conftest import ok_data

from models.events import Event
from models.members import User
from models.projects import Project
from models.tags import ProjectTag, Tag, TagGroup, TaskTag
from models.tasks import Task


@pytest.fixture
def task(app):
    project = Project.create(name="Website", author=User.owner())
    return Task.create(project=project, name="Landing page", author=User.owner())


@pytest.fixture
def project(task):
    return task.project


def required(field):
    return {"status": "error", "status_code": 10, "message": "Field is required",
            "message_details": field}


def tag_invalid(tag, message="Tag is invalid"):
    return {"status": "error", "status_code": 16, "message": message, "message_details": tag}


def group_ids(data):
    return {g["title"]: g["id"] for g in data}


def counts():
    return (TagGroup.select().count(), Tag.select().count(), TaskTag.select().count(),
            ProjectTag.select().count(), Event.select().count())


def titles_on(owner):
    link = TaskTag if isinstance(owner, Task) else ProjectTag
    field = link.task if link is TaskTag else link.project
    return sorted(t.title for t in Tag.select().join(link).where(field == owner))


def make(scope, title, type_, access, *tags):
    group = TagGroup.create(scope=scope, title=title, type=type_, access=access)
    return group, [Tag.create(group=group, title=name) for name in tags]


@pytest.fixture
def workflow(app):
    """The task tags of Postman's examples: a status group and two label groups."""
    basic, _ = make("task", "Basic workflow", "status", "public",
                    "To-do", "In progress", "Need approval", "Done")
    make("task", "Development", "label", "public", "deployed", "feature", "doing")
    make("task", "Task results", "label", "private", "approved")
    return basic


# groups


def test_add_task_tag_groups_as_in_postman(api):
    """Postman: access=public&type=label&title=Development,Marketing."""
    data = ok_data(api.call("add_task_tag_groups", access="public", type="label",
                            title="Development,Marketing"))
    ids = [g.id for g in TagGroup.select().order_by(TagGroup.id)]
    assert data == [{"title": "Development", "id": ids[0], "type": "label", "access": "public"},
                    {"title": "Marketing", "id": ids[1], "type": "label", "access": "public"}]


def test_add_task_tag_groups_is_idempotent_by_title(api):
    first = ok_data(api.call("add_task_tag_groups", access="public", type="label",
                             title="Development"))
    again = ok_data(api.post_json("add_task_tag_groups", access="private", type="status",
                                  title=["Development", "Sales", "Sales"]))
    assert again[0] == first[0]  # kept as it was: label, public
    assert again[1]["title"] == "Sales" and len(again) == 2
    assert TagGroup.select().count() == 2


def test_status_groups_are_always_public(api):
    data = ok_data(api.call("add_task_tag_groups", access="private", type="status", title="Flow"))
    assert (data[0]["type"], data[0]["access"]) == ("status", "public")


def test_task_and_project_groups_are_separate(api):
    task_group = ok_data(api.call("add_task_tag_groups", access="public", type="label",
                                  title="Finance"))
    project_group = ok_data(api.call("add_project_tag_groups", access="public", title="Finance"))
    assert task_group[0]["id"] != project_group[0]["id"]
    assert [g["title"] for g in ok_data(api.call("get_project_tag_groups"))] == ["Finance"]
    assert [g["title"] for g in ok_data(api.call("get_task_tag_groups"))] == ["Finance"]


def test_add_project_tag_groups_as_in_postman(api):
    """Postman: access=public&title=Budget level, Devs number → type "" (none given)."""
    data = ok_data(api.call("add_project_tag_groups", access="public",
                            title="Budget level, Devs number"))
    ids = [g.id for g in TagGroup.select().order_by(TagGroup.id)]
    assert data == [{"title": "Budget level", "id": ids[0], "type": "", "access": "public"},
                    {"title": "Devs number", "id": ids[1], "type": "", "access": "public"}]
    typed = ok_data(api.post_json("add_project_tag_groups", access="private", type="label",
                                  title="Internal labels"))
    assert (typed[0]["type"], typed[0]["access"]) == ("label", "private")


def test_get_task_tag_groups_orders_statuses_then_public_then_private(api):
    for title, type_, access in [("Task results", "label", "private"),
                                 ("General labels", "label", "public"),
                                 ("Basic workflow", "status", "public"),
                                 ("Finance", "label", "public"), ("Sales", "status", "public")]:
        TagGroup.create(scope="task", title=title, type=type_, access=access)
    data = ok_data(api.call("get_task_tag_groups"))
    assert [(g["title"], g["type"], g["access"]) for g in data] == [
        ("Basic workflow", "status", "public"), ("Sales", "status", "public"),
        ("General labels", "label", "public"), ("Finance", "label", "public"),
        ("Task results", "label", "private")]
    assert all(isinstance(g["id"], int) for g in data) and list(data[0]) == [
        "title", "id", "type", "access"]
    assert [g["title"] for g in ok_data(api.call("get_task_tag_groups", type="status"))] == [
        "Basic workflow", "Sales"]
    assert [g["title"] for g in ok_data(api.post_json("get_task_tag_groups", type="label",
                                                      access="private"))] == ["Task results"]
    assert ok_data(api.call("get_tag_groups", access="PUBLIC")) == data[:4]  # the old name


def test_get_project_tag_groups_as_in_postman(api):
    make("project", "Project status", "status", "public")
    make("project", "Common labels", "label", "public")
    make("project", "Internal labels", "label", "private")
    make("project", "No type", "", "public")
    make("task", "A task group", "label", "public")
    data = ok_data(api.call("get_project_tag_groups"))
    assert [(g["title"], g["type"], g["access"]) for g in data] == [
        ("Project status", "status", "public"), ("Common labels", "label", "public"),
        ("No type", "", "public"), ("Internal labels", "label", "private")]
    labels = ok_data(api.call("get_project_tag_groups", type="label"))
    assert [g["title"] for g in labels] == ["Common labels", "No type", "Internal labels"]


@pytest.mark.parametrize("action, params, error", [
    ("add_task_tag_groups", {"access": "public", "type": "label", "title": ""},
     required("title")),  # Postman
    ("add_task_tag_groups", {"access": "public", "title": "X"}, required("type")),
    ("add_task_tag_groups", {"type": "label", "title": "X"}, required("access")),
    ("add_task_tag_groups", {"access": "public", "type": "tag", "title": "X"}, {
        "status": "error", "status_code": 11,
        "message": "Invalid type: must be one of status, label", "message_details": "type"}),
    ("add_task_tag_groups", {"access": "everyone", "type": "label", "title": "X"}, {
        "status": "error", "status_code": 11,
        "message": "Invalid access: must be one of public, private",
        "message_details": "access"}),
    ("add_task_tag_groups", {"access": "public", "type": "label", "title": "A," + "x" * 501}, {
        "status": "error", "status_code": 11,
        "message": "Invalid title: longer than 500 characters", "message_details": "title"}),
    ("add_task_tag_groups", {"access": "public", "type": "label", "title": " , "},
     required("title")),
    ("add_project_tag_groups", {"access": "public", "title": ""}, required("title")),  # Postman
    ("add_project_tag_groups", {"title": "X"}, required("access")),
    ("add_project_tag_groups", {"title": "X", "access": "public", "type": "x"}, {
        "status": "error", "status_code": 11,
        "message": "Invalid type: must be one of status, label", "message_details": "type"}),
    ("get_task_tag_groups", {"type": "labels"}, {
        "status": "error", "status_code": 11,
        "message": "Invalid type: must be one of status, label", "message_details": "type"}),
])
def test_tag_group_bad_input_writes_nothing(api, action, params, error):
    assert api.call(action, **params) == error
    assert counts() == (0, 0, 0, 0, 0)


# tags


def test_get_task_tags_as_in_postman(api, workflow):
    """Postman: group=Basic workflow → its four statuses with the group embedded."""
    ids = [t.id for t in Tag.select().where(Tag.group == workflow).order_by(Tag.id)]
    group = {"title": "Basic workflow", "id": workflow.id, "id_group": "1", "type": "status",
             "access": "public"}
    assert ok_data(api.call("get_task_tags", group="Basic workflow")) == [
        {"title": "To-do", "id": ids[0], "group": group},
        {"title": "In progress", "id": ids[1], "group": group},
        {"title": "Need approval", "id": ids[2], "group": group},
        {"title": "Done", "id": ids[3], "group": group}]
    assert ok_data(api.post_json("get_task_tags", group=workflow.id)) == ok_data(
        api.call("get_task_tags", group="Basic workflow"))


def test_get_task_tags_filters(api, workflow):
    every = ok_data(api.call("get_task_tags"))
    assert [t["title"] for t in every] == ["To-do", "In progress", "Need approval", "Done",
                                           "deployed", "feature", "doing", "approved"]
    assert [t["title"] for t in ok_data(api.call("get_task_tags", type="label"))] == [
        "deployed", "feature", "doing", "approved"]
    assert [t["title"] for t in ok_data(api.call("get_task_tags", access="private"))] == [
        "approved"]
    assert ok_data(api.call("get_task_tags", group="Development", type="status")) == []
    assert ok_data(api.call("get_task_tags", group="No such group")) == []
    assert ok_data(api.call("get_tags", type="label")) == every[4:]  # the old name
    assert ok_data(api.call("get_project_tags")) == []  # task tags are not project tags


def test_get_project_tags_as_in_postman(api):
    """Postman: group=Project status → id_group "-4"."""
    group, tags = make("project", "Project status", "status", "public",
                       "Backlog", "In progress", "Paused", "Canceled", "Completed")
    make("task", "Project status", "status", "public", "Backlog")
    embedded = {"title": "Project status", "id": group.id, "id_group": "-4", "type": "status",
                "access": "public"}
    assert ok_data(api.call("get_project_tags", group="Project status")) == [
        {"title": t.title, "id": t.id, "group": embedded} for t in tags]


def test_add_task_tags_as_in_postman(api, app):
    """Postman: group=Development&title=bug,feature,design."""
    group = ok_data(api.call("add_task_tag_groups", type="label", access="public",
                             title="Development"))[0]
    data = ok_data(api.call("add_task_tags", group="Development", title="bug,feature,design"))
    ids = [t.id for t in Tag.select().order_by(Tag.id)]
    assert data == [{"title": "bug", "id": ids[0]}, {"title": "feature", "id": ids[1]},
                    {"title": "design", "id": ids[2]}]
    again = ok_data(api.post_json("add_task_tags", group=group["id"], title=["docs", "bug"]))
    assert again == [{"title": "docs", "id": ids[2] + 1}, {"title": "bug", "id": ids[0]}]
    assert Tag.select().count() == 4


def test_add_project_tags_as_in_postman(api):
    """Postman: group=Finance&title=paid, bill, contract."""
    group, _ = make("project", "Finance", "label", "public", "bill")
    make("task", "Finance", "label", "public")
    data = ok_data(api.call("add_project_tags", group="Finance", title="paid, bill, contract"))
    tags = {t.title: t for t in Tag.select()}
    assert data == [{"title": "paid", "id": tags["paid"].id},
                    {"title": "bill", "id": tags["bill"].id},
                    {"title": "contract", "id": tags["contract"].id}]
    assert {t.group_id for t in tags.values()} == {group.id}


@pytest.mark.parametrize("action", ["add_task_tags", "add_project_tags"])
@pytest.mark.parametrize("params, error", [
    ({"group": "", "title": ""}, required("group (id or title)")),  # Postman
    ({"title": "bug"}, required("group (id or title)")),
    ({"group": "G"}, required("title")),
    ({"group": "No such group", "title": "bug"}, {
        "status": "error", "status_code": 10, "message": "Tag group is invalid",
        "message_details": "group (id or title)"}),
    ({"group": "99999", "title": "bug"}, {
        "status": "error", "status_code": 10, "message": "Tag group is invalid",
        "message_details": "group (id or title)"}),
    ({"group": "9" * 40, "title": "bug"}, {
        "status": "error", "status_code": 10, "message": "Tag group is invalid",
        "message_details": "group (id or title)"}),
    ({"group": "G", "title": "x" * 501}, {
        "status": "error", "status_code": 11,
        "message": "Invalid title: longer than 500 characters", "message_details": "title"}),
])
def test_add_tags_bad_input_writes_nothing(api, action, params, error):
    make("task" if action == "add_project_tags" else "project", "G", "label", "public")
    before = counts()
    assert api.call(action, **params) == error
    assert counts() == before


# update_task_tags / update_project_tags


def test_update_task_tags_as_in_postman(api, task, workflow):
    """Postman: plus=deployed,feature&minus=doing → {"status": "ok"} and nothing else."""
    doing = Tag.get(Tag.title == "doing")
    TaskTag.create(task=task, tag=doing)
    assert api.call("update_task_tags", id_task=task.id, plus="deployed,feature",
                    minus="doing") == {"status": "ok"}
    assert titles_on(task) == ["deployed", "feature"]
    event = Event.get()
    tags = {t.title: str(t.id) for t in Tag.select()}
    assert (event.action, event.object_type, event.object_id, event.page, event.task_id,
            event.project_id, event.user_id) == (
        "update", "task", task.id, task.page, task.id, task.project_id, User.owner().id)
    assert event.old_values == {"tags": {tags["doing"]: "doing"}}
    assert event.new_values == {"tags": {tags["deployed"]: "deployed",
                                         tags["feature"]: "feature"}}


def test_a_status_replaces_the_other_status_of_its_group(api, task, workflow):
    other_flow, _ = make("task", "Sales", "status", "public", "Lead", "Won")
    ok_data(api.call("update_task_tags", id_task=task.id, plus="To-do,Lead,deployed"))
    ok_data(api.post_json("update_task_tags", id_task=task.id, plus=["In progress", "feature"]))
    assert titles_on(task) == ["In progress", "Lead", "deployed", "feature"]
    won = Tag.get(Tag.title == "Won")
    ok_data(api.post_json("update_task_tags", id_task=task.id, plus=[won.id]))
    assert titles_on(task) == ["In progress", "Won", "deployed", "feature"]


def test_update_task_tags_by_id_and_minus_of_a_tag_not_on_the_task(api, task, workflow):
    done = Tag.get(Tag.title == "Done")
    assert api.post_json("update_task_tags", id_task=task.id, plus=[done.id],
                         minus="approved") == {"status": "ok"}
    assert titles_on(task) == ["Done"]
    assert api.call("update_tags", id_task=task.id, minus=str(done.id)) == {"status": "ok"}
    assert titles_on(task) == []
    assert Event.select().count() == 2


def test_update_task_tags_that_change_nothing_record_no_event(api, task, workflow):
    assert api.call("update_task_tags", id_task=task.id, minus="doing") == {"status": "ok"}
    assert api.call("update_task_tags", id_task=task.id) == {"status": "ok"}
    assert Event.select().count() == 0


def test_update_task_tags_author_of_the_event(api, task, workflow):
    frank = User.create(email="frank.harper@ws.com", first_name="Frank", last_name="Harper")
    ok_data(api.call("update_task_tags", id_task=task.id, plus="feature",
                     email_user_from=frank.email))
    assert Event.get().user_id == frank.id


def test_update_project_tags_as_in_postman(api, project):
    """Postman: plus=app, paid&minus=bill."""
    make("project", "Finance", "label", "public", "paid", "bill", "app")
    make("task", "Finance", "label", "public", "contract")
    ProjectTag.create(project=project, tag=Tag.get(Tag.title == "bill"))
    assert api.call("update_project_tags", id_project=project.id, plus="app, paid",
                    minus="bill") == {"status": "ok"}
    assert titles_on(project) == ["app", "paid"]
    event = Event.get()
    assert (event.action, event.object_type, event.object_id, event.page, event.project_id) == (
        "update", "project", project.id, f"/project/{project.id}/", project.id)
    assert sorted(event.new_values["tags"].values()) == ["app", "paid"]
    assert api.call("update_project_tags", id_project=project.id, plus="contract") == \
        tag_invalid("contract")  # a task tag is not a project tag


def test_project_statuses_replace_each_other(api, project):
    make("project", "Project status", "status", "public", "Backlog", "In progress")
    ok_data(api.call("update_project_tags", id_project=project.id, plus="Backlog"))
    ok_data(api.post_json("update_project_tags", id_project=project.id, plus="In progress"))
    assert titles_on(project) == ["In progress"]


@pytest.fixture
def tagged(task, project, workflow):
    """A task and its project with one tag each, and a name shared by two groups."""
    make("task", "Review", "label", "public", "feature")
    TaskTag.create(task=task, tag=Tag.get(Tag.title == "To-do"))
    make("project", "Finance", "label", "public", "bill")
    ProjectTag.create(project=project, tag=Tag.get(Tag.title == "bill"))
    return task


AMBIGUOUS = "Tag name is ambiguous: it is in 2 groups, give its id instead"


@pytest.mark.parametrize("action, params, error", [
    ("update_task_tags", {"plus": "docs"}, tag_invalid("docs")),  # Postman
    ("update_task_tags", {"plus": "deployed,docs"}, tag_invalid("docs")),
    ("update_task_tags", {"minus": "undone"}, tag_invalid("undone")),
    ("update_task_tags", {"plus": "deployed", "minus": "999999"}, tag_invalid("999999")),
    ("update_task_tags", {"plus": "9" * 30}, tag_invalid("9" * 30)),
    ("update_task_tags", {"plus": "²"}, tag_invalid("²")),
    ("update_task_tags", {"plus": "feature"}, tag_invalid("feature", AMBIGUOUS)),
    ("update_task_tags", {"minus": "feature"}, tag_invalid("feature", AMBIGUOUS)),
    ("update_task_tags", {"plus": "bill"}, tag_invalid("bill")),  # a project tag
    ("update_task_tags", {"id_task": 999, "plus": "deployed"},
     {"status": "error", "status_code": 5, "message": "Task is invalid"}),
    ("update_task_tags", {"id_task": None, "plus": "deployed"}, required("id_task")),
    ("update_task_tags", {"plus": "deployed", "email_user_from": "no@ws.com"},
     {"status": "error", "status_code": 11, "message": "Invalid email",
      "message_details": "no@ws.com"}),
    ("update_tags", {"plus": "docs"}, tag_invalid("docs")),
    ("update_project_tags", {"plus": "declined"}, tag_invalid("declined")),  # Postman
    ("update_project_tags", {"minus": "To-do"}, tag_invalid("To-do")),  # a task tag
    ("update_project_tags", {"id_project": 999, "plus": "bill"},
     {"status": "error", "status_code": 4, "message": "Project is invalid"}),
])
def test_update_tags_bad_input_writes_nothing(api, tagged, action, params, error):
    key = "id_project" if action == "update_project_tags" else "id_task"
    params = {key: tagged.project_id if key == "id_project" else tagged.id, **params}
    params = {k: v for k, v in params.items() if v is not None}
    before = counts()
    assert api.call(action, **params) == error
    assert counts() == before
    assert titles_on(tagged) == ["To-do"] and titles_on(tagged.project) == ["bill"]


def test_an_ambiguous_name_works_by_id(api, tagged):
    review = Tag.select().join(TagGroup).where(TagGroup.title == "Review").get()
    assert api.post_json("update_task_tags", id_task=tagged.id, plus=[review.id]) == {
        "status": "ok"}
    assert titles_on(tagged) == ["To-do", "feature"]
