"""What runs is what is signed, generated from the registry: for every action, every entry
point and every signature scheme, a valid signed request with one parameter added, changed or
removed, in any shape (``name``, ``name[]``, ``name[0]``, ``name[key]``, a JSON list or
object) and place (query or body), is refused (code 2) or runs with exactly the signed
parameters. The schemes that sign only the action (the legacy ``md5(action + key)``, the
``Authorization: Admin`` header) and user tokens run every parameter sent, as documented.
An inbound hook whose sender signs the body (``X-Hub-Signature-256``) runs what its mapping
renders from the signed body, whatever is added to the query.

The action itself does not run: ``dispatch_once`` is replaced by a recorder of what it is
handed, so this measures the gateway alone and stays fast.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from conftest import API_KEY, SECRET_KEY, admin_header, md5_hash, php_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from actions.gateway import idempotency, signed_urls, strict
from actions.gateway.decoding import fold
from actions.registry import ACTIONS
from models.keys import ApiKey
from models.members import User
from models.tokens import SCOPES, Token

ENTRIES = {"v2": "/api/admin/v2/", "v1": "/api/admin/", "path": "/api/admin/v2/{action}"}
SIGNED = ("query", "body", "strict", "signed_url")  # sign the parameters
ACTION_ONLY = ("legacy", "admin")  # sign only the action, by Worksection's design
COMBOS = [(entry, scheme) for entry in ENTRIES for scheme in SIGNED + ACTION_ONLY]
COMBOS.append(("token", "token"))
CREDENTIALS = ("hash", "signature", "access_token")
SHAPES = ("scalar", "list", "index", "key")
KINDS = ("form", "multipart", "json")
BOUNDARY = "taskgate-property-boundary"
OPS = ("add", "change", "remove")
NAMES = ("members", "tags", "custom_fields", "title", "email", "id_task", "extra", "x")


@dataclass(frozen=True)
class Wire:
    """A request as sent: the pairs of the query and of the body, in order."""

    path: str
    query: tuple[tuple[str, str], ...]
    body: tuple[tuple[str, Any], ...] = ()
    kind: str = ""  # the body's: "form", "multipart" or "json" ("" for none)
    headers: dict[str, str] = field(default_factory=dict)
    credential: tuple[str, str, str] | None = None  # (place, name, value), sent last

    def encoded(self) -> tuple[str, bytes | None]:
        query, body = list(self.query), list(self.body)
        if self.credential is not None:
            place, name, value = self.credential
            (query if place == "query" else body).append((name, value))
        if self.kind == "json":
            return php_pairs(query), json.dumps(dict(body)).encode()
        if self.kind == "multipart":
            return php_pairs(query), encode_multipart(MultiDict(body), BOUNDARY)[1]
        return php_pairs(query), php_pairs(body).encode() if self.kind else None

    @property
    def content_type(self) -> str | None:
        return {"form": "application/x-www-form-urlencoded", "json": "application/json",
                "multipart": f"multipart/form-data; boundary={BOUNDARY}"}.get(self.kind)

    def params(self, action: str) -> dict[str, Any]:
        """What the request carries, query and body together (the body's where both have
        one), credentials aside."""
        body = dict(self.body) if self.kind == "json" else fold(self.body)
        merged = {**fold(self.query), **body}
        if self.path.endswith(action):
            merged.setdefault("action", action)
        return {k: v for k, v in merged.items() if k not in CREDENTIALS}


def php_pairs(pairs) -> str:
    return "&".join(php_query({name: value}) for name, value in pairs)


def base_pairs(action: str) -> list[tuple[str, Any]]:
    """Two of the action's own parameters and a list, as a client would send them."""
    names = [name for name in sorted(ACTIONS[action].schema.fields) if name != "action"][:2]
    return [(name, value) for name, value in zip(names, ("1", "two words"), strict=False)]


