"""Admin request signatures: the three schemes real Worksection clients send, and the key
that signed a request.

1. ``hash = md5(<query string without the hash pair> + key)`` (documented since Dec 2023).
   The exact string a client hashed is not on the wire, so every form real clients produce is
   tried: the raw query as received, the same percent-decoded (Postman hashes unencoded values),
   a form body as received, and the parameters re-encoded PHP-style (``+``), RFC 3986-style
   (``%20``) and in Go's key-sorted order, and Postman's ``key=null`` for a bare ``key``.
2. Legacy: ``hash = md5(page + action + key)``, or ``md5(action + key)`` without ``page``.
3. ``Authorization: Admin <unix_ts>_<hex hmac_sha256(key, "<action>:<ts>")>`` (2026 clients);
   one client version sends the same HMAC as ``hash`` with a ``time`` parameter instead.

Every comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from flask import current_app

from actions.caller import Caller
from actions.gateway import signed_urls
from actions.gateway.params import SignedRequest
from actions.registry import Action
from models.keys import ApiKey
from schemas.envelope import BadHash, Forbidden

HEX32 = re.compile(r"[0-9a-f]{32}")
HEX64 = re.compile(r"[0-9a-f]{64}")
ADMIN_HEADER = re.compile(r"Admin\s+(\d{1,12})_([0-9a-fA-F]{64})")


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # noqa: S324 - Worksection's wire format


def hmac_hex(key: str, action: str, timestamp: str) -> str:
    return hmac.new(key.encode(), f"{action}:{timestamp}".encode(), hashlib.sha256).hexdigest()


def without_hash(raw: str) -> str:
    """The raw ``a=1&b=2`` string with its ``hash`` pair removed, all else byte for byte."""
    return "&".join(pair for pair in raw.split("&")
                    if pair and unquote_plus(pair.split("=", 1)[0]) != "hash")


def reencoded(params: Mapping[str, Any]) -> Iterable[str]:
    """The query strings common clients build from these parameters."""
    pairs = [(k, v) for k, v in params.items()
             if k != "hash" and isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    for ordered in (pairs, sorted(pairs)):
        yield "&".join(f"{quote_plus(k)}={quote_plus(str(v))}" for k, v in ordered)
        yield "&".join(f"{quote(k, safe='~')}={quote(str(v), safe='~')}" for k, v in ordered)
        yield "&".join(f"{k}={v}" for k, v in ordered)


def bare_as_null(raw: str) -> str:
    """Postman's pre-request script hashes a parameter without a value as ``key=null`` (JS
    string concatenation) but sends it as a bare ``key``."""
    return "&".join(pair if "=" in pair else f"{pair}=null" for pair in raw.split("&"))


def md5_inputs(req: SignedRequest) -> list[str]:
    """Every string whose md5 with the key appended is an acceptable ``hash``."""
    texts = []
    for raw in (req.raw_query, req.raw_form):
        if raw:
            stripped = without_hash(raw)
            for form in dict.fromkeys((stripped, bare_as_null(stripped))):
                texts += [form, unquote(form), unquote_plus(form)]
    texts += reencoded(req.params)
    return list(dict.fromkeys(texts))


def legacy_input(req: SignedRequest) -> str:
    page = req.params.get("page")
    return f"{page}{req.action}" if isinstance(page, str) and page else req.action


def verify(req: SignedRequest, key: str, now: int, skew: int, legacy: bool = True) -> bool:
    """Whether the request is signed with ``key`` by any accepted scheme."""
    header = ADMIN_HEADER.fullmatch(req.authorization.strip())
    if header:
        timestamp, signature = header.groups()
        return (abs(now - int(timestamp)) <= skew
                and hmac.compare_digest(signature.lower(), hmac_hex(key, req.action, timestamp)))
    if len(req.hash_values) != 1:
        return False
    given = req.hash_values[0].strip().lower()
    timestamp = req.params.get("time")
    if HEX64.fullmatch(given) and str(timestamp or "").isdigit():
        return (abs(now - int(timestamp)) <= skew
                and hmac.compare_digest(given, hmac_hex(key, req.action, str(timestamp))))
    if not HEX32.fullmatch(given):
        return False
    texts = md5_inputs(req) + ([legacy_input(req)] if legacy else [])
    matched = False
    for text in texts:  # no early exit: the time taken does not depend on which form matched
        matched |= hmac.compare_digest(given, md5_hex(text + key))
    return matched


def admin_caller(req: SignedRequest, spec: Action | None) -> Caller:
    """The admin key that signed the request, if it may run this action."""
    key = authenticate(req)
    if spec is not None and not key.allows(spec.canonical, spec.writes):
        raise Forbidden(details=req.action)
    return Caller(key=key)


def authenticate(req: SignedRequest) -> ApiKey:
    """The active key that signed this request, or ``BadHash``."""
    config = current_app.config
    if signed_urls.PARAM in req.params:  # an expiring URL from ``flask sign-url --expires``
        return signed_urls.signed_key(req, config["SECRET_KEY"]).touch()
    now = int(time.time())
    for key in ApiKey.active():
        if verify(req, key.secret(config["SECRET_KEY"]), now, config["AUTH_CLOCK_SKEW"],
                  legacy=config["LEGACY_HASH"]):
            return key.touch()  # last_used, written at most once a minute
    raise BadHash()
