"""Running timers: at most one per user; stopping one saves a timer cost line."""

from __future__ import annotations

from peewee import DateTimeField, ForeignKeyField

from models.base import BaseModel, now
from models.ids import IdField
from models.members import User
from models.tasks import Task


class Timer(BaseModel):
    id = IdField()
    user = ForeignKeyField(User, unique=True, backref="timers", on_delete="CASCADE")
    task = ForeignKeyField(Task, backref="timers", on_delete="CASCADE")
    started_at = DateTimeField(default=now)

    class Meta:
        table_name = "timers"
