"""Behind a reverse proxy: TRUSTED_PROXIES makes the logs and the rate limits see the client's
address (X-Forwarded-For), PUBLIC_URL is the account_url and the base of printed links."""

from __future__ import annotations

import json

from app import create_app
from models.members import User
from models.tokens import OAuthClient, UserPassword

PROXY = {"REMOTE_ADDR": "10.0.0.1"}


def proxied(app, **settings):
    return create_app({**app.config, **settings}).test_client()


def logged_address(client, capsys, **headers) -> str:
    capsys.readouterr()
    client.get("/healthz", environ_base=PROXY, headers=headers)
    return json.loads(capsys.readouterr().err.splitlines()[-1])["remote_addr"]


def test_a_trusted_proxy_forwards_the_clients_address(app, capsys):
    client = proxied(app, TRUSTED_PROXIES=1)
    assert logged_address(client, capsys, **{"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7"
    # Only the last hop is trusted: an address the client put in front is not believed.
    assert logged_address(client, capsys, **{"X-Forwarded-For": "1.2.3.4, 203.0.113.7"}) == \
        "203.0.113.7"


def test_without_trusted_proxies_the_header_is_ignored(client, capsys):
    assert logged_address(client, capsys, **{"X-Forwarded-For": "203.0.113.7"}) == "10.0.0.1"


def test_rate_limits_count_each_client_behind_the_proxy(app):
    client = proxied(app, TRUSTED_PROXIES=1, RATE_LIMIT_FAILED_AUTH="1/minute")

    def guess(ip: str) -> int:
        return client.get("/api/admin/v2/?action=get_users&hash=bad", environ_base=PROXY,
                          headers={"X-Forwarded-For": ip}).status_code

    assert [guess("203.0.113.7"), guess("203.0.113.7"), guess("198.51.100.9")] == [200, 429, 200]


def password_grant(client, **headers) -> dict:
    owner = User.owner()
    UserPassword.set(owner, "correct horse")
    registered, secret = OAuthClient.register("Reports", ["https://reports.example.com/cb"])
    return client.post("/oauth2/token", environ_base=PROXY, headers=headers, data={
        "grant_type": "password", "client_id": registered.client_id, "client_secret": secret,
        "username": owner.email, "password": "correct horse"}).get_json()


def test_public_url_is_the_account_url(app):
    client = proxied(app, PUBLIC_URL="https://tasks.example.com/")
    assert password_grant(client)["account_url"] == "https://tasks.example.com"


def test_forwarded_host_and_scheme_make_the_account_url(app):
    client = proxied(app, TRUSTED_PROXIES=1)
    answer = password_grant(client, **{"X-Forwarded-Proto": "https",
                                       "X-Forwarded-Host": "tasks.example.org"})
    assert answer["account_url"] == "https://tasks.example.org"


def test_sign_url_uses_the_public_url(app):
    public = create_app({**app.config, "PUBLIC_URL": "https://tasks.example.com"})
    output = public.test_cli_runner().invoke(args=["sign-url", "get_users"]).output
    assert output.startswith("curl 'https://tasks.example.com/api/admin/v2/?action=get_users&")
