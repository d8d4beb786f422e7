"""What UserTasks-style clients add to a task: a client-chosen UUID, several assignees and
several assigned teams (the executive, ``user_to``, stays the main assignee); and the several
teams a user belongs to (Tasq's)."""

from __future__ import annotations

import re

from peewee import CharField, CompositeKey, ForeignKeyField

from models.base import BaseModel
from models.members import Team, User
from models.tasks import Task


class TaskUid(BaseModel):
    uid = CharField(max_length=36, primary_key=True)  # lower-case 8-4-4-4-12 hex
    task = ForeignKeyField(Task, unique=True, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "task_uids"


class TaskAssignee(BaseModel):
    task = ForeignKeyField(Task, backref="+", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "task_assignees"
        primary_key = CompositeKey("task", "user")


class TaskTeam(BaseModel):
    task = ForeignKeyField(Task, backref="+", on_delete="CASCADE")
    team = ForeignKeyField(Team, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "task_teams"
        primary_key = CompositeKey("task", "team")


class UserTeam(BaseModel):
    """A user's membership of a team besides (or including) the primary one, ``User.team``."""

    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    team = ForeignKeyField(Team, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "user_teams"
        primary_key = CompositeKey("user", "team")


UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def as_uuid(value: object) -> str | None:
    """The UUID text, lower-case, or None when ``value`` is not a UUID."""
    text = str(value).strip().lower()
    return text if UUID_RE.fullmatch(text) else None


def task_id_of(uid: str) -> int | None:
    row = TaskUid.get_or_none(TaskUid.uid == uid)
    return row.task_id if row else None