def signed_request(action: str, entry: str, scheme: str, token: str,
                   lists: bool = True, kind: str = "form") -> tuple[Wire, dict]:
    """A valid request of this action (with a list, or scalars only), and the parameters its
    signature covers."""
    path = "/api/oauth2" if entry == "token" else ENTRIES[entry].format(action=action)
    named = [] if entry == "path" else [("action", action)]
    pairs = base_pairs(action) + ([("tags[]", "a b"), ("tags[]", "c")] if lists else [])
    everything = [("action", action)] + pairs
    if scheme == "query":
        wire = Wire(path, tuple(named + pairs),
                    credential=("query", "hash", md5_hash(php_pairs(everything))))
    elif scheme == "body":
        wire = Wire(path, (), tuple(everything), "multipart" if kind == "multipart" else "form",
                    credential=("body", "hash", md5_hash(php_pairs(everything))))
    elif scheme == "signed_url":
        key = ApiKey.active()[0]
        signature = signed_urls.sign(fold(everything), key, key.secret(SECRET_KEY), 3600)
        wire = Wire(path, tuple(named + pairs), credential=("query", "signature", signature))
    elif scheme == "strict":
        wire = Wire(path, tuple(named + pairs[:1]), tuple(pairs[1:]),
                    "multipart" if kind == "multipart" else "form")
        query, body = wire.encoded()
        nonce = f"n{time.time_ns()}{random.random():.12f}"[:60].replace(".", "_")
        header = strict.header_for("admin", API_KEY, "POST", path, query, body, nonce=nonce)
        wire = replace(wire, headers={"Authorization": header})
    elif scheme == "legacy":
        wire = Wire(path, tuple(named + pairs), credential=("query", "hash", md5_hash(action)))
    elif scheme == "admin":
        wire = Wire(path, tuple(named), json_members(pairs), "json",
                    headers={"Authorization": admin_header(action)})
    else:  # a user token: it authenticates the whole request
        wire = Wire(path, (("action", action),), json_members(pairs), "json",
                    headers={"Authorization": f"Bearer {token}"})
    return wire, wire.params(action)


def json_members(pairs) -> tuple[tuple[str, Any], ...]:
    return tuple(fold(pairs).items())


@dataclass(frozen=True)
class Mutation:
    op: str
    place: str
    shape: str
    name: str
    value: str
    index: int = 0
    kind: str = "form"  # of a body added to a request that had none

    def apply(self, wire: Wire) -> Wire:
        in_body = self.place == "body"
        pairs = list(wire.body if in_body else wire.query)
        kind = (wire.kind or self.kind) if in_body else ""
        if self.op == "add":
            pairs.append(self.pair(kind))
        else:  # of the parameters, not the action (which each scheme checks apart)
            some = [at for at, (name, _) in enumerate(pairs) if name != "action"]
            if not some:
                return wire
            at = some[self.index % len(some)]
            if self.op == "remove":
                del pairs[at]
            else:
                pairs[at] = (pairs[at][0], self.pair(kind)[1])
        if in_body:
            return replace(wire, body=tuple(pairs), kind=kind)

        return replace(wire, query=tuple(pairs))

    def pair(self, kind: str) -> tuple[str, Any]:
        if kind == "json":
            shaped = {"scalar": self.value, "list": [self.value], "index": [self.value],
                      "key": {"k": self.value}}[self.shape]
            return self.name, shaped
        suffix = {"scalar": "", "list": "[]", "index": "[0]", "key": "[k]"}[self.shape]
        return f"{self.name}{suffix}", self.value


@pytest.fixture
def runs(monkeypatch) -> list[tuple[str, dict]]:
    """What the dispatcher is handed, instead of running the action (and no request log:
    thousands of lines)."""
    handed: list[tuple[str, dict]] = []
    monkeypatch.setattr(logging.getLogger("taskgate.requests"), "disabled", True)

    def record(action, params, spec, header):
        handed.append((action, {k: v for k, v in params.items() if k not in CREDENTIALS}))
        return {}

    monkeypatch.setattr(idempotency, "dispatch_once", record)
    return handed


@pytest.fixture
def token(app) -> str:
    return Token.issue("access", User.owner(), list(SCOPES))[1]


def send(client, wire: Wire):
    query, body = wire.encoded()
    url = f"{wire.path}?{query}" if query else wire.path
    return client.post(url, data=body, content_type=wire.content_type, headers=wire.headers)


def check(client, runs, action: str, entry: str, scheme: str, token: str,
          mutation: Mutation, lists: bool) -> None:
    """The property, for one request: refused with code 2, or run with the signed params."""
    wire, signed = signed_request(action, entry, scheme, token, lists, mutation.kind)
    mutated = mutation.apply(wire)
    if scheme not in SIGNED:  # it signs no parameter: every one sent runs, as documented
        signed = mutated.params(action)
    runs.clear()
    answer = send(client, mutated).get_json()
    where = f"{action} on {entry} signed by {scheme}, {mutation}: {answer}"
    if runs:
        assert runs == [(action, signed)], where
        assert answer["status"] == "ok", where
    else:
        assert answer["status"] == "error" and answer["status_code"] == 2, where


def mutations(seed: str):
    """Every op, place and shape, in an order that differs from one action to the next."""
    rng = random.Random(seed)
    cases = [Mutation(op, place, shape, rng.choice(NAMES), rng.choice(("mallory@evil.test",
                                                                       "9", "")), rng.randrange(4),
                      rng.choice(KINDS))
             for op in OPS for place in ("query", "body") for shape in SHAPES]
    rng.shuffle(cases)
    return cases


