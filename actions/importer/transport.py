"""One GET to the source under the rules the API holds its own clients to: no redirect to
another origin (the credential would go with it), at most ``limit`` bytes per answer, read as
a stream, and a deadline for the whole request (a source that sends a byte every 20 s is cut
off, not waited on)."""

from __future__ import annotations

import base64
import http.client
import io
import socket
import threading
import urllib.request
from typing import BinaryIO, NamedTuple
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

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
    conn, target, extra = connection(parts, timeout)
    fired = threading.Event()
    watchdog = threading.Timer(timeout, cut, (conn, fired))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("GET", target, headers={**headers, **extra})
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


def connection(parts: SplitResult, timeout: float
               ) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """A connection to the source, through the proxy the environment names (``https_proxy``,
    ``http_proxy``, ``no_proxy``, as urllib reads them); the request target to send, and the
    headers the proxy needs."""
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    host, https = parts.hostname or "", parts.scheme == "https"
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
        return kind(host, parts.port, timeout=timeout), path, {}
    via = urlsplit(proxy if "//" in proxy else f"//{proxy}")
    auth = {}
    if via.username:
        token = base64.b64encode(f"{unquote(via.username)}:{unquote(via.password or '')}"
                                 .encode()).decode()
        auth = {"Proxy-Authorization": f"Basic {token}"}
    if https:  # a tunnel: the proxy sees the host, never the query or the credential
        conn = http.client.HTTPSConnection(via.hostname or "", via.port or 8080, timeout=timeout)
        conn.set_tunnel(host, parts.port or 443, headers=auth)
        return conn, path, {}
    conn = http.client.HTTPConnection(via.hostname or "", via.port or 8080, timeout=timeout)
    return conn, f"{parts.scheme}://{parts.netloc}{path}", auth


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
