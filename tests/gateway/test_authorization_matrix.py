"""Every registered action × every kind of credential → allowed or refused, as the policy says,
and a refused call changes no row. The credentials: the admin key (full, read-only, scoped),
user tokens of every role, and inbound hooks defined by users of every role (the rights
check runs in the dispatcher, so a hook acts with its definer's current rights). Generated
from the registry: an action added without a row in the scope and role tables fails here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from conftest import API_KEY, SECRET_KEY, md5_hash, php_query

from actions.gateway.roles import ADMIN_KEY_ONLY, ADMINS, ROLES_OF, TOKEN_ONLY, USER_TARGETS
from actions.gateway.tokens import EVERY_TOKEN, scope_for
from actions.inbound_hooks import HOOK_ACTIONS
from actions.registry import ACTIONS
from actions.rights import PROJECT_TEAM
from models import all_models
from models.inbound_hooks import InboundHook, token_digest
from models.keys import ApiKey
from models.members import ROLES, Team, User
from models.projects import Project, ProjectMember
from models.tasks import Task
from models.tokens import SCOPES, Token

# Messages are between users: the admin key reads none unless it names the user it acts for
# (email_user_from), which these calls do not.
ACTS_FOR_A_USER = {"get_conversations", "get_messages"}
CANONICAL = sorted(name for name, spec in ACTIONS.items() if spec.canonical == name)
HOOKABLE = sorted(name for name in CANONICAL
                  if ACTIONS[name].writes and name not in HOOK_ACTIONS)
READ_ONLY_SECRET = "0123456789abcdef0123456789abcdef"
SCOPED_SECRET = "fedcba9876543210fedcba9876543210"
SCOPED_TO = "get_users"
# Enough for most actions to get past validation: the ids of the world below.
PARAMS = {"id_project": "1", "id_task": "1", "id": "1", "email": "nobody@ws.com",
          "title": "Matrix", "text": "Matrix", "id_comment": "1", "id_file": "1"}

# last_used; the keys' version; every hook call is recorded, the refused ones too
BOOKKEEPING = ("api_keys", "api_key_version", "tokens", "inbound_hook_calls")


def snapshot() -> list:
    """Every row of every table (the changes a refused call must not make)."""
    return [sorted(map(repr, model.select().tuples())) for model in all_models()
            if model._meta.table_name not in BOOKKEEPING]


@pytest.fixture
def world(app):
    owner = User.owner()
    project = Project.create(name="Matrix", author=owner)
    Task.create(project=project, name="T", author=owner)
    ops = Team.create(title="Ops")  # the team and department admins' team: not the target's
    users = {role: owner if role == "owner" else
             User.create(email=f"{role.replace(' ', '.')}@ws.com", role=role,
                         team=ops if "team" in role or "department" in role else Team.main())
             for role in ROLES}
    for user in users.values():
        ProjectMember.get_or_create(project=project, user=user)
    disabled = User.create(email="gone@ws.com", is_active=False)
    User.create(email="target@ws.com", team=Team.main())
    ApiKey.issue("reader", SECRET_KEY, READ_ONLY_SECRET, scopes="read")
    ApiKey.issue("scoped", SECRET_KEY, SCOPED_SECRET, scopes=SCOPED_TO)
    tokens = {role: Token.issue("access", user, list(SCOPES))[1] for role, user in users.items()}
    tokens["no scope"] = Token.issue("access", users["user"], [])[1]
    tokens["disabled"] = Token.issue("access", disabled, list(SCOPES))[1]
    tokens["expired"] = Token.issue("access", users["user"], list(SCOPES),
                                    lifetime=dt.timedelta(seconds=-1))[1]
    tokens["users"] = users
    return tokens


def define_hooks(users: dict[str, User], action: str) -> None:
    """A hook on ``action`` for a user of each role (as if defined while an account admin:
    a hook keeps its definer, whose role may change)."""
    for role, user in users.items():
        InboundHook.create(name=f"{action} {role}", action=action, user=user,
                           fixed=json.dumps(params_for(action)), rate_limit="1000/minute",
                           scopes=",".join(SCOPES), token_hash=token_digest(hook_token(
                               action, role)))


def hook_token(action: str, role: str) -> str:
    return f"matrix-{action}-{role.replace(' ', '-')}"


def params_for(action: str) -> dict[str, str]:
    """The world's ids; a user other than the caller for the actions that change a user."""
    if action in USER_TARGETS:
        return {"email": "target@ws.com", "first_name": "Changed"}
    if action in PROJECT_TEAM:
        return {**PARAMS, "members": "target@ws.com"}
    return PARAMS


