"""Who may run which action on what: one check, in the dispatcher, for every entry point.

:func:`refuse_unless_allowed` runs in :func:`actions.registry.dispatch` for every caller, so
the API (keys and user tokens), inbound hooks (as their definer, now), the CLI and anything
else that dispatches an action pass through it. The admin key (and a CLI or test run with no
key) is the account's administrator: not bound by roles. A user — a token's or a hook
definer's — must be active, have a role the table (``WHO_MAY``) lets run the action, and pass
the action's per-target rule:

* users (``update_user``, ``enable_user``, ``disable_user``, ``add_user``): nobody but the
  owner changes the owner; the owner and account admins change the users whose role they may
  assign (``ASSIGNS``); team and department admins the users, guests and readers of their own
  team, and only within it; everyone their own profile, not their role. Nobody makes a second
  owner.
* projects: closing, reopening and the team (members, manager) belong to the project's
  manager (or its author) and the account admins.

Which rows a caller sees is the lookups' business (``actions.lookups``): what a caller cannot
see answers as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.caller import caller
from models.members import Team, User
from models.projects import Project, ProjectMember
from schemas.envelope import AdminOnly, ApiError, UserDisabled

OWNER, ACCOUNT_ADMIN, TEAM_ADMIN, DEPARTMENT_ADMIN = (
    "owner", "account admin", "team admin", "department admin")
USER, GUEST, READER = "user", "guest", "reader"

ADMINS = frozenset({OWNER, ACCOUNT_ADMIN})
TEAM_ADMINS = frozenset({TEAM_ADMIN, DEPARTMENT_ADMIN})
MANAGERS = ADMINS | TEAM_ADMINS
MEMBERS = MANAGERS | {USER}
CONTRIBUTORS = MEMBERS | {GUEST}
EVERYONE = CONTRIBUTORS | {READER}

WHO_MAY = {
    ADMINS: """add_user_group update_user_group delete_user_group update_users_schedule
        get_webhooks add_webhook delete_webhook get_webhook_deliveries add_project_group
        add_task_custom_field update_task_custom_field delete_task_custom_field
        add_project_custom_field update_project_custom_field delete_project_custom_field
        post_notice update_notice delete_notice activate_notice clear_notice update_setting
        add_task_type update_task_type delete_task_type add_task_priority update_task_priority
        delete_task_priority add_inbound_hook get_inbound_hooks update_inbound_hook
        delete_inbound_hook get_inbound_hook_calls test_inbound_hook get_mail_deliveries""",
    MANAGERS: "add_user enable_user disable_user",
    MEMBERS: """post_project update_project close_project activate_project add_project_members
        delete_project_members add_contact add_contact_group add_task_tag_groups add_task_tags
        add_project_tag_groups add_project_tags update_project_tags""",
    CONTRIBUTORS: """post_task update_task complete_task reopen_task delete_task subscribe
        unsubscribe post_comment update_comment delete_comment update_task_tags add_costs
        update_costs delete_costs start_my_timer stop_my_timer delete_my_timer upload_files""",
    EVERYONE: """me get_users get_user get_user_groups get_users_schedule update_user
        get_contacts get_contact_groups get_projects get_project get_project_groups get_events
        get_project_custom_fields get_all_tasks get_tasks get_task search_tasks
        get_task_custom_fields get_comments get_task_tags get_task_tag_groups get_project_tags
        get_project_tag_groups get_costs get_costs_total get_my_timer get_files download
        get_notices get_settings get_task_types get_task_priorities get_notes get_overdue_tasks
        get_tasks_by_uids get_user_group create_token
        get_conversations get_messages post_message""",
}
ADMIN_KEY_ONLY = frozenset({"get_timers", "stop_timer"})  # every user's timers
# The caller's own (timer, profile, token): there is none with the admin key.
TOKEN_ONLY = frozenset({"me", "get_my_timer", "start_my_timer", "stop_my_timer",
                        "delete_my_timer", "create_token"})
ROLES_OF = {name: roles for roles, names in WHO_MAY.items() for name in names.split()}
USER_TARGETS = ("update_user", "enable_user", "disable_user")  # checked against their target
# The roles each role may give (add_user role=, update_user role=); nobody gives "owner".
TEAM_ROLES = frozenset({USER, GUEST, READER})
ASSIGNS = {OWNER: TEAM_ROLES | {ACCOUNT_ADMIN, TEAM_ADMIN, DEPARTMENT_ADMIN},
           ACCOUNT_ADMIN: TEAM_ROLES | {TEAM_ADMIN, DEPARTMENT_ADMIN},
           TEAM_ADMIN: TEAM_ROLES, DEPARTMENT_ADMIN: TEAM_ROLES}
KEY_ASSIGNS = ASSIGNS[OWNER]  # the admin key (and the CLI): any role but a second owner
PROJECT_TEAM = ("close_project", "activate_project", "add_project_members",
                "delete_project_members")
TEAM_PARAMS = ("members", "email_manager", "email_user_manager")  # update_project's team


class RoleDenied(ApiError):
    status_code, message = 2, "The user's role does not allow this action"


def refuse_unless_allowed(user: User, canonical: str,
                          params: Mapping[str, Any] | None = None) -> None:
    """``RoleDenied`` (or ``AdminOnly``, ``UserDisabled``) unless the user may run this action
    (and, given its loaded ``params``, on its target)."""
    if canonical in ADMIN_KEY_ONLY:
        raise AdminOnly()
    if not user.is_active:
        raise UserDisabled(details=user.email)
    if user.role not in ROLES_OF.get(canonical, ()):
        raise RoleDenied(details=f"{canonical}: {user.role}")
    if params is not None:
        refuse_on_target(user, canonical, params)


def check_caller(canonical: str, params: Mapping[str, Any] | None = None) -> None:
    """The dispatcher's check of the current caller: the table before the parameters are
    loaded (a refused role learns nothing of them), the targets (``params``) after."""
    user = caller().user
    if user is not None and params is None:
        refuse_unless_allowed(user, canonical)
    elif user is not None:
        refuse_on_target(user, canonical, params)


def refuse_on_target(user: User, canonical: str, params: Mapping[str, Any]) -> None:
    """The per-target rules (see the module's docstring)."""
    if canonical in USER_TARGETS:
        target = target_user(params)
        if target is not None and not may_change(user, target, canonical, params):
            raise denied(user, canonical, target.email)
    elif canonical == "add_user":
        if not may_give(user, params.get("role", USER), params):
            raise denied(user, canonical, str(params.get("role", USER)))
    elif canonical in PROJECT_TEAM or (
            canonical == "update_project" and any(name in params for name in TEAM_PARAMS)):
        project = project_seen(user, params.get("id_project"))
        if project is not None and not manages(user, project):
            raise denied(user, canonical, f"project {project.id}")


def denied(user: User, canonical: str, target: str) -> RoleDenied:
    return RoleDenied(f"The user's role does not allow this action on {target}",
                      details=f"{canonical}: {user.role}")


def may_change(user: User, target: User, action: str, params: Mapping[str, Any]) -> bool:
    """Everyone changes their own profile (not their role, and a team or department admin
    not their team); nobody but the owner changes the owner; the others change the users
    whose role they may give, and give them such a role; a team or department admin only
    within their team."""
    if target.id == user.id:  # Tasq's profile picks its teams: not a team admin's own
        own_profile = action == "update_user" and "role" not in params
        return own_profile and (user.role not in TEAM_ADMINS or stays_in_team(user, params))
    if target.role not in ASSIGNS.get(user.role, ()):
        return False
    if user.role not in ADMINS and target.team_id != user.team_id:
        return False
    return stays_in_team(user, params) and (
        "role" not in params or may_give(user, params["role"], params))


def may_give(user: User, role: Any, params: Mapping[str, Any]) -> bool:
    """Whether the user may give ``role``, in the team(s) ``params`` name."""
    return str(role).strip().lower() in ASSIGNS.get(user.role, ()) and stays_in_team(
        user, params)


def stays_in_team(user: User, params: Mapping[str, Any]) -> bool:
    """Admins name any team; the others only their own (``group``), never ``teams``."""
    if user.role in ADMINS:
        return True
    own = user.team.title if user.team_id else None
    return "teams" not in params and params.get("group", own) == own


def own_team(user: User | None) -> Team | None:
    """The team a user added by this caller joins when no group is named: a team or
    department admin's own team; None (the main team) for the others."""
    if user is None or user.role in ADMINS or not user.team_id:
        return None
    return user.team


def manages(user: User, project: Project) -> bool:
    """The account admins, the project's manager and its author close it and run its team."""
    return user.role in ADMINS or user.id in (project.manager_id, project.author_id)


def project_seen(user: User, given: Any) -> Project | None:
    """The project ``id_project`` names, if the user can see it (otherwise the handler
    answers code 4, as for a project that does not exist)."""
    if not (isinstance(given, int) or (isinstance(given, str) and given.isdigit()
                                       and len(given) <= 18)):
        return None
    project = Project.get_or_none(Project.id == int(given))
    if project is None or user.role in ADMINS:
        return project
    member = ProjectMember.select().where(ProjectMember.project == project.id,
                                          ProjectMember.user == user.id).exists()
    return project if member else None


def target_user(params: Mapping[str, Any]) -> User | None:
    """The user an action names by ``id`` (or ``email``), as the handler will find it."""
    given = params.get("id")
    if isinstance(given, str | int) and str(given).isdigit() and len(str(given)) <= 18:
        return User.get_or_none(User.id == int(given))
    email = params.get("email")
    return User.by_email(email) if isinstance(email, str) and not given else None


def imported_role(role: Any) -> str:
    """The role a user imported from another account gets here: theirs, but the install
    keeps exactly one owner (a source's owner becomes an account admin); an unknown role is
    a plain user."""
    word = str(role or "").strip().lower()
    return word if word in KEY_ASSIGNS else ACCOUNT_ADMIN if word == OWNER else USER
