"""One GET to the source under the rules the API holds its own clients to: no redirect to
another origin (the credential would go with it), at most ``limit`` bytes per answer, read as
a stream, and a deadline for the whole request (a source that sends a byte every 20 s is cut
off, not waited on)."""

from __future__ import annotations

import http.client
import io
import socket
import threading
from typing import BinaryIO, NamedTuple
from urllib.parse import urljoin, urlsplit

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


class Unsafe(Exception):
    """The source answered in a way an import must not go along with (another host, too
    large): retrying cannot help."""


class TooLarge(Unsafe):
    """More bytes than the limit for this answer."""


class Overdue(OSError):
    """The request did not complete within its deadline (retried like a network error)."""


class Answer(NamedTuple):
    status: int
    body: bytes
    headers: dict[str, str]


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def get(url: str, headers: dict[str, str], *, timeout: float, limit: int,
        into: BinaryIO | None = None) -> Answer:
    """A GET's answer; the body goes to ``into`` when given (then ``b""``). Redirects are
    followed only within the same origin."""
    start = origin(url)
    for _ in range(MAX_REDIRECTS + 1):
        answer = once(url, headers, timeout, limit, into)
        if answer.status not in REDIRECTS:
            return answer
        target = urljoin(url, answer.headers.get("location", ""))
        if origin(target) != start:
            scheme, host, port = origin(target)
            raise Unsafe(f"the source redirects to {scheme}://{host}:{port}, another host: an "
                         "import follows no redirect there (give that address if it is the "
                         "account's)")
        url = target
    raise Unsafe(f"the source redirected more than {MAX_REDIRECTS} times")


def once(url: str, headers: dict[str, str], timeout: float, limit: int,
         into: BinaryIO | None) -> Answer:
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname or "", parts.port, timeout=timeout)
    fired = threading.Event()
    watchdog = threading.Timer(timeout, cut, (conn, fired))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers=headers)
        with conn.getresponse() as response:
            head = {k.lower(): v for k, v in response.getheaders()}
            if response.status in REDIRECTS:
                return Answer(response.status, b"", head)
            sink = into if into is not None else io.BytesIO()
            read_limited(response, sink, limit)
        if fired.is_set():
            raise Overdue(f"no complete answer within {timeout:g} s")
        return Answer(response.status, b"" if into is not None else sink.getvalue(), head)
    except (OSError, http.client.HTTPException) as err:
        if fired.is_set():
            raise Overdue(f"no complete answer within {timeout:g} s") from None
        raise OSError(str(err) or err.__class__.__name__) from None
    finally:
        watchdog.cancel()
        watchdog.join()
        conn.close()


def read_limited(response: http.client.HTTPResponse, sink: BinaryIO, limit: int) -> None:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"{int(declared)} bytes, over the limit of {limit}")
    size = 0
    while chunk := response.read1(CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"more than {limit} bytes")
        sink.write(chunk)


def cut(conn: http.client.HTTPConnection, fired: threading.Event) -> None:
    """The deadline passed: wake the blocked read by shutting the socket down."""
    fired.set()
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