def as_admin(client, action, secret=API_KEY, hashed=True):
    query = php_query({"action": action, **params_for(action)})
    signature = md5_hash(query, secret) if hashed else hashlib.md5(b"wrong").hexdigest()
    return client.get(f"/api/admin/v2/?{query}&hash={signature}")


def as_token(client, action, token):
    return client.post(f"/api/oauth2?action={action}", json=params_for(action),
                       headers={"Authorization": f"Bearer {token}"} if token else {})


def as_hook(client, action, role):
    return client.post(f"/hooks/{hook_token(action, role)}", json={})


def refused(response) -> bool:
    body = response.get_json()
    return response.status_code in (401, 403) or body.get("status_code") == 2


CREDENTIALS = ["admin key", "read-only key", "scoped key, this action", "scoped key, another",
               *(f"token: {role}" for role in ROLES), "token: no scope", "token: disabled",
               "token: expired", "no credentials", "wrong hash"]


def credentials(action: str) -> list[str]:
    return CREDENTIALS + ([f"hook: {role}" for role in ROLES] if action in HOOKABLE else [])


def expected_refusal(action: str, credential: str) -> bool:
    spec = ACTIONS[action]
    if credential == "token: no scope" and action in EVERY_TOKEN:
        return False
    if credential in ("no credentials", "wrong hash", "token: disabled", "token: expired",
                      "scoped key, another", "token: no scope"):
        return not (credential == "scoped key, another" and action == SCOPED_TO)
    if credential == "admin key" or credential == "scoped key, this action":
        return action in TOKEN_ONLY | ACTS_FOR_A_USER
    if credential == "read-only key":
        return spec.writes or action in TOKEN_ONLY | ACTS_FOR_A_USER
    role = credential.removeprefix("token: ").removeprefix("hook: ")
    if action in USER_TARGETS:  # a user of the main team: admins only
        return role not in ADMINS
    if action in PROJECT_TEAM:  # the project's author (the owner) and the admins
        return role not in ADMINS
    return (action in ADMIN_KEY_ONLY or scope_for(spec) is None
            or role not in ROLES_OF.get(action, ()))


def call(client, tokens, action, credential):
    if credential == "admin key":
        return as_admin(client, action)
    if credential == "read-only key":
        return as_admin(client, action, READ_ONLY_SECRET)
    if credential.startswith("scoped key"):
        return as_admin(client, action, SCOPED_SECRET)
    if credential == "wrong hash":
        return as_admin(client, action, hashed=False)
    if credential == "no credentials":
        return as_token(client, action, "")
    if credential.startswith("hook: "):
        return as_hook(client, action, credential.removeprefix("hook: "))
    return as_token(client, action, tokens[credential.removeprefix("token: ")])


def test_every_action_has_a_row_in_the_role_table():
    missing = [name for name in CANONICAL if scope_for(ACTIONS[name]) is not None
               and name not in ROLES_OF and name not in ADMIN_KEY_ONLY]
    assert missing == []


@pytest.mark.parametrize("action", CANONICAL)
def test_authorization_matrix(app, client, world, action):
    """The refused calls first, between two snapshots of every table (they must write
    nothing); then the allowed ones."""
    app.config["WEBHOOK_TIMEOUT"] = 0.2
    if action in HOOKABLE:
        define_hooks(world["users"], action)
    order = sorted(credentials(action), key=lambda c: not expected_refusal(action, c))
    wrong, before = [], snapshot()
    for credential in order:
        if credential == "scoped key, this action":
            ApiKey.update(scopes=ACTIONS[action].canonical).where(ApiKey.name == "scoped").execute()
        expected = expected_refusal(action, credential)
        if not expected and before is not None:
            if snapshot() != before:
                wrong.append(("the refused calls", "wrote", ""))
            before = None
        response = call(client, world, action, credential)
        if credential == "scoped key, this action":
            ApiKey.update(scopes=SCOPED_TO).where(ApiKey.name == "scoped").execute()
        got = refused(response)
        if got != expected:
            wrong.append((credential, "refused" if got else "allowed", response.get_json()))
    if before is not None and snapshot() != before:
        wrong.append(("the refused calls", "wrote", ""))
    assert wrong == []
