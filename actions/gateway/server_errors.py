"""Gunicorn's own refusals in the error envelope: a request line over its 8190-byte limit, a
byte no request line may hold, a malformed header. Gunicorn answers those before the app
runs, with an HTML page. The app factory installs :func:`answer_in_envelope`, so in every
gunicorn worker (the app is loaded there) they answer JSON like every other error; in other
servers it changes nothing. Gunicorn's description is left out: it quotes the request line,
credentials included.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from gunicorn import util

from schemas.envelope import ApiError, fail


def answer_in_envelope() -> None:
    """Replace the function gunicorn's workers write their own error answers with."""
    util.write_error = write_error


def write_error(sock, status_int: int, reason: str, _mesg: str) -> None:
    """What gunicorn's ``util.write_error`` writes, as the JSON error envelope."""
    problem = ApiError(f"{status_int} {reason}: {describe(status_int)}")
    problem.status_code = status_int
    body = json.dumps(fail(problem)).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def describe(status_int: int) -> str:
    if status_int == 414:
        return "the request line is longer than 8190 bytes: send the parameters in a POST body"
    try:
        return HTTPStatus(status_int).description
    except ValueError:
        return "the request cannot be read"
