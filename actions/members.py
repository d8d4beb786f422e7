"""Members of the account: users and their teams."""

from __future__ import annotations

import re
from typing import Any

from peewee import JOIN

from actions.caller import caller
from actions.mail.preferences import (
    save_preferences,
    save_team_notify,
    team_notify,
    user_preferences,
)
from actions.registry import action
from actions.rights import own_team
from actions.user_teams import members_of, set_teams, teams_of
from models.base import get_or_fail
from models.members import Team, User
from models.tokens import Token, UserPassword
from schemas.envelope import ApiError, InvalidEmail, InvalidValue
from schemas.filters import string_condition
from schemas.members import (
    USER_COLUMNS,
    AddUserGroupIn,
    AddUserIn,
    GetUsersIn,
    ProfileOut,
    TeamMembersOut,
    TeamOut,
    UpdateUserGroupIn,
    UpdateUserIn,
    UserGroupIn,
    UserIn,
    UserOut,
    user_rows,
)
from schemas.paging import PagedIn, listing

user_out = UserOut()
profile_out = ProfileOut()
team_out = TeamOut()
teams_out = TeamOut(many=True)

PROFILE_FIELDS = ("first_name", "last_name", "title", "department", "role", "phone", "phone2",
                  "phone3", "phone4", "address", "address2", "accepting_tasks", "rate")


class UserExists(ApiError):
    status_code, message = 11, "User with this email already exists"


class UserInvalid(ApiError):
    status_code, message = 10, "User is invalid"


class OneOfRequired(ApiError):
    status_code, message = 10, "At least one of fields required"


class OwnerLocked(ApiError):
    status_code, message = 11, "The account owner cannot be disabled"


class AlreadyActive(ApiError):
    status_code, message = 12, "User is already active"


class AlreadyDisabled(ApiError):
    status_code, message = 12, "User is already disabled"


class TeamInvalid(ApiError):
    status_code, message = 10, "User group is invalid"


class TeamExists(ApiError):
    status_code, message = 11, "User group with this title already exists"


class MainTeamLocked(ApiError):
    status_code, message = 11, "The main team cannot be deleted"


@action(GetUsersIn)
def get_users(params):
    """Get the account's users (search, page and limit are Taskgate extensions)."""
    users = User.select()
    if "search" in params:
        users = users.where(matching(params["search"]))
    return listing(users, params, (User.id,), user_rows, rows=lambda query: (
        query.select(*USER_COLUMNS).join(Team, join_type=JOIN.LEFT_OUTER).tuples()))


@action(UserIn)
def get_user(params):
    """Get a user by id or email, with phone, accepting_tasks, active and teams."""
    return profile(user_named(params))


@action(AddUserIn, writes=True)
def add_user(params):
    """Invite a user to the account (to the main team unless a team is named)."""
    email = params["email"]
    if User.by_email(email) is not None:
        raise UserExists(details=email)
    first, last = names_from_email(email)
    team = (Team.by_title(params["group"]) if params.get("group")
            else own_team(caller().user) or Team.main())
    user = User.create(email=email, team=team, role=params["role"],
                       first_name=params.get("first_name", first),
                       last_name=params.get("last_name", last),
                       **{k: params[k] for k in ("title", "department") if k in params})
    if "password" in params:
        UserPassword.set(user, params["password"])
    return user_out.dump(user)


@action(UpdateUserIn, writes=True)
def update_user(params):
    """Update a user's profile, team, role (not the owner's), phones, addresses or rate."""
    user = user_named(params)
    if "role" in params and user.role == "owner":
        raise InvalidValue("Invalid role: the owner's role cannot be changed", details="role")
    if "id" in params and "email" in params:
        readdress(user, params["email"])
    if "group" in params:
        user.team = Team.by_title(params["group"])
    if "teams" in params:
        set_teams(user, params["teams"])
    if params.get("role", user.role) != user.role:
        Token.revoke_user(user)  # tokens carry the rights of the role they were issued under
    for key in (key for key in PROFILE_FIELDS if key in params):
        setattr(user, key, params[key])
    user.save()
    save_preferences(user, params)
    return profile(user)


@action(UserIn, writes=True)
def enable_user(params):
    """Enable a disabled user."""
    user = user_named(params)
    if user.is_active:
        raise AlreadyActive(details=user.email)
    return set_active(user, True)


@action(UserIn, writes=True)
def disable_user(params):
    """Disable a user: no sign-in, no new assignments (the owner cannot be disabled)."""
    user = user_named(params)
    if user.role == "owner":
        raise OwnerLocked(details=user.email)
    if not user.is_active:
        raise AlreadyDisabled(details=user.email)
    return set_active(user, False)


@action(PagedIn)
def get_user_groups(params):
    """Get the account's teams."""
    return listing(Team.select(), params, (Team.id,), teams_out.dump)


@action(UserGroupIn)
def get_user_group(params):
    """Get a team with its members (a Taskgate extension)."""
    team = get_or_fail(Team, params["id"], TeamInvalid)
    team.members_loaded = members_of(team)
    notify = team_notify(team)
    return {**TeamMembersOut().dump(team), **({"notify": notify} if notify else {})}


@action(AddUserGroupIn, writes=True)
def add_user_group(params):
    """Create a team, unless one with the same title exists."""
    team = Team.by_title(params["title"], client=params["client"])
    save_team_notify(team, params)
    return team_out.dump(team)


@action(UpdateUserGroupIn, writes=True)
def update_user_group(params):
    """Rename a team or change whether it is a client team."""
    team = get_or_fail(Team, params["id"], TeamInvalid)
    title = params.get("title", team.title)
    if Team.select().where(Team.title == title, Team.id != team.id).exists():
        raise TeamExists(details=title)
    team.title, team.client = title, params.get("client", team.client)
    team.save()
    save_team_notify(team, params)
    return team_out.dump(team)


@action(UserGroupIn, writes=True)
def delete_user_group(params):
    """Delete a team; its users move to the main team, which cannot be deleted."""
    team = get_or_fail(Team, params["id"], TeamInvalid)
    if team.is_main:
        raise MainTeamLocked(details=str(team.id))
    User.update(team=Team.main()).where(User.team == team).execute()
    team.delete_instance()


def user_named(params: dict[str, Any]) -> User:
    """The user given by ``id``, else by ``email``; disabled users too."""
    if "id" in params:
        return get_or_fail(User, params["id"], UserInvalid)
    if "email" not in params:
        raise OneOfRequired(details="id, email")
    user = User.by_email(params["email"])
    if user is None:
        raise InvalidEmail(details=params["email"])
    return user


def readdress(user: User, email: str) -> None:
    if email != user.email and User.by_email(email) is not None:
        raise UserExists(details=email)
    user.email = email


def set_active(user: User, active: bool) -> dict[str, Any]:
    user.is_active = active
    user.save()
    Token.revoke_user(user)  # a disabled user's tokens stay revoked once re-enabled
    return profile(user)


def profile(user: User) -> dict[str, Any]:
    user.all_teams = teams_of(user)
    return {**profile_out.dump(user), "mail": user_preferences(user)}


def matching(text: str):
    """Users whose full name or email contains ``text``, ignoring case in every alphabet."""
    name = User.first_name.concat(" ").concat(User.last_name)
    return (string_condition(name, "has", text)
            | string_condition(User.email, "has", text))


def names_from_email(email: str) -> tuple[str, str]:
    """Worksection names an invited user after the address: kate.greenway@ → kate greenway."""
    parts = re.split(r"[._-]+", email.split("@")[0], maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""
