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
from schemas.paging import is_paged, listed, one_page, page_reply
from schemas.schedule import GetUsersScheduleIn, UpdateUsersScheduleIn


@action(GetUsersScheduleIn)
def get_users_schedule(params):
    """Get the users' schedules (all users, or those named), keyed by user id."""
    if "datestart" in params and "dateend" in params and params["dateend"] < params["datestart"]:
        raise InvalidValue("Invalid dateend: is before datestart", details="dateend")
    dates = params.get("datestart"), params.get("dateend")
    if "users" in params:
        return listed(users_named(params["users"]), params, dump=schedules(*dates))
    if is_paged(params):
        page = one_page(active_users(), params, (User.id,))
        return page_reply(schedules(*dates)(page.rows), page)
    return schedules(*dates)(list(active_users().order_by(User.id)))


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


def schedules(start: dt.date | None, end: dt.date | None):
    """Users to their schedules between ``start`` and ``end``, keyed by user id."""
    def dump(users: list[User]) -> dict[str, dict]:
        days = defaultdict(dict)
        for entry in days_of(users, start, end):
            days[entry.user_id][date_out(entry.day)] = entry.kind
        return {str(user.id): {"id": str(user.id), "email": user.email, "name": user.name,
                               "group": user.team.title if user.team_id else "",
                               "department": user.department, "schedule": days[user.id]}
                for user in users}
    return dump


def active_users():
    return User.select(User, Team).join(Team, JOIN.LEFT_OUTER).where(User.is_active)


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
