"""Rate limits (off by default): per caller, per IP for failed signatures, shared via Redis.

``RATE_LIMIT`` (e.g. ``"60/minute"``, several joined by ``;``) counts the API requests of each
caller: the API key (a rotated key's old secret ``NAME~<id>`` counts as ``NAME``) or the user
of an access token. Requests with no caller (a failed signature, the OAuth2 endpoints,
``/openapi.json``, ``/docs``) count per client IP. ``RATE_LIMIT_FAILED_AUTH`` (e.g.
``"20/minute"``) counts failed signatures per IP: once it is used up, that IP's requests are
refused before their signature is checked, so guessing cannot go on. Over a limit the answer
is HTTP 429 with ``Retry-After`` and the error envelope, code 429. The health endpoints are
never counted.

Counts live in ``RATE_LIMIT_STORAGE``: ``memory://`` is per process (N workers allow N times
the limit), ``redis://host:6379`` is shared by every process and host. Windows are moving
windows, so a burst at a window's edge cannot pass twice the limit. If the storage fails, the
request is let through and the failure logged: a Redis outage must not take the API down.

This uses the ``limits`` library directly (the one Flask-Limiter is built on) rather than
Flask-Limiter: the caller is only known once the signature has been checked inside the one
dispatch route (a hash names no key; each key is tried), which a before-request ``key_func``
would have to do a second time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, current_app, jsonify, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from actions.caller import Caller
from schemas.envelope import BadHash, TokenInvalid, TooManyRequests, fail

COUNTED_IN_VIEW = ("api", "api_v1", "api_path", "user_api")  # counted once the caller is known
EXEMPT = ("healthz", "readyz")
FAILED_SIGNATURE = (BadHash, TokenInvalid)  # what counts as a guess
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}  # the URI may override


class Counter:
    """Moving-window counts in the configured storage (``RATE_LIMIT_STORAGE``)."""

    def __init__(self, config: dict) -> None:
        self.prefix = config["RATE_LIMIT_PREFIX"]
        uri = config["RATE_LIMIT_STORAGE"]
        options = REDIS_TIMEOUTS if uri.startswith("redis") else {}
        self.limiter = MovingWindowRateLimiter(
            storage_from_string(uri, wrap_exceptions=True, **options))
        self.failing = False

    def count(self, items: list[RateLimitItem], bucket: str, who: str,
              what: str = "Too many requests") -> None:
        """Count one request of ``who``; ``TooManyRequests`` when a limit is used up."""
        for item in items:
            if not self.storage_call(self.limiter.hit, item, self.prefix, bucket, who):
                raise TooManyRequests(f"{what}: the limit is {per(item)}",
                                      self.retry_after(item, bucket, who))

    def refuse_if_used_up(self, items: list[RateLimitItem], bucket: str, who: str,
                          what: str) -> None:
        for item in items:
            if not self.storage_call(self.limiter.test, item, self.prefix, bucket, who):
                raise TooManyRequests(f"{what}: the limit is {per(item)}",
                                      self.retry_after(item, bucket, who))

    def forget(self, items: list[RateLimitItem], bucket: str, who: str) -> None:
        for item in items:
            self.storage_call(self.limiter.clear, item, self.prefix, bucket, who, failed=None)

    def retry_after(self, item: RateLimitItem, bucket: str, who: str) -> int:
        stats = self.storage_call(self.limiter.get_window_stats, item, self.prefix, bucket, who,
                                  failed=None)
        reset = stats.reset_time if stats is not None else time.time() + item.get_expiry()
        return max(1, math.ceil(reset - time.time()))

    def storage_call(self, method: Callable, *args: str | RateLimitItem, failed=True):
        """The storage's answer; when it fails, ``failed`` (admit) and log once per outage."""
        try:
            answer = method(*args)
        except StorageError as err:
            if not self.failing:
                current_app.logger.error("rate limit storage failed, not limiting: %r",
                                         err.storage_error)
            self.failing = True
            return failed
        if self.failing:
            current_app.logger.warning("rate limit storage works again")
            self.failing = False
        return answer


class RateLimits(Counter):
    """The configured limits of one app and the storage that counts them."""

    def __init__(self, config: dict) -> None:
        super().__init__(config)
        self.per_caller = limits_of(config["RATE_LIMIT"])
        self.failed_auth = limits_of(config["RATE_LIMIT_FAILED_AUTH"])


def configure(app: Flask) -> bool:
    """Set up the configured limits; False when none is (nothing is then counted)."""
    if not (app.config["RATE_LIMIT"] or app.config["RATE_LIMIT_FAILED_AUTH"]):
        return False
    app.extensions["rate_limits"] = RateLimits(app.config)
    return True


def limits() -> RateLimits | None:
    """This app's limits, or None when none is configured."""
    return current_app.extensions.get("rate_limits")


def refuse_guessing() -> None:
    """Refuse every request of an IP whose failed signatures used up their limit."""
    found = limits()
    if found is not None:
        found.refuse_if_used_up(found.failed_auth, "failed", client_ip(),
                                "Too many failed signatures")


def count_failed_signature() -> None:
    """A signature or token was refused: count it against the IP, both limits."""
    found = limits()
    if found is not None:
        ip = client_ip()
        found.count(found.failed_auth, "failed", ip, "Too many failed signatures")
        found.count(found.per_caller, "ip", ip)


def admit(who: Caller) -> None:
    """Count one request of an authenticated caller against its limit."""
    found = limits()
    if found is not None:
        found.count(found.per_caller, *caller_bucket(who))


def caller_bucket(found: Caller) -> tuple[str, str]:
    if found.user is not None:
        return "user", str(found.user.id)
    return "key", found.key.family if found.key else "none"


def count_by_ip() -> None:
    """Routes without a caller (OAuth2 endpoints, docs, unknown paths) count per IP."""
    if request.endpoint in COUNTED_IN_VIEW or request.endpoint in EXEMPT:
        return
    limits: RateLimits = current_app.extensions["rate_limits"]
    limits.count(limits.per_caller, "ip", client_ip())


def too_many(err: TooManyRequests):
    return jsonify(fail(err)), err.http_status, {"Retry-After": str(err.retry_after)}


def client_ip() -> str:
    return request.remote_addr or "unknown"


def limits_of(setting: str | None) -> list[RateLimitItem]:
    """``"60/minute"`` (or ``"60/minute;1000/hour"``) as limit items; None or "" is no limit."""
    if not setting:
        return []
    try:
        return parse_many(str(setting))
    except ValueError:
        raise ValueError(f"rate limit {setting!r}: expected e.g. '60/minute'") from None


def per(item: RateLimitItem) -> str:
    """``60 per minute``, ``100 per 5 minutes``."""
    unit = item.GRANULARITY.name
    return f"{item.amount} per {unit}" if item.multiples == 1 else (
        f"{item.amount} per {item.multiples} {unit}s")
