"""The one guard on every password and client secret: the Trudesk login, ``/oauth2/authorize``,
the password grant and every OAuth client's secret go through :func:`password_user` or
:func:`secret_client`, the metrics token through :func:`install_secret`, and nothing else
checks a password.

Failed checks are counted in the rate-limit storage (``RATE_LIMIT_STORAGE``: per process with
``memory://``, shared by every worker and host with Redis), in two moving windows of
``LOGIN_FAILURE_WINDOW`` seconds (900):

- per account (an email, or a client id): ``LOGIN_MAX_FAILURES`` (5) failures lock it, through
  every door and from every address, the right password too;
- per client address: ``LOGIN_MAX_FAILURES_PER_ADDRESS`` (20) failures, whatever the accounts,
  lock every door for that address. This is tested before any password hash is computed, so
  a flood of new emails costs one scrypt per allowed failure, then nothing.

A locked door raises :class:`Locked` (``retry_after`` seconds). Nothing is written to the
database: an unknown email costs no row. A success forgets the account's failures (never the
address's). The limits are on by default; 0 turns one off.
"""

from __future__ import annotations

import hmac

from flask import Flask, current_app
from limits import RateLimitItem, RateLimitItemPerSecond

from actions.gateway.rate_limits import Counter, client_ip
from models.members import User
from models.tokens import OAuthClient, UserPassword
from schemas.envelope import TooManyRequests

DEFAULTS = {"LOGIN_MAX_FAILURES": 5, "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
            "LOGIN_FAILURE_WINDOW": 900}
LOCKED = "Too many failed logins"


class Locked(Exception):
    """Too many failures for this account or address: refuse until ``retry_after``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(LOCKED)
        self.retry_after = retry_after


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.extensions["password_guard"] = Counter(app.config)


def password_user(email: str, password: str) -> User | None:
    """The active user with this email and password, None when wrong; ``Locked`` first."""
    email = email.strip().lower()
    return guarded("email:" + email, lambda: UserPassword.check(email, password))


def secret_client(client_id: str, secret: str) -> OAuthClient | None:
    """The client with this id and secret, None when wrong; ``Locked`` first."""
    return guarded("client:" + client_id, lambda: OAuthClient.authenticated(client_id, secret))


def install_secret(given: str, expected: str) -> bool:
    """Whether ``given`` is the install's secret ``expected`` (compared in constant time);
    ``Locked`` first."""
    match = hmac.compare_digest(given.encode(), expected.encode())
    return guarded(None, lambda: True if match else None) is not None


def guarded(account: str | None, check):
    """Refuse a locked account or address, else run ``check`` and count a failure (None)."""
    counter: Counter = current_app.extensions["password_guard"]
    buckets = [(per_account(), "account", account), (per_address(), "address", client_ip())]
    buckets = [bucket for bucket in buckets if bucket[2] is not None]
    try:
        for items, bucket, who in buckets:
            counter.refuse_if_used_up(items, f"login-{bucket}", who, LOCKED)
        found = check()
        for items, bucket, who in buckets if found is None else ():
            counter.count(items, f"login-{bucket}", who, LOCKED)
    except TooManyRequests as err:
        raise Locked(err.retry_after) from None
    if found is not None and account is not None:
        counter.forget(per_account(), "login-account", account)
    return found


def per_account() -> list[RateLimitItem]:
    return limit("LOGIN_MAX_FAILURES")


def per_address() -> list[RateLimitItem]:
    return limit("LOGIN_MAX_FAILURES_PER_ADDRESS")


def limit(name: str) -> list[RateLimitItem]:
    amount = int(current_app.config[name] or 0)
    window = int(current_app.config["LOGIN_FAILURE_WINDOW"])
    return [RateLimitItemPerSecond(amount, window)] if amount > 0 else []
