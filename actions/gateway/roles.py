"""Which roles may run which actions with a user token: one table, checked in the pipeline.

A user token runs an action only when its scopes allow it (``tokens.RESOURCES``) and its
user's role does (here). The roles are Worksection's: the owner and account admins manage the
account; team and department admins manage the users of their own team; users work in the
projects they are members of; guests too, but create no projects, tags or contacts; readers
read. Which rows an allowed action reaches is the lookups' business
(``actions.lookups.visible_projects``): whoever is not an account admin sees only the projects
they are a member of. The admin key is the account's administrator and is not bound by roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.registry import Action
from models.members import User
from schemas.envelope import AdminOnly, ApiError

OWNER, ACCOUNT_ADMIN, TEAM_ADMIN, DEPARTMENT_ADMIN = (
    "owner", "account admin", "team admin", "department admin")
USER, GUEST, READER = "user", "guest", "reader"

ADMINS = frozenset({OWNER, ACCOUNT_ADMIN})
MANAGERS = ADMINS | {TEAM_ADMIN, DEPARTMENT_ADMIN}
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


class RoleDenied(ApiError):
    status_code, message = 2, "The user's role does not allow this action"


def refuse_unless_allowed(user: User, spec: Action, params: Mapping[str, Any]) -> None:
    """``RoleDenied`` unless the user's role may run this action (on this target user)."""
    if spec.canonical in ADMIN_KEY_ONLY:
        raise AdminOnly()
    if user.role not in ROLES_OF.get(spec.canonical, ()):
        raise RoleDenied(details=f"{spec.canonical}: {user.role}")
    if spec.canonical in USER_TARGETS:
        target = target_user(params)
        if target is not None and not may_change(user, target, spec.canonical, params):
            raise RoleDenied(f"The user's role does not allow this action on {target.email}",
                             details=f"{spec.canonical}: {user.role}")


def may_change(user: User, target: User, action: str, params: Mapping[str, Any]) -> bool:
    """Nobody but the owner changes the owner; admins change anyone else; team and department
    admins the users, guests and readers of their own team; everyone their own profile (not
    their role)."""
    if target.role == OWNER:
        return user.role == OWNER and action == "update_user"
    if user.role in ADMINS:
        return True
    if user.role in MANAGERS:
        return target.team_id == user.team_id and target.role in (USER, GUEST, READER)
    return target.id == user.id and action == "update_user" and "role" not in params


def target_user(params: Mapping[str, Any]) -> User | None:
    """The user an action names by ``id`` (or ``email``), as the handler will find it."""
    given = params.get("id")
    if isinstance(given, str | int) and str(given).isdigit() and len(str(given)) <= 18:
        return User.get_or_none(User.id == int(given))
    email = params.get("email")
    return User.by_email(email) if isinstance(email, str) and not given else None
