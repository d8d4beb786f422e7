"""Every parameter that names a task, project, comment, cost line or file resolves it with
the caller's visibility: for a guest or a user, an object they cannot see answers exactly as
one that does not exist (code 5 for a task, 4 for a project...: no oracle), and writes
nothing. Generated from the registry: a parameter that names an object and is in neither
table below fails ``test_every_parameter_naming_an_object_is_listed``."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from actions.registry import ACTIONS
from models import all_models
from models.comments import Comment
from models.costs import Cost
from models.files import File
from models.members import User
from models.projects import Project, ProjectMember
from models.tasks import Task
from models.tokens import SCOPES, Token
from models.usertasks import TaskUid
from schemas.tasks import Relations

NAMED = {"id_project": "project", "id_task": "task", "id_parent": "task",
         "relations_from": "task", "relations_to": "task", "id_comment": "comment",
         "id_costs": "cost", "id_file": "file", "task_uids": "task uid"}
NOT_VISIBILITY = {  # parameters that name something every caller of the action may see
    "id": "a user (every user sees every user) or an admin-only row (hooks, fields, types)",
    "id_conversation": "the caller's own conversations only (actions.messages)",
    "id_type_new": "task types are the account's", "id_priority_new": "so are priorities",
    "task_uid": "a client-chosen unique key: taken is taken, for everyone",
}
MISSING = 999_999
FAR_UID = "7d0c1a52-3f4e-4c55-9a55-1c0de0000001"
MISSING_UID = "7d0c1a52-3f4e-4c55-9a55-1c0de0000002"
CANONICAL = sorted(name for name, spec in ACTIONS.items() if spec.canonical == name)


def object_params(action: str) -> list[str]:
    """The parameters of ``action`` that name an object by id (or uid)."""
    fields = ACTIONS[action].schema.fields.values()
    return [field.data_key or field.name for field in fields
            if (field.data_key or field.name).startswith("id")
            or (field.data_key or field.name) in NAMED or isinstance(field, Relations)]


PROBED = [(action, name) for action in CANONICAL for name in object_params(action)
          if name in NAMED]


def test_every_parameter_naming_an_object_is_listed():
    names = {name for action in CANONICAL for name in object_params(action)}
    assert names - NAMED.keys() - NOT_VISIBILITY.keys() == set()


@pytest.fixture
def world(app):
    """What the guest and the user see (project 'Seen', task 'Open') and do not (project
    'Other' and all in it; the hidden task 'Secret' of 'Seen')."""
    owner = User.owner()
    seen, other = (Project.create(name=name, author=owner) for name in ("Seen", "Other"))
    callers = {role: User.create(email=f"{role}@ws.com", role=role) for role in ("guest", "user")}
    for user in (owner, *callers.values()):
        ProjectMember.create(project=seen, user=user)
    open_task = Task.create(project=seen, name="Open", author=owner)
    secret = Task.create(project=seen, name="Secret", author=owner, hidden=True)
    far = Task.create(project=other, name="Far", author=owner)
    TaskUid.create(uid=FAR_UID, task=far)
    made = {"seen": seen, "open": open_task, "callers": callers,
            "comment": Comment.create(task=open_task, author=owner, text="c")}
    made["invisible"] = {
        "project": [other.id], "task": [far.id, secret.id], "task uid": [FAR_UID],
        "comment": [Comment.create(task=far, author=owner, text="x").id],
        "cost": [Cost.create(task=far, user=owner, minutes=5, date=dt.date.today()).id],
        "file": [File.create(name="f.txt", size=1, sha256="0" * 64, author=owner,
                             task=far).id]}
    made["tokens"] = {role: Token.issue("access", user, list(SCOPES))[1]
                      for role, user in callers.items()}
    return made


def base_params(world, role: str) -> dict:
    """Valid values naming what the caller sees, for the other parameters."""
    return {"id_project": world["seen"].id, "id_task": world["open"].id,
            "id_comment": world["comment"].id, "title": "Probe", "text": "Probe",
            "time": "0:30", "email_user": f"{role}@ws.com", "members": f"{role}@ws.com",
            "plus": "probe"}


def value(name: str, ident) -> object:
    if name.startswith("relations_"):
        return f"finish-to-start:{ident}"
    return [ident] if name == "task_uids" else ident


def call(client, token: str, action: str, params: dict) -> dict:
    return client.post(f"/api/oauth2?action={action}", json=params,
                       headers={"Authorization": f"Bearer {token}"}).get_json()


def snapshot() -> list:
    return [sorted(map(repr, model.select().tuples())) for model in all_models()
            if model._meta.table_name not in ("api_keys", "api_key_version", "tokens")]


def without(answer: dict, ident) -> str:
    """The answer with the id it names blanked out (the details repeat the id asked for)."""
    blank = {key: re.sub(rf"\b{re.escape(str(ident))}\b", "<id>", str(answer[key]))
             for key in ("message", "message_details") if key in answer}
    return json.dumps({**answer, **blank}, sort_keys=True)


@pytest.mark.parametrize(("action", "name"), PROBED, ids=[f"{a}-{n}" for a, n in PROBED])
def test_an_invisible_object_answers_as_a_missing_one(client, world, action, name):
    wrong = []
    for role, token in world["tokens"].items():
        base = base_params(world, role)
        before = snapshot()
        hidden = [(ident, call(client, token, action, {**base, name: value(name, ident)}))
                  for ident in world["invisible"][NAMED[name]]]
        if snapshot() != before:
            wrong.append((role, "wrote"))
        absent = MISSING_UID if name == "task_uids" else MISSING
        missing = call(client, token, action, {**base, name: value(name, absent)})
        wrong += [(role, ident, answer) for ident, answer in hidden
                  if without(answer, ident) != without(missing, absent)]
    assert wrong == []
