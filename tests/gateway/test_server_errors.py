"""Under ./serve, what gunicorn refuses before the app runs (a request line over 8190 bytes,
a raw byte that is not UTF-8 or not allowed in a request line, a malformed header) answers
the JSON error envelope with ``nosniff``, never gunicorn's HTML page; what it lets through
reaches the app, which answers the envelope too."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
from serve_kit import served  # noqa: F401 - the real-gunicorn fixture

pytestmark = pytest.mark.gunicorn

RAW_REQUESTS = {
    "long request line": b"GET /api/admin/v2/?action=get_users&text=" + b"a" * 9000
                         + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "latin-1 byte in the query": b"GET /api/admin/v2/?action=get_users&title=\xff HTTP/1.1\r\n"
                                 b"Host: x\r\n\r\n",
    "latin-1 byte in the path": b"GET /api/admin/v2/\xe9 HTTP/1.1\r\nHost: x\r\n\r\n",
    "invalid UTF-8 in a header": b"GET /api/admin/v2/?action=me HTTP/1.1\r\nHost: x\r\n"
                                 b"X-Name: \xc3\x28\r\n\r\n",
    "control byte in the path": b"GET /api/\x01admin HTTP/1.1\r\nHost: x\r\n\r\n",
    "header line too long": b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 9000 + b"\r\n\r\n",
    "malformed request line": b"GET\r\n\r\n",
}


def send_raw(base: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received and content_complete(received):
                break
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def content_complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("content-length:"):
            return len(body) >= int(line.split(":")[1])
    return False


def test_what_gunicorn_refuses_answers_the_json_envelope(served):  # noqa: F811
    base, log = served
    answers = {name: send_raw(base, raw) for name, raw in RAW_REQUESTS.items()}  # one server
    for name, (_status, headers, body) in answers.items():
        assert headers["content-type"].startswith("application/json"), (name, body[:200])
        assert headers["x-content-type-options"] == "nosniff", name
        answer = json.loads(body)
        assert answer["status"] == "error" and isinstance(answer["status_code"], int), name
    assert answers["long request line"][0] == 414
    assert json.loads(answers["long request line"][2])["status_code"] == 414
    assert b"aaaa" not in answers["long request line"][2]  # the line is not echoed
