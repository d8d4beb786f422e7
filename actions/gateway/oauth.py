"""User tokens: the OAuth2 endpoints, the access-token check of ``/api/oauth2``, the CLI.

Endpoints (GET or POST; parameters in the query, a form or a JSON body), as Worksection's:

- ``/oauth2/authorize`` (``client_id``, ``redirect_uri``, ``scope``, ``state``,
  ``response_type=code``): there is no login page, so the user's ``username`` (email) and
  ``password`` must be POSTed in the body with these parameters; the answer redirects to
  ``redirect_uri`` with ``code`` (valid 10 minutes) and ``state``.
- ``/oauth2/token``: ``grant_type`` ``authorization_code`` (``code``, ``redirect_uri``),
  ``refresh_token`` (``refresh_token``) or ``password`` (``username``, ``password``, optional
  ``scope``: all scopes by default); ``/oauth2/refresh`` is the refresh grant alone. Each needs
  ``client_id`` and ``client_secret`` and answers ``{token_type, expires_in, access_token,
  refresh_token, account_url}``. A code or a refresh token works once; replaying a code
  revokes every token obtained from it.
- ``/oauth2/resource`` (``client_id``, ``client_secret``, ``access_token``): the token's user.

Errors answer ``{"error": ..., "errorDescription": ...}`` with HTTP 200, as Worksection's do.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, jsonify, redirect, request

from actions.gateway.guard import Locked, password_user, secret_client
from actions.gateway.params import read_request
from actions.gateway.proxy import public_url
from models.base import db
from models.members import User
from models.tokens import LIFETIMES, SCOPES, OAuthClient, Token, parse_scopes
from schemas.envelope import BadRequest

LOOPBACK = ("localhost", "127.0.0.1", "::1")

bp = Blueprint("oauth2", __name__, url_prefix="/oauth2")


class OAuthError(Exception):
    """An OAuth endpoint's error: ``{"error": error, "errorDescription": description}``."""

    def __init__(self, error: str, description: str, http_status: int = 200,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.error, self.description = error, description
        self.http_status, self.headers = http_status, headers or {}


@bp.errorhandler(OAuthError)
def oauth_error(err: OAuthError):
    return jsonify(error=err.error, errorDescription=err.description), err.http_status, err.headers


@bp.errorhandler(Locked)
def locked(err: Locked):
    """The password guard refused: HTTP 429, as the login endpoint answers it."""
    return oauth_error(OAuthError("temporarily_unavailable",
                                  "Too many failed logins: try again later", 429,
                                  {"Retry-After": str(err.retry_after)}))


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """Issue an authorization code to a user who POSTs their password; redirect with it."""
    params = oauth_params()
    client = OAuthClient.get_or_none(OAuthClient.client_id == need(params, "client_id"))
    if client is None:
        raise OAuthError("invalid_client", "Client authentication failed")
    redirect_uri = need(params, "redirect_uri")
    if not client.allows_redirect(redirect_uri):
        raise OAuthError("invalid_request", "Invalid redirect URI")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "Check the `response_type` parameter")
    scopes = requested_scopes(need(params, "scope"))
    _, code = Token.issue("code", login(params), scopes, client=client, redirect_uri=redirect_uri)
    return redirect(with_query(redirect_uri, code=code, state=params.get("state")))


@bp.route("/token", methods=["GET", "POST"])
def token():
    """Exchange an authorization code, a refresh token or a user's password for tokens."""
    params = oauth_params()
    client = client_of(params)
    grant = GRANTS.get(need(params, "grant_type"))
    if grant is None:
        raise OAuthError("unsupported_grant_type", "The authorization grant type is not "
                         "supported by the authorization server.")
    return grant(client, params)


@bp.route("/refresh", methods=["GET", "POST"])
def refresh():
    """Exchange a refresh token for new tokens."""
    params = oauth_params()
    client = client_of(params)
    if params.get("grant_type", "refresh_token") != "refresh_token":
        raise OAuthError("unsupported_grant_type", "Check the `grant_type` parameter")
    return refresh_grant(client, params)


@bp.route("/resource", methods=["GET", "POST"])
def resource():
    """The user of an access token obtained by this client."""
    params = oauth_params()
    client = client_of(params)
    token = Token.find("access", need(params, "access_token"))
    if token is None or token.revoked_at is not None or token.client_id != client.id:
        raise OAuthError("not_authorized", "Access token is invalid")
    if token.expired:
        raise OAuthError("not_authorized", "Access token is expired")
    user = token.user
    return jsonify(id=str(user.id), first_name=user.first_name, last_name=user.last_name,
                   email=user.email, account_url=public_url())


