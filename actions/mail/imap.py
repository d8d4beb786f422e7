"""``flask mail-fetch``: take the mails of an IMAP mailbox
(``IMAP_URL=imaps://user:pass@host/INBOX``, or ``imap://...?starttls=1``) and move each one
taken to ``IMAP_DONE_FOLDER`` (the refused ones to ``IMAP_REFUSED_FOLDER``), so that a
restart takes nothing twice (a mail taken but not yet moved is known by its Message-ID)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import IMAPClient

from actions.mail.receive import TAKEN, TEMPFAIL, Outcome, receive


class Mailbox(NamedTuple):
    host: str
    port: int
    tls: bool
    starttls: bool
    user: str
    password: str
    folder: str


def mailbox(url: str) -> Mailbox:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("IMAP_URL must start with imap:// or imaps://")
    tls = parts.scheme == "imaps"
    starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
    return Mailbox(parts.hostname or "localhost", parts.port or (993 if tls else 143), tls,
                   starttls, unquote(parts.username or ""), unquote(parts.password or ""),
                   unquote(parts.path.lstrip("/")) or "INBOX")


def connect(box: Mailbox, timeout: float) -> IMAPClient:
    client = IMAPClient(box.host, port=box.port, ssl=box.tls, timeout=timeout,
                        ssl_context=ssl.create_default_context() if box.tls else None)
    if box.starttls:
        client.starttls(ssl.create_default_context())
    client.login(box.user, box.password)
    return client


def fetch_once(url: str, done: str, refused: str, timeout: float,
               take: Callable[[bytes], Outcome] = receive) -> list[Outcome]:
    """Take every mail in the mailbox's folder now; what became of each."""
    box = mailbox(url)
    client = connect(box, timeout)
    try:
        for folder in (done, refused):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        client.select_folder(box.folder)
        outcomes = []
        for uid in client.search("ALL"):
            raw = client.fetch([uid], ["RFC822"]).get(uid, {}).get(b"RFC822")
            if raw is None:
                continue
            outcome = take(raw)
            outcomes.append(outcome)
            if outcome.code != TEMPFAIL:  # a limited sender's mail waits for the next poll
                move(client, uid, done if outcome.code == TAKEN else refused)
        return outcomes
    finally:
        try:
            client.logout()
        except (OSError, ssl.SSLError):
            pass


def move(client: IMAPClient, uid: int, folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], folder)
    else:
        client.copy([uid], folder)
        client.delete_messages([uid])
        client.expunge([uid])
