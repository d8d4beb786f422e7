"""The statements of post_task's write path, rendered once per process (``models.compiled``):
the project with the owner it is posted as (``actions.caller.with_owner``), and the
subscribers' insert."""

from __future__ import annotations

from typing import Any, NamedTuple

from actions.caller import acting_user, acts_as_owner, with_owner
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
    """post_task's project (code 4 when the caller cannot see it) and the task's author; for
    the admin key posting as the owner, the two and the task's id in one statement."""
    email = params.get("email_user_from")
    if not acts_as_owner(email):
        return Posting(project_or_fail(params["id_project"]), acting_user(email), None)
    found = with_owner(Project, Task, params["id_project"])
    if found.row is None:
        raise ProjectInvalid()
    return Posting(*found)


def subscribing(count: int) -> Statement:
    """The insert of ``count`` subscribers of one task, rendered once per count."""
    return compiled(("subscribe", count), lambda: TaskSubscriber.insert_many(
        [(slot("task"), slot(f"user{n}")) for n in range(count)],
        fields=[TaskSubscriber.task, TaskSubscriber.user]).on_conflict_ignore())
