"""Hardening headers: ``X-Content-Type-Options: nosniff`` on every answer; no HTML answer may
be framed (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``); and the pages of this
server (``/``, ``/docs``, ``/docs/<resource>``) get a strict Content-Security-Policy: scripts,
styles, images and requests from this origin only, inline code only by the hash of the
blocks the pages are known to carry."""

from __future__ import annotations

import base64
import functools
import hashlib

from flask import Response, request

from actions.gateway import docs, landing

PAGES = ("landing", "openapi.docs", "docs_resource")
STRICT = ("default-src 'none'; script-src 'self'{inline}; style-src 'self'{inline}; "
          "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
          "frame-ancestors 'none'")
ANY_HTML = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"


def harden(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        response.headers["X-Frame-Options"] = "DENY"
        strict = request.endpoint in PAGES
        response.headers["Content-Security-Policy"] = strict_policy() if strict else ANY_HTML
    return response


@functools.cache
def strict_policy() -> str:
    return STRICT.format(inline="".join(f" 'sha256-{digest(code)}'" for code in inline_code()))


def inline_code() -> list[str]:
    """The inline ``<style>`` and ``<script>`` blocks the pages carry."""
    blocks = [landing.STYLE]
    assets = getattr(docs, "inline_assets", None)  # the docs page's, while they are inline
    return blocks + ([str(code) for code in assets().values()] if assets else [])


def digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
