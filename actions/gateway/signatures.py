"""Admin request signatures: the schemes real Worksection clients send, the key that signed a
request, and what each scheme covers.

1. ``hash = md5(<query string without the hash pair> + key)`` (documented since Dec 2023).
   The exact string a client hashed is not on the wire, so every form real clients produce is
   tried (:mod:`.spellings`): the raw query as received, the same percent-decoded (Postman
   hashes unencoded values), a form body as received, and every pair spelled again PHP-style
   (``+``), RFC 3986-style (``%20``) and unencoded, in wire order and in Go's name-sorted
   order, and Postman's ``key=null`` for a bare ``key``. A form counts only if it spells every
   pair of the request, lists and objects included (:meth:`Claim.signs`).
2. Legacy: ``hash = md5(page + action + key)``, or ``md5(action + key)`` without ``page``.
3. ``Authorization: Admin <unix_ts>_<hex hmac_sha256(key, "<action>:<ts>")>`` (2026 clients);
   one client version sends the same HMAC as ``hash`` with a ``time`` parameter instead.

4. ``Authorization: Taskgate-HMAC-SHA256 ...`` (:mod:`.strict`): everything, once.

What runs is what the signature covers (:func:`covered_params`). The md5 of a query covers
the query: a body beside it may carry files, nothing else. The md5 of a body covers the body:
a query beside it may repeat it, nothing else. The legacy hash and the Admin header cover only
the action (and page) by Worksection's design: the rest is taken as sent, and a parameter the
query and the body give differently is refused. Every comparison is constant-time
(``hmac.compare_digest``); the first form that matches ends the search.

The keys come from the process's cache (:mod:`.key_cache`), not from the database. The form
nearly every client sends, the md5 of the query as received, is tried for every key before
any other form; each other form is worked out and hashed once, then finished with each key.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import time
from collections.abc import Sequence
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from flask import current_app, request

from actions.caller import Caller
from actions.gateway import roles, signed_urls, strict
from actions.gateway.key_cache import LiveKey, live_keys
from actions.gateway.params import NO_BODY, Part, SignedRequest, strict_body
from actions.gateway.spellings import (
    bare_as_null,
    by_name,
    md5_inputs,
    md5_state,
    spelled,
    spellings,
    unspelled,
    without_hash,
)
from actions.gateway.spellings import md5_hex as md5_hex  # re-exported: flask keys uses it
from actions.registry import Action
from models.keys import ApiKey
from schemas.envelope import BadHash, Forbidden, Unsigned, UserOnly

HEX32 = re.compile(r"[0-9a-f]{32}")
HEX64 = re.compile(r"[0-9a-f]{64}")
ADMIN_HEADER = re.compile(r"Admin\s+(\d{1,12})_([0-9a-fA-F]{64})")
# What a scheme covers: the whole request, the query, the body, the scalar parameters of both
# (a query hash over every field), or only the action (and page).
ALL, QUERY, BODY, MERGED, ACTION, LEGACY = "all", "query", "body", "merged", "action", "legacy"
HMAC, MD5 = "hmac", "md5"  # the two kinds of signature a Claim checks


class Signed(NamedTuple):
    key: ApiKey
    covers: str


def hmac_hex(key: str, action: str, timestamp: str) -> str:
    return hmac.new(key.encode(), f"{action}:{timestamp}".encode(), hashlib.sha256).hexdigest()


def legacy_input(req: SignedRequest) -> str:
    page = req.params.get("page")
    return f"{page}{req.action}" if isinstance(page, str) and page else req.action


class Claim:
    """The signature a request carries, read once and checked against each key: the md5
    inputs are worked out and hashed up to the key only once, whatever the number of keys."""

    def __init__(self, req: SignedRequest) -> None:
        self.req, self.part = req, req.hash_part
        self.covers = QUERY if self.part is req.query else BODY  # what an md5 signs
        self.scheme, self.given, self.timestamp = self.read(req, self.part)
        # The query (or body) as received without its hash, the documented md5 input, and its
        # md5 up to the key: every md5 is tried with them first (:func:`standard_match`).
        self.stripped = without_hash(self.part.raw) if self.scheme == MD5 and self.part.raw \
            else None
        self.standard = None if self.stripped is None else md5_state(self.stripped)

    @staticmethod
    def read(req: SignedRequest, part: Part | None) -> tuple[str, str, str]:
        """The kind of signature (HMAC, MD5 or "" for none), its value and its time."""
        header = req.authorization and ADMIN_HEADER.fullmatch(req.authorization.strip())
        if header:
            return HMAC, header[2].lower(), header[1]
        hashes = req.hash_values
        if part is None or len(hashes) != 1:
            return "", "", ""
        given = hashes[0].strip().lower()
        if HEX32.fullmatch(given):
            return MD5, given, ""
        timestamp = str(part.params.get("time") or "")
        return (HMAC, given, timestamp) if HEX64.fullmatch(given) and timestamp.isdigit() \
            else ("", "", "")

    @functools.cached_property
    def forms(self) -> list[tuple[str, hashlib._Hash]]:
        """Every md5 input that may be accepted, the documented one first (its state reused)."""
        texts = md5_inputs(self.part, self.stripped)
        states = [self.standard] if self.standard is not None else []
        states += [md5_state(text) for text in texts[len(states):]]
        return list(zip(texts, states, strict=True))

    @functools.cached_property
    def pairs(self) -> tuple[list[tuple[str, str]], ...]:
        """The signed part's pairs as an md5 spells them (and with each bare name read as
        Postman hashes it, ``name=null``), sorted by name: see :func:`by_name`."""
        pairs = by_name(spelled(self.part.pairs))
        if not self.stripped:
            return (pairs,)
        return pairs, by_name(parse_qsl(bare_as_null(self.stripped), keep_blank_values=True))

    @functools.cached_property
    def merged_pairs(self) -> list[tuple[str, str]]:
        """The query's pairs, then the body's (one the query has already, the path's action
        say, once)."""
        query, body = self.req.query.pairs, (self.req.body or NO_BODY).pairs
        return by_name(spelled(query + tuple(pair for pair in body if pair not in query)))

    @functools.cached_property
    def merged(self) -> list[tuple[str, hashlib._Hash]]:
        """The md5 inputs of a query hash over the body's fields too (generated clients)."""
        wide = self.covers == QUERY and self.req.body is not None and self.req.body.pairs
        texts = dict.fromkeys(spellings(self.merged_pairs)) if wide else {}
        return [(text, md5_state(text)) for text in texts]

    @functools.cached_property
    def legacy(self) -> hashlib._Hash:
        return md5_state(legacy_input(self.req))

    def matches(self, state: hashlib._Hash, material: bytes) -> bool:
        digest = state.copy()
        digest.update(material)
        return hmac.compare_digest(self.given, digest.hexdigest())

    def signs(self, forms: list[tuple[str, hashlib._Hash]], material: bytes,
              *pairs: list[tuple[str, str]]) -> bool:
        """Whether one of these inputs, with the key, is the hash, and spells every pair of
        the request: read as a query string, it gives exactly them. A decoded or unencoded
        spelling that reads otherwise (a value holding ``&``, ``=``, ``%`` or ``+``) signs
        other pairs than the request's and counts for nothing."""
        return any(self.matches(state, material) and (
            text == self.stripped or by_name(parse_qsl(text, keep_blank_values=True)) in pairs)
            for text, state in forms)

    def check(self, key: str, material: bytes, now: int, skew: int, legacy: bool) -> str | None:
        """What the signature with this key covers, or None when it is not signed with it."""
        if self.scheme == HMAC:
            fresh = abs(now - int(self.timestamp)) <= skew
            return ACTION if fresh and hmac.compare_digest(
                self.given, hmac_hex(key, self.req.action, self.timestamp)) else None
        if self.scheme != MD5:
            return None
        if self.signs(self.forms, material, *self.pairs):
            return self.covers
        if self.signs(self.merged, material, self.merged_pairs):
            return MERGED
        return LEGACY if legacy and self.matches(self.legacy, material) else None


