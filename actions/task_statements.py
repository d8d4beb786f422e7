"""The statements of post_task's write path, rendered once per process (``models.compiled``):
the project with the owner it is posted as, and the subscribers' insert."""

from __future__ import annotations

from typing import Any, NamedTuple

from peewee import JOIN

from actions.caller import acting_user, caller
from actions.lookups import project_or_fail
from models.compiled import Statement, compiled, loaded, slot
from models.ids import next_id
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
    if caller().user is not None or email:
        return Posting(project_or_fail(params["id_project"]), acting_user(email), None)
    row = project_with_owner().one(id=params["id_project"])
    if row is None:
        raise ProjectInvalid()
    width, owner_width = len(Project._meta.sorted_fields), len(User._meta.sorted_fields)
    if row[width] is None:
        raise User.DoesNotExist("the account has no owner")
    owner = row[width:width + owner_width]
    return Posting(loaded(Project, row[:width]), loaded(User, owner),
                   row[-1] if len(row) > width + owner_width else None)


def project_with_owner() -> Statement:
    """A project's columns, then those of the owner ``User.owner`` reads (the admin key sees
    every project), then the next task id where the database gives it ahead."""
    return compiled("project with owner", project_with_owner_query)


def project_with_owner_query():
    owner = User.alias()
    first_owner = User.select(User.id).where(User.role == "owner").order_by(User.id).limit(1)
    return Project.select(Project, owner, *next_id(Task)).join(
        owner, JOIN.LEFT_OUTER, on=(owner.id == first_owner)).where(Project.id == slot("id"))


def subscribing(count: int) -> Statement:
    """The insert of ``count`` subscribers of one task, rendered once per count."""
    return compiled(("subscribe", count), lambda: TaskSubscriber.insert_many(
        [(slot("task"), slot(f"user{n}")) for n in range(count)],
        fields=[TaskSubscriber.task, TaskSubscriber.user]).on_conflict_ignore())
