"""Webhook delivery: signing, the URL probe, the outbound POST and the background sender.

A delivery pass (:func:`run_once`) has two steps. *Queue*: for each active webhook, the
committed events past its cursor that it subscribes to become one delivery (a frozen JSON
array), and the cursor moves, in one transaction. *Send*: the oldest due delivery of each
webhook is leased, POSTed outside any transaction (Basic auth when set, Standard Webhooks
signature, a timeout), and the attempt is logged; a failure schedules a retry by the backoff
list and counts toward the pause. A sender that dies mid-attempt loses only its lease, so the
delivery is tried again: receivers get each event at least once and de-duplicate on
``webhook-id``.

A daemon thread per process runs passes when a write action commits (:func:`wake`) and every
``WEBHOOK_POLL`` seconds; ``flask --app app deliver-webhooks`` runs them from the command line.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from peewee import JOIN

from models.base import db
from models.events import Event
from models.keys import unseal
from models.members import User
from models.webhooks import (
    ACTIVE,
    DELIVERED,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    count_failure,
    count_success,
    heads_due,
    last_event_id,
    lease,
    move_cursor,
    safe_horizon,
    utcnow,
)
from schemas.events import EventOut

Clock = Callable[[], dt.datetime]

BATCH = 100  # events per delivery at most
MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer worth reading
USER_AGENT = "Taskgate-Webhooks/1"

event_out = EventOut()


# signing (Standard Webhooks) -----------------------------------------------------------------

def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>``; the key is the secret decoded."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers_for(secret: str, message_id: str, body: str, user: str = "",
                password: str = "") -> dict[str, str]:
    stamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "webhook-id": message_id, "webhook-timestamp": str(stamp),
               "webhook-signature": sign(secret, message_id, stamp, body)}
    if user or password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return headers


# the receiver's address (SSRF guard) ------------------------------------------------------------

def address_allowed(url: str, allow_private: bool) -> bool:
    """Whether every address the URL's host resolves to is public (or private ones are allowed).
    A host that does not resolve is left to fail on its own."""
    if allow_private:
        return True
    try:
        infos = socket.getaddrinfo(urlsplit(url).hostname, None)
    except (OSError, UnicodeError):
        return True
    return all(is_public(info[4][0]) for info in infos)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


# one POST ----------------------------------------------------------------------------------------

class Outcome(NamedTuple):
    code: int | None  # None when no HTTP answer came (refused, timed out, not resolved)
    error: str
    answer: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        # Standard Webhooks: any 2xx is a success (the probe alone insists on {"status":"OK"}).
        return self.code is not None and 200 <= self.code < 300


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following it could reach an address the guard refused."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body`` and report what happened; never raises for a network problem."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.monotonic()
    code, error, answer = None, "", ""
    try:
        with OPENER.open(request, timeout=timeout) as response:
            code = response.status
            answer = response.read(MAX_ANSWER).decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        code, error = err.code, f"HTTP {err.code}"
        err.close()
    except urllib.error.URLError as err:
        error = str(err.reason)
    except (OSError, http.client.HTTPException, ValueError) as err:
        error = str(err) or err.__class__.__name__
    return Outcome(code, error[:500], answer, int((time.monotonic() - started) * 1000))


def probe(url: str, secret: str, user: str, password: str, timeout: float) -> bool:
    """Worksection's check of a new URL: it must answer 200 with ``{"status": "OK"}``."""
    message_id = "msg_probe_" + secrets.token_hex(8)
    outcome = post(url, "[]", headers_for(secret, message_id, "[]", user, password), timeout)
    return outcome.code == 200 and answers_ok(outcome.answer)


def answers_ok(answer: str) -> bool:
    try:
        body = json.loads(answer)
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("status", "")).upper() == "OK"


# a delivery pass ----------------------------------------------------------------------------------

class Stats(NamedTuple):
    queued: int
    delivered: int
    failed: int

    @property
    def busy(self) -> bool:
        return any(self)


def run_once(clock: Clock = utcnow) -> Stats:
    """Queue the new events, then try the due deliveries once; needs an app context."""
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        queued = queue_events()
        delivered, failed = send_due(current_app.config, clock)
    finally:
        if opened:
            db.close()
    return Stats(queued, delivered, failed)


def queue_events() -> int:
    """Turn the settled events past each active webhook's cursor into deliveries."""
    behind = Webhook.select().where(Webhook.status == ACTIVE, Webhook.cursor < last_event_id())
    if not behind.exists():  # the usual idle pass: no lock taken
        return 0
    horizon = safe_horizon()
    if horizon is None:
        return 0
    queued = 0
    for webhook in Webhook.select().where(Webhook.status == ACTIVE, Webhook.cursor < horizon):
        while webhook.cursor < horizon:
            made = queue_batch(webhook, horizon)
            if made is None:
                break
            queued += made
    return queued


def queue_batch(webhook: Webhook, horizon: int) -> int | None:
    """One delivery from the next events (0 when none is wanted); None when another sender
    took these events first."""
    with db.atomic():
        events = list(Event.select(Event, User).join(User, JOIN.LEFT_OUTER)
                      .where(Event.id > webhook.cursor, Event.id <= horizon)
                      .order_by(Event.id).limit(BATCH))
        to = events[-1].id if len(events) == BATCH else horizon
        if not move_cursor(webhook, to):
            return None
        items = [event_out.dump(event) for event in events if webhook.wants(event)]
        if items:
            WebhookDelivery.create(webhook=webhook, message_id="msg_" + secrets.token_hex(12),
                                   body=json.dumps(items, ensure_ascii=False),
                                   event_count=len(items))
    webhook.cursor = to
    return 1 if items else 0


