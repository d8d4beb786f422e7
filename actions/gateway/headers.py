"""Hardening headers: ``X-Content-Type-Options: nosniff`` on every answer, and on the two HTML
pages (``/`` and ``/docs``) a strict Content-Security-Policy that allows only their own
inline style and script, by hash, with ``frame-ancestors 'none'`` and ``X-Frame-Options:
DENY`` (no page of this server can be framed)."""

from __future__ import annotations

import base64
import functools
import hashlib

from flask import Flask, Response, request

from actions.gateway import docs, landing

POLICY = ("default-src 'none'; script-src {scripts}; style-src {styles}; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def install(app: Flask) -> None:
    app.after_request(harden)


def harden(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    policy = page_policies().get(request.endpoint or "")
    if policy is not None:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Frame-Options"] = "DENY"
    return response


@functools.cache
def page_policies() -> dict[str, str]:
    """The policy of each HTML page: its inline script and style, by hash."""
    inline = docs.inline_assets()
    return {"landing": policy(styles=[landing.STYLE]),
            "openapi.docs": policy(scripts=[inline["script"]], styles=[inline["style"]])}


def policy(scripts: list[str] = (), styles: list[str] = ()) -> str:
    return POLICY.format(scripts=sources(scripts), styles=sources(styles))


def sources(inline: list[str]) -> str:
    return " ".join(f"'sha256-{digest(text)}'" for text in inline) or "'none'"


def digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(str(text).encode()).digest()).decode()
