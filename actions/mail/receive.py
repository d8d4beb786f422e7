"""Mail coming in (``flask mail-receive`` on standard input, ``flask mail-fetch`` over IMAP).

A reply to a notification becomes a comment on its task by the user its token names, when the
sender's address is that user's; the quoted history and the signature are cut
(mail-parser-reply) and the attachments become the comment's files through the upload checks.
A mail to a project's address (its ``mail_alias``, or ``<alias>+<project id>``) from a user or
a known contact becomes a task. Nothing loops: automatic mails, bounces, list mail and our own
mails are dropped; unknown senders create nothing; each sender has an hourly limit.

The exit codes are sysexits', as an MTA's pipe expects: 0 taken (or dropped on purpose),
65 malformed or refused content, 67 no such sender or addressee, 75 try again later.
"""

from __future__ import annotations

import datetime as dt
import logging
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import NamedTuple

from actions.caller import Caller, calling_as
from actions.mail.compose import OWN_HEADER
from actions.mail.content import attachments, reply_text, whole_text
from actions.mail.settings import config, from_address, inbound_domain
from actions.mail.tokens import read_reply_token
from actions.registry import dispatch
from models.base import transaction
from models.mail import MailIn, ProjectAlias, utcnow
from models.members import Contact, User
from models.tasks import Task
from schemas.envelope import ApiError

TAKEN, DATAERR, NOUSER, TEMPFAIL = 0, 65, 67, 75
TARGET_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
log = logging.getLogger("taskgate.mail")


class Outcome(NamedTuple):
    code: int
    what: str  # comment, task, dropped, refused, unknown, duplicate, limited, malformed
    detail: str = ""


def receive(raw: bytes) -> Outcome:
    """Take one RFC 822 message; what became of it."""
    if not raw.strip() or len(raw) > config()["MAX_CONTENT_LENGTH"]:
        return logged(Outcome(DATAERR, "malformed", "empty or too large"), "", "")
    try:
        mail = BytesParser(policy=policy.default).parsebytes(raw)
        sender = parseaddr(str(mail.get("From", "")))[1].lower()
        message_id = str(mail.get("Message-ID", "")).strip()[:500]
    except (ValueError, TypeError, IndexError) as err:
        return logged(Outcome(DATAERR, "malformed", str(err)[:200]), "", "")
    if "@" not in sender:
        return logged(Outcome(DATAERR, "malformed", "no sender address"), "", message_id)
    return logged(take(mail, sender, message_id), sender, message_id)


def take(mail: EmailMessage, sender: str, message_id: str) -> Outcome:
    if (reason := loop_reason(mail, sender)) is not None:
        return Outcome(TAKEN, "dropped", reason)
    if message_id and MailIn.select().where(MailIn.message_id == message_id,
                                            MailIn.outcome.in_(("comment", "task"))).exists():
        return Outcome(TAKEN, "duplicate", "taken before")
    since = utcnow() - dt.timedelta(hours=1)
    if MailIn.select().where(MailIn.sender == sender, MailIn.date >= since,
                             MailIn.outcome != "dropped").count() >= config()["MAIL_IN_LIMIT"]:
        return Outcome(TEMPFAIL, "limited", "too many mails from this sender this hour")
    locals_ = target_locals(mail)
    for local in locals_:
        base, _, tag = local.partition("+")
        if tag and base.lower() == from_address().partition("@")[0] and not tag.isdigit():
            return reply(mail, sender, tag)
    for local in locals_:
        if (project_id := project_for(local)) is not None:
            return new_task(mail, sender, project_id)
    return Outcome(NOUSER, "unknown", "no reply token or project address")


def loop_reason(mail: EmailMessage, sender: str) -> str | None:
    """Why this mail must not be answered by a change (which would mail again), if so."""
    auto = str(mail.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if "X-Autoreply" in mail or "X-Autorespond" in mail:  # older vacation responders
        return "an automatic reply"
    if sender.partition("@")[0] in ("mailer-daemon", "postmaster"):
        return "a bounce"
    if str(mail.get("Return-Path", "")).strip() in ("<>", ""):
        if "Return-Path" in mail:
            return "a bounce (empty return path)"
    if str(mail.get("Precedence", "")).strip().lower() in ("bulk", "list", "junk",
                                                           "auto_reply"):
        return "bulk or list mail"
    if OWN_HEADER in mail or sender == from_address():
        return "a mail Taskgate sent"
    return None


def target_locals(mail: EmailMessage) -> list[str]:
    """The local parts of the addresses at the inbound domain the mail was sent to."""
    domain = inbound_domain()
    found = []
    for _, address in getaddresses([str(v) for h in TARGET_HEADERS
                                    for v in mail.get_all(h, [])]):
        local, _, at = address.rpartition("@")
        if local and at.lower() == domain:
            found.append(local)
    return list(dict.fromkeys(found))


def reply(mail: EmailMessage, sender: str, token: str) -> Outcome:
    pair = read_reply_token(token)
    if pair is None:
        return Outcome(NOUSER, "refused", "forged, altered or expired reply token")
    user = User.get_or_none(User.id == pair[1])
    if user is None or not user.is_active or user.email != sender or user.role == "reader":
        return Outcome(NOUSER, "refused", "the sender is not the user the token names")
    if Task.get_or_none(Task.id == pair[0]) is None:
        return Outcome(NOUSER, "refused", "the task is gone")
    params = {"id_task": pair[0], "text": reply_text(mail), "attach": attachments(mail)}
    return run(Caller(user=user), "post_comment", params, "comment")


def project_for(local: str) -> int | None:
    """The project of ``alias@`` or ``alias+<its id>@``: an id names the alias's own project,
    never another one (a known contact could otherwise write into any project by its id)."""
    base, _, tag = local.lower().partition("+")
    alias = ProjectAlias.get_or_none(ProjectAlias.alias == base)
    if alias is None or (tag.isdigit() and tag != str(alias.project_id)):
        return None
    return alias.project_id


def new_task(mail: EmailMessage, sender: str, project_id: int) -> Outcome:
    title = " ".join(str(mail.get("Subject", "")).split())[:500] or "(no subject)"
    text, files = whole_text(mail), attachments(mail)
    user = User.by_email(sender)
    if user is not None and user.is_active and user.role != "reader":
        return run(Caller(user=user), "post_task",
                   {"id_project": project_id, "title": title, "text": text, "attach": files},
                   "task")
    contact = Contact.get_or_none(Contact.email == sender)
    if contact is None:
        return Outcome(NOUSER, "unknown", "the sender is no user or contact")
    text = f"From {contact.name or sender} <{sender}>\n\n{text}"
    return run(Caller(), "post_task",
               {"id_project": project_id, "title": title, "text": text, "attach": files}, "task")


def run(caller: Caller, name: str, params: dict, what: str) -> Outcome:
    if not params.get("text") and not params.get("attach"):
        return Outcome(DATAERR, "refused", "nothing but quoted text")
    try:
        with calling_as(caller), transaction():
            result = dispatch(name, {k: v for k, v in params.items() if v})
    except ApiError as err:
        return Outcome(DATAERR if err.status_code in (10, 11) else NOUSER, "refused",
                       err.message)
    return Outcome(TAKEN, what, str(result.get("id", "")) if isinstance(result, dict) else "")


def logged(outcome: Outcome, sender: str, message_id: str) -> Outcome:
    log.info("mail in from %s: %s %s", sender or "?", outcome.what, outcome.detail)
    with transaction():
        MailIn.create(message_id=message_id, sender=sender[:254], outcome=outcome.what,
                      detail=outcome.detail[:500])
    return outcome
