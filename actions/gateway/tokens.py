"""User tokens on ``/api/oauth2``: the access-token check and the scope each action needs.

An action of a resource needs ``<resource>_read``, or ``<resource>_write`` when it writes
(``Action.writes``); webhooks and defining custom fields need ``administrative``. Timers
count as costs (a stopped timer is a cost line). Actions are listed by canonical name, so
legacy aliases follow them. An action missing here needs a scope no token has: user tokens
cannot call it (a test checks that every registered action is listed)."""

from __future__ import annotations

import re

from flask import request

from actions.caller import Caller
from actions.gateway import roles
from actions.gateway.params import SignedRequest
from actions.registry import Action
from models.tokens import Token
from schemas.envelope import ScopeDenied, TokenExpired, TokenInvalid, UserDisabled

ADMINISTRATIVE = "administrative"
BEARER = re.compile(r"Bearer\s+(\S+)", re.IGNORECASE)
BARE = re.compile(r"\s*([A-Za-z0-9_\-]{20,})\s*")  # no scheme: a token alone

RESOURCES = {
    "users": """me get_users get_user add_user update_user enable_user disable_user
        get_user_groups add_user_group update_user_group delete_user_group
        get_users_schedule update_users_schedule""",
    "contacts": "get_contacts add_contact get_contact_groups add_contact_group",
    "projects": """get_projects get_project post_project update_project close_project
        activate_project add_project_members delete_project_members get_project_groups
        add_project_group get_events get_project_custom_fields""",
    "tasks": """get_all_tasks get_tasks get_task post_task update_task complete_task
        reopen_task delete_task search_tasks subscribe unsubscribe get_task_custom_fields""",
    "comments": "get_comments post_comment update_comment delete_comment",
    "tags": """get_task_tags add_task_tags update_task_tags get_task_tag_groups
        add_task_tag_groups get_project_tags add_project_tags update_project_tags
        get_project_tag_groups add_project_tag_groups""",
    "costs": """get_costs get_costs_total add_costs update_costs delete_costs
        get_timers stop_timer get_my_timer start_my_timer stop_my_timer delete_my_timer""",
    "files": "get_files download upload_files",
    ADMINISTRATIVE: """get_webhooks add_webhook delete_webhook get_webhook_deliveries
        add_task_custom_field update_task_custom_field delete_task_custom_field
        add_project_custom_field update_project_custom_field delete_project_custom_field
        add_inbound_hook get_inbound_hooks update_inbound_hook delete_inbound_hook
        get_inbound_hook_calls test_inbound_hook get_mail_deliveries""",
}
PEER_RESOURCES = {  # the peers' extensions (Trudesk, Tasq, UserTasks)
    "users": "get_notices get_settings get_user_group create_token",
    "comments": "get_conversations get_messages post_message get_notes",
    "tasks": "get_task_types get_task_priorities get_overdue_tasks get_tasks_by_uids",
    ADMINISTRATIVE: """post_notice update_notice delete_notice activate_notice clear_notice
        update_setting add_task_type update_task_type delete_task_type add_task_priority
        update_task_priority delete_task_priority""",
}
EVERY_TOKEN = {"get_notices"}  # whatever its scopes: the active notice is for every user
RESOURCE_OF = {name: resource for resources in (RESOURCES, PEER_RESOURCES)
               for resource, names in resources.items() for name in names.split()}


def scope_for(spec: Action) -> str | None:
    """The scope a user token needs for this action (None: not open to user tokens)."""
    resource = RESOURCE_OF.get(spec.canonical)
    if resource is None or resource == ADMINISTRATIVE:
        return resource
    return f"{resource}_{'write' if spec.writes else 'read'}"


def live_token(req: SignedRequest) -> Token:
    """The live access token the request carries, of an active user."""
    secret = bearer_token(req)
    token = Token.find("access", secret) if secret else None
    if token is None or token.revoked_at is not None:
        raise TokenInvalid()
    if token.expired:
        raise TokenExpired()
    if not token.user.is_active:
        raise UserDisabled()
    return token


def token_caller(req: SignedRequest, spec: Action | None, token: Token | None = None) -> Caller:
    """The caller of a ``/api/oauth2`` request: the user of a live access token (``token``,
    when already found) that has the scope of the action and whose role allows it (an
    unknown action is left to the dispatcher: code 0)."""
    token = token or live_token(req)
    needed = scope_for(spec) if spec is not None else None
    if spec is not None and needed not in token.scope_list and spec.canonical not in EVERY_TOKEN:
        raise ScopeDenied(details=needed or spec.canonical)
    if spec is not None:
        roles.refuse_unless_allowed(token.user, spec, req.params)
    return Caller(user=token.user, scopes=tuple(token.scope_list), token=token)


def bearer_token(req: SignedRequest) -> str:
    """``Authorization: Bearer <token>`` or a bare ``Authorization: <token>`` (Tasq, UserTasks),
    an ``accesstoken:`` header (Trudesk), else the ``access_token`` parameter."""
    match = BEARER.fullmatch(req.authorization.strip()) or BARE.fullmatch(req.authorization)
    if match or request.headers.get("accesstoken"):
        return match.group(1) if match else request.headers["accesstoken"].strip()
    value = req.params.get("access_token")
    return value if isinstance(value, str) else ""
