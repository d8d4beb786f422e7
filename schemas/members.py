"""Input and output schemas of users, teams, contacts and contact folders."""

from __future__ import annotations

import decimal
from typing import Any

from marshmallow import fields, validate

from models.mail import NOTIFY_CHOICES
from models.members import CONTACT_PRESETS, INVITABLE_ROLES, Team, User
from schemas.base import (
    Amount,
    Choice,
    Email,
    Flag,
    Id,
    Number,
    Out,
    Params,
    StrId,
    StringList,
    Text,
    datetime_out,
)
from schemas.mail import DIGEST_WORDS, team_notify_field
from schemas.paging import PagedIn

MAX_LIMIT = 10_000
MAX_PAGE = 1_000_000_000  # page × limit stays a storable OFFSET


class GetUsersIn(PagedIn):
    """Taskgate extensions: ``search`` (a part of a name or email, any case) and paging by
    ``page`` (from 1) and ``limit`` (1..10000; default: the ``default_page_limit`` setting,
    100) or ``cursor``; without them, every user."""

    search = Text()
    page = fields.Integer(strict=False, validate=validate.Range(
        1, MAX_PAGE, error=f"must be a number from 1 to {MAX_PAGE}"))
    limit = fields.Integer(strict=False, validate=validate.Range(
        1, MAX_LIMIT, error=f"must be a number from 1 to {MAX_LIMIT}"))


class AddUserIn(Params):
    email = Email(required=True)
    first_name = Text()
    last_name = Text()
    title = Text()
    group = Text()
    department = Text()
    role = Choice(INVITABLE_ROLES, load_default="user")
    password = fields.String(validate=validate.Length(  # for /oauth2 and the login endpoint
        8, 1024, error="must be 8 to 1024 characters"))


class UserIn(Params):
    """A user by ``id`` or by ``email``; the handler asks for one of them."""

    id = Id()
    email = Email()


class UpdateUserIn(UserIn):
    """With ``id`` given, ``email`` is the user's new address; else it names the user."""

    first_name = Text()
    last_name = Text()
    title = Text()
    group = Text()
    department = Text()
    role = Choice(INVITABLE_ROLES)
    phone = Text(max_length=100)
    phone2 = Text(max_length=100)
    phone3 = Text(max_length=100)
    phone4 = Text(max_length=100)
    address = Text(max_length=2000)
    address2 = Text(max_length=2000)
    accepting_tasks = Flag()
    rate = Amount(maximum=999_999_999)
    teams = StringList()  # Taskgate extension: ids or titles, the first one primary
    notify = Choice(NOTIFY_CHOICES)  # mail: all, mentions or off (actions/mail)
    notify_digest = Choice(DIGEST_WORDS)  # minutes that changes wait to go as one mail
    morning_digest = Flag()  # a daily mail of the overdue tasks and those due soon


class AddUserGroupIn(Params):
    title = Text(required=True)
    client = Flag(load_default=False)
    notify = team_notify_field()  # who is mailed the team's new tasks


class UpdateUserGroupIn(Params):
    KEEP_EMPTY = ("notify",)

    id = Id(required=True)
    title = Text()
    client = Flag()
    notify = team_notify_field()  # who is mailed the team's new tasks; empty: nobody


class UserGroupIn(Params):
    id = Id(required=True)


class TeamMembersOut(Out):
    """``get_user_group``: a team with its members (``members`` set by the handler)."""

    id = StrId()
    title = fields.String()
    type = fields.Constant("company")
    client = fields.Function(lambda team: int(team.client))
    users = fields.Function(lambda team: [user_ref(user) for user in team.members_loaded])


class AddContactIn(Params):
    email = Email(required=True)
    name = Text(required=True)
    title = Text()
    group = Text()
    phone = Text()
    phone2 = Text()
    phone3 = Text()
    phone4 = Text()
    address = Text(max_length=2000)
    address2 = Text(max_length=2000)


class AddContactGroupIn(Params):
    title = Text(required=True)


