"""A delivery pass: queue the new events of each webhook, then send the due deliveries.

A delivery pass (:func:`run_once`) has two steps. *Queue*: for each active webhook, the
committed events past its cursor that it subscribes to become one delivery (a frozen JSON
array), and the cursor moves, in one transaction. *Send*: the oldest due delivery of each
webhook is leased, POSTed outside any transaction (Basic auth when set, Standard Webhooks
signature, a timeout), and the attempt is logged; a failure schedules a retry by the backoff
list and counts toward the pause. A sender that dies mid-attempt loses only its lease, so the
delivery is tried again: receivers get each event at least once and de-duplicate on
``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from flask import current_app
from peewee import JOIN

from actions.delivery.outbound import Outcome, Refused, post, resolve
from actions.delivery.signing import headers_for
from models.base import db
from models.events import Event
from models.keys import unseal
from models.members import User
from models.settings import setting
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
from schemas.events import WebhookEventOut

Clock = Callable[[], dt.datetime]

BATCH = 100  # events per delivery at most

event_out = WebhookEventOut()


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
    address = resolve(webhook.url, config["WEBHOOK_ALLOW_PRIVATE"])
    if isinstance(address, Refused):
        return Outcome(None, f"address not allowed: {address.reason}", "", 0)
    master = config["SECRET_KEY"]
    password = unseal(webhook.sealed_pass, master) if webhook.sealed_pass else ""
    headers = headers_for(unseal(webhook.sealed_secret, master), delivery.message_id,
                          delivery.body, webhook.http_user, password)
    return post(webhook.url, delivery.body, headers, config["WEBHOOK_TIMEOUT"], address)


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
            count_failure(delivery.webhook_id, pause_after(config))


def pause_after(config: Any) -> int:
    """Failed attempts in a row that pause a webhook: the setting, else the configuration."""
    return setting("webhook_pause_after") or config["WEBHOOK_PAUSE_AFTER"]


def backoff(schedule: Sequence[float], attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure (the last step repeats)."""
    return float(schedule[min(attempts, len(schedule)) - 1]) if schedule else 0.0
