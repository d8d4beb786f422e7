"""The landing page at ``/`` and the version the install runs (``/healthz``, ``flask version``)."""

from __future__ import annotations

from html import escape

from flask import Response

from models.version import version

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto;
       padding: 0 1rem; color: #222; }
code { background: #f3f3f3; padding: 0 .25rem; }
"""  # inline: the Content-Security-Policy allows it by its hash (headers.py)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Taskgate {version}</title>
<style>{style}</style>
</head>
<body>
<h1>Taskgate</h1>
<p>A self-hosted server for the Worksection admin API v2: integrations written for
Worksection work, unchanged, against this server.</p>
<p>Version <strong>{version}</strong>.</p>
<ul>
<li><a href="guide/">The guide</a> (getting started, moving from Worksection, running it)</li>
<li><a href="docs">API documentation</a> (every action and its parameters)</li>
<li><a href="openapi.json">OpenAPI description</a></li>
<li><a href="healthz">Health</a> and <a href="readyz">readiness</a></li>
</ul>
<p>The API answers at <code>/api/admin/v2/</code> (signed with an API key) and
<code>/api/oauth2/</code> (a user's access token).</p>
</body>
</html>
"""


def landing() -> Response:
    """What this server is, its version, and where to go next."""
    return Response(PAGE.format(version=escape(version()), style=STYLE), mimetype="text/html")
