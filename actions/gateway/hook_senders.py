"""Sender signatures as the senders make them, checked before the payload is read.

- ``hmac-sha256``: GitHub's ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``.
- ``standard-webhooks``: ``webhook-signature`` lists ``v1,<base64>`` signatures of
  ``id.timestamp.body``; the timestamp must be recent.
- ``token``: the secret itself in ``signature_header`` (GitLab's ``X-Gitlab-Token``, Grafana's
  ``Authorization``-style headers), compared in constant time.
- ``hmac``: the generic form. ``signature_header`` holds one or more comma-separated
  signatures, each after ``signature_prefix`` (``sha256=``, ``v0=``, Stripe's ``v1=``), in
  ``signature_encoding`` (hex or base64), of the string ``signed`` made of ``{body}`` (the raw
  body), ``{$headers.Name}`` and ``{name}`` (a ``name=value`` element of the signature header
  itself, Stripe's ``t``), with ``signature_algorithm`` (sha256 or sha1). When ``timestamp``
  names where the signed time is (``{$headers.X-Slack-Request-Timestamp}``, ``{t}``), it must
  be within ``TIMESTAMP_TOLERANCE`` seconds of now.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from actions.delivery.signing import sign
from schemas.inbound_hooks import PLACEHOLDER

TIMESTAMP_TOLERANCE = 300  # seconds a signed timestamp may be off
ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}


class Unsigned(Exception):
    """A placeholder of the signed string has no value in this request."""


def github_valid(secret: str, given: str, raw: bytes) -> bool:
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.strip().removeprefix("sha256=").lower(), expected)


def standard_valid(secret: str, headers: Any, raw: bytes) -> bool:
    message_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not message_id or not recent(stamp):
        return False
    try:
        expected = sign(secret, message_id, int(stamp), raw.decode("utf-8"))
    except UnicodeDecodeError:
        return False
    matched = False
    for given in headers.get("webhook-signature", "").split():
        matched |= hmac.compare_digest(given, expected)
    return matched


def token_valid(secret: str, given: str) -> bool:
    return hmac.compare_digest(given.strip().encode(), secret.encode())


def recent(stamp: str) -> bool:
    stamp = stamp.strip()
    return stamp.isdigit() and abs(time.time() - int(stamp)) <= TIMESTAMP_TOLERANCE


def elements(header: str) -> dict[str, str]:
    """The ``name=value`` parts of a signature header (the first of each name)."""
    found: dict[str, str] = {}
    for part in header.split(","):
        name, eq, value = part.strip().partition("=")
        if eq:
            found.setdefault(name, value)
    return found


def fill(template: str, raw: bytes, headers: Any, parts: dict[str, str]) -> bytes:
    """The signed string: the template with its placeholders, the body byte for byte."""
    def value(name: str) -> bytes:
        if name == "body":
            return raw
        text = headers.get(name[len("$headers."):]) if name.startswith("$headers.") else (
            parts.get(name))
        if text is None:
            raise Unsigned(name)
        return text.encode()

    out, last = [], 0
    for match in PLACEHOLDER.finditer(template):
        out += [template[last:match.start()].encode(), value(match.group(1))]
        last = match.end()
    out.append(template[last:].encode())
    return b"".join(out)


def generic_valid(hook: Any, secret: str, headers: Any, raw: bytes) -> bool:
    header = headers.get(hook.signature_header, "")
    parts = elements(header)
    try:
        if hook.timestamp and not recent(fill(hook.timestamp, b"", headers, parts).decode()):
            return False
        message = fill(hook.signed, raw, headers, parts)
    except Unsigned:
        return False
    digest = hmac.new(secret.encode(), message, ALGORITHMS[hook.signature_algorithm]).digest()
    expected = digest.hex() if hook.signature_encoding == "hex" else (
        base64.b64encode(digest).decode())
    prefix = hook.signature_prefix
    matched = False
    for given in (part.strip() for part in header.split(",")):
        if given.startswith(prefix):
            candidate = given[len(prefix):]
            if hook.signature_encoding == "hex":
                candidate = candidate.lower()
            matched |= hmac.compare_digest(candidate.encode(), expected.encode())
    return matched

