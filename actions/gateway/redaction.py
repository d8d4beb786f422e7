"""Credentials never reach the logs: a filter masks them in every record of the loggers that
carry URLs (``hash=...`` becomes ``hash=***``).

A signed URL is a reusable credential: ``hash`` and ``signature`` authorise the request they
sign (``hash`` until the key is revoked), and ``access_token`` is a user's bearer token. The
filter sits on the Werkzeug request log (the development server), Gunicorn's access and error
logs, and the app's own logger; the app factory installs it.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

SECRET_PARAMS = ("hash", "signature", "access_token", "refresh_token", "client_secret",
                 "password")


def spelled_any_way(name: str) -> str:
    """A pattern for ``name`` with any of its characters percent-encoded (``h%61sh``)."""
    return "".join(f"(?:{re.escape(c)}|%{ord(c):02x})" for c in name)


SECRET_VALUE = re.compile(
    rf"(?<![\w\[%])({'|'.join(spelled_any_way(name) for name in SECRET_PARAMS)})=[^&\s\"'#]*",
    re.IGNORECASE)
URL_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return SECRET_VALUE.sub(r"\1=***", text)


class RedactSecrets(logging.Filter):
    """Rewrite a record whose message holds a credential; never drop a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format: the handler reports it as usual
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


REDACT = RedactSecrets()  # one instance: addFilter ignores a filter it already has


def install(app: Flask) -> None:
    """Mask credentials in the app's log and the servers' access logs."""
    for logger in (app.logger, *map(logging.getLogger, URL_LOGGERS)):
        logger.addFilter(REDACT)
