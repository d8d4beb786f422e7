"""Mail: the outbox (events due to be mailed, the changes each recipient is owed, the mails
made of them), the preferences behind it, and the log of mail taken in.

An event is due to be mailed when its write action leaves a ``MailDue`` row beside it (only
while SMTP is configured, and not for bulk changes). A sender *expands* it into one
``MailChange`` per recipient, *composes* a recipient's due changes into one ``MailOut`` (the
message frozen, so a retry sends the same bytes), and *sends* it under a lease. Each step
claims its rows with a compare-and-set statement, so that any number of senders on any number
of hosts send each mail once.
"""

from __future__ import annotations

import datetime as dt

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.base import BaseModel
from models.events import Event
from models.ids import IdField
from models.members import Team, User
from models.projects import Project
from models.tasks import Task

NOTIFY_CHOICES = ("all", "mentions", "off")
DIGEST_CHOICES = (0, 15, 60, 1440)  # minutes that several changes wait to go out as one mail
PENDING, SENT, FAILED = "pending", "sent", "failed"
MAIL_STATES = (PENDING, SENT, FAILED)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class MailDue(BaseModel):
    """An event whose recipients are still to be worked out (``mentions``: user ids)."""

    id = IdField()
    event = ForeignKeyField(Event, unique=True, on_delete="CASCADE")
    mentions = CharField(max_length=2000, default="")

    class Meta:
        table_name = "mail_due"


class MailOut(BaseModel):
    """One mail to one address: frozen at composition, sent under a lease, retried."""

    id = IdField()
    address = CharField(max_length=254, index=True)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    task = ForeignKeyField(Task, null=True, on_delete="SET NULL")
    kind = CharField(max_length=16)  # change, digest, morning
    subject = CharField(max_length=1000)
    message_id = CharField(max_length=200, unique=True)
    message = TextField()  # the RFC 5322 message as sent
    changes = IntegerField(default=1)
    status = CharField(max_length=16, default=PENDING, index=True)
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=500, default="")
    created = DateTimeField(default=utcnow)
    next_attempt = DateTimeField(default=utcnow)
    leased_until = DateTimeField(null=True)
    sent = DateTimeField(null=True)

    class Meta:
        table_name = "mail_out"


class MailChange(BaseModel):
    """A change one address is owed, until it goes out in a mail (``mail`` set)."""

    id = IdField()
    event = ForeignKeyField(Event, on_delete="CASCADE")
    task = ForeignKeyField(Task, null=True, on_delete="CASCADE")
    address = CharField(max_length=254)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    reason = CharField(max_length=16)  # subscriber, executive, mention, team
    due = DateTimeField()
    mail = ForeignKeyField(MailOut, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "mail_changes"
        indexes = ((("mail", "address"), False),)


class MailPreference(BaseModel):
    """``update_user notify=... notify_digest=... morning_digest=...``."""

    user = ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
    notify = CharField(max_length=16, null=True)  # None: the MAIL_NOTIFY setting
    digest = IntegerField(null=True)  # None: MAIL_DIGEST
    morning = BooleanField(default=False)

    class Meta:
        table_name = "mail_preferences"


class MailMorning(BaseModel):
    """The day a user's morning digest was made (one per user and day, across hosts)."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    day = DateField()

    class Meta:
        table_name = "mail_mornings"
        primary_key = CompositeKey("user", "day")


class MailMute(BaseModel):
    """A user who unsubscribed from a task by the link of a mail."""

    task = ForeignKeyField(Task, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        table_name = "mail_mutes"
        primary_key = CompositeKey("task", "user")


class TeamNotify(BaseModel):
    """A team's notification list (``add_user_group``/``update_user_group notify=``)."""

    team = ForeignKeyField(Team, primary_key=True, on_delete="CASCADE")
    emails = TextField(default="")  # comma list

    class Meta:
        table_name = "team_notify"


class ProjectAlias(BaseModel):
    """A project's address: ``update_project mail_alias=support`` → support@<domain>."""

    project = ForeignKeyField(Project, primary_key=True, on_delete="CASCADE")
    alias = CharField(max_length=64, unique=True)

    class Meta:
        table_name = "project_aliases"


class MailIn(BaseModel):
    """A mail taken in or refused: the log, the per-sender rate and the duplicate check."""

    id = IdField()
    message_id = CharField(max_length=500, index=True)
    sender = CharField(max_length=254, index=True)
    outcome = CharField(max_length=32)  # comment, task, dropped, refused, ...
    detail = CharField(max_length=500, default="")
    date = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "mail_in"


def preference(user_id: int | None) -> MailPreference | None:
    return MailPreference.get_or_none(MailPreference.user == user_id) if user_id else None


def mails(status: str) -> int:
    """The mails stored with ``status`` (what the sent and failed counters start from)."""
    return MailOut.select().where(MailOut.status == status).count()
