"""Account settings: a documented allow-list of names, each with a kind and a default; only
values changed through ``update_setting`` are stored. The server reads them per request, so a
change takes effect at once, in every process."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from peewee import CharField, TextField

from models.base import BaseModel
from models.version import version


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
    row = Setting.get_or_none(Setting.name == name)
    return SETTINGS[name].default if row is None else json.loads(row.value)


def store_setting(name: str, value: Any) -> None:
    (Setting.insert(name=name, value=json.dumps(value))
     .on_conflict(conflict_target=[Setting.name], preserve=[Setting.value]).execute())
