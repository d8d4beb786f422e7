"""The statements of post_task's write path, rendered once per process (``models.compiled``):
the project with the owner it is posted as (``actions.caller.read_as``), and the
subscribers' insert."""

from __future__ import annotations

from typing import Any, NamedTuple

from actions.caller import acting_user, read_as
from actions.lookups import project_or_fail
from models.compiled import Statement, compiled, slot
from models.members import User
from models.projects import Project
from models.tasks import Task, TaskSubscriber
from schemas.envelope import ProjectInvalid


class Posting(NamedTuple):
    """Where post_task posts, as whom, and the new task's id when it was taken ahead."""

    project: Project
    author: User
    task_id: int | None


def project_and_author(params: dict[str, Any]) -> Posting:
    """post_task's project (code 4 when the caller cannot see it), the task's author and, for
    the admin key posting as the owner, the task's id taken ahead (``actions.caller.read_as``)."""
    email = params.get("email_user_from")
    project, owner, task_id = read_as(Project, Task, params["id_project"], email,
                                      project_or_fail, ProjectInvalid)
    return Posting(project, acting_user(email, owner), task_id)


def subscribing(count: int) -> Statement:
    """The insert of ``count`` subscribers of one task, rendered once per count."""
    return compiled(("subscribe", count), lambda: TaskSubscriber.insert_many(
        [(slot("task"), slot(f"user{n}")) for n in range(count)],
        fields=[TaskSubscriber.task, TaskSubscriber.user]).on_conflict_ignore())
