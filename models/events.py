"""The events log: every mutation of a project, task or comment, written in the same
transaction as the mutation itself (read back by ``get_events`` and sent by webhooks)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from models.base import BaseModel, now
from models.compiled import inserted
from models.ids import IdField
from models.members import User

EVENT_ACTIONS = ("post", "update", "close", "reopen", "delete")
OBJECT_TYPES = ("project", "task", "comment")
# (wants, then): ``then(event)`` runs after the insert of each event recorded that
# ``wants(event)`` (mail notes the events it is due to send). The insert of an event no hook
# wants goes with the transaction's next statement (``models.base.run_later``), its id unread.
# A bulk change (an inbound hook's for_each) records its events ``quietly()``: nobody is told.
AFTER_RECORD: list[tuple[Callable[[Event], bool], Callable[[Event], None]]] = []
QUIET: ContextVar[bool] = ContextVar("quiet_events", default=False)


@contextmanager
def quietly(quiet: bool = True) -> Iterator[None]:
    token = QUIET.set(quiet)
    try:
        yield
    finally:
        QUIET.reset(token)


class Event(BaseModel):
    id = IdField()
    date_added = DateTimeField(default=now, index=True)
    user = ForeignKeyField(User, null=True, backref="events", on_delete="SET NULL")
    action = CharField(max_length=16)
    object_type = CharField(max_length=16)
    object_id = IntegerField()
    page = CharField(max_length=200)
    project_id = IntegerField(null=True, index=True)
    task_id = IntegerField(null=True, index=True)
    new = TextField(null=True)
    old = TextField(null=True)

    class Meta:
        table_name = "events"
        indexes = ((("date_added", "id"), False),)  # get_events' keyset order

    @property
    def new_values(self) -> dict[str, Any] | None:
        return json.loads(self.new) if self.new is not None else None

    @property
    def old_values(self) -> dict[str, Any] | None:
        return json.loads(self.old) if self.old is not None else None


def record(action: str, object_type: str, object_id: int, page: str, *, user: User | None,
           project_id: int | None = None, task_id: int | None = None,
           new: dict[str, Any] | None = None, old: dict[str, Any] | None = None) -> Event:
    """Write one event row; call it inside the action's transaction. One INSERT rendered once
    per process and database (its id from RETURNING or the cursor, never read back); an event
    no hook of ``AFTER_RECORD`` wants may be left without its id (its insert held)."""
    event = Event(__no_default__=1)  # the row's values set at once, not field by field
    event.__data__ = {
        "date_added": now(), "user": None if user is None else user.id, "action": action,
        "object_type": object_type, "object_id": object_id, "page": page,
        "project_id": project_id, "task_id": task_id,
        "new": None if new is None else stored(new), "old": None if old is None else stored(old)}
    if user is not None:
        event.__rel__["user"] = user
    wanted = [then for wants, then in AFTER_RECORD if wants(event)]
    inserted(event, later=not wanted)
    for then in wanted:
        then(event)
    return event


def stored(values: dict[str, Any]) -> str:
    """An event's ``new`` or ``old`` as the ``new``/``old`` column holds it."""
    return json.dumps(values, ensure_ascii=False, default=str)
