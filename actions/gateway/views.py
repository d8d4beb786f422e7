"""The API views: one request, read top to bottom, from its bytes to its answer.

read the query (and the body only if it carries the credential, bounded) → authenticate the
caller (the signature or the access token; nothing read before it grows with the body) →
admit it (rate limits) → read the body, keep the pairs the signature covers → run the action
once (idempotency) in one transaction → answer with the envelope.
Every failure raises an ``ApiError`` that :func:`api_error` turns into the error envelope;
nothing else answers.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from urllib.parse import quote

from flask import current_app, g, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from actions import delivery
from actions.caller import Caller, calling_as
from actions.gateway import idempotency, rate_limits, streaming
from actions.gateway.params import SignedRequest, read_request, with_body, with_small_body
from actions.gateway.signatures import ALL, admin_caller, covered_params
from actions.gateway.tokens import live_token, token_caller
from actions.registry import ACTIONS, Action
from models.base import transaction
from schemas.envelope import (
    ActionRequired,
    ApiError,
    BadHash,
    Download,
    Internal,
    Reply,
    fail,
    ok,
)

# The caller, what of the request its credentials cover (see signatures.covered_params), and
# the request as read to check them.
Authenticate = Callable[[SignedRequest, Action | None], tuple[Caller, str, SignedRequest]]


def api():
    """Check the admin signature, run one action in one transaction, answer with the envelope."""
    return run_action(admin_caller)


def api_v1():
    """``/api/admin/``, the v1 path: ``api``, answered in the shapes v1 clients read."""
    return run_action(admin_caller, shape=v1_shaped)


def v1_shaped(result):
    """A v2 answer as v1 clients read it: a task's ``tags`` is a list of names (the v2 object
    keyed by tag id reads the same in PHP's foreach, not in Python's ``'Bug' in tags``)."""
    if isinstance(result, Reply):
        return Reply(v1_shaped(result.data), **result.top)
    if isinstance(result, list):
        return [v1_shaped(item) for item in result]
    if streaming.is_stream(result):
        return (v1_shaped(item) for item in result)
    if isinstance(result, dict):
        return {key: list(value.values()) if key == "tags" and isinstance(value, dict)
                else v1_shaped(value) for key, value in result.items()}
    return result


def api_path(action: str):
    """``/api/admin/v2/<action>``: ``api`` with the action named by the path (and signed)."""
    return run_action(admin_caller, path_action=action)


def user_api():
    """Check the user's access token, then run the action as ``api`` does."""
    return run_action(user_caller)


def user_caller(req: SignedRequest, spec: Action | None) -> tuple[Caller, str, SignedRequest]:
    """The user of a live access token (read before the body, unless the body carries it),
    whose scopes and role allow this action with every parameter sent."""
    token = live_token(req)
    req = with_body(req, request)
    return token_caller(req, spec, token), ALL, req


def run_action(authenticate: Authenticate, path_action: str | None = None,
               shape: Callable[[Any], Any] | None = None):
    """Run one action as the caller ``authenticate`` finds, in one transaction."""
    asked, here = request._get_current_object(), g._get_current_object()  # one lookup each
    req = read_request(asked, path_action=path_action)
    here.action = action = req.action  # for the request log and the metrics
    if not action:
        raise ActionRequired()
    spec = ACTIONS.get(action)
    who, covers, req = authenticated(authenticate, req, spec)  # no body parsed yet, or bounded
    here.caller = who
    rate_limits.admit(who)
    params = covered_params(with_body(req, asked), covers)
    with ExitStack() as contexts:
        contexts.enter_context(calling_as(who))
        contexts.enter_context(transaction(writes=spec is None or spec.locks_at_start))
        result = idempotency.dispatch_once(action, params, spec,
                                           asked.headers.get(idempotency.HEADER))
        if shape is not None and not isinstance(result, idempotency.Stored):
            result = shape(result)
        if streaming.is_stream(result) and not current_app.debug:
            return streaming.response(result, contexts.pop_all())  # a read: commits nothing
    if spec is not None and spec.writes:
        delivery.wake()  # committed: webhooks may have new events to send
    return answer(result)


def authenticated(authenticate: Authenticate, req: SignedRequest,
                  spec: Action | None) -> tuple[Caller, str, SignedRequest]:
    """The caller, what its credentials cover and the request as read to check them, unless
    its IP used up its failed signatures (each failure is counted)."""
    rate_limits.refuse_guessing()
    try:
        try:
            return authenticate(req, spec)
        except BadHash:
            wider = with_small_body(req, request)  # a query hash may sign the body's fields too
            if wider is None:
                raise
            return authenticate(wider, spec)
    except rate_limits.FAILED_SIGNATURE:
        rate_limits.count_failed_signature()
        raise


def answer(result):
    if isinstance(result, idempotency.Stored):
        return result.response()
    if isinstance(result, Download):
        return send_download(result)
    response = jsonify(ok(streaming.whole(result)))
    g.answered_ok = True  # the log and the metrics need not read it back
    return response


def send_download(download: Download):
    """Raw bytes, named as Worksection names them (clients read ``filename*``)."""
    response = send_file(download.stream or download.path, mimetype="application/x-download")
    if download.size is not None:
        response.content_length = download.size
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(download.name, safe='')}")
    return response


def api_error(err: ApiError):
    return jsonify(fail(err)), err.http_status


def http_error(err: HTTPException):
    problem = ApiError(f"{err.code} {err.name}: {err.description}", details=request.path)
    problem.status_code = err.code or 500
    allow = {"Allow": ", ".join(err.valid_methods)} if getattr(err, "valid_methods", None) else {}
    return jsonify(fail(problem)), err.code, allow


def unexpected(_err: Exception):
    current_app.logger.exception("unhandled error in %s", request.path)
    return jsonify(fail(Internal())), 500
