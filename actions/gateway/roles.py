"""The role table as the gateway reads it, and the early check of a user token.

The table and the one rights check live in ``actions.rights``, which the dispatcher runs for
every caller (API, hooks, CLI). A user token is also checked here, against the table only,
before its request is admitted: the per-target rules need the loaded parameters, so they run
in the dispatcher.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.registry import Action
from actions.rights import (  # noqa: F401 - re-exported for the gateway and its tests
    ACCOUNT_ADMIN,
    ADMIN_KEY_ONLY,
    ADMINS,
    ASSIGNS,
    CONTRIBUTORS,
    DEPARTMENT_ADMIN,
    EVERYONE,
    GUEST,
    MANAGERS,
    MEMBERS,
    OWNER,
    READER,
    ROLES_OF,
    TEAM_ADMIN,
    TOKEN_ONLY,
    USER,
    USER_TARGETS,
    WHO_MAY,
    RoleDenied,
    may_change,
    target_user,
)
from actions.rights import refuse_unless_allowed as refuse_user
from models.members import User


def refuse_unless_allowed(user: User, spec: Action, _params: Mapping[str, Any]) -> None:
    """``RoleDenied`` unless the user's role may run this action at all."""
    refuse_user(user, spec.canonical)


def may_run(user: User, spec: Action) -> bool:
    """Whether the user (active) has a role the table lets run this action."""
    return user.is_active and user.role in ROLES_OF.get(spec.canonical, ())
