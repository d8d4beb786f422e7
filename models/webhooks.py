"""Webhooks and their durable outbox.

A webhook keeps a cursor: the id of the last event it has taken into a delivery. Events are
committed rows (``models.events``), so the outbox is the events table itself: whatever was
committed and is past a webhook's cursor will be sent, even after a restart. A delivery is one
POST (a JSON array of events) frozen at the moment it was made, so every retry sends the same
bytes under the same ``webhook-id``; each try is logged as an attempt.

Several processes may run deliveries at once: each step that takes work claims it with a
compare-and-set ``UPDATE`` (the cursor moves only from the value read; a delivery is leased
only when it is not leased already), which serialises them on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from peewee import (
    BigIntegerField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    OperationalError,
    SqliteDatabase,
    TextField,
    fn,
)

from models.base import BaseModel, db
from models.counters import WEBHOOK_FAILURES, bump
from models.events import Event
from models.ids import IdField

# Worksection's webhook event names, from an event's (object type, action).
EVENT_NAMES = {
    ("task", "post"): "post_task", ("task", "update"): "update_task",
    ("task", "close"): "close_task", ("task", "reopen"): "reopen_task",
    ("task", "delete"): "delete_task", ("comment", "post"): "post_comment",
    ("comment", "update"): "update_comment", ("comment", "delete"): "delete_comment",
    ("project", "post"): "post_project", ("project", "update"): "update_project",
}
ACTIVE, PAUSED = "active", "paused"
PENDING, DELIVERED = "pending", "delivered"


def utcnow() -> dt.datetime:
    """Now as naive UTC, to the microsecond (retry schedules are finer than a second)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Webhook(BaseModel):
    id = IdField()
    url = CharField(max_length=2000)
    events = CharField(max_length=500)  # comma list of EVENT_NAMES values
    projects = CharField(max_length=2000, default="")  # comma list of project ids; "" is all
    http_user = CharField(max_length=200, default="")
    sealed_pass = TextField(default="")  # Basic-auth password, sealed like the API keys
    sealed_secret = TextField()  # the Standard Webhooks signing secret, sealed
    status = CharField(max_length=16, default=ACTIVE)
    failures = IntegerField(default=0)  # consecutive failed attempts
    cursor = BigIntegerField(default=0)  # last event id taken into a delivery
    created = DateTimeField(default=utcnow)

    class Meta:
        table_name = "webhooks"

    def wants(self, event: Event) -> bool:
        """Whether this webhook subscribes to the event (by name and project)."""
        name = EVENT_NAMES.get((event.object_type, event.action))
        projects = self.project_ids
        return name in self.events.split(",") and (
            not projects or event.project_id in projects)

    @property
    def project_ids(self) -> set[int]:
        return {int(p) for p in self.projects.split(",") if p}


class WebhookDelivery(BaseModel):
    id = IdField()
    webhook = ForeignKeyField(Webhook, backref="deliveries", on_delete="CASCADE")
    message_id = CharField(max_length=64, unique=True)  # the webhook-id header, kept on retry
    body = TextField()  # the JSON array exactly as sent
    event_count = IntegerField()
    status = CharField(max_length=16, default=PENDING, index=True)
    attempts = IntegerField(default=0)
    response_code = IntegerField(null=True)  # of the last attempt
    created = DateTimeField(default=utcnow)
    next_attempt = DateTimeField(default=utcnow)
    leased_until = DateTimeField(null=True)  # a sender's claim; a crashed sender's expires
    delivered = DateTimeField(null=True)

    class Meta:
        table_name = "webhook_deliveries"


class WebhookAttempt(BaseModel):
    id = IdField()
    delivery = ForeignKeyField(WebhookDelivery, backref="log", on_delete="CASCADE")
    date = DateTimeField(default=utcnow)
    response_code = IntegerField(null=True)  # None: no HTTP answer (refused, timeout, DNS)
    error = CharField(max_length=500, default="")
    duration_ms = IntegerField(default=0)

    class Meta:
        table_name = "webhook_attempts"


def last_event_id() -> int:
    return Event.select(fn.COALESCE(fn.MAX(Event.id), 0)).scalar()


def safe_horizon() -> int | None:
    """The highest event id below which every event is committed (or never will be).

    SQLite serialises writers, so ids are committed in order and the highest visible id is
    safe. On PostgreSQL ids come from a sequence before commit: a slower transaction may
    commit id 10 after id 11 is visible. ``SHARE`` mode waits for every transaction that has
    inserted into the table and blocks new inserts for the instant of one ``max(id)``, so
    every id up to it is settled. None when the lock cannot be had soon (try again later).
    """
    if isinstance(db.obj, SqliteDatabase):
        return last_event_id()
    try:
        with db.atomic():
            db.execute_sql("SET LOCAL lock_timeout = '2s'")
            db.execute_sql(f'LOCK TABLE "{Event._meta.table_name}" IN SHARE MODE')
            return last_event_id()
    except OperationalError:  # a lock timeout: the next pass will try again
        return None


def move_cursor(webhook: Webhook, to: int) -> bool:
    """Advance the cursor from the value read; False when another sender moved it first."""
    moved = (Webhook.update(cursor=to)
             .where(Webhook.id == webhook.id, Webhook.cursor == webhook.cursor).execute())
    return moved == 1


def heads_due(now: dt.datetime) -> list[WebhookDelivery]:
    """The oldest pending delivery of each active webhook, if it is due and not leased.

    Only the oldest one is tried, so events reach a receiver in order and a failing receiver
    holds back its own queue, never another's."""
    oldest = (WebhookDelivery.select(fn.MIN(WebhookDelivery.id))
              .where(WebhookDelivery.status == PENDING).group_by(WebhookDelivery.webhook))
    return list(WebhookDelivery.select(WebhookDelivery, Webhook).join(Webhook)
                .where(WebhookDelivery.id.in_(oldest), Webhook.status == ACTIVE,
                       WebhookDelivery.next_attempt <= now,
                       WebhookDelivery.leased_until.is_null() |
                       (WebhookDelivery.leased_until < now))
                .order_by(WebhookDelivery.id))


def lease(delivery: WebhookDelivery, now: dt.datetime, seconds: float) -> bool:
    """Claim a delivery for one attempt; False when another sender holds it."""
    until = now + dt.timedelta(seconds=seconds)
    claimed = (WebhookDelivery
               .update(leased_until=until, attempts=WebhookDelivery.attempts + 1)
               .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == PENDING,
                      WebhookDelivery.leased_until.is_null() |
                      (WebhookDelivery.leased_until < now))
               .execute())
    if claimed:
        delivery.attempts += 1
    return claimed == 1


def count_failure(webhook_id: int, pause_after: int) -> None:
    """One more consecutive failure (and one more for the metrics); pause the webhook when
    there are ``pause_after``."""
    bump(WEBHOOK_FAILURES, failed_attempts)
    Webhook.update(failures=Webhook.failures + 1).where(Webhook.id == webhook_id).execute()
    (Webhook.update(status=PAUSED)
     .where(Webhook.id == webhook_id, Webhook.failures >= pause_after).execute())


def count_success(webhook_id: int) -> None:
    Webhook.update(failures=0).where(Webhook.id == webhook_id, Webhook.failures > 0).execute()


def failed_attempts() -> int:
    """The failed attempts stored (what the failures counter starts from)."""
    return WebhookAttempt.select().where(
        WebhookAttempt.response_code.is_null()
        | ~WebhookAttempt.response_code.between(200, 299)).count()
