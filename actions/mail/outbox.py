"""The mail outbox: a pass *expands* the events due into the changes each recipient is owed,
*composes* each recipient's due changes into one mail (every change at once, or all of a
digest's window as one), and *sends* the mails due under a lease; the morning digests join
them. Each step claims its rows by a compare-and-set statement (a due event by deleting it, a
change by setting its mail, a mail by leasing it), so that any number of senders on any
number of hosts send each mail once. Temporary SMTP failures wait by ``MAIL_BACKOFF``;
permanent ones (5xx) and the last allowed attempt are recorded as failed."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from flask import has_app_context
from peewee import JOIN, fn

from actions.mail import morning, smtp
from actions.mail.compose import Change, message
from actions.mail.recipients import recipients, worth_mailing
from actions.mail.settings import config, from_address, mail_on
from models.base import db
from models.compiled import inserted
from models.counters import MAILS_FAILED, MAILS_SENT, bump
from models.events import QUIET, Event
from models.mail import FAILED, PENDING, SENT, MailChange, MailDue, MailOut, mails, utcnow
from models.members import User
from models.projects import Project
from models.tasks import Task

BATCH = 200
COUNTERS = {SENT: MAILS_SENT, FAILED: MAILS_FAILED}  # for the metrics (never going down)
log = logging.getLogger("taskgate.mail")


class Taken(Exception):
    """Another sender claimed these rows first."""


def due(event: Event) -> bool:
    """Whether ``event`` is to be mailed: mail is on, it matters, and it is no quiet bulk
    change (unless ``MAIL_BULK``)."""
    return (has_app_context() and mail_on() and worth_mailing(event)
            and (not QUIET.get() or config()["MAIL_BULK"]))


def note_due(event: Event) -> None:
    """Keep ``event`` to be mailed."""
    inserted(MailDue(event=event.id))


NOTE_DUE = (due, note_due)  # models.events.AFTER_RECORD's hook


def note_mentions(event: Event | None, emails: list[str]) -> None:
    """The people ``mention`` named in the change: told even with ``notify=mentions``."""
    if event is None or event.id is None or not emails or not has_app_context() \
            or not mail_on():
        return  # an event not due has no id (models.events.record) and no row to mention
    ids = User.select(User.id).where(User.email.in_([e.lower() for e in emails]))
    (MailDue.update(mentions=",".join(str(user.id) for user in ids))
     .where(MailDue.event == event.id).execute())


def mail_pass(clock=utcnow) -> bool:
    """One pass of every step; True when it did something (another pass may follow)."""
    if not mail_on():
        return False
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        made = expand() + compose(clock()) + morning.run(clock())
        sent = send_due(clock)
    finally:
        if opened:
            db.close()
    return bool(made or sent)


def expand() -> int:
    """Changes for the recipients of each due event; the event claimed by deleting it."""
    made = 0
    # Each list is read whole before writing: an open SQLite cursor would hold a read lock.
    for due in list(MailDue.select(MailDue, Event).join(Event).order_by(MailDue.id).limit(BATCH)):
        with db.atomic():
            if MailDue.delete().where(MailDue.id == due.id).execute() != 1:
                continue
            made += expand_one(due.event, [int(i) for i in due.mentions.split(",") if i])
    return made


def expand_one(event: Event, mentions: list[int]) -> int:
    task = Task.get_or_none(Task.id == event.task_id)
    if task is None:
        return 0
    rows = []
    for person in recipients(event, task, mentions, config()["MAIL_NOTIFY"]):
        digest = config()["MAIL_DIGEST"] if person.digest is None else person.digest
        rows.append({"event": event.id, "task": task.id, "address": person.address,
                     "user": person.user.id if person.user else None, "reason": person.reason,
                     "due": event.date_added + dt.timedelta(minutes=digest)})
    if rows:
        MailChange.insert_many(rows).execute()
    return len(rows)


class Loaded:
    """The tasks (with their project) and events (with their author) of one pass, read once
    however many recipients' mails tell of them."""

    def __init__(self) -> None:
        self.tasks: dict[int, Task] = {}
        self.events: dict[int, Event] = {}

    def change(self, row: MailChange) -> Change:
        if row.task_id not in self.tasks:
            self.tasks[row.task_id] = (Task.select(Task, Project).join(Project)
                                       .where(Task.id == row.task_id).get())
        if row.event_id not in self.events:
            self.events[row.event_id] = (Event.select(Event, User).join(User, JOIN.LEFT_OUTER)
                                         .where(Event.id == row.event_id).get())
        return Change(self.events[row.event_id], self.tasks[row.task_id])