def verify(req: SignedRequest, key: str, now: int, skew: int, legacy: bool = True) -> str | None:
    """What the request's signature with ``key`` covers, or None when it is not signed with it."""
    return Claim(req).check(key, key.encode("utf-8"), now, skew, legacy)


def covered_params(req: SignedRequest, covers: str) -> dict[str, Any]:
    """The parameters that run: the pairs the signature spells, and files; ``Unsigned`` for a
    parameter outside the signature that would change what runs."""
    body = req.body or NO_BODY
    if covers == ALL:
        return req.params
    if covers in (ACTION, LEGACY):  # by design: see the module's docstring
        refuse_conflicts(req.query, body)
        return req.params
    if covers == MERGED:  # every pair of the query and the body was hashed
        refuse_conflicts(req.query, body)
        refuse_unspelled(body, "a query hash over the body's fields")
        return req.params
    signed, other = (req.query, body) if covers == QUERY else (body, req.query)
    refuse_unspelled(signed, "a hash of the body's fields")
    outside = [name for name, value in other.params.items() if signed.params.get(name) != value]
    if outside:
        where = "the body" if covers == QUERY else "the query string"
        raise Unsigned(f"Parameters outside the signature: {where} is not signed, sign its "
                       "parameters or leave them out", details=", ".join(sorted(outside)))
    return {**signed.params, **req.files}


