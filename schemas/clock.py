"""A time of day as Worksection writes a task's ``time_start`` / ``time_end``: ``HH:MM``."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields

CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class ClockTime(fields.Field):
    """``HH:MM`` (24 h; ``8:00`` reads as ``08:00``); an empty value clears it (None)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        match = CLOCK.fullmatch(text)
        if match is None:
            raise ValidationError(f"{text!r} is not a time in the HH:MM format")
        return f"{int(match.group(1)):02d}:{match.group(2)}"
