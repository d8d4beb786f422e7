"""Tasks as Worksection writes them, made from rows directly (no schema objects on the hot
path): :func:`task_out` turns a task row (``actions.task_query.ROW``: the task's columns, its
people, project, parent and ticket) and the rows around it (:class:`Around`) into the task
object, keys in Worksection's order, unset optional keys left out.

Values come as the database gives them (SQLite: text moments, floats; PostgreSQL: datetimes,
decimals) or as Python objects (a task just written); every formatter takes both."""

from __future__ import annotations

import datetime as dt
import decimal
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.base import now
from schemas.base import date_out, datetime_out
from schemas.members import ANY, NOONE


def moment(value: Any) -> str:
    """``YYYY-MM-DD HH:MM`` ("" unset), from a datetime or its stored text."""
    if not value:
        return ""
    if isinstance(value, str):
        if len(value) >= 16 and value[10] == " ":
            return value[:16]
        value = dt.datetime.fromisoformat(value)
    return datetime_out(value)


def day(value: Any) -> str:
    """``YYYY-MM-DD`` ("" unset), from a date or its stored text."""
    if not value:
        return ""
    return value[:10] if isinstance(value, str) else date_out(value)


def as_datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def number(value: Any) -> int | float | None:
    """A decimal as a JSON number: an integer when whole."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    amount = decimal.Decimal(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def person(pk: Any, email: str, first: str, last: str) -> dict[str, str]:
    """A user inside another object: ``{id, email, name}``."""
    return {"id": str(pk), "email": email,
            "name": f"{first} {last}" if first and last else first or last}


def executive(pk: Any, is_any: Any, email: str, first: str, last: str) -> dict[str, str]:
    if pk:
        return person(pk, email, first, last)
    return dict(ANY if is_any else NOONE)


def task_page(project_id: Any, root_id: Any, task_id: Any) -> str:
    if root_id is None:
        return f"/project/{project_id}/{task_id}/"
    return f"/project/{project_id}/{root_id}/{task_id}/"


def text_out(text: str, as_html: bool) -> str:
    if as_html:
        return html.escape(text).replace("\r\n", "<br>").replace("\n", "<br>")
    return text


class Shape:
    """What a task object holds: the extras asked for (``text`` or ``html``: its text), the
    short form of subtasks (get_task's ``child``)."""

    __slots__ = ("extras", "brief_children", "text", "html")

    def __init__(self, extras: frozenset[str] = frozenset(),
                 brief_children: bool = False) -> None:
        self.extras, self.brief_children = extras, brief_children
        self.html = "html" in extras
        self.text = self.html or "text" in extras


@dataclass
class Around:
    """The rows around a batch of tasks, by task id. Keys absent mean "none"."""

    tags: dict[int, dict[str, str]] = field(default_factory=dict)
    statuses: dict[int, str] = field(default_factory=dict)  # the "Ticket status" tag
    assignees: dict[int, list] = field(default_factory=dict)
    groups: dict[int, list] = field(default_factory=dict)
    subscribers: dict[int, list] = field(default_factory=dict)
    files: dict[int, list] = field(default_factory=dict)
    comments: dict[int, list] = field(default_factory=dict)
    relations: dict[int, dict] = field(default_factory=dict)
    custom_fields: dict[int, list] = field(default_factory=dict)
    children: dict[int, list] = field(default_factory=dict)  # rows, by parent id
    show_overdue: Callable[[], bool] = lambda: True
    clock: dt.datetime = field(default_factory=now)


def task_out(row: tuple, around: Around, shape: Shape, nested: bool = False) -> dict[str, Any]:
    """The task object of ``row`` (a subtask inside ``child`` when ``nested``: no parent)."""
    (tid, project_id, parent_id, root_id, _depth, name, status, priority, author_id,
     user_to_id, user_to_any, added, start, end, time_start, time_end, closed, max_time,
     max_money, _hidden, a_email, a_first, a_last, e_email, e_first, e_last, project_name,
     p_name, p_project, p_root, p_status, p_priority, uid, type_id, type_name,
     *ticket) = row
    out = (peer_fields(tid, status, added, uid, type_id, type_name, ticket, around)
           if uid or type_id or ticket[0] is not None or tid in around.statuses
           or tid in around.assignees or tid in around.groups else {})
    out["id"], out["name"] = str(tid), name
    out["page"] = task_page(project_id, root_id, tid)
    out["status"], out["priority"] = status, str(priority)
    out["user_from"] = person(author_id, a_email, a_first, a_last)
    out["user_to"] = executive(user_to_id, user_to_any, e_email, e_first, e_last)
    out["project"] = {"id": str(project_id), "name": project_name,
                      "page": f"/project/{project_id}/"}
    if parent_id and not nested:
        out["parent"] = {"id": str(parent_id), "name": p_name,
                         "page": task_page(p_project, p_root, parent_id), "status": p_status,
                         "priority": str(p_priority)}
    if shape.text:
        out["text"] = text_out(ticket[5], shape.html)
    out["date_added"] = moment(added)
    add_unset_omitted(out, start, end, time_start, time_end, closed, max_time, max_money)
    if tags := around.tags.get(tid):
        out["tags"] = tags
    if shape.extras:
        add_extras(out, tid, around, shape)
    return out


def add_unset_omitted(out: dict[str, Any], start: Any, end: Any, time_start: str | None,
                      time_end: str | None, closed: Any, max_time: Any,
                      max_money: Any) -> None:
    """Dates, times and estimates: left out when unset ("" or null)."""
    if start:
        out["date_start"] = day(start)
    if end:
        out["date_end"] = day(end)
    if time_start:
        out["time_start"] = time_start
    if time_end:
        out["time_end"] = time_end
    if closed:
        out["date_closed"] = moment(closed)
    if max_time is not None:
        out["max_time"] = number(max_time)
    if max_money is not None:
        out["max_money"] = number(max_money)


def optional(out: dict[str, Any], key: str, rows: list | dict | None) -> None:
    """Set ``key`` to a list or an object of rows unless there are none."""
    if rows:
        out[key] = rows


def add_extras(out: dict[str, Any], tid: int, around: Around, shape: Shape) -> None:
    extras = shape.extras
    if "subscribers" in extras:
        optional(out, "subscribers", around.subscribers.get(tid))
    if "files" in extras:
        optional(out, "files", around.files.get(tid))
    if "comments" in extras:
        comments = around.comments.get(tid)
        out["has_comments"] = int(bool(comments))
        optional(out, "comments", comments)
    if "relations" in extras:
        optional(out, "relations", around.relations.get(tid))
    if "subtasks" in extras:
        optional(out, "child", children_out(tid, around, shape) or None)
    if "custom_fields" in extras:
        optional(out, "custom_fields", around.custom_fields.get(tid))


def children_out(tid: int, around: Around, shape: Shape) -> list[dict[str, Any]]:
    rows = around.children.get(tid, ())
    if shape.brief_children:
        return [brief_child(row, around) for row in rows]
    return [task_out(row, around, shape, nested=True) for row in rows]


def brief_child(row: tuple, around: Around) -> dict[str, Any]:
    """A subtask in get_task's ``child``: id, name, page, status, priority (and its own)."""
    tid, project_id, _, root_id, _, name, status, priority = row[:8]
    out = {"id": str(tid), "name": name, "page": task_page(project_id, root_id, tid),
           "status": status, "priority": str(priority)}
    optional(out, "child", [brief_child(child, around)
                            for child in around.children.get(tid, ())] or None)
    return out


def peer_fields(tid: int, status: str, added: Any, uid: str | None, type_id: Any,
                type_name: str | None, ticket: list[Any], around: Around) -> dict[str, Any]:
    """The peers' fields, when set: task_uid, type, type_priority, ticket_status, overdue,
    assignees, assigned_groups."""
    out: dict[str, Any] = {}
    if uid:
        out["task_uid"] = uid
    state = None
    if type_id or tid in around.statuses:
        state = "Closed" if status == "done" else around.statuses.get(tid, "New")
    if type_id:
        out["type"] = {"id": str(type_id), "name": type_name}
    priority_id, priority_name, overdue_in, color, touched = ticket[:5]
    if priority_id is not None:
        out["type_priority"] = {"id": str(priority_id), "name": priority_name,
                                "overdue_in": overdue_in, "html_color": color}
    if state:
        out["ticket_status"] = state
    if priority_id is not None and around.show_overdue():
        due = as_datetime(touched or added) + dt.timedelta(minutes=overdue_in)
        out["overdue"] = int(state in ("New", "Open") and around.clock > due)
    optional(out, "assignees", around.assignees.get(tid))
    optional(out, "assigned_groups", around.groups.get(tid))
    return out


def task_ref(tid: Any, name: str, project_id: Any, root_id: Any, status: str,
             priority: Any) -> dict[str, str]:
    """A task named inside another object (a relation)."""
    return {"id": str(tid), "name": name, "page": task_page(project_id, root_id, tid),
            "status": status, "priority": str(priority)}


def custom_value(field_id: Any, kind: str, name: str, text: Any, amount: Any, date: Any,
                 flag: Any, *user: Any) -> dict[str, Any]:
    """A custom field's value inside a task: ``{id, type, name, value}``."""
    if kind == "number":
        value = number(amount)
    elif kind == "date":
        value = day(date)
    elif kind == "checkbox":
        value = int(flag)
    elif kind == "user":
        value = person(*user) if user[0] is not None else dict(NOONE)
    else:
        value = text
    return {"id": str(field_id), "type": kind, "name": name, "value": value}
