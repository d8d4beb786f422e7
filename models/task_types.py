"""Ticket types and their priorities (Trudesk's), and the type a task carries."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    ForeignKeyField,
    IntegerField,
)

from models.base import BaseModel
from models.ids import IdField
from models.tasks import Task

DEFAULT_OVERDUE_IN = 2880  # minutes: 48 hours, Trudesk's default
DEFAULT_HTML_COLOR = "#29b955"


class TaskPriority(BaseModel):
    id = IdField()
    name = CharField(max_length=500, unique=True)
    overdue_in = IntegerField(default=DEFAULT_OVERDUE_IN)  # minutes without activity
    html_color = CharField(max_length=7, default=DEFAULT_HTML_COLOR)
    is_default = BooleanField(default=False)  # given to new types

    class Meta:
        table_name = "task_priorities"


class TaskType(BaseModel):
    id = IdField()
    name = CharField(max_length=500, unique=True)

    class Meta:
        table_name = "task_types"


class TaskTypePriority(BaseModel):
    """The priorities a type allows."""

    type = ForeignKeyField(TaskType, backref="priority_links", on_delete="CASCADE")
    priority = ForeignKeyField(TaskPriority, backref="type_links", on_delete="CASCADE")

    class Meta:
        table_name = "task_type_priorities"
        primary_key = CompositeKey("type", "priority")


class TaskTicket(BaseModel):
    """The type (and the priority within it) of a task that has one."""

    task = ForeignKeyField(Task, primary_key=True, backref="+", on_delete="CASCADE")
    type = ForeignKeyField(TaskType, backref="tickets")
    priority = ForeignKeyField(TaskPriority, null=True, backref="tickets")

    class Meta:
        table_name = "task_tickets"
