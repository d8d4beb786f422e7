"""Expiring, action-bound signed URLs: ``flask sign-url ACTION ... --expires 1h``."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

import pytest
from itsdangerous import TimestampSigner

from models.keys import ApiKey
from models.members import Team


def bad_signature(details="signature"):
    return {"status": "error", "status_code": 2, "message": "Action hash is missed or invalid",
            "message_details": details}


def sign_url(app, *args):
    result = app.test_cli_runner().invoke(args=["sign-url", *args])
    assert result.exit_code == 0, result.output
    return re.fullmatch(r"curl 'http://127\.0\.0\.1:5000(/api/admin/v2/\?[^']+)'\n",
                        result.output).group(1)


def pairs(url):
    return parse_qsl(url.split("?", 1)[1])


def with_pairs(items):
    return "/api/admin/v2/?" + urlencode(items)


@pytest.fixture
def url(app):
    """A signed URL for get_user_groups with one parameter, valid for an hour."""
    return sign_url(app, "get_user_groups", "id=1", "--expires", "1h")


@pytest.fixture
def later(monkeypatch):
    """Move itsdangerous's clock forward by some seconds."""
    real = TimestampSigner.get_timestamp

    def move(seconds):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + seconds)
    return move


def test_a_signed_url_works_for_its_action_until_it_expires(client, url, later):
    assert dict(pairs(url)).keys() == {"action", "id", "signature"}
    assert client.get(url).get_json()["status"] == "ok"
    later(3599)
    assert client.get(url).get_json()["status"] == "ok"
    later(3601)
    assert client.get(url).get_json() == bad_signature("signature has expired")


def test_a_signed_write_runs_once_per_request_it_signs(app, client):
    url = sign_url(app, "add_user_group", "title=Night shift", "--expires", "15m")
    assert client.get(url).get_json()["data"]["title"] == "Night shift"
    assert Team.select().where(Team.title == "Night shift").count() == 1


@pytest.mark.parametrize("change", [
    lambda items: [(k, "2" if k == "id" else v) for k, v in items],  # a value changed
    lambda items: items + [("extra", "1")],  # a parameter added
    lambda items: items + [("hash", "0" * 32)],  # a hash added
    lambda items: [(k, v) for k, v in items if k != "id"],  # a parameter removed
    lambda items: [(k, "get_users" if k == "action" else v) for k, v in items],  # another action
])
def test_a_signed_url_fails_with_any_parameter_changed(client, url, change):
    assert client.get(with_pairs(change(pairs(url)))).get_json() == bad_signature()


def test_a_signed_url_runs_no_unsigned_body(client, url):
    assert client.post(url, data={"id": "2"}).get_json() == {
        "status": "error", "status_code": 2,
        "message": "Parameters outside the signature: the body is not signed, sign its "
                   "parameters or leave them out", "message_details": "id"}


@pytest.mark.parametrize("token", ["", "abc", "1.x.y", "99.3600.AAAA.BBBB", "1.3600.AAAA.BBBB"])
def test_a_forged_signature_fails(client, url, token):
    items = [(k, token if k == "signature" else v) for k, v in pairs(url)]
    assert client.get(with_pairs(items)).get_json() == bad_signature()


def test_the_lifetime_is_signed_too(client, url):
    key_id, _, rest = dict(pairs(url))["signature"].split(".", 2)
    items = [(k, f"{key_id}.999999.{rest}" if k == "signature" else v) for k, v in pairs(url)]
    assert client.get(with_pairs(items)).get_json() == bad_signature()


def test_revoking_the_key_kills_its_signed_urls(client, url):
    ApiKey.revoke("admin")
    assert client.get(url).get_json() == bad_signature()


def test_a_signed_url_survives_its_keys_rotation_grace(app, client, url):
    assert app.test_cli_runner().invoke(args=["keys", "rotate", "admin"]).exit_code == 0
    assert client.get(url).get_json()["status"] == "ok"
    retired = ApiKey.get(ApiKey.name.startswith("admin~")).name
    assert app.test_cli_runner().invoke(args=["keys", "revoke", retired]).exit_code == 0
    assert client.get(url).get_json() == bad_signature()


def test_a_signed_url_has_its_keys_scopes(app, client):
    app.test_cli_runner().invoke(args=["keys", "create", "reader", "--scopes", "read"])
    url = sign_url(app, "add_user_group", "title=X", "--key", "reader", "--expires", "1h")
    assert client.get(url).get_json() == {
        "status": "error", "status_code": 2, "message": "Action is not allowed for this key",
        "message_details": "add_user_group"}


def test_without_expires_the_url_is_md5_signed_as_before(app, client):
    url = sign_url(app, "get_user_groups")
    assert [k for k, _ in pairs(url)] == ["action", "hash"]
    assert client.get(url).get_json()["status"] == "ok"


@pytest.mark.parametrize("expires", ["0", "0s", "soon", "1w", "-1h"])
def test_a_bad_lifetime_is_refused(app, expires):
    result = app.test_cli_runner().invoke(args=["sign-url", "get_users", "--expires", expires])
    assert result.exit_code == 2 and "--expires" in result.output


@pytest.mark.parametrize(("expires", "seconds"), [("90", 90), ("90s", 90), ("15m", 900),
                                                  ("1h", 3600), ("7d", 604800)])
def test_lifetimes_are_written_as_durations(app, expires, seconds):
    url = sign_url(app, "get_users", "--expires", expires)
    assert dict(pairs(url))["signature"].split(".")[1] == str(seconds)
