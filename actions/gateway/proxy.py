"""Behind a reverse proxy: the client's address and the public URL.

``TRUSTED_PROXIES = N`` trusts the ``X-Forwarded-For``/``-Proto``/``-Host``/``-Port``/
``-Prefix`` headers set by the N proxies in front (Werkzeug's ``ProxyFix``), so the rate limits
and the logs see the client's address, not the proxy's. ``PUBLIC_URL`` is the address clients
use (``account_url``, printed links) when the request's own host is not it.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix


def install(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)


def public_url() -> str:
    """Where clients reach this server, without a trailing slash."""
    configured = current_app.config.get("PUBLIC_URL")
    return str(configured or request.host_url).rstrip("/")
