"""Input and output schemas of the events log (``get_events``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson
from marshmallow import fields, validates_schema

from models.events import Event
from schemas.base import Id, Out, datetime_out
from schemas.envelope import FieldRequired
from schemas.members import PERSON, person, user_ref
from schemas.paging import PagedIn, is_paged

PERIOD_LIMITS = {"m": 360, "h": 72, "d": 30}  # Worksection's, for an unpaged list
PERIOD_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class Span(NamedTuple):
    delta: dt.timedelta
    worksection: bool  # within Worksection's limits


class Period(fields.Field):
    """How far back to look: ``<n>m``, ``<n>h`` or ``<n>d``. Worksection takes ``1m..360m``,
    ``1h..72h`` or ``1d..30d``; anything else (``60d`` too) is "Field is required" with
    details ``period``, as Worksection answers, unless the list is paged."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Span:
        match = re.fullmatch(r"([0-9]{1,4})([mhd])", str(value).strip().lower())
        if match is None or int(match[1]) < 1:
            raise FieldRequired(details=self.data_key or self.name)
        return Span(dt.timedelta(**{PERIOD_UNITS[match[2]]: int(match[1])}),
                    int(match[1]) <= PERIOD_LIMITS[match[2]])


class GetEventsIn(PagedIn):
    """Taskgate extensions: ``id_task``, the history of one task, over its whole life when
    ``period`` is left out; and paging (``page``, ``limit`` or ``cursor``), under which
    ``period`` may be left out (every event) or go beyond Worksection's 30 days."""

    period = Period()
    id_project = Id()
    id_task = Id()

    @validates_schema
    def worksection_period(self, data: dict[str, Any], **_: Any) -> None:
        if is_paged(data):
            return
        if "period" not in data and "id_task" not in data:
            raise FieldRequired(details="period")
        if "period" in data and not data["period"].worksection:
            raise FieldRequired(details="period")


# get_events, read as tuples: the columns ``event_row`` unpacks, in this order.
EVENT_COLUMNS = (Event.action, Event.object_type, Event.object_id, Event.page, Event.date_added,
                 Event.new, Event.old, *PERSON)


def event_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    """Events as :class:`EventOut` writes them, from :data:`EVENT_COLUMNS` tuples."""
    return [event_row(row) for row in rows]


def event_row(row: tuple, when: Callable[[Any], str] = datetime_out) -> dict[str, Any]:
    """One :data:`EVENT_COLUMNS` tuple as :class:`EventOut` writes it (``when`` writes the
    time of the row as it was read)."""
    action, kind, object_id, page, added, new, old, *user = row[:len(EVENT_COLUMNS)]
    out = {"action": action, "object": {"type": kind, "id": str(object_id), "page": page},
           "date_added": when(added), "user_from": person(*user)}
    if new is not None and (values := stored_values(new)):
        out["new"] = values
    if old is not None and (values := stored_values(old)):
        out["old"] = values
    return out


LONG_DIGITS = re.compile(r"[0-9]{19}")  # a number orjson may read past 64 bits as a float


def stored_values(text: str) -> Any:
    """An event's ``new`` or ``old`` column read back as ``json.loads`` reads it: by orjson
    (a fifth of the cost, a third of a listed event's), else by ``json`` where they may
    differ: what orjson refuses (NaN, lone surrogates) and integers past 64 bits, which
    orjson reads as floats."""
    if LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def streamed_row(row: tuple) -> dict[str, Any]:
    """:func:`event_row` of a row as the driver reads it (SQLite's time is text)."""
    return event_row(row, minute)


def minute(added: Any) -> str:
    """``datetime_out`` of an event's time, cut from SQLite's ``YYYY-MM-DD HH:MM:SS`` text."""
    if isinstance(added, str) and len(added) >= 16 and added[10] == " " and added[16:17] in (
            ":", ""):
        return added[:16]
    return datetime_out(Event.date_added.python_value(added))


class EventOut(Out):
    OPTIONAL = ("new", "old")

    action = fields.String()
    object = fields.Function(lambda event: {"type": event.object_type,
                                            "id": str(event.object_id), "page": event.page})
    date_added = fields.Function(lambda event: datetime_out(event.date_added))
    user_from = fields.Function(lambda event: user_ref(event.user))
    new = fields.Function(lambda event: event.new_values or None)
    old = fields.Function(lambda event: event.old_values or None)


class WebhookEventOut(EventOut):
    """An event as a webhook delivers it. Live Worksection payloads (2026) point a task's and
    a comment's ``object.page`` at ``/task/T/`` (clients written from logged deliveries parse
    the task id from it); ``get_events`` keeps the documented ``/project/P/T/``."""

    object = fields.Function(lambda event: {
        "type": event.object_type, "id": str(event.object_id),
        "page": f"/task/{event.task_id}/" if event.task_id else event.page})
