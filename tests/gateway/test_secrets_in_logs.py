"""No log shows a credential: every secret-bearing parameter of the registry (found in the
schemas by name) and every secret of the routes (OAuth, user tokens, ``/hooks/<token>``) is
sent through the real server, and the JSON log, the error log, the access log of a real
gunicorn and ``get_inbound_hook_calls`` are searched for the values."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from conftest import md5_hash, ok_data, php_query
from serve_kit import KEY, served  # noqa: F401 - the real-gunicorn fixture

from actions.registry import ACTIONS
from schemas.base import Flag
from schemas.secrets import is_secret

SECRET_WORDS = {"pass", "password", "secret", "token", "hash", "signature", "key", "code",
                "credential", "credentials", "auth", "authorization"}


def secret_params() -> dict[str, str]:
    """Every parameter of the registry whose name says it holds a secret -> an action of it."""
    found = {}
    for name, spec in sorted(ACTIONS.items()):
        for field_name, field in spec.schema.fields.items():
            key = field.data_key or field_name
            if key.lower().split("_")[-1] in SECRET_WORDS and not isinstance(field, Flag):
                found.setdefault(key, name)
    return found


def value_of(name: str) -> str:
    return f"Zq{name.replace('_', '')}9x7Vw"


def route_requests(hook_token: str) -> list[tuple[str, str, dict | None]]:
    """(method, path with query, form) of every route that takes a secret."""
    oauth = {"client_id": "cid", "client_secret": value_of("client_secret")}
    return [
        ("GET", f"/api/oauth2?action=me&access_token={value_of('access_token')}", None),
        ("GET", f"/oauth2/token?{urlencode({**oauth, 'grant_type': 'authorization_code'})}"
                f"&code={value_of('code')}", None),
        ("GET", f"/oauth2/token?{urlencode(oauth)}&grant_type=refresh_token"
                f"&refresh_token={value_of('refresh_token')}", None),
        ("GET", f"/oauth2/authorize?client_id=cid&password={value_of('password')}", None),
        ("GET", f"/api/admin/v2/?action=get_users&signature={value_of('signature')}", None),
        ("POST", f"/hooks/{hook_token}?secret={value_of('secret')}", {"x": "1"}),
        ("POST", "/hooks/Zqunknownhook9x7Vw", {"x": "1"}),
        ("GET", f"/mail/unsubscribe/{UNSUBSCRIBE_TOKEN}", None),
    ]


def test_the_registry_secrets_are_all_on_the_one_list():
    found = secret_params()
    assert {"http_pass", "secret"} <= set(found)
    assert [name for name in found if not is_secret(name)] == []


def registry_requests() -> list[str]:
    """A signed GET per secret parameter, its value in the query (so the access log sees it)."""
    urls = []
    for name, action in secret_params().items():
        query = php_query({"action": action, name: value_of(name)})
        urls.append(f"/api/admin/v2/?{query}&hash={md5_hash(query)}")
    return urls


UNSUBSCRIBE_TOKEN = "Zqunsubscribe9x7Vw"  # a one-click unsubscribe link's signed token


def every_secret(hook_token: str) -> list[str]:
    return [*map(value_of, secret_params()), hook_token, UNSUBSCRIBE_TOKEN, *(value_of(n) for n in (
        "access_token", "code", "refresh_token", "password", "signature", "client_secret"))]


@pytest.fixture
def hook_token(api) -> str:
    """A hook running add_webhook with a fixed http_pass: its calls list the parameters."""
    body = api.post_json("add_inbound_hook", name="Leaky", target="add_webhook",
                         fixed={"url": "https://127.0.0.1/x", "events": "post_task",
                                "http_pass": value_of("http_pass")}, secret=value_of("secret"))
    assert body["status"] == "ok", body
    return body["token"]


def test_no_log_of_the_app_shows_a_secret(app, client, api, hook_token, capsys, caplog):
    caplog.set_level(logging.INFO)
    for url in registry_requests():
        assert client.get(url).is_json
    for method, url, form in route_requests(hook_token):
        client.open(url, method=method, data=form)
    app.logger.error("retrying %s", f"/hooks/{hook_token}?password={value_of('password')}")
    try:
        raise ValueError(f"bad {{'secret': '{value_of('secret')}'}} at /hooks/{hook_token}")
    except ValueError:
        app.logger.exception("failed")
    logged = capsys.readouterr().err + "\n".join(r.getMessage() for r in caplog.records)
    assert '"path":"/hooks/***"' in logged and "Traceback" in logged
    assert [secret for secret in every_secret(hook_token) if secret in logged] == []


def test_get_inbound_hook_calls_shows_no_secret(client, api, hook_token):
    client.post(f"/hooks/{hook_token}", json={"a": 1})
    hook_id = ok_data(api.call("get_inbound_hooks"))[0]["id"]
    calls = json.dumps(ok_data(api.call("get_inbound_hook_calls", id=hook_id)))
    assert '"http_pass": "***"' in calls
    assert value_of("http_pass") not in calls and hook_token not in calls


@pytest.mark.gunicorn
def test_gunicorns_access_log_and_json_log_show_no_secret(served):  # noqa: F811
    base, log = served
    for url in registry_requests():
        query = url.split("?", 1)[1]
        signed = query.replace(md5_hash(query.rsplit("&hash=", 1)[0]),
                               md5_hash(query.rsplit("&hash=", 1)[0], KEY))
        fetch(f"{base}{url.split('?')[0]}?{signed}")
    for _method, url, form in route_requests("Zqsomehooktoken9x7Vw"):
        fetch(f"{base}{url}", urlencode(form).encode() if form else None)
    logged = log.read_text()
    assert '"GET /oauth2/token?' in logged and "/hooks/***" in logged
    assert [s for s in every_secret("Zqsomehooktoken9x7Vw") if s in logged] == []


def fetch(url: str, body: bytes | None = None) -> None:
    try:
        urllib.request.urlopen(url, data=body, timeout=10).read()
    except urllib.error.HTTPError as err:
        err.read()

