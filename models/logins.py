"""Failed password logins, counted per email to slow guessing down."""

from __future__ import annotations

from peewee import CharField, DateTimeField

from models.base import BaseModel, now
from models.ids import IdField


class LoginFailure(BaseModel):
    id = IdField()
    email = CharField(max_length=254, index=True)
    date_added = DateTimeField(default=now)

    class Meta:
        table_name = "login_failures"
