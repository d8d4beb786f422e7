"""Mail commands: ``deliver-mail`` (the outbox's sender), ``mail-receive`` (one message on
standard input, for an MTA's pipe) and ``mail-fetch`` (an IMAP mailbox)."""

from __future__ import annotations

import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from actions.mail.imap import fetch_once
from actions.mail.outbox import mail_pass
from actions.mail.receive import TEMPFAIL, receive
from models.base import db


@click.command("deliver-mail")
@click.option("--forever", is_flag=True, help="Keep sending until SIGTERM or Ctrl-C.")
@with_appcontext
def deliver_mail(forever: bool) -> None:
    """Send the notification mails that are due (the sender thread does it on its own)."""
    if not current_app.config["SMTP_URL"]:
        raise click.ClickException("no SMTP_URL is set (TASKGATE_SMTP_URL): nothing to send")
    if not forever:
        passes = 0
        while mail_pass() and passes < 100:
            passes += 1
        return
    repeat(lambda: mail_pass(), current_app.config["WEBHOOK_POLL"], "mail sender")


@click.command("mail-receive")
@with_appcontext
def mail_receive() -> None:
    """Take one RFC 822 message from standard input; exit 0 taken, 65 malformed or refused,
    67 unknown sender or addressee, 75 later (Postfix's pipe transport)."""
    raw = sys.stdin.buffer.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    try:
        outcome = receive(raw)
    except Exception:  # the database is away: the MTA keeps the mail and tries again
        current_app.logger.exception("mail-receive failed")
        sys.exit(TEMPFAIL)
    if outcome.code:
        click.echo(f"{outcome.what}: {outcome.detail}", err=True)
    sys.exit(outcome.code)


@click.command("mail-fetch")
@click.option("--forever", is_flag=True, help="Poll every --every seconds until SIGTERM.")
@click.option("--every", default=60, show_default=True, help="Seconds between polls.")
@with_appcontext
def mail_fetch(forever: bool, every: int) -> None:
    """Take the mails of the IMAP mailbox (IMAP_URL) and move them out of its folder."""
    cfg = current_app.config
    if not cfg["IMAP_URL"]:
        raise click.ClickException("no IMAP_URL is set (TASKGATE_IMAP_URL=imaps://user:pass@"
                                   "host/INBOX)")

    def once() -> bool:
        outcomes = fetch_once(cfg["IMAP_URL"], cfg["IMAP_DONE_FOLDER"],
                              cfg["IMAP_REFUSED_FOLDER"], cfg["MAIL_TIMEOUT"])
        if not forever:
            click.echo(f"{len(outcomes)} mails: "
                       + ", ".join(sorted({o.what for o in outcomes})) if outcomes else
                       "no mail")
        return False

    if forever:
        repeat(once, every, "mail fetcher")
        return
    try:
        once()
    except (OSError, ValueError) as err:
        raise click.ClickException(f"the IMAP mailbox cannot be read: {err}") from None


def repeat(step, every: float, name: str) -> None:
    """Run ``step`` until SIGTERM/SIGINT: again at once while it is busy, else every ``every``
    seconds; a failed step is logged and retried."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    app = current_app._get_current_object()
    app.logger.warning("%s started", name)
    while not stopping.is_set():
        busy = False
        try:
            busy = step()
        except Exception:
            app.logger.exception("%s pass failed", name)
        finally:
            if not db.is_closed():
                db.close()
        if not busy:
            stopping.wait(every)
    app.logger.warning("%s stopped", name)

