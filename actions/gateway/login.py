"""Trudesk's password login, ``POST /api/v1/login``: a user with a password (``flask
set-password``) gets an access token from ``username`` (the email) and ``password`` in one
call, with no OAuth client, answered as Trudesk answers it::

    {"success": true, "accesstoken": "...", "accessToken": "...", "user": {...}}

The token works on ``/api/oauth2`` like any user token (all scopes, 24 hours), in
``Authorization: Bearer``, ``accesstoken:`` or a bare ``Authorization`` header. A wrong email
or password answers HTTP 401 ``{"success": false, "error": "Invalid username or password"}``
(the same for both, so emails cannot be probed). The password guard (:mod:`.guard`, shared
with the OAuth endpoints) counts the failures: a locked email or address answers HTTP 429
with ``Retry-After`` until the oldest failure leaves the window, the right password too.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from actions.gateway.guard import Locked, password_user
from actions.gateway.params import read_request
from models.tokens import SCOPES, Token
from schemas.envelope import BadRequest
from schemas.members import ProfileOut

bp = Blueprint("login", __name__)


@bp.route("/api/v1/login", methods=["POST"])
def login():
    """Exchange a user's email and password for an access token."""
    try:
        params = read_request(request).params
    except BadRequest:
        params = {}
    email, password = params.get("username"), params.get("password")
    if not (isinstance(email, str) and email.strip() and isinstance(password, str) and password):
        return refuse(400, "Invalid Post Data")
    try:
        user = password_user(email, password)
    except Locked as err:
        return refuse(429, "Too many failed logins: try again later",
                      {"Retry-After": str(err.retry_after)})
    if user is None:
        return refuse(401, "Invalid username or password")
    _, secret = Token.issue("access", user, list(SCOPES), name="login")
    user.all_teams = [user.team] if user.team_id else []
    body = {"success": True, "accesstoken": secret, "accessToken": secret,
            "user": ProfileOut().dump(user)}
    return jsonify(body), 200, {"X-Subject-Token": secret}


def refuse(status: int, error: str, headers: dict[str, str] | None = None):
    return jsonify(success=False, error=error), status, headers or {}
