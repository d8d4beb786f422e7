"""Input and output schemas of the events log (``get_events``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import fields, validates_schema

from schemas.base import Id, Out, datetime_out
from schemas.envelope import FieldRequired
from schemas.members import user_ref
from schemas.paging import PagedIn

PERIOD_LIMITS = {"m": 360, "h": 72, "d": 30}
PERIOD_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class Period(fields.Field):
    """How far back to look: ``1m..360m``, ``1h..72h`` or ``1d..30d``. Anything else (``60d``
    too) is "Field is required" with details ``period``, as Worksection answers."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.timedelta:
        match = re.fullmatch(r"([0-9]{1,4})([mhd])", str(value).strip().lower())
        if match is None or not 1 <= int(match[1]) <= PERIOD_LIMITS[match[2]]:
            raise FieldRequired(details=self.data_key or self.name)
        return dt.timedelta(**{PERIOD_UNITS[match[2]]: int(match[1])})


class GetEventsIn(PagedIn):
    """``id_task`` is a Taskgate extension: the history of one task, over its whole life when
    ``period`` is left out; ``page`` and ``limit`` page any list."""

    period = Period()
    id_project = Id()
    id_task = Id()

    @validates_schema
    def period_unless_a_task(self, data: dict[str, Any], **_: Any) -> None:
        if "period" not in data and "id_task" not in data:
            raise FieldRequired(details="period")


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
