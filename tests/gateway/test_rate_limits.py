"""Rate limits: per caller, per IP for failed signatures and for routes without a caller, 429 +
Retry-After with the envelope, and one count shared by two app instances through Redis."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from conftest import API_KEY, SECRET_KEY, md5_hash, ok_data, php_query

from app import create_app
from models.keys import ApiKey
from models.tokens import SCOPES, Token

REDIS_URL = "redis://127.0.0.1:6379"
SAME_DATABASE = ("TESTING", "DATABASE_URL", "SECRET_KEY", "API_KEY", "OWNER_EMAIL", "FILES_DIR")
BAD_HASH = {"status": "error", "status_code": 2, "message": "Action hash is missed or invalid"}


def too_many(limit: str, what: str = "Too many requests") -> dict:
    return {"status": "error", "status_code": 429, "message": f"{what}: the limit is {limit}"}


def limited(app, **settings):
    """A second app on the database of ``app`` (owner and admin key made), with ``settings``."""
    return create_app({**{name: app.config[name] for name in SAME_DATABASE}, **settings})


def signed(action: str = "get_users", key: str = API_KEY, **params) -> str:
    query = php_query({"action": action, **params})
    return f"/api/admin/v2/?{query}&hash={md5_hash(query, key)}"


def get(client, url: str, ip: str = "127.0.0.1"):
    return client.get(url, environ_base={"REMOTE_ADDR": ip})


def assert_limited(response, body: dict) -> None:
    assert response.status_code == 429
    assert response.get_json() == body
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_limits_are_off_by_default(app, client):
    assert "rate_limits" not in app.extensions
    for _ in range(5):
        assert get(client, signed()).get_json()["status"] == "ok"


def test_the_request_over_the_limit_gets_429_with_retry_after(app):
    client = limited(app, RATE_LIMIT="3/minute").test_client()
    for _ in range(3):
        ok_data(get(client, signed()).get_json())
    assert_limited(get(client, signed()), too_many("3 per minute"))


def test_every_limit_of_a_list_counts(app):
    client = limited(app, RATE_LIMIT="10/hour;2/minute").test_client()
    for _ in range(2):
        ok_data(get(client, signed()).get_json())
    assert_limited(get(client, signed()), too_many("2 per minute"))


def test_each_key_and_each_token_user_has_its_own_count(app, frank, kate):
    limited_app = limited(app, RATE_LIMIT="2/minute")
    with limited_app.app_context():
        _, crm = ApiKey.issue("crm", SECRET_KEY)
        token = Token.issue("access", frank, list(SCOPES))[1]
        other_token = Token.issue("access", kate, list(SCOPES))[1]
    client = limited_app.test_client()
    for _ in range(2):
        ok_data(get(client, signed()).get_json())
    assert_limited(get(client, signed()), too_many("2 per minute"))

    for _ in range(2):
        ok_data(get(client, signed(key=crm)).get_json())
    assert_limited(get(client, signed(key=crm)), too_many("2 per minute"))

    def me(secret):
        return client.get("/api/oauth2?action=me", headers={"Authorization": f"Bearer {secret}"})

    for _ in range(2):
        assert ok_data(me(token).get_json())["email"] == "frank.harper@ws.com"
    assert_limited(me(token), too_many("2 per minute"))
    assert ok_data(me(other_token).get_json())["email"] == "kate.greenway@ws.com"


def test_a_rotated_keys_old_secret_shares_the_keys_count(app):
    limited_app = limited(app, RATE_LIMIT="2/minute")
    with limited_app.app_context():
        key, old = ApiKey.issue("crm", SECRET_KEY)
        new = key.rotate(SECRET_KEY, dt.timedelta(hours=1))[1]
    client = limited_app.test_client()
    ok_data(get(client, signed(key=old)).get_json())
    ok_data(get(client, signed(key=new)).get_json())
    assert_limited(get(client, signed(key=old)), too_many("2 per minute"))


def test_failed_signatures_are_limited_per_ip_then_every_request_of_that_ip(app):
    client = limited(app, RATE_LIMIT_FAILED_AUTH="2/minute").test_client()
    failed = too_many("2 per minute", "Too many failed signatures")
    for _ in range(2):
        assert get(client, signed(key="guess")).get_json() == BAD_HASH
    assert_limited(get(client, signed(key="guess")), failed)
    assert_limited(get(client, signed()), failed)  # the right key too: guessing stops here
    assert_limited(client.get("/api/oauth2?action=me&access_token=guess",
                              environ_base={"REMOTE_ADDR": "127.0.0.1"}), failed)

    assert get(client, signed(key="guess"), ip="203.0.113.9").get_json() == BAD_HASH
    for _ in range(5):  # signed requests are not failures: no per-caller limit is set
        ok_data(get(client, signed(), ip="203.0.113.9").get_json())


def test_failed_tokens_count_as_failed_signatures(app):
    client = limited(app, RATE_LIMIT_FAILED_AUTH="1/minute").test_client()
    invalid = {"status": "error", "status_code": 2, "message": "Access token is missed or invalid"}
    assert client.get("/api/oauth2?action=me&access_token=guess").get_json() == invalid
    assert_limited(client.get("/api/oauth2?action=me&access_token=guess"),
                   too_many("1 per minute", "Too many failed signatures"))


def test_requests_without_a_caller_count_per_ip(app):
    client = limited(app, RATE_LIMIT="2/minute").test_client()
    assert get(client, signed(key="guess")).get_json() == BAD_HASH
    assert get(client, "/openapi.json").status_code == 200
    assert_limited(get(client, "/docs"), too_many("2 per minute"))
    assert_limited(get(client, signed(key="guess")), too_many("2 per minute"))
    ok_data(get(client, signed()).get_json())  # the admin key has a count of its own
    assert get(client, "/openapi.json", ip="203.0.113.9").status_code == 200


def test_health_checks_are_never_limited(app):
    client = limited(app, RATE_LIMIT="1/minute", RATE_LIMIT_FAILED_AUTH="1/minute").test_client()
    get(client, "/docs")
    get(client, signed(key="guess"))
    for _ in range(3):
        assert get(client, "/healthz").get_json()["status"] == "ok"
        assert get(client, "/readyz").get_json() == {"status": "ok"}
    assert get(client, "/docs").status_code == 429


def test_a_malformed_limit_stops_the_app_from_starting(app):
    with pytest.raises(ValueError, match="rate limit 'lots': expected e.g. '60/minute'"):
        limited(app, RATE_LIMIT="lots")


def test_two_app_instances_share_one_count_through_redis(app, redis_prefix):
    settings = {"RATE_LIMIT": "3/minute", "RATE_LIMIT_FAILED_AUTH": "2/minute",
                "RATE_LIMIT_STORAGE": REDIS_URL, "RATE_LIMIT_PREFIX": redis_prefix}
    first, second = limited(app, **settings).test_client(), limited(app, **settings).test_client()
    ok_data(get(first, signed()).get_json())
    ok_data(get(second, signed()).get_json())
    ok_data(get(first, signed()).get_json())
    assert_limited(get(second, signed()), too_many("3 per minute"))
    assert_limited(get(first, signed()), too_many("3 per minute"))

    assert get(first, signed(key="guess")).get_json() == BAD_HASH
    assert get(second, signed(key="guess")).get_json() == BAD_HASH
    assert_limited(get(first, signed(key="guess")),
                   too_many("2 per minute", "Too many failed signatures"))


def test_an_unreachable_storage_lets_requests_through_and_says_so(app, caplog):
    pytest.importorskip("redis", reason="the redis client is not installed")
    client = limited(app, RATE_LIMIT="1/minute",
                     RATE_LIMIT_STORAGE="redis://127.0.0.1:1").test_client()
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            ok_data(get(client, signed()).get_json())
    failures = [r for r in caplog.records if "rate limit storage failed" in r.getMessage()]
    assert len(failures) == 1  # once per outage, not once per request


@pytest.mark.parametrize("path", ["/api/admin/", "/api/admin/v2/get_users"])
def test_the_v1_path_and_the_action_paths_count_each_caller_not_the_ip(app, path):
    """Two keys behind one address: each has its own 3 a minute (no per-IP count besides)."""
    other = "ab" * 16
    with app.app_context():
        ApiKey.issue("second", SECRET_KEY, other)
    client = limited(app, RATE_LIMIT="3/minute").test_client()

    def url(key: str) -> str:
        if path == "/api/admin/":
            return f"{path}?action=get_users&hash={md5_hash('get_users', key)}"
        return f"{path}?hash={md5_hash('action=get_users', key)}"

    assert [get(client, url(key)).status_code for key in (API_KEY, other) * 3] == [200] * 6
