"""Tasks (with subtasks two levels deep), subscribers, visibility and relations."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, now
from models.ids import IdField
from models.members import User
from models.projects import Project

TASK_STATUSES = ("active", "done")
MAX_DEPTH = 2  # task → subtask → sub-subtask
RELATION_TYPES = ("finish-to-start", "start-to-start")


class Task(BaseModel):
    id = IdField()
    project = ForeignKeyField(Project, backref="tasks", on_delete="CASCADE")
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="CASCADE")
    # The top-level task of a subtask's branch (None for a top-level task): page links are
    # /project/P/TOP/ID/ at every depth, and this spares walking up the tree to build one.
    root = ForeignKeyField("self", null=True, backref="descendants", on_delete="CASCADE")
    depth = IntegerField(default=0)
    name = CharField(max_length=500)
    text = TextField(default="")
    status = CharField(max_length=16, default="active", index=True)
    priority = IntegerField(default=1)
    author = ForeignKeyField(User, backref="authored_tasks")
    # The executive: a user, ANY (user_to_any) or NOONE (neither).
    user_to = ForeignKeyField(User, null=True, backref="assigned_tasks", on_delete="SET NULL")
    user_to_any = BooleanField(default=False)
    date_added = DateTimeField(default=now, index=True)
    date_start = DateField(null=True)
    date_end = DateField(null=True)
    time_start = CharField(max_length=5, null=True)
    time_end = CharField(max_length=5, null=True)
    date_closed = DateTimeField(null=True)
    max_time = DecimalField(max_digits=14, decimal_places=2, null=True)
    max_money = DecimalField(max_digits=16, decimal_places=2, null=True)
    hidden = BooleanField(default=False)  # visible only to the users in TaskVisibility

    class Meta:
        table_name = "tasks"

    @property
    def page(self) -> str:
        if self.root_id is None:
            return f"/project/{self.project_id}/{self.id}/"
        return f"/project/{self.project_id}/{self.root_id}/{self.id}/"


# A project's top-level tasks in id order, the rows of get_tasks' pages and its count: the
# walk stops after a page (a plain (project, id) index was not chosen by PostgreSQL's planner,
# which sorted the project's every task instead).
Task.add_index(Task.index(Task.project, Task.id, where=Task.parent.is_null(),
                          name="tasks_top_level_by_project"))


class TaskSubscriber(BaseModel):
    task = ForeignKeyField(Task, backref="subscriptions", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="subscriptions", on_delete="CASCADE")

    class Meta:
        table_name = "task_subscribers"
        primary_key = CompositeKey("task", "user")


class TaskVisibility(BaseModel):
    """Who may see a hidden task."""

    task = ForeignKeyField(Task, backref="visible_to", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "task_visibility"
        primary_key = CompositeKey("task", "user")


class TaskRelation(BaseModel):
    """A dependency: ``to_task`` waits for ``from_task`` (finish-to-start or start-to-start)."""

    id = IdField()
    from_task = ForeignKeyField(Task, backref="relations_out", on_delete="CASCADE")
    to_task = ForeignKeyField(Task, backref="relations_in", on_delete="CASCADE")
    type = CharField(max_length=20, default="finish-to-start")

    class Meta:
        table_name = "task_relations"
        indexes = ((("from_task", "to_task"), True),)
