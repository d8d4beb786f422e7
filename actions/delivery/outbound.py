"""One outbound POST to a receiver, the URL probe, and the SSRF guard on its address."""

from __future__ import annotations

import http.client
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from actions.delivery.signing import headers_for

MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer worth reading


def address_allowed(url: str, allow_private: bool) -> bool:
    """Whether every address the URL's host resolves to is public (or private ones are allowed).
    A host that does not resolve is left to fail on its own."""
    if allow_private:
        return True
    try:
        infos = socket.getaddrinfo(urlsplit(url).hostname, None)
    except (OSError, UnicodeError):
        return True
    return all(is_public(info[4][0]) for info in infos)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class Outcome(NamedTuple):
    code: int | None  # None when no HTTP answer came (refused, timed out, not resolved)
    error: str
    answer: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        # Standard Webhooks: any 2xx is a success (the probe alone insists on {"status":"OK"}).
        return self.code is not None and 200 <= self.code < 300


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following it could reach an address the guard refused."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body`` and report what happened; never raises for a network problem."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.monotonic()
    code, error, answer = None, "", ""
    try:
        with OPENER.open(request, timeout=timeout) as response:
            code = response.status
            answer = response.read(MAX_ANSWER).decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        code, error = err.code, f"HTTP {err.code}"
        err.close()
    except urllib.error.URLError as err:
        error = str(err.reason)
    except (OSError, http.client.HTTPException, ValueError) as err:
        error = str(err) or err.__class__.__name__
    return Outcome(code, error[:500], answer, int((time.monotonic() - started) * 1000))


def probe(url: str, secret: str, user: str, password: str, timeout: float) -> bool:
    """Worksection's check of a new URL: it must answer 200 with ``{"status": "OK"}``."""
    message_id = "msg_probe_" + secrets.token_hex(8)
    outcome = post(url, "[]", headers_for(secret, message_id, "[]", user, password), timeout)
    return outcome.code == 200 and answers_ok(outcome.answer)


def answers_ok(answer: str) -> bool:
    try:
        body = json.loads(answer)
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("status", "")).upper() == "OK"
