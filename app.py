"""The Taskgate application factory: configuration, the API route, the error handlers, the CLI."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import click
from flask import Flask, current_app, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

import actions.catalogue  # noqa: F401 - importing it registers every action
from actions import (
    delivery,
    health,
    idempotency,
    oauth,
    operations,
    rate_limits,
    redaction,
    signed_urls,
)
from actions.auth import SignedRequest, verify
from actions.context import Caller, calling_as
from actions.envelope import ActionRequired, ApiError, BadHash, Forbidden, Internal, fail, ok
from actions.files import Download
from actions.http import read_request
from actions.registry import ACTIONS, Action
from models.base import bind, connect_database, db, transaction
from models.install import ADMIN_KEY_NAME, ensure_install
from models.keys import ApiKey

API_PATHS = ("/api/admin/v2", "/api/admin/v2/", "/api/admin/v2.1", "/api/admin/v2.1/")
USER_PATHS = ("/api/oauth2", "/api/oauth2/")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        DATABASE_URL=f"sqlite:///{os.path.join(app.instance_path, 'taskgate.sqlite')}",
        API_KEY=None,  # fixes the admin key of a fresh install (automation)
        OWNER_EMAIL="owner@example.com",
        AUTH_CLOCK_SKEW=300,  # seconds either way for timestamped signatures
        LEGACY_HASH=True,  # accept md5(page + action + key), which signs no other parameter
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        FILES_DIR=os.path.join(app.instance_path, "files"),  # uploads, by content hash
        MAX_FILE_SIZE=25 * 1024 * 1024,  # bytes per uploaded file
        WEBHOOK_ALLOW_PRIVATE=False,  # refuse receivers on loopback/private addresses (SSRF)
        WEBHOOK_TIMEOUT=5,  # seconds a receiver has to answer (Worksection's limit)
        WEBHOOK_BACKOFF=[10, 30, 60, 300, 900, 1800, 3600],  # seconds before retry n; last repeats
        WEBHOOK_PAUSE_AFTER=10,  # consecutive failed attempts that pause a webhook
        WEBHOOK_WORKER=None,  # the delivery thread; None: on, except in tests and CLI commands
        WEBHOOK_POLL=5,  # seconds between delivery passes when no write wakes the thread
        IDEMPOTENCY_TTL=24 * 3600,  # seconds an idempotency key answers retries of a write
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TASKGATE")
    else:
        app.config.update(test_config)
    app.config["SECRET_KEY"] = str(app.config.get("SECRET_KEY") or instance_secret(app))
    if app.config["API_KEY"] is not None:  # from_prefixed_env reads an all-digit key as a number
        app.config["API_KEY"] = str(app.config["API_KEY"])
    app.json.sort_keys = False  # Worksection's field order, not the alphabet

    bind(connect_database(app.config["DATABASE_URL"]))
    app.before_request(open_db)
    app.teardown_request(close_db)
    for path in API_PATHS:
        app.add_url_rule(path, "api" if path == API_PATHS[0] else None, api,
                         methods=["GET", "POST"], strict_slashes=False)
    for path in USER_PATHS:
        app.add_url_rule(path, "user_api" if path == USER_PATHS[0] else None, user_api,
                         methods=["GET", "POST"], strict_slashes=False)
    oauth.init_app(app)  # /oauth2/* endpoints, create-client, create-token, set-password
    operations.init_app(app)  # keys and sign-url commands, /openapi.json, /docs
    register_error_handlers(app)
    register_cli(app)
    delivery.init_app(app)
    health.init_app(app)  # /healthz, /readyz: no signature, no database session, no limit
    rate_limits.init_app(app)  # RATE_LIMIT, RATE_LIMIT_FAILED_AUTH, RATE_LIMIT_STORAGE
    redaction.init_app(app)  # hash=, signature=, access_token= masked in the logs
    return app


def api():
    """Check the admin signature, run one action in one transaction, answer with the envelope."""
    return run_action(admin_caller)


def user_api():
    """Check the user's access token, then run the action as ``api`` does."""
    return run_action(oauth.token_caller)


def run_action(authenticated: Callable[[SignedRequest, Action | None], Caller]):
    """Run one action as the caller ``authenticated`` finds, in one transaction."""
    req = read_request(request)
    if not req.action:
        raise ActionRequired()
    spec = ACTIONS.get(req.action)
    who = rate_limits.admit(authenticated, req, spec)  # the signature, then the rate limit
    with calling_as(who), transaction(writes=spec is None or spec.writes):
        result = idempotency.dispatch_once(req, spec, request.headers.get(idempotency.HEADER))
    if spec is not None and spec.writes:
        delivery.wake()  # committed: webhooks may have new events to send
    if isinstance(result, idempotency.Stored):
        return result.response()
    if isinstance(result, Download):
        return send_download(result)
    return jsonify(ok(result))


def send_download(download: Download):
    """Raw bytes, named as Worksection names them (clients read ``filename*``)."""
    response = send_file(download.path, mimetype="application/x-download")
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(download.name, safe='')}")
    return response


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


def open_db() -> None:
    db.connect(reuse_if_open=True)


def close_db(_exc: BaseException | None) -> None:
    if not db.is_closed():
        db.close()


def register_error_handlers(app: Flask) -> None:
    """Every failure answers with the error envelope; none shows a traceback."""

    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        return jsonify(fail(err)), err.http_status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        problem = ApiError(f"{err.code} {err.name}: {err.description}", details=request.path)
        problem.status_code = err.code or 500
        return jsonify(fail(problem)), err.code

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unhandled error in %s", request.path)
        return jsonify(fail(Internal())), 500


def instance_secret(app: Flask) -> str:
    """The install's master secret: ``instance/secret_key``, created (mode 0600) on first use."""
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    with open(path) as handle:
        return handle.read().strip()


def register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create the tables, the owner and the admin key (safe to run again)."""
        secret = ensure_install(app.config["SECRET_KEY"], app.config["OWNER_EMAIL"],
                                app.config["API_KEY"])
        click.echo(f"Database ready: {db_location(app)}")
        if secret:
            click.echo(f"Admin API key (shown once): {secret}")

    @app.cli.command("api-key")
    def show_api_key() -> None:
        """Print the admin API key (it is stored encrypted; this decrypts it)."""
        key = ApiKey.get(ApiKey.name == ADMIN_KEY_NAME)
        click.echo(key.secret(app.config["SECRET_KEY"]))

    @app.cli.command("actions")
    def list_actions() -> None:
        """List every action with its one-line description."""
        for name in sorted(ACTIONS):
            spec = ACTIONS[name]
            alias = f" (alias of {spec.canonical})" if spec.canonical != name else ""
            click.echo(f"{name:28} {spec.doc}{alias}")


def db_location(app: Flask) -> str:
    url = app.config["DATABASE_URL"]
    return url.split("@")[-1] if "@" in url else url
