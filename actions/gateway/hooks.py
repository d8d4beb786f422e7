"""The receiving URL of inbound hooks, ``/hooks/<token>``: a sender's POST becomes actions.

find the hook by its token → admit (the hook's rate limit) → read the body (size limit) →
check the sender's signature (``hook_senders``) → read the payload (JSON, form or query) →
choose the first matching rule and render its parameters, per element of a ``for_each``
(a mapping error is HTTP 422; no rule matching anything is HTTP 202, "ignored") → run each
chosen action, as the hook's definer, in one transaction that also records the call → answer
the envelope. A delivery id seen before (the hook's ``delivery_id``, else the sender's own
delivery header) answers the first answer again and writes nothing. Every call that reaches a
hook is recorded with its outcome, the refused, failed and ignored ones too.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from peewee import IntegrityError

from actions import delivery
from actions.caller import Caller, calling_as
from actions.gateway import hook_senders, hook_steps, rate_limits, roles
from actions.gateway.decoding import checked, decode, fold, parse_pairs
from actions.gateway.idempotency import Stored
from actions.gateway.tokens import scope_for
from actions.registry import ACTIONS
from models.base import transaction
from models.events import quietly
from models.inbound_hooks import (
    ACTION_ERROR,
    HMAC,
    HMAC_SHA256,
    IGNORED,
    MAPPING_ERROR,
    NO_CHECK,
    NO_RULE,
    OK,
    REFUSED,
    STANDARD_WEBHOOKS,
    TAG_ACTIONS,
    TOKEN,
    InboundHook,
    InboundHookCall,
    Step,
)
from models.keys import ApiKey, unseal
from schemas.envelope import ApiError, BadRequest, Forbidden, Reply, TooManyRequests, fail, ok
from schemas.hook_templates import MappingError, Payload
from schemas.inbound_hooks import MAX_DEPTH, too_deep

bp = Blueprint("hooks", __name__)
PRUNE_EVERY = 50  # calls recorded between two prunings of the log (HOOK_CALL_DAYS)


class HookTokenInvalid(ApiError):
    status_code, message, http_status = 2, "Hook token is invalid", 404


class SenderSignatureInvalid(ApiError):
    status_code, message, http_status = 2, "Sender signature is missing or invalid", 401


class PayloadTooLarge(ApiError):
    status_code, message, http_status = 10, "Payload is too large", 413


class PayloadNotJson(BadRequest):
    message = "Payload is not JSON (nor a form)"


class PayloadTooDeep(BadRequest):
    message = "Payload is nested too deeply"


class DefinerRefused(Forbidden):
    message, http_status = "The hook's definer may not run its action", 403


class Call:
    """What is known of one call so far, for its record."""

    def __init__(self) -> None:
        self.delivery, self.params, self.outcome = "", [], REFUSED
        self.notes: list[str] = []


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
    payload = read_payload(raw, query_signed=hook.verify not in BODY_SIGNATURES)
    delivery_id, steps = hook.delivery_key(payload), hook.plan(payload)
    params = [step.params for step in steps if step is not None]
    refuse_unstorable([delivery_id, params])
    call.delivery, call.params = delivery_id, params
    if not params:
        record(hook, call, IGNORED, 202, ok(dict(NO_RULE)))
        return jsonify(ok(dict(NO_RULE))), 202
    who = check_definer(hook, steps)
    call.outcome = ACTION_ERROR
    try:
        with calling_as(who), transaction(), quietly(bool(hook.for_each)):  # bulk: no mail
            first = InboundHookCall.first_success(hook, call.delivery)
            if first is not None:
                return Stored(first.answer, replayed=True).response()
            body = answer_of([hook_steps.run(step, call.notes) if step else dict(NO_RULE)
                              for step in steps], many=bool(hook.for_each))
            record(hook, call, OK, 200, body, replay=True)
    except IntegrityError:  # a concurrent retry of this delivery committed first
        first = InboundHookCall.first_success(hook, call.delivery)
        if first is None:
            raise
        return Stored(first.answer, replayed=True).response()
    delivery.wake()
    return Stored(as_json(body), replayed=False).response()


def check_definer(hook: InboundHook, steps: list[Step | None]) -> Caller:
    """The definer may run every action this call runs (the tag actions of create_tags too)."""
    targets = {step.target for step in steps if step is not None}
    if any(step.create_tags for step in steps if step is not None):
        targets.update(TAG_ACTIONS)
    stored = hook.action
    try:
        for target in sorted(targets):
            hook.action = target  # checked one at a time; the hook is not saved
            who = acting_caller(hook)
    finally:
        hook.action = stored
    return who


def admit(hook: InboundHook) -> None:
    """Count the call against the hook's own limit (in the storage the API limits use)."""
    extensions = current_app.extensions
    if "hook_limits" not in extensions:
        extensions["hook_limits"] = rate_limits.RateLimits(current_app.config)
    extensions["hook_limits"].count(rate_limits.limits_of(hook.rate_limit), "hook",
                                    str(hook.id), "Too many calls of this hook")


