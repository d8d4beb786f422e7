"""Members of the account: users and their teams."""

from __future__ import annotations

import re

from peewee import JOIN

from actions.envelope import ApiError
from actions.registry import action
from models.members import Team, User
from schemas.base import Params
from schemas.members import AddUserGroupIn, AddUserIn, TeamOut, UserOut

user_out = UserOut()
users_out = UserOut(many=True)
team_out = TeamOut()
teams_out = TeamOut(many=True)


class UserExists(ApiError):
    status_code, message = 11, "User with this email already exists"


@action(Params)
def get_users(params):
    """Get the account's users."""
    users = User.select(User, Team).join(Team, join_type=JOIN.LEFT_OUTER).order_by(User.id)
    return users_out.dump(users)


@action(AddUserIn, writes=True)
def add_user(params):
    """Invite a user to the account (to the main team unless a team is named)."""
    email = params["email"]
    if User.by_email(email) is not None:
        raise UserExists(details=email)
    first, last = names_from_email(email)
    team = Team.by_title(params["group"]) if params.get("group") else Team.main()
    user = User.create(email=email, team=team, role=params["role"],
                       first_name=params.get("first_name", first),
                       last_name=params.get("last_name", last),
                       **{k: params[k] for k in ("title", "department") if k in params})
    return user_out.dump(user)


@action(Params)
def get_user_groups(params):
    """Get the account's teams."""
    return teams_out.dump(Team.select().order_by(Team.id))


@action(AddUserGroupIn, writes=True)
def add_user_group(params):
    """Create a team, unless one with the same title exists."""
    return team_out.dump(Team.by_title(params["title"], client=params["client"]))


def names_from_email(email: str) -> tuple[str, str]:
    """Worksection names an invited user after the address: kate.greenway@ → kate greenway."""
    parts = re.split(r"[._-]+", email.split("@")[0], maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""
