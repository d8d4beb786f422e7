"""Input and output schemas of users, teams, contacts and contact folders."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from models.members import CONTACT_PRESETS, INVITABLE_ROLES, User
from schemas.base import Choice, Email, Flag, Number, Out, Params, StrId, Text, datetime_out


class AddUserIn(Params):
    email = Email(required=True)
    first_name = Text()
    last_name = Text()
    title = Text()
    group = Text()
    department = Text()
    role = Choice(INVITABLE_ROLES, load_default="user")


class AddUserGroupIn(Params):
    title = Text(required=True)
    client = Flag(load_default=False)


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
