"""Inbound hooks: a URL a webhook sender POSTs to, mapped onto one write action, and the log
of every call it received.

Only the sha256 of a hook's token is stored (the token is shown once); the sender's signing
secret is sealed like the API keys, since checking an HMAC needs it. A hook remembers who
defined it, an API key or a user with the scopes of their token, and acts as them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
import uuid
from typing import Any, NamedTuple

from peewee import (
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel, now
from models.ids import IdField
from models.keys import ApiKey
from models.members import User
from models.tags import Tag, TagGroup
from models.usertasks import as_uuid
from schemas.hook_rules import holds
from schemas.hook_templates import MISSING, MappingError, Payload, lookup, parse_path, render

NO_CHECK, HMAC_SHA256, STANDARD_WEBHOOKS = "none", "hmac-sha256", "standard-webhooks"
TOKEN, HMAC = "token", "hmac"
SIGNATURES = (NO_CHECK, HMAC_SHA256, STANDARD_WEBHOOKS, TOKEN, HMAC)
MAX_ITEMS = 100  # the most elements a for_each may run over, whatever a hook says
OK, MAPPING_ERROR, ACTION_ERROR, REFUSED = "ok", "mapping_error", "action_error", "refused"
IGNORED = "ignored"
# The headers senders put their delivery id in: a delivery seen before is not run again,
# even on a hook whose definer named no delivery_id.
SENDER_DELIVERY_HEADERS = ("webhook-id", "svix-id", "x-github-delivery", "x-gitlab-event-uuid",
                           "x-shopify-webhook-id", "x-gitea-delivery")
TAG_ACTIONS = ("add_task_tag_groups", "add_task_tags")  # what a rule's create_tags runs
NO_RULE = {"ignored": "no rule matched"}
TASK_KEYS = uuid.UUID("6f1d3c2e-5b7a-4e09-9c1f-2a8b7d4e6c30")  # namespace of hook task keys


class Step(NamedTuple):
    """One action a call runs: the rule that matched it and the rendered parameters."""

    rule: int
    target: str
    params: dict[str, Any]
    create_tags: str


def tag_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(",")
    return list(dict.fromkeys(text for item in items if (text := str(item).strip())))


def unknown_tags(names: list[str]) -> list[str]:
    """The names that are neither the title nor the id of a task tag."""
    found = {tag.title for tag in Tag.select(Tag.title).join(TagGroup)
             .where(TagGroup.scope == "task", Tag.title.in_(names))}
    return [name for name in names if name not in found and not name.isdigit()]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InboundHook(BaseModel):
    id = IdField()
    name = CharField(max_length=200, unique=True)
    action = CharField(max_length=100)  # the write action each call runs
    fixed = TextField(default="{}")  # JSON object: parameters sent as they are
    mapping = TextField(default="{}")  # JSON object: parameter -> template
    for_each = CharField(max_length=500, default="")  # a path to a list: one action per element
    max_items = IntegerField(default=20)
    delivery_id = CharField(max_length=500, default="")  # a template; "" is none
    verify = CharField(max_length=32, default=NO_CHECK)  # how the sender signs
    signature_header = CharField(max_length=100, default="X-Hub-Signature-256")
    signature_prefix = CharField(max_length=50, default="")  # verify=hmac: text before it
    signature_encoding = CharField(max_length=10, default="hex")  # hex or base64
    signature_algorithm = CharField(max_length=10, default="sha256")  # sha256 or sha1
    signed = CharField(max_length=500, default="{body}")  # the signed string's template
    timestamp = CharField(max_length=200, default="")  # where the signed time is; "" none
    rules = TextField(default="[]")  # JSON list of rules; [] is one rule: action, fixed, mapping
    sealed_secret = TextField(default="")
    rate_limit = CharField(max_length=100, default="60/minute")
    token_hash = CharField(max_length=64, unique=True)
    key = ForeignKeyField(ApiKey, null=True, on_delete="SET NULL")  # who defined it: a key,
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")  # or a user's token
    scopes = CharField(max_length=2000, default="")  # that token's scopes
    created = DateTimeField(default=now)

    class Meta:
        table_name = "inbound_hooks"

    @classmethod
    def by_token(cls, token: str) -> InboundHook | None:
        return cls.get_or_none(cls.token_hash == token_digest(token))

    def new_token(self) -> str:
        """A fresh random token (the old one stops working); only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.token_hash = token_digest(token)
        return token

    @property
    def fixed_params(self) -> dict[str, Any]:
        return json.loads(self.fixed)

    @property
    def templates(self) -> dict[str, str]:
        return json.loads(self.mapping)

    @property
    def rule_list(self) -> list[dict[str, Any]]:
        """The rules in order; a hook defined with one ``target`` has that one, always."""
        return json.loads(self.rules) or [{"when": "", "target": self.action,
                                           "fixed": self.fixed_params, "mapping": self.templates}]

    def items(self, payload: Payload) -> list[Any]:
        if not self.for_each:
            return [MISSING]
        found = lookup(parse_path(self.for_each), payload)
        if not isinstance(found, list):
            raise MappingError(details=f"for_each: no list at {self.for_each}")
        limit = min(self.max_items, MAX_ITEMS)
        if len(found) > limit:
            raise MappingError(details=f"for_each: {self.for_each} has {len(found)} "
                                       f"elements; this hook takes at most {limit}")
        return found

    def plan(self, payload: Payload) -> list[Step | None]:
        """For the call, or each element of its ``for_each``: the first rule that matches,
        rendered; None where no rule does."""
        rules = self.rule_list
        return [next((self.step(index, rule, payload, item)
                      for index, rule in enumerate(rules)
                      if holds(rule.get("when", ""), payload, item)), None)
                for item in self.items(payload)]

    def step(self, index: int, rule: dict[str, Any], payload: Payload, item: Any) -> Step:
        params = {**rule.get("fixed", {}),
                  **{name: render(template, payload, item, name)
                     for name, template in rule.get("mapping", {}).items()}}
        if "task_uid" in params and as_uuid(params["task_uid"]) is None:
            params["task_uid"] = self.task_key(str(params["task_uid"]))
        return Step(index, rule["target"], params, rule.get("create_tags", ""))

    def task_key(self, key: str) -> str:
        """A key from the payload (``{repository.id}-{issue.number}``) as the task_uid UUID
        this hook's rules address the task by."""
        return str(uuid.uuid5(TASK_KEYS, f"{self.id}:{key}"))

    def render(self, payload: Payload) -> list[dict[str, Any]]:
        """The parameters of each action this payload would run (the matched ones)."""
        return [step.params for step in self.plan(payload) if step is not None]

    def delivery_key(self, payload: Payload) -> str:
        """The sender's delivery id this payload carries: the hook's ``delivery_id``, else
        the header a known sender puts it in ("" when there is none)."""
        if self.delivery_id:
            return render(self.delivery_id, payload, name="delivery_id")[:255]
        return next((payload.headers[name] for name in SENDER_DELIVERY_HEADERS
                     if payload.headers.get(name)), "")[:255]


