"""Worksection's morning digest: once a day, at ``MAIL_MORNING_HOUR`` of the account's time
zone, each user who asked for it (``update_user morning_digest=1``) gets one mail of their
overdue tasks and of those due within ``MAIL_DUE_SOON_DAYS``, as executive, author or
subscriber. The day is claimed by a row, so that one host makes it."""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peewee import IntegrityError

from actions.mail.compose import link, plain_message, task_title
from actions.mail.settings import config
from models.base import db
from models.mail import MailMorning, MailOut, MailPreference
from models.members import User
from models.projects import Project
from models.settings import setting
from models.tasks import Task, TaskSubscriber


def local_now(now: dt.datetime) -> dt.datetime:
    try:
        zone = ZoneInfo(setting("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.replace(tzinfo=dt.UTC).astimezone(zone)


def run(now: dt.datetime) -> int:
    """Make the digests due now; the count made."""
    local = local_now(now)
    if local.hour < config()["MAIL_MORNING_HOUR"]:
        return 0
    done = MailMorning.select(MailMorning.user).where(MailMorning.day == local.date())
    wanting = (User.select().join(MailPreference, on=MailPreference.user == User.id)
               .where(MailPreference.morning == True, User.is_active,  # noqa: E712
                      User.id.not_in(done)))
    return sum(digest_for(user, local.date()) for user in list(wanting))


def digest_for(user: User, today: dt.date) -> int:
    try:
        with db.atomic():
            MailMorning.create(user=user, day=today)
            tasks = tasks_of(user, today)
            if tasks:
                queue(user, today, tasks)
    except IntegrityError:  # another sender made it
        return 0
    return 1 if tasks else 0


def tasks_of(user: User, today: dt.date) -> list[Task]:
    soon = today + dt.timedelta(days=config()["MAIL_DUE_SOON_DAYS"])
    subscribed = TaskSubscriber.select(TaskSubscriber.task).where(TaskSubscriber.user == user)
    return list(Task.select(Task, Project).join(Project)
                .where(Task.status == "active", Task.date_end.is_null(False),
                       Task.date_end <= soon,
                       (Task.user_to == user) | (Task.author == user) | Task.id.in_(subscribed))
                .order_by(Task.date_end, Task.id).limit(200))


def queue(user: User, today: dt.date, tasks: list[Task]) -> None:
    lines, items = [], []
    for task in tasks:
        state = "overdue" if task.date_end < today else "due"
        lines += [f"{task_title(task)} ({state} {task.date_end:%Y-%m-%d})", link(task), ""]
        items.append(f'<li><a href="{html.escape(link(task))}">{html.escape(task_title(task))}'
                     f"</a> ({state} {task.date_end:%Y-%m-%d})</li>")
    title = f"[Taskgate] Your tasks on {today:%Y-%m-%d}"
    mail = plain_message(user.email, title, "\n".join(lines),
                         f"<!DOCTYPE html><html><body><ul>{''.join(items)}</ul></body></html>")
    MailOut.create(address=user.email, user=user, kind="morning", subject=title,
                   message_id=mail.message_id, message=mail.raw, changes=len(tasks))
