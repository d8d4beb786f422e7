"""Trudesk's password login, ``POST /api/v1/login``: a user with a password (``flask
set-password``) gets an access token from ``username`` (the email) and ``password`` in one
call, with no OAuth client, answered as Trudesk answers it::

    {"success": true, "accesstoken": "...", "accessToken": "...", "user": {...}}

The token works on ``/api/oauth2`` like any user token (all scopes, 24 hours), in
``Authorization: Bearer``, ``accesstoken:`` or a bare ``Authorization`` header. A wrong email
or password answers HTTP 401 ``{"success": false, "error": "Invalid username or password"}``
(the same for both, so emails cannot be probed). After ``LOGIN_MAX_FAILURES`` (5) failures
for one email within ``LOGIN_FAILURE_WINDOW`` seconds (900) every login for it answers HTTP
429 with ``Retry-After`` until the oldest failure leaves the window, the right password too.
"""

from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, current_app, jsonify, request

from actions.gateway.params import read_request
from models.base import db, now
from models.logins import LoginFailure
from models.tokens import SCOPES, Token, UserPassword
from schemas.envelope import BadRequest
from schemas.members import ProfileOut

bp = Blueprint("login", __name__)
MAX_FAILURES, WINDOW = 5, 900


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
    email = email.strip().lower()
    wait = seconds_locked(email)
    if wait:
        return refuse(429, "Too many failed logins: try again later", {"Retry-After": str(wait)})
    user = UserPassword.check(email, password)
    with db.atomic():
        if user is None:
            LoginFailure.create(email=email)
            return refuse(401, "Invalid username or password")
        LoginFailure.delete().where(LoginFailure.email == email).execute()
        _, secret = Token.issue("access", user, list(SCOPES), name="login")
    user.all_teams = [user.team] if user.team_id else []
    body = {"success": True, "accesstoken": secret, "accessToken": secret,
            "user": ProfileOut().dump(user)}
    return jsonify(body), 200, {"X-Subject-Token": secret}


def seconds_locked(email: str) -> int:
    """How long ``email`` stays locked out (0: not locked)."""
    limit = int(current_app.config.get("LOGIN_MAX_FAILURES", MAX_FAILURES))
    window = dt.timedelta(seconds=int(current_app.config.get("LOGIN_FAILURE_WINDOW", WINDOW)))
    recent = list(LoginFailure.select(LoginFailure.date_added)
                  .where(LoginFailure.email == email, LoginFailure.date_added > now() - window)
                  .order_by(LoginFailure.date_added.desc()).limit(limit))
    if len(recent) < limit:
        return 0
    return max(1, math.ceil((recent[-1].date_added + window - now()).total_seconds()))


def refuse(status: int, error: str, headers: dict[str, str] | None = None):
    return jsonify(success=False, error=error), status, headers or {}
