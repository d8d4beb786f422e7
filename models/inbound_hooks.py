"""Inbound hooks: a URL a webhook sender POSTs to, mapped onto one write action, and the log
of every call it received.

Only the sha256 of a hook's token is stored (the token is shown once); the sender's signing
secret is sealed like the API keys, since checking an HMAC needs it. A hook remembers who
defined it, an API key or a user with the scopes of their token, and acts as them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

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
from schemas.hook_templates import MISSING, MappingError, Payload, lookup, parse_path, render

NO_CHECK, HMAC_SHA256, STANDARD_WEBHOOKS = "none", "hmac-sha256", "standard-webhooks"
SIGNATURES = (NO_CHECK, HMAC_SHA256, STANDARD_WEBHOOKS)
MAX_ITEMS = 100  # the most elements a for_each may run over, whatever a hook says
OK, MAPPING_ERROR, ACTION_ERROR, REFUSED = "ok", "mapping_error", "action_error", "refused"


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

    def render(self, payload: Payload) -> list[dict[str, Any]]:
        """The parameters of each action this payload would run."""
        items = [MISSING]
        if self.for_each:
            found = lookup(parse_path(self.for_each), payload)
            if not isinstance(found, list):
                raise MappingError(details=f"for_each: no list at {self.for_each}")
            limit = min(self.max_items, MAX_ITEMS)
            if len(found) > limit:
                raise MappingError(details=f"for_each: {self.for_each} has {len(found)} "
                                           f"elements; this hook takes at most {limit}")
            items = found
        return [{**self.fixed_params,
                 **{name: render(template, payload, item, name)
                    for name, template in self.templates.items()}} for item in items]

    def delivery_key(self, payload: Payload) -> str:
        """The sender's delivery id this payload carries ("" when the hook names none)."""
        if not self.delivery_id:
            return ""
        return render(self.delivery_id, payload, name="delivery_id")[:255]


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

    class Meta:
        table_name = "inbound_hook_calls"
        indexes = ((("hook", "replay_key"), True),)

    @classmethod
    def first_success(cls, hook: InboundHook, key: str) -> InboundHookCall | None:
        if not key:
            return None
        return cls.get_or_none((cls.hook == hook) & (cls.replay_key == key))
