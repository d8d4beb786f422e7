"""Idempotent writes: a retried write with the same key answers the first answer, unrun.

A write action (``Action.writes``) sent with an ``Idempotency-Key`` header, or an
``idempotency_key`` / ``uid`` parameter for clients that can only build URLs, runs once per key
and caller. Its success envelope is stored in the same transaction as the write
(``models.idempotency``); a retry with the same action and parameters gets those bytes back
(with ``Idempotent-Replayed: true``) and writes nothing, and the same key with other parameters
is an error (code 11). Errors are not stored: a failed action wrote nothing, so a retry runs it
again. Keys expire after ``IDEMPOTENCY_TTL`` seconds (24 h): the next write with an expired key
takes it over, and the background worker drops the others (``actions.delivery.purge``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any, NamedTuple

from flask import Response, current_app
from werkzeug.datastructures import FileStorage

from actions.caller import caller
from actions.registry import Action, dispatch
from models.idempotency import StoredResponse
from models.keys import seal, unseal
from schemas.envelope import InvalidValue, KeyReused, ok

HEADER = "Idempotency-Key"
PARAMS = ("idempotency_key", "uid")
UNSIGNED = {"hash", "time", "signature", *PARAMS}  # differ between retries of one request
MAX_LENGTH = 255


class Stored(NamedTuple):
    """The answer of an idempotent write, as first sent."""

    body: str
    replayed: bool

    def response(self) -> Response:
        response = current_app.response_class(self.body, mimetype=current_app.json.mimetype)
        if self.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response


def dispatch_once(action: str, params: dict[str, Any], spec: Action | None,
                  header: str | None) -> Any:
    """Run the action; a write that carries an idempotency key runs once per key."""
    key = idempotency_key(params, header) if spec is not None and spec.writes else None
    if key is None:
        return dispatch(action, params)
    fingerprint = fingerprint_of(params)
    ttl = dt.timedelta(seconds=int(current_app.config["IDEMPOTENCY_TTL"]))
    row = StoredResponse.claim(caller_id(), key, fingerprint, ttl)
    if row.body is not None:
        if not hmac.compare_digest(row.fingerprint, fingerprint):
            raise KeyReused(details=key)
        return Stored(unseal(row.body, master()), replayed=True)
    body = current_app.json.response(ok(dispatch(action, params))).get_data(as_text=True)
    sealed = seal(body, master())  # an answer may hold a secret (add_webhook's)
    StoredResponse.update(body=sealed).where(StoredResponse.id == row.id).execute()
    return Stored(body, replayed=False)


def master() -> str:
    return current_app.config["SECRET_KEY"]


def idempotency_key(params: dict[str, Any], header: str | None) -> str | None:
    """The request's idempotency key: the header, else the first key parameter given."""
    value = header if header else next((params[p] for p in PARAMS if params.get(p)), None)
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_LENGTH or not text.isprintable():
        raise InvalidValue(f"Invalid {HEADER}: 1 to {MAX_LENGTH} printable characters",
                           details=str(value)[:MAX_LENGTH])
    return text


def caller_id() -> str:
    """Whose keys these are: an API key by name (its rotated secrets too), or a token user."""
    current = caller()
    return f"user:{current.user.id}" if current.user is not None else f"key:{current.key.family}"


def fingerprint_of(params: dict[str, Any]) -> str:
    """sha256 of the action and its parameters (files by name and content)."""
    signed = {k: v for k, v in params.items() if k not in UNSIGNED}
    text = json.dumps(signed, sort_keys=True, separators=(",", ":"), default=file_digest)
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(value: Any) -> Any:
    if not isinstance(value, FileStorage):
        return str(value)
    value.stream.seek(0)
    digest = hashlib.file_digest(value.stream, "sha256").hexdigest()
    value.stream.seek(0)
    return {"file": value.filename, "sha256": digest}
