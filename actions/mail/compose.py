"""A notification as a message: plain text and HTML (every user-written text escaped, no
remote image), the subject with the project and the task, each change (who, what, old → new),
the comment, links; threading headers per task, a Reply-To carrying a signed token, and a
one-click List-Unsubscribe (RFC 8058)."""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any, NamedTuple

from actions.mail.settings import from_header, inbound_domain, public_url, reply_address
from actions.mail.tokens import reply_token, unsubscribe_token
from models.events import Event
from models.members import User
from models.tasks import Task

LABELS = {"title": "name", "text": "description", "priority": "priority",
          "user_to": "executive", "date_start": "start", "date_end": "due date",
          "time_start": "start time", "time_end": "end time", "date_closed": "closed",
          "max_time": "time estimate", "max_money": "budget"}
LINE_BREAKS = re.compile(r"[\r\n\t]+")
OWN_HEADER = "X-Taskgate-Mail"  # our mails carry it: one coming back in is dropped


class Change(NamedTuple):
    event: Event
    task: Task


class Part(NamedTuple):
    """One change as a few lines: a heading and the body (both plain, unescaped)."""

    heading: str
    lines: list[str]


def who(event: Event) -> str:
    user = event.user if event.user_id else None
    return (user.name or user.email) if user else "Someone"


def shown(value: Any) -> str:
    if isinstance(value, dict):
        return value.get("name") or value.get("email") or "nobody"
    return str(value) if value not in (None, "") else "—"


def describe(event: Event) -> Part:
    """What happened, in words."""
    new, old = event.new_values or {}, event.old_values or {}
    if event.object_type == "comment":
        return Part(f"{who(event)} commented", str(new.get("text", "")).splitlines())
    if event.action == "post":
        return Part(f"{who(event)} created the task", str(new.get("text", "")).splitlines())
    if event.action in ("close", "reopen"):
        verb = "completed" if event.action == "close" else "reopened"
        return Part(f"{who(event)} {verb} the task", [])
    lines = [f"{LABELS.get(key, key)}: {shown(old.get(key))} → {shown(value)}"
             for key, value in new.items() if key not in ("subscribers", "tags")]
    return Part(f"{who(event)} changed the task", lines)


def one_line(text: str) -> str:
    return LINE_BREAKS.sub(" ", text).strip()[:300]


def task_title(task: Task) -> str:
    return f"[{one_line(task.project.name)}] {one_line(task.name)}"


def subject(changes: list[Change]) -> str:
    tasks = {change.task.id: change.task for change in changes}
    if len(tasks) == 1:
        title = task_title(changes[0].task)
        return title if len(changes) == 1 else f"{title} ({len(changes)} changes)"
    return f"[Taskgate] {len(changes)} changes in {len(tasks)} tasks"


def thread_id(task: Task) -> str:
    return f"<task-{task.id}@{inbound_domain()}>"


def link(task: Task) -> str:
    return public_url() + task.page


def text_body(changes: list[Change], user: User | None) -> str:
    out: list[str] = []
    for change in changes:
        part = describe(change.event)
        out += [task_title(change.task), f"{part.heading}:" if part.lines else part.heading]
        out += [f"  {line}" for line in part.lines]
        out += [link(change.task), ""]
    if user is not None and len({c.task.id for c in changes}) == 1:
        out.append("Reply to this mail to comment on the task.")
    return "\n".join(out) + "\n"


def html_body(changes: list[Change], user: User | None) -> str:
    esc = html.escape
    blocks = []
    for change in changes:
        part = describe(change.event)
        body = "<br>".join(esc(line) for line in part.lines)
        blocks.append(
            f'<h3 style="margin:16px 0 4px">{esc(task_title(change.task))}</h3>'
            f"<p><b>{esc(part.heading)}</b></p>"
            + (f'<blockquote style="margin:0 0 8px 8px">{body}</blockquote>' if body else "")
            + f'<p><a href="{esc(link(change.task))}">Open the task</a></p>')
    return ("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">"
            + "".join(blocks) + "</body></html>")


def message(address: str, user: User | None, changes: list[Change]) -> EmailMessage:
    """The mail telling ``address`` of ``changes`` (one task: threaded, answerable)."""
    name = (user.name if user else "") or ""
    mail = EmailMessage()
    mail["Subject"] = subject(changes)
    mail["From"] = from_header()
    mail["To"] = formataddr((one_line(name), address))
    mail["Date"] = formatdate()
    mail["Message-ID"] = make_msgid("taskgate", inbound_domain())
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-reply comes back
    mail["X-Auto-Response-Suppress"] = "All"
    mail[OWN_HEADER] = "notification"
    tasks = {change.task.id for change in changes}
    if len(tasks) == 1:
        task = changes[0].task
        mail["In-Reply-To"] = thread_id(task)
        mail["References"] = thread_id(task)
        if user is not None:
            answerable(mail, task, user)
    mail.set_content(text_body(changes, user), cte="quoted-printable")
    mail.add_alternative(html_body(changes, user), subtype="html", cte="quoted-printable")
    return mail


def answerable(mail: EmailMessage, task: Task, user: User) -> None:
    """Reply-To with the reply token; the one-click unsubscribe link (RFC 8058)."""
    mail["Reply-To"] = reply_address(reply_token(task.id, user.id))
    url = f"{public_url()}/mail/unsubscribe/{unsubscribe_token(task.id, user.id)}"
    mail["List-Unsubscribe"] = f"<{url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def plain_message(address: str, title: str, text: str, html_text: str) -> EmailMessage:
    """A mail that is no task's (the morning digest)."""
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = one_line(title), from_header(), address
    mail["Date"] = formatdate()
    mail["Message-ID"] = make_msgid("taskgate", inbound_domain())
    mail["Auto-Submitted"] = "auto-generated"
    mail[OWN_HEADER] = "digest"
    mail.set_content(text, cte="quoted-printable")
    mail.add_alternative(html_text, subtype="html", cte="quoted-printable")
    return mail
