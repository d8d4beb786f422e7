"""Timers: every running timer (admin key), and the token user's own timer (user tokens).

The ``*_my_timer`` actions are thin wrappers over plain functions that take the user, so the
logic stands on its own until user tokens reach the route; with the admin key they answer
``UserOnly``. A stopped timer becomes a cost line (``is_timer``) priced at the user's rate.
"""

from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from actions.caller import caller
from actions.costs import rate_cents, task_briefs
from actions.lookups import task_or_fail
from actions.registry import action
from models.base import db, now
from models.costs import Cost
from models.members import User
from models.tasks import Task
from models.timers import Timer
from schemas.base import Params
from schemas.envelope import AdminOnly, ApiError, UserOnly
from schemas.paging import Dump, PagedIn, listing
from schemas.timers import (
    StartMyTimerIn,
    StopMyTimerIn,
    StopTimerIn,
    elapsed,
    my_timer_out,
    timer_out,
)


class TimerStarted(ApiError):
    status_code, message = 6, "Timer is already started"


class TimerNotFound(ApiError):
    status_code, message = 7, "Timer not found"


class TimerNotStarted(ApiError):
    status_code, message = 7, "Timer is not started"


@action(PagedIn)
def get_timers(params):
    """Get the running timers: their value, start, who started them and their task."""
    admin_only()
    query = Timer.select(Timer, Task, User).join_from(Timer, Task).join_from(Timer, User)
    return listing(query, params, (Timer.started_at.desc(), Timer.id.desc()), timer_rows(now()))


@action(StopTimerIn, writes=True)
def stop_timer(params):
    """Stop a running timer and save its time as a cost line."""
    admin_only()
    timer = Timer.get_or_none(Timer.id == params["timer"])
    if timer is None or save_timer(timer) is None:
        raise TimerNotFound()


@action(Params)
def get_my_timer(params):
    """Get the token user's running timer (an empty list when none runs)."""
    return my_timer(token_user())


@action(StartMyTimerIn, writes=True)
def start_my_timer(params):
    """Start the token user's timer on a task."""
    start_timer(token_user(), task_or_fail(params["id_task"]))


@action(StopMyTimerIn, writes=True)
def stop_my_timer(params):
    """Stop the token user's timer and save its time as a cost line."""
    stop_timer_of(token_user(), params.get("comment", ""))


@action(Params, writes=True)
def delete_my_timer(params):
    """Discard the token user's timer without saving its time."""
    if not Timer.delete().where(Timer.user == token_user()).execute():
        raise TimerNotStarted()


def my_timer(user: User) -> dict | list:
    timer = Timer.get_or_none(Timer.user == user)
    if timer is None:
        return []  # the official client reads an empty list as "no timer"
    return my_timer_out(timer, now(), task_briefs([timer.task])[timer.task_id])


def start_timer(user: User, task: Task) -> Timer:
    """Start ``user``'s timer; one user runs at most one (a unique key guards races)."""
    try:
        with db.atomic():
            return Timer.create(user=user, task=task, started_at=now())
    except IntegrityError:
        raise TimerStarted() from None


def stop_timer_of(user: User, comment: str = "") -> Cost:
    timer = Timer.get_or_none(Timer.user == user)
    cost = save_timer(timer, comment) if timer is not None else None
    if cost is None:
        raise TimerNotStarted()
    return cost


def save_timer(timer: Timer, comment: str = "") -> Cost | None:
    """Turn a timer into a cost line: its time to the nearest minute (at least one), money
    at the user's rate. None when another request stopped it first."""
    moment = now()
    if not Timer.delete().where(Timer.id == timer.id).execute():
        return None
    minutes = max(1, (elapsed(timer, moment) + 30) // 60)
    return Cost.create(task=timer.task_id, user=timer.user, minutes=minutes, comment=comment,
                       cents=rate_cents(timer.user, minutes), date=moment.date(), is_timer=True)


def timer_rows(moment: dt.datetime) -> Dump:
    """A batch of timers as get_timers writes them, their values at ``moment``."""
    def dump(timers: list[Timer]) -> list[dict]:
        briefs = task_briefs(timer.task for timer in timers)
        return [timer_out(timer, moment, briefs[timer.task_id]) for timer in timers]
    return dump


def token_user() -> User:
    user = caller().user
    if user is None:
        raise UserOnly()
    return user


def admin_only() -> None:
    if caller().user is not None:
        raise AdminOnly()
