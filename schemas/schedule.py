"""Input schemas of the users' schedule actions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from marshmallow import ValidationError, fields

from models.schedule import DAY_KINDS, UNSET
from schemas.base import Params, StringList, WsDate
from schemas.paging import PagedIn

MAX_DAYS = 5000  # per update_users_schedule call


class GetUsersScheduleIn(PagedIn):
    """Paged (``page``, ``limit`` or ``cursor``, a Taskgate extension), the object holds the
    page's users, and ``total`` counts them all."""

    users = StringList()  # emails or ids
    datestart = WsDate()
    dateend = WsDate()


class ScheduleData(fields.Field):
    """``{"<email or id>": {"<date>": "<value>"}}``, as a JSON object or its JSON text."""

    def _deserialize(self, value: Any, attr: Any, data: Any,
                     **kwargs: Any) -> dict[str, dict[dt.date, str]]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as err:
                raise ValidationError("must be a JSON object") from err
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise ValidationError('must be an object like {"email": {"DD.MM.YYYY": "vacation"}}')
        if sum(len(days) for days in value.values()) > MAX_DAYS:
            raise ValidationError(f"at most {MAX_DAYS} days per call")
        return {str(user): {day_of(day): kind_of(kind) for day, kind in days.items()}
                for user, days in value.items()}


def day_of(text: str) -> dt.date:
    return WsDate().deserialize(text)


def kind_of(value: Any) -> str:
    if value not in (*DAY_KINDS, UNSET):
        raise ValidationError(f"{value!r} is not one of {', '.join((*DAY_KINDS, UNSET))}")
    return value


class UpdateUsersScheduleIn(Params):
    data = ScheduleData(required=True)