@pytest.mark.parametrize("entry, scheme", COMBOS)
def test_every_action_runs_only_what_is_signed(client, runs, token, entry, scheme):
    """Every action, one mutation each (of a request with a list, or of one without, in
    turn), so that every op, place and shape meets every entry point and scheme over the
    registry."""
    cases = mutations(f"{entry}{scheme}")
    for number, action in enumerate(sorted(ACTIONS)):
        lists = bool(number // len(cases) % 2)
        check(client, runs, action, entry, scheme, token, cases[number % len(cases)], lists)


@pytest.mark.parametrize("entry, scheme", COMBOS)
@pytest.mark.parametrize("action, kind", [("get_users", "form"), ("post_project", "multipart"),
                                          ("update_task", "form")])
def test_the_signed_requests_themselves_run(client, runs, token, entry, scheme, action, kind):
    """The property is not vacuous: each valid request runs with its signed parameters (a
    form or a multipart body, for the schemes that send one)."""
    wire, signed = signed_request(action, entry, scheme, token, kind=kind)
    answer = send(client, wire).get_json()
    assert runs == [(action, signed)], answer
    assert signed["tags"] == ["a b", "c"]


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(action=st.sampled_from(sorted(ACTIONS)), combo=st.sampled_from(COMBOS),
       mutation=st.builds(Mutation, op=st.sampled_from(OPS),
                          place=st.sampled_from(("query", "body")),
                          shape=st.sampled_from(SHAPES),
                          name=st.sampled_from(NAMES) | st.text("abcxyz_", min_size=1,
                                                                max_size=6),
                          value=st.text(max_size=8).filter(lambda v: "\x00" not in v),
                          index=st.integers(0, 5), kind=st.sampled_from(KINDS)),
       lists=st.booleans())
def test_any_change_of_a_signed_request_runs_nothing_unsigned(client, runs, token, action,
                                                              combo, mutation, lists):
    check(client, runs, action, *combo, token, mutation, lists)


# Inbound hooks: the sender's HMAC signs the body; the hook's mapping renders the parameters.

HOOK_SECRET = "a hook's secret"


@pytest.fixture
def signed_hook(api, website, monkeypatch) -> tuple[str, list[dict]]:
    """A hook checking ``X-Hub-Signature-256`` whose mapping reads the body, and what its
    target action is handed (the handler replaced by a recorder)."""
    answer = api.post_json("add_inbound_hook", name="Signed", target="post_task",
                           fixed={"id_project": website}, verify="hmac-sha256",
                           secret=HOOK_SECRET, rate_limit="10000/minute",
                           mapping={"title": "{title}", "text": "{text}"})
    handed: list[dict] = []
    recorder = ACTIONS["post_task"]._replace(handler=lambda params: handed.append(params) or {})
    monkeypatch.setitem(ACTIONS, "post_task", recorder)
    monkeypatch.setattr(logging.getLogger("taskgate.requests"), "disabled", True)
    return answer["url"], handed


HOOK_MEMBERS = (("title", "Signed title"), ("text", "Signed text"), ("tags", ["a"]))


def deliver(client, url: str, wire: Wire):
    """POST the wire to the hook, with the sender's signature of the unchanged body."""
    raw = json.dumps(dict(HOOK_MEMBERS)).encode()
    digest = hmac.new(HOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    query, body = wire.encoded()
    return client.post(f"{url}?{query}" if query else url, data=body,
                       content_type="application/json",
                       headers={"X-Hub-Signature-256": f"sha256={digest}"})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutation=st.builds(Mutation, op=st.sampled_from(OPS),
                          place=st.sampled_from(("query", "body")),
                          shape=st.sampled_from(SHAPES), name=st.sampled_from(NAMES),
                          value=st.text(max_size=8).filter(lambda v: "\x00" not in v),
                          index=st.integers(0, 5)))
def test_a_signed_hook_runs_only_what_its_sender_signed(client, signed_hook, mutation):
    url, handed = signed_hook
    wire = Wire(url, (), HOOK_MEMBERS, "json")
    handed.clear()
    first = deliver(client, url, wire).get_json()
    assert first["status"] == "ok", first
    signed = handed[:]
    assert [params["title"] for params in signed] == ["Signed title"]
    handed.clear()
    answer = deliver(client, url, mutation.apply(wire))
    if handed:
        assert handed == signed, mutation
    else:
        assert answer.status_code == 401 and answer.get_json()["status_code"] == 2, mutation
