"""Structured logs: one JSON line per request on stderr, and the app's own records as JSON.

Each request gets an id (the client's ``X-Request-Id`` when it is sane, else a new one),
returned in the ``X-Request-Id`` header and written on every line logged while it runs. The
request line says: method, path, client address, action, caller (``key:<name>`` or
``user:<id>``, never a secret), HTTP status, the envelope's ``status`` and ``status_code``,
duration and SQL statement count. An error answer logs at warning level with its reason; an
unexpected error also logs its traceback (the view does, through ``app.logger``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import random
import re
import sys
import time
from typing import Any, NamedTuple

import orjson
from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

from actions.gateway.redaction import REDACT, redact

HEADER = "X-Request-Id"
HEADER_IN_ENVIRON = "HTTP_" + HEADER.upper().replace("-", "_")
SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
ERROR_START = re.compile(rb'\s*\{\s*"status"\s*:\s*"error"')
REQUESTS = logging.getLogger("taskgate.requests")
PID = [os.getpid()]  # os.getpid() is a system call at every line; a forked worker resets it
os.register_at_fork(after_in_child=lambda: PID.__setitem__(0, os.getpid()))


class Outcome(NamedTuple):
    """What a request did, as the log line and the metrics see it."""

    action: str | None
    caller: str | None
    status: str | None  # the envelope's "ok" or "error"; None for other answers
    status_code: int | None  # the error envelope's code
    reason: str | None  # the error envelope's message (and details)


class StderrHandler(logging.StreamHandler):
    """Writes to the current ``sys.stderr`` (looked up at each record, as capture needs)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class RequestId(logging.Filter):
    """Adds ``request_id`` to every record made while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """One JSON object per record: ``time`` (ISO 8601 with the zone, 2026-12-06T03:40:24.087
    +00:00), ``level``, ``name``, ``pid``, ``message``, the traceback as ``exc_info``, then the
    record's ``extra`` fields, as compact JSON (:func:`json_line`), the same fields
    python-json-logger wrote for a fraction of its cost (paid by every request)."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {"time": iso_time(record.created), "level": record.levelname,
                                  "name": record.name, "pid": record.process}
        if isinstance(record.msg, dict):  # python-json-logger's dict messages: merged
            fields["message"] = ""
            fields.update(record.msg)
        else:
            fields["message"] = record.getMessage()
        if record.exc_info:
            fields["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["exc_info"] = record.exc_text
        if record.stack_info:
            fields["stack_info"] = self.formatStack(record.stack_info)
        for name, value in vars(record).items():
            if name not in RESERVED and name[:1] != "_":
                fields[name] = value
        return json_line(fields)


def iso_time(created: float) -> str:
    """``created`` as ISO 8601 in local time, with milliseconds and the zone; the text of the
    second and its zone are worked out once a second, not at every line."""
    second = int(created)
    millis = int((created - second) * 1000)
    return local_second(second) % millis


@functools.lru_cache(maxsize=4)
def local_second(second: int) -> str:
    """``2026-12-06T03:40:24.%03d+00:00`` for this second (a format for its milliseconds)."""
    stamp = dt.datetime.fromtimestamp(second).astimezone().isoformat(timespec="seconds")
    return f"{stamp[:19]}.%03d{stamp[19:]}"


LINE_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS  # as str()


def json_line(fields: dict[str, Any]) -> str:
    """One compact JSON line (orjson: a fifth of ``json.dumps``'s cost per request); what
    orjson refuses (integers past 64 bits, keys that are not strings) by ``json.dumps``."""
    try:
        return orjson.dumps(fields, default=str, option=LINE_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(fields, default=str, ensure_ascii=False, separators=(",", ":"))


def json_handler() -> logging.Handler:
    handler = StderrHandler()
    handler.setFormatter(JsonLines())
    handler.addFilter(RequestId())
    handler.addFilter(REDACT)
    return handler


def configure(app: Flask) -> None:
    """JSON lines for the request log and ``app.logger`` (once per process)."""
    app.logger.removeHandler(default_handler)
    for logger in (REQUESTS, app.logger):
        if not any(isinstance(handler, StderrHandler) for handler in logger.handlers):
            logger.addHandler(json_handler())
    REQUESTS.setLevel(logging.INFO)


def count_statements(database: Any) -> None:
    """Count the SQL statements each request runs (``g.sql_statements``)."""
    run = database.execute_sql

    def counted(sql, *args, **kwargs):
        if has_request_context():
            here = g._get_current_object()
            here.sql_statements = here.get("sql_statements", 0) + 1
        return run(sql, *args, **kwargs)

    database.execute_sql = counted


def start() -> None:
    """Before anything else: the request's id and start time."""
    here = g._get_current_object()  # one lookup: each through the proxy costs a microsecond
    here.started = time.perf_counter()
    given = request.environ.get(HEADER_IN_ENVIRON, "")
    # An id names a request, it guards nothing: Python's generator (reseeded in each forked
    # worker) instead of a system call for os.urandom at every request.
    here.request_id = given if SANE_ID.fullmatch(given) else f"{random.getrandbits(128):032x}"


def outcome(response: Response) -> Outcome:
    """The action, caller and envelope of this request (computed once)."""
    here = g._get_current_object()
    found = here.get("outcome")
    if found is None:
        found = here.outcome = Outcome(here.get("action"), caller_name(here.get("caller")),
                                       *envelope(response, here.get("answered_ok")))
    return found


def envelope(response: Response,
             answered_ok: bool = False) -> tuple[str | None, int | None, str | None]:
    """(status, status_code, reason) of an envelope answer (``answered_ok``: the view answered
    with the success envelope, whole or streamed); only errors are parsed."""
    if answered_ok and response.status_code == 200:
        return "ok", None, None
    if not response.is_json or response.direct_passthrough or response.is_streamed:
        return None, None, None
    body = response.get_data()
    if not ERROR_START.match(body[:64]):
        return ("ok" if b'"status"' in body[:32] else None), None, None
    answer = orjson.loads(body)
    details = answer.get("message_details")
    reason = answer.get("message", "") + (f" ({details})" if details not in (None, "") else "")
    return "error", answer.get("status_code"), redact(reason)


def caller_name(who: Any) -> str | None:
    if who is None:
        return None
    if who.user is not None:
        return f"user:{who.user.id}"
    return f"key:{who.key.name}" if who.key is not None else None


def finish(response: Response) -> Response:
    """Return the request id and write the request's line."""
    here = g._get_current_object()
    if "request_id" not in here:
        return response
    response.headers[HEADER] = here.request_id
    done = outcome(response)
    asked = request._get_current_object()
    fields = {
        "request_id": here.request_id, "method": asked.method, "path": asked.path,
        "remote_addr": asked.remote_addr, "action": done.action, "caller": done.caller,
        "http_status": response.status_code, "status": done.status,
        "status_code": done.status_code,
        "duration_ms": round((time.perf_counter() - here.started) * 1000, 2),
        "sql_statements": here.get("sql_statements", 0),
    }
    if here.get("stream_open"):  # written when the stream ends (stream_ended)
        here.request_fields = fields
        return response
    if done.status == "error" or response.status_code >= 500:
        write(logging.WARNING, "request failed: %s", (done.reason or response.status,), fields)
    else:
        write(logging.INFO, "request", (), fields)
    return response


def write(level: int, message: str, args: tuple, fields: dict[str, Any]) -> None:
    """``REQUESTS.log(level, message, *args, extra=fields)``: when the line's only reader is
    the JSON handler :func:`configure` set up (always, unless a test or a logging config
    added another), its line is written at once, as that handler would write it, without a
    ``LogRecord`` (the filters and the formatter cost a tenth of a request); otherwise
    through logging, without looking up the caller's file and line in the stack."""
    if not REQUESTS.isEnabledFor(level):
        return
    handler = sole_json_handler(level)
    if handler is not None and direct_write(handler, level, message % args if args else message,
                                            fields):
        return
    REQUESTS.handle(REQUESTS.makeRecord(REQUESTS.name, level, "(unknown file)", 0,
                                        message, args, None, extra=fields))


def sole_json_handler(level: int) -> StderrHandler | None:
    """The JSON handler, when it is the only handler a record of ``REQUESTS`` reaches and no
    filter but its own two would see it."""
    if REQUESTS.filters:
        return None
    reached: list[logging.Handler] = []
    logger: logging.Logger | None = REQUESTS
    while logger is not None:
        reached += logger.handlers
        logger = logger.parent if logger.propagate else None
    if len(reached) != 1:
        return None
    handler = reached[0]
    if (type(handler) is not StderrHandler or type(handler.formatter) is not JsonLines
            or level < handler.level or not own_filters(handler.filters)):
        return None
    return handler


def own_filters(filters: list) -> bool:
    return len(filters) == 2 and type(filters[0]) is RequestId and filters[1] is REDACT


def direct_write(handler: StderrHandler, level: int, message: str,
                 fields: dict[str, Any]) -> bool:
    """The line :class:`JsonLines` writes for this record after :data:`REDACT` (the message
    and the string fields masked), or False when it could not be written."""
    line: dict[str, Any] = {"time": iso_time(time.time()), "level": logging.getLevelName(level),
                            "name": REQUESTS.name, "pid": PID[0],
                            "message": redact(message)}
    for name, value in fields.items():
        line[name] = redact(value) if isinstance(value, str) else value
    try:
        text = json_line(line) + handler.terminator
        with handler.lock:
            stream = handler.stream
            stream.write(text)
            stream.flush()
    except Exception:  # noqa: BLE001 - logging's own path reports it as usual
        return False
    return True


def stream_ended(rows: int, ending: str) -> None:
    """The request line of a streamed answer, written when it ends (``ending``: ``complete``,
    ``client_left`` or ``cut_short``): its real duration and statements, and its rows."""
    fields = g.pop("request_fields", None)
    if fields is None:
        return
    fields.update(duration_ms=round((time.perf_counter() - g.started) * 1000, 2),
                  sql_statements=g.get("sql_statements", 0), rows=rows, stream=ending)
    if ending == "cut_short":
        write(logging.ERROR, "request failed: stream cut short", (), fields)
    else:
        write(logging.INFO, "request", (), fields)
