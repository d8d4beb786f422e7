"""Cost lines: time and money spent on a task by a user."""

from __future__ import annotations

from peewee import (
    BigIntegerField,
    BooleanField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, now
from models.ids import IdField
from models.members import User
from models.tasks import Task


class Cost(BaseModel):
    """One cost line. Time is whole minutes and money whole cents, so that sums are exact on
    every backend (SQLite would add DECIMAL columns as floats)."""

    id = IdField()
    task = ForeignKeyField(Task, backref="costs", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="costs")
    minutes = IntegerField(default=0)
    cents = BigIntegerField(default=0)
    comment = TextField(default="")
    date = DateField(index=True)
    is_timer = BooleanField(default=False)
    date_added = DateTimeField(default=now)

    class Meta:
        table_name = "costs"
        indexes = ((("date", "id"), False),)  # get_costs' keyset order
