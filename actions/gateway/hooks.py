"""The receiving URL of inbound hooks, ``/hooks/<token>``: a sender's POST becomes actions.

find the hook by its token → admit (the hook's rate limit) → read the body (size limit) →
check the sender's signature → read the payload (JSON, form or query) → render the
parameters (a mapping error is HTTP 422) → run the target action once per rendered set, as
the hook's definer, in one transaction that also records the call → answer the envelope. A
delivery id seen before answers the first answer again and writes nothing. Every call that
reaches a hook is recorded with its outcome, the refused and failed ones too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from peewee import IntegrityError

from actions import delivery
from actions.caller import Caller, calling_as
from actions.delivery.signing import sign
from actions.gateway import rate_limits, roles
from actions.gateway.decoding import checked, decode, fold, parse_pairs
from actions.gateway.idempotency import Stored
from actions.gateway.tokens import scope_for
from actions.registry import ACTIONS, dispatch
from models.base import transaction
from models.events import quietly
from models.inbound_hooks import (
    ACTION_ERROR,
    HMAC_SHA256,
    MAPPING_ERROR,
    NO_CHECK,
    OK,
    REFUSED,
    InboundHook,
    InboundHookCall,
)
from models.keys import ApiKey, unseal
from schemas.envelope import ApiError, BadRequest, Forbidden, Reply, TooManyRequests, fail, ok
from schemas.hook_templates import MappingError, Payload

bp = Blueprint("hooks", __name__)
MAX_PAYLOAD = 1024 * 1024  # bytes; HOOK_MAX_PAYLOAD overrides
TIMESTAMP_TOLERANCE = 300  # seconds a Standard Webhooks timestamp may be off


class HookTokenInvalid(ApiError):
    status_code, message, http_status = 2, "Hook token is invalid", 404


class SenderSignatureInvalid(ApiError):
    status_code, message, http_status = 2, "Sender signature is missing or invalid", 401


class PayloadTooLarge(ApiError):
    status_code, message, http_status = 10, "Payload is too large", 413


class PayloadNotJson(BadRequest):
    message = "Payload is not JSON (nor a form)"


class DefinerRefused(Forbidden):
    message, http_status = "The hook's definer may not run its action", 403


class Call:
    """What is known of one call so far, for its record."""

    def __init__(self) -> None:
        self.delivery, self.params, self.outcome = "", [], REFUSED


@bp.post("/hooks/<token>")
def receive(token: str):
    """Run the hook whose token this is on the sender's payload."""
    hook = InboundHook.by_token(token)
    if hook is None:
        raise HookTokenInvalid()
    call = Call()
    try:
        return run(hook, call)
    except ApiError as err:
        status = 422 if isinstance(err, MappingError) else (
            400 if isinstance(err, BadRequest) else err.http_status)
        outcome = MAPPING_ERROR if isinstance(err, MappingError) else call.outcome
        record(hook, call, outcome, status, fail(err), error=describe(err))
        headers = ({"Retry-After": str(err.retry_after)}
                   if isinstance(err, TooManyRequests) else {})
        return jsonify(fail(err)), status, headers


def run(hook: InboundHook, call: Call):
    admit(hook)
    raw = read_raw()
    verify_sender(hook, raw)
    payload = read_payload(raw)
    delivery_id, params = hook.delivery_key(payload), hook.render(payload)
    refuse_unstorable([delivery_id, params])
    call.delivery, call.params = delivery_id, params
    who = acting_caller(hook)
    call.outcome = ACTION_ERROR
    try:
        with calling_as(who), transaction(), quietly(bool(hook.for_each)):  # bulk: no mail
            first = InboundHookCall.first_success(hook, call.delivery)
            if first is not None:
                return Stored(first.answer, replayed=True).response()
            body = answer_of([dispatch(hook.action, one) for one in call.params],
                             many=bool(hook.for_each))
            record(hook, call, OK, 200, body, replay=True)
    except IntegrityError:  # a concurrent retry of this delivery committed first
        first = InboundHookCall.first_success(hook, call.delivery)
        if first is None:
            raise
        return Stored(first.answer, replayed=True).response()
    delivery.wake()
    return Stored(as_json(body), replayed=False).response()


def admit(hook: InboundHook) -> None:
    """Count the call against the hook's own limit (in the storage the API limits use)."""
    extensions = current_app.extensions
    if "hook_limits" not in extensions:
        extensions["hook_limits"] = rate_limits.RateLimits(current_app.config)
    extensions["hook_limits"].count(rate_limits.limits_of(hook.rate_limit), "hook",
                                    str(hook.id), "Too many calls of this hook")


