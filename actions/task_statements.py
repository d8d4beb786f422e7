"""The statements of post_task's write path, rendered once per process (``models.compiled``):
the project with the owner it is posted as, and the subscribers' insert."""

from __future__ import annotations

from typing import Any

from peewee import JOIN

from actions.caller import acting_user, caller
from actions.lookups import project_or_fail
from models.compiled import Statement, compiled, loaded, slot
from models.members import User
from models.projects import Project
from models.tasks import TaskSubscriber
from schemas.envelope import ProjectInvalid


def project_and_author(params: dict[str, Any]) -> tuple[Project, User]:
    """post_task's project (code 4 when the caller cannot see it) and the task's author; for
    the admin key posting as the owner, the two in one statement."""
    email = params.get("email_user_from")
    if caller().user is not None or email:
        return project_or_fail(params["id_project"]), acting_user(email)
    row = project_with_owner().one(id=params["id_project"])
    if row is None:
        raise ProjectInvalid()
    width = len(Project._meta.sorted_fields)
    if row[width] is None:
        raise User.DoesNotExist("the account has no owner")
    return loaded(Project, row[:width]), loaded(User, row[width:])


def project_with_owner() -> Statement:
    """A project's columns, then those of the owner ``User.owner`` reads (the admin key sees
    every project)."""
    return compiled("project with owner", project_with_owner_query)


def project_with_owner_query():
    owner = User.alias()
    first_owner = User.select(User.id).where(User.role == "owner").order_by(User.id).limit(1)
    return Project.select(Project, owner).join(
        owner, JOIN.LEFT_OUTER, on=(owner.id == first_owner)).where(Project.id == slot("id"))


def subscribing(count: int) -> Statement:
    """The insert of ``count`` subscribers of one task, rendered once per count."""
    return compiled(("subscribe", count), lambda: TaskSubscriber.insert_many(
        [(slot("task"), slot(f"user{n}")) for n in range(count)],
        fields=[TaskSubscriber.task, TaskSubscriber.user]).on_conflict_ignore())
