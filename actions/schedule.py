"""Users' schedules: vacations, sick leaves and extra working days."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from peewee import JOIN

from actions.registry import action
from models.members import Team, User
from models.schedule import UNSET, ScheduleDay
from schemas.base import date_out
from schemas.envelope import InvalidEmail, InvalidValue, Reply
from schemas.schedule import GetUsersScheduleIn, UpdateUsersScheduleIn


@action(GetUsersScheduleIn)
def get_users_schedule(params):
    """Get the users' schedules (all users, or those named), keyed by user id."""
    if "datestart" in params and "dateend" in params and params["dateend"] < params["datestart"]:
        raise InvalidValue("Invalid dateend: is before datestart", details="dateend")
    users = users_named(params["users"]) if "users" in params else active_users()
    days = defaultdict(dict)
    for entry in days_of(users, params.get("datestart"), params.get("dateend")):
        days[entry.user_id][date_out(entry.day)] = entry.kind
    return {str(user.id): {"id": str(user.id), "email": user.email, "name": user.name,
                           "group": user.team.title if user.team_id else "",
                           "department": user.department, "schedule": days[user.id]}
            for user in users}


@action(UpdateUsersScheduleIn, writes=True)
def update_users_schedule(params):
    """Set (or unset) schedule days of users, given by email or id."""
    users = dict(zip(params["data"], users_named(params["data"]), strict=True))
    outcomes = Counter(set_day(users[key], day, kind)
                       for key, days in params["data"].items()
                       for day, kind in sorted(days.items()))
    message = f"Days added: {outcomes['added']}, days updated: {outcomes['updated']}"
    if outcomes["removed"]:
        message += f", days removed: {outcomes['removed']}"
    return Reply([], message=message)


def set_day(user: User, day: dt.date, kind: str) -> str:
    """Write one day; say whether it was added, updated, removed or left as it was."""
    entry = ScheduleDay.get_or_none(ScheduleDay.user == user, ScheduleDay.day == day)
    if kind == UNSET:
        return "removed" if entry and entry.delete_instance() else "same"
    if entry is None:
        ScheduleDay.create(user=user, day=day, kind=kind)
        return "added"
    if entry.kind == kind:
        return "same"
    entry.kind = kind
    entry.save()
    return "updated"


def active_users() -> list[User]:
    return list(User.select(User, Team).join(Team, JOIN.LEFT_OUTER)
                .where(User.is_active).order_by(User.id))


def users_named(keys: Iterable[str]) -> list[User]:
    """Users by email or id, in the order given; code 11 names every key that is neither."""
    keys = list(keys)
    ids = [int(k) for k in keys if k.isdigit() and int(k) < 2**63]
    emails = [k.lower() for k in keys if not k.isdigit()]
    found = list(User.select(User, Team).join(Team, JOIN.LEFT_OUTER)
                 .where(User.id.in_(ids) | User.email.in_(emails)))
    by_key = {**{str(u.id): u for u in found}, **{u.email: u for u in found}}
    missing = [k for k in keys if k.lower() not in by_key]
    if missing:
        raise InvalidEmail(details=",".join(missing))
    return [by_key[k.lower()] for k in keys]


def days_of(users: list[User], start: dt.date | None, end: dt.date | None):
    query = ScheduleDay.select().where(ScheduleDay.user.in_([u.id for u in users]))
    if start:
        query = query.where(ScheduleDay.day >= start)
    if end:
        query = query.where(ScheduleDay.day <= end)
    return query.order_by(ScheduleDay.day)
