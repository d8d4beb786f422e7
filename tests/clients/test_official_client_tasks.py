"""The official Worksection Python client (worksection-api-client 2.1.2), unchanged, drives the
task life cycle against a live server: create, update, subtask, complete, reopen."""

from __future__ import annotations

import pytest
from conftest import API_KEY
from worksection.client import Client
from worksection.exceptions.response_exception import ResponseException

from models.members import User
from models.projects import Project
from models.tags import Tag, TagGroup


@pytest.fixture
def ws(live_server):
    return Client(live_server).set_api_key(API_KEY)


@pytest.fixture
def project(app):
    User.create(email="frank.harper@ws.com", first_name="Frank", last_name="Harper")
    Tag.create(group=TagGroup.create(scope="task", title="Labels", type="label"), title="design")
    return Project.create(name="Performance improvement", author=User.owner())


def test_task_life_cycle(ws, project):
    task = ws.tasks.create(project.id, "Template creation",
                           {"text": "Draft", "todo": ["one", "two"], "priority": 3,
                            "dateend": "2025-12-31", "tags": "design", "extra": "text"})
    assert (task.name, task.priority, task.text, task.date_end) == (
        "Template creation", "3", "Draft\r\n• one\r\n• two", "2025-12-31")
    assert task.page == f"/project/{project.id}/{task.id}/"
    assert list(task.tags.values()) == ["design"]

    task = ws.tasks.update(int(task.id), {"email_user_to": "frank.harper@ws.com",
                                          "priority": 10, "max_time": 4})
    assert (task.priority, task.user_to.email, task.max_time) == ("10", "frank.harper@ws.com", 4)

    sub = ws.tasks.create(project.id, "Template prototype", {"id_parent": int(task.id)})
    assert sub.page == f"/project/{project.id}/{task.id}/{sub.id}/"
    with pytest.raises(ResponseException, match="complete_task: Task has children"):
        ws.tasks.complete(int(task.id))
    ws.tasks.complete(int(sub.id))
    ws.tasks.complete(int(task.id))
    assert [t.status for t in ws.tasks.list(project.id, {"extra": "subtasks"})] == ["done"]

    ws.tasks.reopen(int(task.id))
    with pytest.raises(ResponseException, match="reopen_task: Task is already active"):
        ws.tasks.reopen(int(task.id))
    ws.tasks.subscribe(int(task.id), "frank.harper@ws.com")
    fetched = ws.tasks.get(int(task.id), {"extra": "subtasks,subscribers"})
    assert (fetched.status, fetched.name) == ("active", "Template creation")
    assert [t.name for t in ws.tasks.list()] == ["Template creation"]
