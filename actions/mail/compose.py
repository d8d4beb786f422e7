"""A notification as a message: plain text and HTML (every user-written text escaped, no
remote image), the subject with the project and the task, each change (who, what, old → new),
the comment, links; threading headers per task, a Reply-To carrying a signed token, and a
one-click List-Unsubscribe (RFC 8058)."""

from __future__ import annotations

import html
import re
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
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
WIRE = compat32.clone(linesep="\r\n")
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP  # readable in the raw message, 7-bit safe


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


class Built(NamedTuple):
    """A message ready for the outbox: its subject, its Message-ID and its bytes (ASCII,
    CRLF line ends: what an SMTP server is given)."""

    subject: str
    message_id: str
    raw: str


def message(address: str, user: User | None, changes: list[Change]) -> Built:
    """The mail telling ``address`` of ``changes`` (one task: threaded, answerable)."""
    headers = [("To", formataddr((one_line((user.name if user else "") or ""), address),
                                 charset="utf-8"))]
    if len({change.task.id for change in changes}) == 1:
        task = changes[0].task
        headers += [("In-Reply-To", thread_id(task)), ("References", thread_id(task))]
        if user is not None:
            headers += answerable(task, user)
    return built(subject(changes), "notification", headers, text_body(changes, user),
                 html_body(changes, user))


def answerable(task: Task, user: User) -> list[tuple[str, str]]:
    """Reply-To with the reply token; the one-click unsubscribe link (RFC 8058)."""
    url = f"{public_url()}/mail/unsubscribe/{unsubscribe_token(task.id, user.id)}"
    return [("Reply-To", reply_address(reply_token(task.id, user.id))),
            ("List-Unsubscribe", f"<{url}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]


def plain_message(address: str, title: str, text: str, html_text: str) -> Built:
    """A mail that is no task's (the morning digest)."""
    return built(one_line(title), "digest", [("To", address)], text, html_text)


def built(title: str, kind: str, headers: list[tuple[str, str]], text: str,
          html_text: str) -> Built:
    # email.mime (compat32) rather than EmailMessage: the same message, several times faster
    # to make, which is the sender's main cost.
    mail = MIMEMultipart("alternative")
    message_id = make_msgid("taskgate", inbound_domain())
    for name, value in [("Subject", Header(title, "utf-8") if not title.isascii() else title),
                        ("From", from_header()), *headers, ("Date", formatdate()),
                        ("Message-ID", message_id),
                        ("Auto-Submitted", "auto-generated"),  # RFC 3834: no auto-reply back
                        ("X-Auto-Response-Suppress", "All"), (OWN_HEADER, kind)]:
        mail[name] = value
    mail.attach(MIMEText(text, "plain", UTF8))
    mail.attach(MIMEText(html_text, "html", UTF8))
    return Built(title, message_id, mail.as_bytes(policy=WIRE).decode("ascii"))
