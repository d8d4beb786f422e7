"""One transaction per action, on either database (``models.deferred``): a read sends neither
BEGIN nor COMMIT, a write is one transaction (``control``: tests/conftest.py)."""

from __future__ import annotations

from conftest import ok_data

from models.members import User
from models.projects import Project


def test_a_read_action_sends_no_begin_nor_commit(control, api):
    project = Project.create(name="Read", author=User.owner())
    assert ok_data(api.call("get_project", id_project=project.id))["name"] == "Read"
    assert control == []


def test_a_write_action_is_one_transaction(control, api):
    project = Project.create(name="Write", author=User.owner())
    ok_data(api.call("post_task", id_project=project.id, title="One"))
    assert control == ["BEGIN", "COMMIT"]
