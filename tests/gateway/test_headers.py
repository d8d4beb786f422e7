"""Hardening headers: ``nosniff`` on every answer (every action on every API path, the pages,
the OAuth and hook endpoints, errors); on ``/`` and ``/docs`` a strict Content-Security-Policy
that allows exactly the page's own inline style and script, and no framing."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from actions.registry import ACTIONS

API_PATHS = ("/api/admin/v2/", "/api/admin/", "/api/oauth2")
OTHER = [("GET", "/"), ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/healthz"),
         ("GET", "/readyz"), ("GET", "/nowhere"), ("DELETE", "/api/admin/v2/"),
         ("POST", "/oauth2/token"), ("GET", "/oauth2/authorize"), ("POST", "/api/v1/login"),
         ("POST", "/hooks/not-a-token"), ("GET", "/api/admin/v2/get_users")]


@pytest.mark.parametrize("path", API_PATHS)
def test_every_action_answers_nosniff_on_every_path(client, path):
    for name in sorted(ACTIONS):
        response = client.get(f"{path}?action={name}&hash=0")
        assert response.headers["X-Content-Type-Options"] == "nosniff", name


@pytest.mark.parametrize(("method", "path"), OTHER)
def test_every_other_answer_is_nosniff(client, method, path):
    assert client.open(path, method=method).headers["X-Content-Type-Options"] == "nosniff"


def inline_hashes(html: str, tag: str) -> set[str]:
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL)
    return {"'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            + "'" for block in blocks}


def directives(policy: str) -> dict[str, set[str]]:
    return {name: set(values) for name, *values in
            (part.split() for part in policy.split(";") if part.strip())}


def html_pages(app) -> list[str]:
    """Every GET route without arguments, and /docs/<resource> when there is one."""
    paths = [rule.rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments]
    return paths + [rule.rule.replace("<resource>", "tasks") for rule in app.url_map.iter_rules()
                    if rule.endpoint == "docs_resource"]


def test_no_html_answer_can_be_framed(app, client):
    answers = {path: client.get(path) for path in html_pages(app)}
    html = {path: r for path, r in answers.items() if r.mimetype == "text/html"}
    assert {"/", "/docs"} <= set(html)
    for path, response in html.items():
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == {"'none'"}, path
        assert response.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_the_pages_have_a_strict_policy_that_allows_their_own_code(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == {"'none'"} and policy["frame-ancestors"] == {"'none'"}
    assert policy["base-uri"] == {"'none'"} and policy["connect-src"] == {"'self'"}
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)
    assert inline_hashes(html, "style") <= policy["style-src"]
    assert inline_hashes(html, "script") <= policy["script-src"]
    assert not re.search(r"<[^>]+\s(on\w+|style)=", html)  # no attribute the policy blocks
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(\w+:)?//", html)  # no CDN
