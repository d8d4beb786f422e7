"""The Taskgate application factory: configuration, the database, then the gateway, the
webhook sender and the commands."""

from __future__ import annotations

import inspect
import os
import secrets
from typing import Any

from flask import Flask

from actions import cli, delivery, gateway, mail
from actions.gateway.json_provider import OrjsonProvider
from models.base import UnsupportedDatabase, bind, connect_database

DEFAULTS: dict[str, Any] = {
    "API_KEY": None,  # fixes the admin key of a fresh install (automation)
    "OWNER_EMAIL": "owner@example.com",  # the account owner created by the first init-db
    "AUTH_CLOCK_SKEW": 300,  # seconds either way for timestamped signatures
    "ADMIN_HEADER": True,  # accept Authorization: Admin <ts>_<hmac>, which signs only the action
    "LEGACY_HASH": True,  # accept md5(page + action + key), which signs no other parameter
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,  # bytes of the largest request body
    "MAX_FORM_MEMORY_SIZE": 1024 * 1024,  # bytes of one form field held in memory
    "MAX_FORM_PARTS": 1000,  # fields and files of a multipart body
    "MAX_QUERY_LENGTH": 16 * 1024,  # bytes of query string; longer is refused (414)
    "MAX_BODY_BEFORE_AUTH": 256 * 1024,  # a form or JSON body holding its own hash or action
    "MAX_FILE_SIZE": 25 * 1024 * 1024,  # bytes per uploaded file
    "WEBHOOK_ALLOW_PRIVATE": False,  # refuse receivers on loopback/private addresses (SSRF)
    "WEBHOOK_TIMEOUT": 5,  # seconds a receiver has to answer (Worksection's limit)
    "WEBHOOK_BACKOFF": [10, 30, 60, 300, 900, 1800, 3600],  # seconds before retry n; last repeats
    "WEBHOOK_PAUSE_AFTER": 10,  # consecutive failed attempts that pause a webhook
    "WEBHOOK_WORKER": None,  # the delivery thread; None: on, except in tests and CLI commands
    "WEBHOOK_POLL": 5,  # seconds between delivery passes when no write wakes the thread
    "IDEMPOTENCY_TTL": 24 * 3600,  # seconds an idempotency key answers retries of a write
    "RATE_LIMIT": None,  # requests per caller, e.g. "60/minute"
    "RATE_LIMIT_FAILED_AUTH": None,  # failed signatures per IP, e.g. "20/minute"
    "RATE_LIMIT_STORAGE": "memory://",  # redis://host:6379 shares counts between processes
    "RATE_LIMIT_PREFIX": "taskgate",  # keeps installs on one Redis apart
    "PUBLIC_URL": None,  # the address clients use, e.g. https://tasks.example.com
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-* headers are trusted
    "METRICS_TOKEN": None,  # /metrics then needs Authorization: Bearer <token>
    # Mail (docs/email.md): notifications go out only with an SMTP_URL.
    "SMTP_URL": None,  # smtp://user:pass@host:587?starttls=1, smtps://host:465, smtp://host:25
    "MAIL_FROM": "Taskgate <taskgate@localhost>",  # also the base of the reply addresses
    "MAIL_DOMAIN": None,  # the inbound domain of reply and project addresses; None: MAIL_FROM's
    "MAIL_NOTIFY": "all",  # a user's default: all, mentions or off
    "MAIL_DIGEST": 0,  # a user's default minutes that changes wait to go out as one mail
    "MAIL_MORNING_HOUR": 8,  # the morning digest's hour in the account's time zone
    "MAIL_DUE_SOON_DAYS": 2,  # the morning digest's "due soon"
    "MAIL_BULK": False,  # True: an inbound hook's for_each mails too
    "MAIL_TIMEOUT": 20,  # seconds an SMTP or IMAP server has to answer
    "MAIL_BACKOFF": [30, 120, 600, 1800, 3600],  # seconds before retry n; the last repeats
    "MAIL_MAX_ATTEMPTS": 12,  # then a mail is recorded as failed
    "IMAP_URL": None,  # imaps://user:pass@host/INBOX for flask mail-fetch
    "IMAP_DONE_FOLDER": "Taskgate",  # where mail-fetch moves what it took
    "IMAP_REFUSED_FOLDER": "Taskgate-refused",  # and what it refused
    "REPLY_TOKEN_DAYS": 90,  # a reply address stays valid this long
    "MAIL_IN_LIMIT": 30,  # mails taken from one sender per hour
    "LOGIN_MAX_FAILURES": 5,  # failed logins for one email that lock it for the window
    "LOGIN_FAILURE_WINDOW": 900,  # seconds failed logins are counted over
    "HOOK_MAX_PAYLOAD": 1024 * 1024,  # bytes an inbound hook's sender may POST
    "HOOK_CALL_DAYS": 30,  # days the inbound hooks' call log (and its delivery ids) is kept
}


class Taskgate(Flask):
    """Flask, without asking at every request whether each hook and view is a coroutine
    (``inspect.iscoroutinefunction``, eight times a request): a plain function's code says so
    at once; and without searching the URL map for the API's own paths, nor binding it to
    their requests until a URL is built."""

    def ensure_sync(self, func):
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & inspect.CO_COROUTINE:
            return func
        return super().ensure_sync(func)

    def request_context(self, environ):
        return gateway.request_context(self, environ)

    def create_url_adapter(self, request):
        return gateway.url_adapter(self, request, super().create_url_adapter)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Taskgate(__name__, instance_relative_config=True,
                instance_path=os.environ.get("TASKGATE_INSTANCE_PATH"))  # one per host
    os.makedirs(app.instance_path, exist_ok=True)
    sqlite_file = os.path.join(app.instance_path, "taskgate.sqlite")
    app.config.from_mapping(
        DEFAULTS,
        DATABASE_URL=f"sqlite:///{sqlite_file}",  # or postgresql://user@host:5432/db
        FILES_DIR=os.path.join(app.instance_path, "files"),  # uploads, by content hash
        FILES_URL=None,  # s3://bucket/prefix: uploads in an object store instead
        SECRET_KEY=None,  # the master secret that encrypts the stored keys; else a file
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TASKGATE")
    else:
        app.config.update(test_config)
    app.config["SECRET_KEY"] = str(app.config.get("SECRET_KEY") or instance_secret(app))
    if app.config["API_KEY"] is not None:  # from_prefixed_env reads an all-digit key as a number
        app.config["API_KEY"] = str(app.config["API_KEY"])
    app.json = OrjsonProvider(app)  # the same bytes as Flask's own, faster; keeps field order

    try:
        bind(connect_database(app.config["DATABASE_URL"]))
    except UnsupportedDatabase as err:  # every command and worker: one line, no traceback
        raise SystemExit(f"Error: {err}") from None
    gateway.init_app(app)
    delivery.init_app(app)
    mail.init_app(app)
    cli.init_app(app)
    return app


def instance_secret(app: Flask) -> str:
    """The install's master secret: ``instance/secret_key``, created (mode 0600) on first use."""
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    with open(path) as handle:
        return handle.read().strip()
