"""Credentials never reach the logs: a filter masks them in every record of the loggers that
carry URLs (``hash=...`` becomes ``hash=***``, ``/hooks/<token>`` becomes ``/hooks/***``).

What is secret is listed once, in :mod:`schemas.secrets` (signatures, tokens, passwords, the
OAuth code, hook and webhook secrets, the hook path). The filter sits on the Werkzeug request
log (the development server), Gunicorn's access and error logs, the app's own logger and the
JSON log's handler (its ``extra`` fields and tracebacks too). The app factory installs it.
"""

from __future__ import annotations

import logging

from flask import Flask

from schemas.secrets import SECRET_NAMES, mask, redact

__all__ = ["REDACT", "SECRET_NAMES", "install", "mask", "redact"]
URL_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


STANDARD = set(vars(logging.makeLogRecord({})))  # a record's own attributes, not ``extra``


class RedactSecrets(logging.Filter):
    """Rewrite a record whose message, ``extra`` fields (the JSON log's ``path``) or traceback
    holds a credential; never drop a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format: the handler reports it as usual
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        fields = vars(record)
        for name in fields.keys() - STANDARD:  # the ``extra`` fields
            value = fields[name]
            if isinstance(value, str):
                fields[name] = redact(value)
        if record.exc_info:  # formatters print exc_text when there is no exc_info
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, redact(text)
        return True


REDACT = RedactSecrets()  # one instance: addFilter ignores a filter it already has


def install(app: Flask) -> None:
    """Mask credentials in the app's log and the servers' access logs."""
    for logger in (app.logger, *map(logging.getLogger, URL_LOGGERS)):
        logger.addFilter(REDACT)