def read_raw() -> bytes:
    limit = int(current_app.config.get("HOOK_MAX_PAYLOAD", MAX_PAYLOAD))
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(details=f"at most {limit} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLarge(details=f"at most {limit} bytes")
    return raw


def verify_sender(hook: InboundHook, raw: bytes) -> None:
    if hook.verify == NO_CHECK:
        return
    secret = unseal(hook.sealed_secret, current_app.config["SECRET_KEY"])
    if hook.verify == HMAC_SHA256:
        valid = hmac_valid(secret, request.headers.get(hook.signature_header, ""), raw)
    else:
        valid = standard_valid(secret, request.headers, raw)
    if not valid:
        raise SenderSignatureInvalid()


def hmac_valid(secret: str, given: str, raw: bytes) -> bool:
    """GitHub's ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``."""
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.strip().removeprefix("sha256=").lower(), expected)


def standard_valid(secret: str, headers: Any, raw: bytes) -> bool:
    """Standard Webhooks: ``webhook-signature`` lists ``v1,<base64>`` signatures of
    ``id.timestamp.body``; the timestamp must be recent."""
    message_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not message_id or not stamp.isdigit() or abs(time.time() - int(stamp)) > TIMESTAMP_TOLERANCE:
        return False
    try:
        expected = sign(secret, message_id, int(stamp), raw.decode("utf-8"))
    except UnicodeDecodeError:
        return False
    matched = False
    for given in headers.get("webhook-signature", "").split():
        matched |= hmac.compare_digest(given, expected)
    return matched


def read_payload(raw: bytes) -> Payload:
    query = fold(parse_pairs(decode(request.query_string, "the query string"),
                             "the query string"))
    return Payload.of(read_body(raw), query, dict(request.headers))


def read_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        return fold(parse_pairs(decode(raw, "the body"), "the body"))
    if request.mimetype == "multipart/form-data":
        return fold(request.form.items(multi=True))
    try:
        return json.loads(raw)
    except ValueError:  # UnicodeDecodeError included
        raise PayloadNotJson(details=request.mimetype or "no Content-Type") from None


def refuse_unstorable(value: Any) -> None:
    """No NUL and no lone surrogate in what will be stored: PostgreSQL takes neither."""
    try:
        checked(value, "the payload")
    except BadRequest:
        raise BadRequest("Payload text must be UTF-8 without NUL characters",
                         details="the payload") from None


def acting_caller(hook: InboundHook) -> Caller:
    """Who the hook acts as: its definer's key (by name: a rotated key still counts) or user,
    with no more rights than they have now."""
    spec = ACTIONS.get(hook.action)
    if spec is not None and hook.key_id is not None:
        family = hook.key.family
        key = next((k for k in reversed(ApiKey.active()) if k.family == family), None)
        if key is not None and key.allows(spec.canonical, spec.writes):
            return Caller(key=key)
    if spec is not None and hook.user_id is not None:
        user, scopes = hook.user, tuple(hook.scopes.split(","))
        allowed = user.role in roles.ROLES_OF.get(spec.canonical, ())  # the role table, now
        if user.is_active and allowed and scope_for(spec) in scopes:
            return Caller(user=user, scopes=scopes)
    raise DefinerRefused(details=hook.action)


def answer_of(results: list[Any], many: bool) -> dict[str, Any]:
    """The envelope of one action's result, or of a for_each's list of results."""
    if not many:
        return ok(results[0])
    return ok([{**({"data": r.data} if r.data is not None else {}), **r.top}
               if isinstance(r, Reply) else r for r in results])


def as_json(body: dict[str, Any]) -> str:
    """The body as the API writes it (compact, as ``jsonify`` does)."""
    return current_app.json.response(body).get_data(as_text=True)


def describe(err: ApiError) -> str:
    return f"{err.message}: {err.details}" if err.details not in (None, "") else err.message


def record(hook: InboundHook, call: Call, outcome: str, status: int, answer: dict[str, Any],
           error: str = "", replay: bool = False) -> None:
    """Log the call (a successful one with its delivery id, which a retry then replays)."""
    with transaction():
        InboundHookCall.create(hook=hook, delivery=call.delivery, outcome=outcome,
                               replay_key=(call.delivery or None) if replay else None,
                               http_status=status, params=json.dumps(call.params),
                               answer=as_json(answer), error=error)
