"""What the member and project actions store for mail: a user's ``notify``,
``notify_digest`` and ``morning_digest``; a team's ``notify`` list; a project's
``mail_alias``."""

from __future__ import annotations

from typing import Any

from actions.mail.settings import config, inbound_domain
from models.mail import MailPreference, ProjectAlias, TeamNotify, preference
from models.members import Team, User
from models.projects import Project
from schemas.envelope import InvalidValue

USER_PARAMS = ("notify", "notify_digest", "morning_digest")


def save_preferences(user: User, params: dict[str, Any]) -> None:
    """``update_user``'s mail parameters, when given."""
    if not any(key in params for key in USER_PARAMS):
        return
    pref, _ = MailPreference.get_or_create(user=user.id)
    pref.notify = params.get("notify", pref.notify)
    if "notify_digest" in params:
        pref.digest = int(params["notify_digest"])
    pref.morning = params.get("morning_digest", pref.morning)
    pref.save()


def save_team_notify(team: Team, params: dict[str, Any]) -> None:
    """A team's notification list (``notify``): replaced when given, removed when empty."""
    if "notify" not in params:
        return
    emails = ",".join(params["notify"] or [])
    (TeamNotify.insert(team=team.id, emails=emails)
     .on_conflict(conflict_target=[TeamNotify.team], update={TeamNotify.emails: emails})
     .execute())


def user_preferences(user: User) -> dict[str, Any]:
    """What ``update_user``'s mail parameters set, the account's defaults where unset."""
    pref = preference(user.id)
    notify = pref.notify if pref and pref.notify else config()["MAIL_NOTIFY"]
    digest = pref.digest if pref and pref.digest is not None else config()["MAIL_DIGEST"]
    return {"notify": notify, "notify_digest": str(digest),
            "morning_digest": int(bool(pref and pref.morning))}


def team_notify(team: Team) -> list[str]:
    row = TeamNotify.get_or_none(TeamNotify.team == team.id)
    return [e for e in row.emails.split(",") if e] if row else []


def project_address(project: Project) -> dict[str, str]:
    """A project's ``mail_alias`` and the address it makes, when it has one."""
    row = ProjectAlias.get_or_none(ProjectAlias.project == project.id)
    if row is None:
        return {}
    return {"mail_alias": row.alias, "mail_address": f"{row.alias}@{inbound_domain()}"}


def save_alias(project: Project, params: dict[str, Any]) -> None:
    """``update_project mail_alias``: the project's address; empty removes it."""
    if "mail_alias" not in params:
        return
    alias = params["mail_alias"]
    ProjectAlias.delete().where(ProjectAlias.project == project.id).execute()
    if not alias:
        return
    if ProjectAlias.select().where(ProjectAlias.alias == alias).exists():
        raise InvalidValue("Invalid mail_alias: another project has it", details="mail_alias")
    ProjectAlias.create(project=project.id, alias=alias)
