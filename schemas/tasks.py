"""Input and output schemas of tasks, subtasks, their relations and subscribers."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validate

from models.tasks import RELATION_TYPES
from schemas.base import (
    EMAIL_RE,
    Amount,
    Choice,
    Email,
    EmailList,
    Flag,
    Id,
    Lines,
    LongText,
    Number,
    Params,
    StringList,
    Text,
    Words,
    WsDate,
    date_out,
    datetime_out,
    split_list,
)
from schemas.clock import ClockTime
from schemas.custom_fields import CustomValues
from schemas.envelope import InvalidEmail
from schemas.files import FileRefs, Uploads
from schemas.members import ANY, NOONE, user_ref
from schemas.paging import PagedIn
from schemas.usertasks import PeerTaskFieldsIn

LIST_EXTRAS = {"text", "html", "files", "comments", "relations", "subtasks", "subscribers",
               "custom_fields", "archive"}
ECHO_EXTRAS = {"text", "html", "custom_fields"}


class Executive(fields.Field):
    """``email_user_to``: a user's email, ``ANY`` or ``NOONE``."""

    api_error = InvalidEmail

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = str(value).strip()
        if text.upper() in ("ANY", "NOONE"):
            return text.upper()
        if not EMAIL_RE.match(text):
            raise ValidationError("not a valid email address")
        return text.lower()


class Relations(fields.Field):
    """Taskgate extension: dependencies as ``type:ID`` items (``ID`` alone is
    finish-to-start); the single word ``none`` stands for an empty list."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[int, str]:
        items = split_list(value)
        if [item.lower() for item in items] == ["none"]:
            return {}
        links = {}
        for item in items:
            kind, _, ident = item.rpartition(":")
            kind, ident = kind.strip().lower() or RELATION_TYPES[0], ident.strip()
            if (kind not in RELATION_TYPES or not (ident.isascii() and ident.isdigit())
                    or len(ident) > 18 or not int(ident)):
                raise ValidationError(f"{item!r} is not TYPE:TASK_ID with TYPE one of "
                                      f"{', '.join(RELATION_TYPES)}")
            links[int(ident)] = kind
        return links


def Priority() -> fields.Integer:  # noqa: N802 - a field factory reads like a field class
    return fields.Integer(strict=False, validate=validate.Range(
        min=0, max=10, error="must be between 0 and 10"))


LEGACY_DEFAULTS = {"get_priority": {"filter": "active"}, "get_subtasks": {"extra": "subtasks"}}


class TaskListIn(Params):
    """What get_all_tasks, get_tasks and get_task take (the lists also ``page``/``limit``)."""

    filter = Choice(("active",))
    status = Choice(("active",))  # the v2 name of filter, before Dec 2023
    extra = Words(LIST_EXTRAS, load_default=set)
    show_subtasks = Flag(load_default=False)  # the v2 name of extra=subtasks

    @pre_load
    def legacy_action(self, data: Any, **_: Any) -> Any:
        """v1 names that are a v2 action with a default: ``get_priority`` (the 2019 Ruby gem:
        "names of active tasks, priority and relative reference"), ``get_subtasks``."""
        defaults = LEGACY_DEFAULTS.get(data.get("action")) if isinstance(data, dict) else None
        return {**defaults, **data} if defaults else data

    @post_load
    def fold_legacy(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["active"] = "filter" in data or "status" in data
        if data.pop("show_subtasks"):
            data["extra"] = data["extra"] | {"subtasks"}
        return data


class GetAllTasksIn(TaskListIn, PagedIn):
    pass


class GetTasksIn(GetAllTasksIn):
    id_project = Id(required=True)


class GetTaskIn(TaskListIn):
    id_task = Id(required=True)


class TaskFieldsIn(PeerTaskFieldsIn):
    """What post_task and update_task both take. ``relations_from`` / ``relations_to`` (see
    ``Relations``) and ``custom_fields`` (see ``actions.custom_fields``) are Taskgate
    extensions."""

    KEEP_EMPTY = ("time_start", "time_end")

    email_user_from = Email()
    email_user_to = Executive()
    priority = Priority()
    title = Text()
    datestart = WsDate()
    dateend = WsDate()
    time_start = ClockTime()
    time_end = ClockTime()
    max_time = Amount()
    max_money = Amount()
    tags = StringList()
    relations_from = Relations()
    relations_to = Relations()
    custom_fields = CustomValues()
    extra = Words(ECHO_EXTRAS, load_default=set)


class PostTaskIn(TaskFieldsIn):
    id_project = Id(required=True)
    id_parent = Id()
    title = Text(required=True)
    text = LongText()
    todo = Lines()
    subscribe = EmailList()
    hidden = EmailList()
    mention = EmailList()
    attach = Uploads()  # attach[n] multipart files
    files = FileRefs()  # what upload_files answered (the 2026 clients)


class UpdateTaskIn(TaskFieldsIn):
    id_task = Id(required=True)
    dateclosed = WsDate()


class TaskIdIn(Params):
    id_task = Id(required=True)
    email_user_from = Email()


class SubscribeIn(Params):
    id_task = Id(required=True)
    email_user = Email(required=True)


def task_ref(task: Any) -> dict[str, str]:
    """A task named inside another object (a cost's totals by task)."""
    return {"id": str(task.id), "name": task.name, "page": task.page, "status": task.status,
            "priority": str(task.priority)}


def executive_ref(task: Any) -> dict[str, str]:
    return user_ref(task.user_to, ANY if task.user_to_any else NOONE)


number = Number()


def event_values(task: Any) -> dict[str, Any]:
    """The fields a task event reports, in ``get_events`` form (unset is "")."""
    def amount(name: str) -> Any:
        value = getattr(task, name)
        return "" if value is None else number._serialize(value, name, task)

    return {"title": task.name, "text": task.text, "priority": str(task.priority),
            "user_to": executive_ref(task),
            "date_start": date_out(task.date_start), "date_end": date_out(task.date_end),
            "time_start": task.time_start or "", "time_end": task.time_end or "",
            "date_closed": datetime_out(task.date_closed), "max_time": amount("max_time"),
            "max_money": amount("max_money")}
