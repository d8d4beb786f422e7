"""Sending over SMTP: ``smtp://user:pass@host:587?starttls=1``, ``smtps://host:465`` or
``smtp://127.0.0.1:25``; each failure told apart as temporary (retry) or permanent."""

from __future__ import annotations

import smtplib
import ssl
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit


class Result(NamedTuple):
    ok: bool
    permanent: bool
    error: str


SENT = Result(True, False, "")


def connect(url: str, timeout: float) -> smtplib.SMTP:
    """An open, authenticated SMTP session for the URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must start with smtp:// or smtps://")
    query = parse_qs(parts.query)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        session: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        session = smtplib.SMTP(host, port or 25, timeout=timeout)
        if query.get("starttls", ["0"])[0] in ("1", "true", "yes"):
            session.starttls(context=ssl.create_default_context())
    if parts.username:
        session.login(unquote(parts.username), unquote(parts.password or ""))
    return session


def send(session: smtplib.SMTP, raw: bytes, sender: str, to: str) -> Result:
    """Hand one message over; 5xx answers are permanent, the rest temporary."""
    try:
        refused = session.sendmail(sender, [to], raw)
    except smtplib.SMTPRecipientsRefused as err:
        code = next(iter(err.recipients.values()))[0]
        return reset(session, Result(False, 500 <= code < 600, f"recipient refused: {code}"))
    except smtplib.SMTPResponseException as err:
        return reset(session, Result(False, 500 <= err.smtp_code < 600,
                                     f"{err.smtp_code} {err.smtp_error!r}"[:500]))
    if refused:
        return Result(False, True, f"recipient refused: {refused}")
    return SENT


def reset(session: smtplib.SMTP, result: Result) -> Result:
    """Leave the session ready for the next message after a refusal."""
    try:
        session.rset()
    except smtplib.SMTPServerDisconnected:
        raise
    except smtplib.SMTPException:
        pass
    return result


def close(session: smtplib.SMTP | None) -> None:
    if session is None:
        return
    try:
        session.quit()
    except (smtplib.SMTPException, OSError):
        session.close()
