"""Users' schedules: the days that differ from the working calendar."""

from __future__ import annotations

from peewee import CharField, DateField, ForeignKeyField

from models.base import BaseModel
from models.members import User

DAY_KINDS = ("vacation", "sick-leave", "workday")
UNSET = "unset"  # update_users_schedule's value for "remove this day"


class ScheduleDay(BaseModel):
    user = ForeignKeyField(User, backref="schedule_days", on_delete="CASCADE")
    day = DateField()
    kind = CharField(max_length=16)

    class Meta:
        table_name = "schedule_days"
        indexes = ((("user", "day"), True),)