def compose(now: dt.datetime) -> int:
    """A mail for each address whose oldest change is due."""
    addresses = (MailChange.select(MailChange.address).where(MailChange.mail.is_null())
                 .group_by(MailChange.address).having(fn.MIN(MailChange.due) <= now))
    made, loaded = 0, Loaded()
    for (address,) in list(addresses.tuples()):
        try:
            with db.atomic():
                made += compose_for(address, now, loaded)
        except Taken:
            continue
    return made


def compose_for(address: str, now: dt.datetime, loaded: Loaded) -> int:
    changes = list(MailChange.select(MailChange, User).join(User, JOIN.LEFT_OUTER)
                   .where(MailChange.address == address, MailChange.mail.is_null())
                   .order_by(MailChange.id))
    digest = any(change.due > loaded.change(change).event.date_added for change in changes)
    groups = [changes] if digest else [[change] for change in changes if change.due <= now]
    for group in groups:
        user = group[0].user if group[0].user_id else None
        mail = message(address, user, [loaded.change(c) for c in group])
        tasks = {c.task_id for c in group}
        out = MailOut.create(address=address, user=user, task=group[0].task_id
                             if len(tasks) == 1 else None, kind="digest" if digest else "change",
                             subject=mail.subject, message_id=mail.message_id,
                             message=mail.raw, changes=len(group))
        ids = [c.id for c in group]
        claimed = (MailChange.update(mail=out.id)
                   .where(MailChange.id.in_(ids), MailChange.mail.is_null()).execute())
        if claimed != len(ids):
            raise Taken()
    return len(groups)


def send_due(clock=utcnow) -> int:
    """Lease and send each mail due, over one SMTP session; the count sent."""
    cfg, sent, session = config(), 0, None
    due = list(MailOut.select().where(
        MailOut.status == PENDING, MailOut.next_attempt <= clock(),
        MailOut.leased_until.is_null() | (MailOut.leased_until < clock()))
        .order_by(MailOut.id).limit(BATCH))
    try:
        for mail in due:
            if not lease(mail, clock(), 60 + 2 * cfg["MAIL_TIMEOUT"]):
                continue
            try:
                session = session or smtp.connect(cfg["SMTP_URL"], cfg["MAIL_TIMEOUT"])
                result = smtp.send(session, mail.message.encode("ascii", "replace"),
                                   from_address(), mail.address)
            except (OSError, smtplib.SMTPException) as err:  # the server is away: later
                settle(mail, smtp.Result(False, False, f"{type(err).__name__}: {err}"),
                       clock())
                break
            settle(mail, result, clock())
            sent += result.ok
    finally:
        smtp.close(session)
    return sent


def lease(mail: MailOut, now: dt.datetime, seconds: float) -> bool:
    claimed = (MailOut.update(leased_until=now + dt.timedelta(seconds=seconds),
                              attempts=MailOut.attempts + 1)
               .where(MailOut.id == mail.id, MailOut.status == PENDING,
                      MailOut.leased_until.is_null() | (MailOut.leased_until < now))
               .execute())
    mail.attempts += claimed
    return claimed == 1


def settle(mail: MailOut, result: smtp.Result, now: dt.datetime) -> None:
    cfg = config()
    changes: dict = {"leased_until": None, "last_error": result.error[:500]}
    if result.ok:
        changes.update(status=SENT, sent=now)
    elif result.permanent or mail.attempts >= cfg["MAIL_MAX_ATTEMPTS"]:
        changes.update(status=FAILED)
        log.warning("mail %s to %s failed: %s", mail.id, mail.address, result.error)
    else:
        schedule = cfg["MAIL_BACKOFF"]
        delay = schedule[min(mail.attempts, len(schedule)) - 1] if schedule else 0
        changes["next_attempt"] = now + dt.timedelta(seconds=delay)
    with db.atomic():
        MailOut.update(**changes).where(MailOut.id == mail.id).execute()
        status = changes.get("status")
        if status in COUNTERS:
            bump(COUNTERS[status], lambda: mails(status))