def code_grant(client: OAuthClient, params: dict):
    code = Token.find("code", need(params, "code"))
    if code is None:
        raise OAuthError("invalid_request", "Cannot decrypt the authorization code")
    if code.client_id != client.id:
        raise OAuthError("invalid_request", "Authorization code was not issued to this client")
    if code.revoked_at is not None:
        code.revoke_family()  # a replayed code: whoever holds its tokens may not be the user
        raise OAuthError("invalid_request", "Authorization code has been revoked")
    if code.expired:
        raise OAuthError("invalid_request", "Authorization code has expired")
    if params.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_request", "Invalid redirect URI")
    if not code.use_once():
        raise OAuthError("invalid_request", "Authorization code has been revoked")
    return issue_tokens(code.user, code.scope_list, client, grant=code)


def refresh_grant(client: OAuthClient, params: dict):
    old = Token.find("refresh", need(params, "refresh_token"))
    if old is None:
        raise OAuthError("invalid_request", "Cannot decrypt the refresh token")
    if old.client_id != client.id:
        raise OAuthError("invalid_request", "Token is not linked to client")
    if old.expired:
        raise OAuthError("invalid_request", "Token has expired")
    if old.revoked_at is not None or not old.use_once():
        old.revoke_family()  # reused: whoever holds its family may not be the user
        raise OAuthError("invalid_request", "Token has been revoked")
    return issue_tokens(old.user, old.scope_list, client, grant=old.family)


def password_grant(client: OAuthClient, params: dict):
    user = password_user(need(params, "username"), need(params, "password"))
    if user is None:
        raise OAuthError("invalid_grant", "The user credentials were incorrect.")
    scopes = requested_scopes(need(params, "scope")) if params.get("scope") else list(SCOPES)
    return issue_tokens(user, scopes, client)


GRANTS = {"authorization_code": code_grant, "refresh_token": refresh_grant,
          "password": password_grant}


def issue_tokens(user: User, scopes: list[str], client: OAuthClient, grant=None):
    """A new access and refresh token pair, in Worksection's token answer."""
    if not user.is_active:
        raise OAuthError("access_denied", "User is disabled")
    with db.atomic():  # without a grant, the refresh token starts a family
        first, refresh_token = Token.issue("refresh", user, scopes, client=client, grant=grant)
        _, access = Token.issue("access", user, scopes, client=client, grant=grant or first)
    return jsonify(token_type="Bearer", expires_in=int(LIFETIMES["access"].total_seconds()),
                   access_token=access, refresh_token=refresh_token,
                   account_url=public_url())


def oauth_params() -> dict:
    try:
        return dict(read_request(request).params)
    except BadRequest as err:
        raise OAuthError("invalid_request", err.message) from None


def need(params: dict, name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise OAuthError("invalid_request", f"Check the `{name}` parameter")
    return value


def client_of(params: dict) -> OAuthClient:
    client_id, secret = params.get("client_id"), params.get("client_secret")
    client = (secret_client(client_id, secret)
              if isinstance(client_id, str) and isinstance(secret, str) else None)
    if client is None:
        raise OAuthError("invalid_client", "Client authentication failed")
    return client


def requested_scopes(text: str) -> list[str]:
    try:
        scopes = parse_scopes(text)
    except ValueError as err:
        raise OAuthError("invalid_scope", f"Check the `{err}` scope") from None
    if not scopes:
        raise OAuthError("invalid_scope", "Check the `scope` parameter")
    return scopes


def login(params: dict) -> User:
    """The user whose email and password were POSTed in the body (never in the URL)."""
    if request.method != "POST" or "password" in request.args:
        raise OAuthError("access_denied", "POST the user's username (email) and password in "
                         "the body: this server has no login page")
    user = password_user(need(params, "username"), need(params, "password"))
    if user is None:
        raise OAuthError("access_denied", "The user credentials were incorrect.")
    return user


def with_query(uri: str, **values: str | None) -> str:
    query = urlencode({k: v for k, v in values.items() if isinstance(v, str)})
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{query}"


def redirect_uri_ok(uri: str) -> bool:
    """HTTPS, or plain HTTP to this machine (a desktop app or a test)."""
    parts = urlsplit(uri)
    return bool(parts.netloc) and not parts.fragment and (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK))
