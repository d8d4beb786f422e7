"""One outbound POST to a receiver, the URL probe, and the SSRF guard on its address: the
host name is resolved once, checked, and the connection goes to that address."""

from __future__ import annotations

import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from actions.delivery.signing import headers_for

MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer worth reading
DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(NamedTuple):
    """Why a receiver's address is refused."""

    reason: str


def resolve(url: str, allow_private: bool) -> str | Refused:
    """The address to connect to for this URL, checked once and then used for the connection
    (a name that resolves again elsewhere, DNS rebinding, is never asked twice); or why not:
    a name that does not resolve, or any of its addresses loopback or private."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme],
                                   type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, KeyError, ValueError):
        return Refused("the host name does not resolve")
    addresses = [info[4][0] for info in infos]
    if not addresses:
        return Refused("the host name does not resolve")
    if not allow_private and not all(is_public(address) for address in addresses):
        return Refused("a loopback or private address")
    return addresses[0]


def address_allowed(url: str, allow_private: bool) -> bool:
    return not isinstance(resolve(url, allow_private), Refused)


NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
UNICAST = ipaddress.ip_network("2000::/3")  # the only IPv6 addresses routed on the Internet


def is_public(address: str) -> bool:
    """A global unicast address. IPv6 outside 2000::/3 (compatible, translated, site-local...)
    is refused, but for IPv4-mapped; one that carries an IPv4 address (mapped, NAT64, 6to4,
    Teredo) only when that address is public too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6:
        if not (ip in UNICAST or any(ip in network for network in NAT64)):
            return ip.ipv4_mapped is not None and is_public(str(ip.ipv4_mapped))
        if any(not is_public(str(v4)) for v4 in embedded_ipv4(ip)):
            return False
    return ip.is_global and not ip.is_multicast


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address routes to or stands for."""
    found = [ip.sixtofour, *(ip.teredo or ())]
    if any(ip in network for network in NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [v4 for v4 in found if v4 is not None]


class Outcome(NamedTuple):
    code: int | None  # None when no HTTP answer came (refused, timed out, not resolved)
    error: str
    answer: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        # Standard Webhooks: any 2xx is a success (the probe alone insists on {"status":"OK"}).
        return self.code is not None and 200 <= self.code < 300


class PinnedHTTP(http.client.HTTPConnection):
    """A connection to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the URL's host name."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: str, headers: dict[str, str], timeout: float,
         address: str) -> Outcome:
    """POST ``body`` to ``address`` (a redirect is not followed: it could lead to an address the
    guard refuses) and report what happened; never raises for a network problem."""
    parts = urlsplit(url)
    connection_class = PinnedHTTPS if parts.scheme == "https" else PinnedHTTP
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    code, error, answer = None, "", ""
    try:
        connection = connection_class(parts.hostname, address, port=parts.port, timeout=timeout)
        try:
            connection.request("POST", path, body=body.encode(), headers=headers)
            response = connection.getresponse()
            code = response.status
            if 200 <= code < 300:
                answer = response.read(MAX_ANSWER).decode("utf-8", "replace")
            else:
                error = f"HTTP {code}"
        finally:
            connection.close()
    except (OSError, http.client.HTTPException, ValueError) as err:
        error = str(err) or err.__class__.__name__
    return Outcome(code, error[:500], answer, int((time.monotonic() - started) * 1000))


def probe(url: str, secret: str, user: str, password: str, timeout: float,
          address: str) -> bool:
    """Worksection's check of a new URL: it must answer 200 with ``{"status": "OK"}``."""
    message_id = "msg_probe_" + secrets.token_hex(8)
    headers = headers_for(secret, message_id, "[]", user, password)
    outcome = post(url, "[]", headers, timeout, address)
    return outcome.code == 200 and answers_ok(outcome.answer)


def answers_ok(answer: str) -> bool:
    try:
        body = json.loads(answer)
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("status", "")).upper() == "OK"