class InboundHookCall(BaseModel):
    id = IdField()
    hook = ForeignKeyField(InboundHook, backref="calls", on_delete="CASCADE")
    date = DateTimeField(default=now)
    delivery = CharField(max_length=255, default="")  # the delivery id the payload carried
    replay_key = CharField(max_length=255, null=True)  # set on success only: retries replay it
    outcome = CharField(max_length=16)
    http_status = IntegerField()
    params = TextField(default="[]")  # JSON list: the rendered parameters of each action
    answer = TextField(default="")  # the body answered to the sender
    error = TextField(default="")
    notes = TextField(default="")  # what the call left out and why (tag names no tag has)

    class Meta:
        table_name = "inbound_hook_calls"
        indexes = ((("hook", "replay_key"), True),)

    @classmethod
    def prune(cls, hook: InboundHook, days: int) -> None:
        """Forget the hook's calls older than ``days`` (their delivery ids with them: a
        signed timestamp is refused long before, and the log stays bounded)."""
        cls.delete().where((cls.hook == hook),
                           cls.date < now() - datetime.timedelta(days=days)).execute()

    @classmethod
    def first_success(cls, hook: InboundHook, key: str) -> InboundHookCall | None:
        if not key:
            return None
        return cls.get_or_none((cls.hook == hook) & (cls.replay_key == key))