def refuse_unspelled(part: Part, signature: str) -> None:
    outside = unspelled(part)
    if outside:
        raise Unsigned(f"Parameters outside the signature: lists, objects, booleans and nulls "
                       f"of a JSON body are not in {signature}", details=", ".join(outside))


def refuse_conflicts(query: Part, body: Part) -> None:
    clashing = [name for name, value in body.params.items()
                if name in query.params and query.params[name] != value]
    if clashing:
        raise Unsigned("Parameters given twice with different values in the query string and "
                       "the body", details=", ".join(sorted(clashing)))


def admin_caller(req: SignedRequest, spec: Action | None) -> tuple[Caller, str, SignedRequest]:
    """The admin key that signed the request, if it may run this action, what it signed, and
    the request as read to check it."""
    (key, covers), req = authenticate(req)
    if spec is not None and not key.allows(spec.canonical, spec.writes):
        raise Forbidden(details=req.action)
    if spec is not None and spec.canonical in roles.TOKEN_ONLY:
        raise UserOnly()
    return Caller(key=key), covers, req


def authenticate(req: SignedRequest) -> tuple[Signed, SignedRequest]:
    """The active key that signed this request and what it covers, or ``BadHash``; and the
    request as read to check it (the strict scheme reads the body's bytes)."""
    config = current_app.config
    if strict.is_strict(req):
        key, req = strict.signed_key(req, live_keys(), config["AUTH_CLOCK_SKEW"],
                                     lambda headed: strict_body(headed, request))
        return Signed(key.touch(), ALL), req
    if signed_urls.PARAM in req.query.params:  # an expiring URL (``flask sign-url --expires``)
        return Signed(signed_urls.signed_key(req, config["SECRET_KEY"]).touch(), QUERY), req
    claim, keys = Claim(req), live_keys()
    if claim.scheme == HMAC and not config["ADMIN_HEADER"]:
        raise BadHash("The Authorization: Admin header signs only the action: it is turned "
                      "off here (ADMIN_HEADER = False)", details="Admin")
    found = standard_match(claim, keys) or any_match(claim, keys, config)
    if found is None:
        raise BadHash()
    live, covers = found
    if live.key.require_strict:
        raise BadHash("This key signs only with the Taskgate-HMAC-SHA256 scheme",
                      details=live.key.family)
    return Signed(live.key.touch(), covers), req  # last_used, written at most once a minute


def standard_match(claim: Claim, keys: Sequence[LiveKey]) -> tuple[LiveKey, str] | None:
    """The key of the documented md5 of the query as received, tried for every key first:
    what nearly every client sends costs one md5 per key."""
    if claim.scheme != MD5 or claim.standard is None:
        return None
    return next(((live, claim.covers) for live in keys
                 if claim.matches(claim.standard, live.material)), None)


def any_match(claim: Claim, keys: Sequence[LiveKey], config) -> tuple[LiveKey, str] | None:
    """The first key that any accepted form of the signature matches, and what it covers."""
    now, skew, legacy = int(time.time()), config["AUTH_CLOCK_SKEW"], config["LEGACY_HASH"]
    for live in keys:
        covers = claim.check(live.secret, live.material, now, skew,
                             legacy and live.key.allow_legacy)
        if covers is not None:
            return live, covers
    return None
