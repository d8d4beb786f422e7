"""Projects, the folders ("companies") that group them, and their members."""

from __future__ import annotations

import json
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    TextField,
)

from models.base import BaseModel, now
from models.ids import IdField
from models.members import User

PROJECT_STATUSES = ("active", "pending", "archive")
PROJECT_OPTIONS = (
    "allow_close", "allow_give", "allow_term", "allow_limit",
    "require_term", "require_tag", "require_limit", "require_hidden",
    "deny_comments_edit", "deny_task_edit", "deny_task_delete",
    "time_require", "time_today", "timer_only",
)
# At most one of these may be on: they are three rules for how costs are entered.
EXCLUSIVE_OPTIONS = ("time_require", "time_today", "timer_only")


class ProjectFolder(BaseModel):
    """A folder of projects (Worksection calls it the project's "company")."""

    id = IdField()
    title = CharField(max_length=500, unique=True)

    class Meta:
        table_name = "project_folders"


class Project(BaseModel):
    id = IdField()
    name = CharField(max_length=500)
    status = CharField(max_length=16, default="active", index=True)
    folder = ForeignKeyField(ProjectFolder, null=True, backref="projects", on_delete="SET NULL")
    author = ForeignKeyField(User, backref="authored_projects")
    manager = ForeignKeyField(User, null=True, backref="managed_projects", on_delete="SET NULL")
    # The executive new tasks get by default: a user, ANY (default_to_any) or NOONE (neither).
    default_user_to = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    default_to_any = BooleanField(default=False)
    text = TextField(default="")
    date_added = DateTimeField(default=now)
    date_start = DateField(null=True)
    date_end = DateField(null=True)
    date_closed = DateTimeField(null=True)
    max_time = DecimalField(max_digits=14, decimal_places=2, null=True)
    max_money = DecimalField(max_digits=16, decimal_places=2, null=True)
    options_json = TextField(default="{}")

    class Meta:
        table_name = "projects"

    @property
    def page(self) -> str:
        return f"/project/{self.id}/"

    @property
    def options(self) -> dict[str, int]:
        stored = json.loads(self.options_json or "{}")
        return {name: int(bool(stored.get(name, 0))) for name in PROJECT_OPTIONS}

    @options.setter
    def options(self, values: dict[str, Any]) -> None:
        self.options_json = json.dumps({k: int(bool(values.get(k, 0))) for k in PROJECT_OPTIONS})


class ProjectMember(BaseModel):
    project = ForeignKeyField(Project, backref="memberships", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="project_memberships", on_delete="CASCADE")

    class Meta:
        table_name = "project_members"
        primary_key = CompositeKey("project", "user")