def send_due(config: Any, clock: Clock) -> tuple[int, int]:
    """Try each webhook's oldest due delivery once; (delivered, failed)."""
    delivered = failed = 0
    lease_seconds = 60 + 4 * config["WEBHOOK_TIMEOUT"]
    for delivery in heads_due(clock()):
        if not lease(delivery, clock(), lease_seconds):
            continue
        started = clock()
        outcome = send(delivery, config)
        settle(delivery, outcome, started, clock(), config)
        delivered, failed = delivered + outcome.ok, failed + (not outcome.ok)
    return delivered, failed


def send(delivery: WebhookDelivery, config: Any) -> Outcome:
    webhook = delivery.webhook
    if not address_allowed(webhook.url, config["WEBHOOK_ALLOW_PRIVATE"]):
        return Outcome(None, "address not allowed", "", 0)
    master = config["SECRET_KEY"]
    password = unseal(webhook.sealed_pass, master) if webhook.sealed_pass else ""
    headers = headers_for(unseal(webhook.sealed_secret, master), delivery.message_id,
                          delivery.body, webhook.http_user, password)
    return post(webhook.url, delivery.body, headers, config["WEBHOOK_TIMEOUT"])


def settle(delivery: WebhookDelivery, outcome: Outcome, started: dt.datetime,
           now: dt.datetime, config: Any) -> None:
    """Log the attempt; mark the delivery done, or schedule its retry and count the failure."""
    with db.atomic():
        if not WebhookDelivery.select().where(WebhookDelivery.id == delivery.id).exists():
            return  # the webhook was deleted meanwhile
        WebhookAttempt.create(delivery=delivery.id, date=started, response_code=outcome.code,
                              error=outcome.error, duration_ms=outcome.duration_ms)
        changes: dict[str, Any] = {"response_code": outcome.code, "leased_until": None}
        if outcome.ok:
            changes.update(status=DELIVERED, delivered=now)
        else:
            delay = backoff(config["WEBHOOK_BACKOFF"], delivery.attempts)
            changes["next_attempt"] = now + dt.timedelta(seconds=delay)
        WebhookDelivery.update(**changes).where(WebhookDelivery.id == delivery.id).execute()
        if outcome.ok:
            count_success(delivery.webhook_id)
        else:
            count_failure(delivery.webhook_id, config["WEBHOOK_PAUSE_AFTER"])


def backoff(schedule: Sequence[float], attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure (the last step repeats)."""
    return float(schedule[min(attempts, len(schedule)) - 1]) if schedule else 0.0


# the background sender -------------------------------------------------------------------------

class Sender(threading.Thread):
    """Runs delivery passes for one app: at once after a wake-up, else every poll interval."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="taskgate-webhooks", daemon=True)
        self.app = app
        self.wakeup = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            busy = False
            try:
                with self.app.app_context():
                    busy = run_once().busy
            except Exception:  # a bad pass must not end the thread; the next one retries
                self.app.logger.exception("webhook delivery pass failed")
            if not busy:
                self.wakeup.wait(self.app.config["WEBHOOK_POLL"])
                self.wakeup.clear()


_sender: Sender | None = None
_starting = threading.Lock()


def start_sender(app: Flask) -> None:
    """Make sure this process runs a sender for ``app`` (a forked worker starts its own)."""
    global _sender
    if _sender is not None and _sender.app is app and _sender.is_alive():
        return
    with _starting:
        if _sender is None or _sender.app is not app or not _sender.is_alive():
            stop_sender()
            _sender = Sender(app)
            _sender.start()


def stop_sender(timeout: float = 10) -> None:
    global _sender
    if _sender is not None:
        _sender.stopping.set()
        _sender.wakeup.set()
        _sender.join(timeout)
        _sender = None


def wake() -> None:
    """A write action committed: let the sender look for new events now."""
    if _sender is not None:
        _sender.wakeup.set()


def sender_wanted(app: Flask) -> bool:
    """``WEBHOOK_WORKER``: True/False; unset means on, except in tests and in CLI commands
    other than ``flask run`` (``init-db`` must not start sending)."""
    setting = app.config["WEBHOOK_WORKER"]
    if setting is not None:
        return bool(setting)
    if app.testing:
        return False
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


def init_app(app: Flask) -> None:
    """Start the sender (now, and again in a forked worker) and add ``deliver-webhooks``."""
    if sender_wanted(app):
        start_sender(app)
        app.before_request(lambda: start_sender(app))

    @app.cli.command("deliver-webhooks")
    @click.option("--passes", default=100, help="Stop after this many passes.")
    def deliver_webhooks(passes: int) -> None:
        """Send the pending webhook deliveries now (retries that are due included)."""
        total = Stats(0, 0, 0)
        for _ in range(passes):
            stats = run_once()
            total = Stats(*(a + b for a, b in zip(total, stats, strict=True)))
            if not stats.busy:
                break
        click.echo(f"queued {total.queued}, delivered {total.delivered}, "
                   f"failed {total.failed}")