def read_raw() -> bytes:
    limit = int(current_app.config["HOOK_MAX_PAYLOAD"])
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
    given = request.headers.get(hook.signature_header, "")
    checks = {
        HMAC_SHA256: lambda: hook_senders.github_valid(secret, given, raw),
        STANDARD_WEBHOOKS: lambda: hook_senders.standard_valid(secret, request.headers, raw),
        TOKEN: lambda: hook_senders.token_valid(secret, given),
        HMAC: lambda: hook_senders.generic_valid(hook, secret, request.headers, raw),
    }
    if not checks[hook.verify]():
        raise SenderSignatureInvalid()


# Senders' signatures over the body: the query beside it is not theirs, and is never read.
BODY_SIGNATURES = frozenset({HMAC_SHA256, STANDARD_WEBHOOKS, HMAC})


def read_payload(raw: bytes, query_signed: bool) -> Payload:
    """The body, the query (unless a signature over the body alone vouches for the call) and
    the headers."""
    query = fold(parse_pairs(decode(request.query_string, "the query string"),
                             "the query string")) if query_signed else {}
    return Payload.of(read_body(raw), query, dict(request.headers))


def read_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        return fold(parse_pairs(decode(raw, "the body"), "the body"))
    if request.mimetype == "multipart/form-data":
        return fold(request.form.items(multi=True))
    try:
        body = json.loads(raw)
    except RecursionError:
        raise PayloadTooDeep(details=f"at most {MAX_DEPTH} levels") from None
    except ValueError:  # UnicodeDecodeError included
        raise PayloadNotJson(details=request.mimetype or "no Content-Type") from None
    if too_deep(body):
        raise PayloadTooDeep(details=f"at most {MAX_DEPTH} levels")
    return body


def refuse_unstorable(value: Any) -> None:
    """No NUL and no lone surrogate in what will be stored: PostgreSQL takes neither."""
    try:
        checked(value, "the payload")
    except BadRequest:
        raise BadRequest("Payload text must be UTF-8 without NUL characters",
                         details="the payload") from None


def acting_caller(hook: InboundHook) -> Caller:
    """Who the hook acts as: its definer's key (by name: a rotated key still counts) or user
    as they are now (active, their current role, the hook's scopes). The dispatcher then
    checks that caller's rights on each rendered set of parameters (``actions.rights``)."""
    spec = ACTIONS.get(hook.action)
    if spec is not None and hook.key_id is not None:
        family = hook.key.family
        key = next((k for k in reversed(ApiKey.active()) if k.family == family), None)
        if key is not None and key.allows(spec.canonical, spec.writes):
            return Caller(key=key)
    if spec is not None and hook.user_id is not None:
        user, scopes = hook.user, tuple(hook.scopes.split(","))  # the user's row, read now
        if roles.may_run(user, spec) and scope_for(spec) in scopes:
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
        made = InboundHookCall.create(hook=hook, delivery=call.delivery, outcome=outcome,
                               replay_key=(call.delivery or None) if replay else None,
                               http_status=status, params=json.dumps(call.params),
                               answer=as_json(answer), error=error,
                               notes="; ".join(call.notes))
        if made.id % PRUNE_EVERY == 0:
            InboundHookCall.prune(hook, int(current_app.config["HOOK_CALL_DAYS"]))
