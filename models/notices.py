"""Notices: account-wide banners (Trudesk's), at most one of them active."""

from __future__ import annotations

from peewee import SQL, BooleanField, CharField, DateTimeField, TextField

from models.base import BaseModel, db, now
from models.ids import IdField

DEFAULT_COLOR, DEFAULT_FONT_COLOR = "#e74c3c", "#ffffff"


class Notice(BaseModel):
    id = IdField()
    name = CharField(max_length=500)
    message = TextField()
    color = CharField(max_length=7, default=DEFAULT_COLOR)
    font_color = CharField(max_length=7, default=DEFAULT_FONT_COLOR)
    alert_window = BooleanField(default=False)  # the client shows it as a blocking alert
    active = BooleanField(default=False)
    date_added = DateTimeField(default=now)
    date_active = DateTimeField(null=True)

    class Meta:
        table_name = "notices"

    @classmethod
    def lock_all(cls) -> None:
        """Make a concurrent activation wait for this transaction (PostgreSQL row locks;
        SQLite runs one writer at a time already)."""
        if db.obj.for_update:
            list(cls.select(cls.id).order_by(cls.id).for_update())


# The database itself refuses a second active notice, whatever the requests race to do.
Notice.add_index(Notice.index(Notice.active, unique=True, where=SQL("active")))
