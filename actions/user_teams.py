"""A user in several teams (Tasq's): the primary team (``User.team``, Worksection's ``group``)
first, then the others (``models.usertasks.UserTeam``). No actions here: ``actions.members``
reads and sets them through ``get_user``, ``update_user`` (``teams``) and ``get_user_group``."""

from __future__ import annotations

from actions.task_extras import teams_named
from models.members import Team, User
from models.usertasks import UserTeam
from schemas.envelope import InvalidValue


def teams_of(user: User) -> list[Team]:
    others = (Team.select().join(UserTeam, on=UserTeam.team == Team.id)
              .where(UserTeam.user == user.id, Team.id != (user.team_id or 0)).order_by(Team.id))
    return ([user.team] if user.team_id else []) + list(others)


def set_teams(user: User, values: list[str]) -> None:
    """Replace the user's teams by ids or titles; the first becomes the primary one."""
    teams = teams_named(values, "teams")
    if not teams:
        raise InvalidValue("Invalid teams: give at least one team", details="teams")
    user.team = teams[0]
    UserTeam.delete().where(UserTeam.user == user.id).execute()
    if len(teams) > 1:
        UserTeam.insert_many([(user.id, team.id) for team in teams[1:]],
                             fields=[UserTeam.user, UserTeam.team]).execute()


def members_of(team: Team) -> list[User]:
    extra = UserTeam.select(UserTeam.user).where(UserTeam.team == team.id)
    return list(User.select().where((User.team == team.id) | User.id.in_(extra))
                .order_by(User.id))
