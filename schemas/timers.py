"""Input and output schemas of timers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.base import Id, LongText, Params, datetime_out
from schemas.members import user_ref


class StopTimerIn(Params):
    timer = Id(required=True)


class StartMyTimerIn(Params):
    id_task = Id(required=True)


class StopMyTimerIn(Params):
    comment = LongText()


def elapsed(timer: Any, moment: dt.datetime) -> int:
    """Whole seconds the timer has run until ``moment``."""
    return max(0, int((moment - timer.started_at).total_seconds()))


def clock_text(seconds: int) -> str:
    """``HH:MM:SS``, as get_timers writes a timer's value."""
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def timer_out(timer: Any, moment: dt.datetime, task: dict[str, Any]) -> dict[str, Any]:
    """A running timer in get_timers: its value, start, who started it and its task."""
    return {"id": str(timer.id), "time": clock_text(elapsed(timer, moment)),
            "date_started": datetime_out(timer.started_at), "user_from": user_ref(timer.user),
            "task": task}


def my_timer_out(timer: Any, moment: dt.datetime, task: dict[str, Any]) -> dict[str, Any]:
    """The token user's timer in get_my_timer: its value in seconds."""
    return {"time": elapsed(timer, moment), "date_started": datetime_out(timer.started_at),
            "task": task}