class UserOut(Out):
    OPTIONAL = ("phone", "phone2", "phone3", "phone4", "address", "address2")

    id = StrId()
    first_name = fields.String()
    last_name = fields.String()
    name = fields.String()
    title = fields.String()
    rate = Number()
    avatar = fields.String()
    group = fields.Function(lambda user: user.team.title if user.team_id else "")
    department = fields.String()
    role = fields.Function(lambda user: user.role.capitalize())
    email = fields.String()
    phone = fields.String()
    phone2 = fields.String()
    phone3 = fields.String()
    phone4 = fields.String()
    address = fields.String()
    address2 = fields.String()
    date_added = fields.Function(lambda user: datetime_out(user.date_added))


class ProfileOut(UserOut):
    """``get_user``: a get_users user with ``phone`` always, ``accepting_tasks`` and
    ``active`` (0 for a disabled user)."""

    OPTIONAL = ("phone2", "phone3", "phone4", "address", "address2", "teams")

    accepting_tasks = fields.Function(lambda user: int(user.accepting_tasks))
    active = fields.Function(lambda user: int(user.is_active))
    teams = fields.Function(lambda user: [{"id": str(team.id), "title": team.title}
                                          for team in getattr(user, "all_teams", ())] or None)


class TeamOut(Out):
    id = StrId()
    title = fields.String()
    type = fields.Constant("company")
    client = fields.Function(lambda team: int(team.client))


class ContactOut(Out):
    OPTIONAL = ("email", "phone", "phone2", "phone3", "phone4", "address", "address2")

    id = StrId()
    first_name = fields.String()
    last_name = fields.String()
    name = fields.String()
    title = fields.String()
    group = fields.String()
    email = fields.String()
    phone = fields.String()
    phone2 = fields.String()
    phone3 = fields.String()
    phone4 = fields.String()
    address = fields.String()
    address2 = fields.String()


class ContactFolderOut(Out):
    id = StrId()
    title = fields.String()
    type = fields.Constant("folder")


def contact_presets() -> list[dict[str, Any]]:
    """The four built-in contact folders; Worksection gives their ids as numbers."""
    return [{"id": i, "title": title, "type": "preset"}
            for i, title in enumerate(CONTACT_PRESETS, start=1)]


ANY = {"id": "2", "email": "ANY", "name": "Anyone"}
NOONE = {"id": "1", "email": "NOONE", "name": "Executive isn't assigned"}
NO_MANAGER = {"id": "0", "email": "NOONE", "name": "Manager isn't assigned"}


def user_ref(user: User | None, fallback: dict[str, str] = NOONE) -> dict[str, str]:
    """A user embedded in another object: ``{id, email, name}``, or a sentinel."""
    if user is None:
        return dict(fallback)
    return {"id": str(user.id), "email": user.email, "name": user.name}


# The columns of a user embedded in a listed row (``person``).
PERSON = (User.id, User.email, User.first_name, User.last_name)


def person(id_: int | None, email: str, first: str, last: str) -> dict[str, str]:
    """``user_ref`` of a user read as columns (:data:`PERSON`); no id: NOONE."""
    if id_ is None:
        return dict(NOONE)
    return {"id": str(id_), "email": email, "name": f"{first} {last}" if first and last
            else first or last}


# get_users, read as tuples: the columns ``user_row`` unpacks, in this order.
USER_COLUMNS = (User.id, User.first_name, User.last_name, User.title, User.rate, User.avatar,
                Team.title, User.department, User.role, User.email, User.phone, User.phone2,
                User.phone3, User.phone4, User.address, User.address2, User.date_added)
USER_OPTIONAL = ("phone", "phone2", "phone3", "phone4", "address", "address2")


def user_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    """Users as :class:`UserOut` writes them, from :data:`USER_COLUMNS` tuples."""
    return [user_row(row) for row in rows]


def user_row(row: tuple) -> dict[str, Any]:
    (id_, first, last, title, rate, avatar, team, department, role, email, *contacts,
     date_added) = row[:len(USER_COLUMNS)]
    out = {"id": str(id_), "first_name": first, "last_name": last,
           "name": f"{first} {last}" if first and last else first or last, "title": title,
           "rate": number_out(rate), "avatar": avatar, "group": team or "",
           "department": department, "role": role.capitalize(), "email": email}
    out.update((key, value) for key, value in zip(USER_OPTIONAL, contacts, strict=True)
               if value not in ("", None))
    out["date_added"] = datetime_out(date_added)
    return out


def number_out(value: Any) -> int | float | None:
    """As :class:`schemas.base.Number` writes it."""
    if value is None:
        return None
    number = decimal.Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)
