"""Account settings: a documented allow-list of names, each with a kind and a default; only
values changed through ``update_setting`` are stored.

Each process keeps the stored values of its database (one statement reads them all) and reads
them again when a quarter second has passed since, as the key cache reads its version: a
change takes effect at once in the process that made it, and within ``CHECK_EVERY`` in every
other process and host."""

from __future__ import annotations

import json
import time
from typing import Any, NamedTuple

from peewee import CharField, TextField

from models.base import BaseModel, db
from models.version import version

CHECK_EVERY = 0.25  # seconds a process trusts the values it read
SNAPSHOT = 'SELECT "name", "value" FROM "settings"'  # every stored value, in one statement


class Definition(NamedTuple):
    kind: str  # string | int | bool | timezone | id
    default: Any
    doc: str
    read_only: bool = False
    low: int = 0
    high: int = 0


SETTINGS = {
    "timezone": Definition("timezone", "UTC", "the account's time zone (IANA name)"),
    "site_title": Definition("string", "Taskgate", "the account's name"),
    "default_task_priority": Definition("int", 1, "priority of a task posted without one",
                                        low=0, high=10),
    "default_page_limit": Definition("int", 100, "page size when page is given without limit",
                                     low=1, high=1000),
    "default_task_type": Definition("id", None, "task type of a task posted without one"),
    "show_overdue": Definition("bool", True, "mark tasks past their priority's overdue time"),
    "webhook_pause_after": Definition("int", None, "failed attempts in a row that pause a "
                                      "webhook (unset: the WEBHOOK_PAUSE_AFTER config)",
                                      low=1, high=1000),
    "version": Definition("string", version(), "the server's version", read_only=True),
}


class Setting(BaseModel):
    name = CharField(max_length=64, primary_key=True)
    value = TextField()  # JSON

    class Meta:
        table_name = "settings"


def setting(name: str) -> Any:
    """The value of a setting: the stored one, else its default."""
    stored = stored_values()
    return stored[name] if name in stored else SETTINGS[name].default


class Snapshot(NamedTuple):
    values: dict[str, Any]
    read: float  # the clock when read


def stored_values() -> dict[str, Any]:
    """The stored values of this database, read again every ``CHECK_EVERY`` seconds."""
    database = db.obj
    snapshot = getattr(database, "taskgate_settings", None)
    if snapshot is None or time.monotonic() - snapshot.read > CHECK_EVERY:
        rows = db.execute_sql(SNAPSHOT).fetchall()
        snapshot = Snapshot({name: json.loads(value) for name, value in rows}, time.monotonic())
        database.taskgate_settings = snapshot
    return snapshot.values


def forget_values() -> None:
    """This process changed a setting: read them again at the next use."""
    if db.obj is not None:
        db.obj.taskgate_settings = None


def store_setting(name: str, value: Any) -> None:
    (Setting.insert(name=name, value=json.dumps(value))
     .on_conflict(conflict_target=[Setting.name], preserve=[Setting.value]).execute())
    forget_values()
