"""Several API keys: ``flask keys create|list|rotate|revoke``, scopes, last_used."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import API_KEY

from models.base import now
from models.keys import ApiKey

BAD_HASH = {"status": "error", "status_code": 2, "message": "Action hash is missed or invalid"}


def forbidden(action):
    return {"status": "error", "status_code": 2, "message": "Action is not allowed for this key",
            "message_details": action}


def keys(app, *args):
    result = app.test_cli_runner().invoke(args=["keys", *args])
    return result.exit_code, result.output


def create(app, name, *options):
    code, output = keys(app, "create", name, *options)
    assert code == 0, output
    return re.fullmatch(rf"API key {re.escape(name)} \(shown once\): ([0-9a-f]{{32}})\n",
                        output).group(1)


def status(api, action, secret, **params):
    body = api.get(action, params, key=secret).get_json()
    return body if body["status"] == "error" else "ok"


def test_create_prints_a_working_secret_once_and_list_never_shows_it(app, api):
    secret = create(app, "backup-script")
    assert secret != API_KEY
    assert status(api, "get_users", secret) == "ok"
    code, listing = keys(app, "list")
    assert code == 0 and secret not in listing and API_KEY not in listing
    header, admin, backup = listing.splitlines()
    assert header.split() == ["NAME", "SCOPES", "SCHEMES", "CREATED", "(UTC)", "LAST", "USED",
                              "STATE"]
    assert admin.split()[:2] == ["admin", "*"] and admin.split()[-1] == "active"
    assert backup.split()[:2] == ["backup-script", "*"]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d  +active$", backup)  # used just now


def test_read_scope_allows_every_action_that_writes_nothing(app, api):
    secret = create(app, "reporting", "--scopes", "read")
    assert status(api, "get_users", secret) == "ok"
    assert status(api, "get_tasks", secret, id_project=1)["status_code"] == 4  # ran: no project
    assert status(api, "add_user_group", secret, title="X") == forbidden("add_user_group")
    assert status(api, "post_timemoney", secret) == forbidden("post_timemoney")  # alias too


def test_scopes_mix_read_and_actions_and_store_canonical_names(app, api):
    secret = create(app, "commenter", "--scopes", "read, add_user_group,get_tags")
    assert ApiKey.get(ApiKey.name == "commenter").scopes == "read,add_user_group,get_task_tags"
    assert status(api, "add_user_group", secret, title="Design") == "ok"
    assert status(api, "add_user", secret, email="x@y.io") == forbidden("add_user")


@pytest.mark.parametrize(("args", "message"), [
    (["create", "x", "--scopes", "read,drop_everything"], "unknown scope(s): drop_everything"),
    (["create", "x", "--scopes", ","], "unknown scope(s): (none)"),
    (["create", "admin"], "a key named 'admin' exists"),
    (["create", "bad name"], "letters, digits"),
    (["create", "old~1"], "letters, digits"),
    (["rotate", "nobody"], "no active key named 'nobody'"),
    (["revoke", "nobody"], "no active key named 'nobody'"),
    (["rotate", "admin", "--grace", "soon"], "not a duration: 'soon'"),
])
def test_bad_key_commands_are_refused(app, args, message):
    code, output = keys(app, *args)
    assert code == 2 and message in output
    assert ApiKey.select().count() == 1


def test_revoke_takes_effect_on_the_next_request(app, api):
    secret = create(app, "ci")
    assert status(api, "get_users", secret) == "ok"
    assert keys(app, "revoke", "ci") == (0, "Revoked ci\n")
    assert status(api, "get_users", secret) == BAD_HASH
    assert status(api, "get_users", API_KEY) == "ok"
    assert keys(app, "list")[1].splitlines()[2].split()[-3] == "revoked"
    assert keys(app, "revoke", "ci")[0] == 2


def test_rotate_keeps_the_old_secret_through_the_grace_period(app, api):
    old = create(app, "ops", "--scopes", "read")
    code, output = keys(app, "rotate", "ops", "--grace", "2h")
    assert code == 0, output
    new = re.search(r"New secret for ops \(shown once\): ([0-9a-f]{32})", output).group(1)
    retired = ApiKey.get(ApiKey.name.startswith("ops~"))
    assert f"as {retired.name};" in output
    assert ApiKey.get(ApiKey.name == "ops").scopes == "read"  # the name and scopes carry over
    assert (retired.revoked_at - now()).total_seconds() == pytest.approx(7200, abs=5)
    assert status(api, "get_users", old) == "ok" and status(api, "get_users", new) == "ok"
    listing = keys(app, "list")[1]
    assert re.search(rf"^{re.escape(retired.name)} .* expires \d{{4}}-", listing, re.M)

    ApiKey.update(revoked_at=now() - dt.timedelta(seconds=1)).where(
        ApiKey.id == retired.id).execute()  # the grace is over
    assert status(api, "get_users", old) == BAD_HASH
    assert status(api, "get_users", new) == "ok"


def test_rotate_with_no_grace_ends_the_old_secret_now(app, api):
    code, output = keys(app, "rotate", "admin", "--grace", "0")
    new = re.search(r"([0-9a-f]{32})", output).group(1)
    assert code == 0 and "old secret works until" not in output
    assert status(api, "get_users", API_KEY) == BAD_HASH
    assert status(api, "get_users", new) == "ok"
    assert app.test_cli_runner().invoke(args=["api-key"]).output.strip() == new


def test_revoke_name_also_ends_its_old_secrets_in_grace(app, api):
    old = create(app, "ops")
    new = re.search(r"([0-9a-f]{32})", keys(app, "rotate", "ops")[1]).group(1)
    assert keys(app, "revoke", "ops") == (0, "Revoked ops and 1 old secret(s)\n")
    assert status(api, "get_users", old) == BAD_HASH == status(api, "get_users", new)


def test_a_rotated_old_secret_cannot_be_rotated_again(app):
    create(app, "ops")
    keys(app, "rotate", "ops")
    retired = ApiKey.get(ApiKey.name.startswith("ops~")).name
    code, output = keys(app, "rotate", retired)
    assert code == 2 and "no active key named" in output


def test_last_used_is_written_at_most_once_a_minute(app, api):
    def last_used():
        return ApiKey.get(ApiKey.name == "admin").last_used

    assert last_used() is None
    status(api, "get_users", API_KEY)
    assert (now() - last_used()).total_seconds() < 5
    half_a_minute_ago = now() - dt.timedelta(seconds=30)
    ApiKey.update(last_used=half_a_minute_ago).execute()
    status(api, "get_users", API_KEY)
    assert last_used() == half_a_minute_ago  # not written again within the minute
    ApiKey.update(last_used=now() - dt.timedelta(seconds=61)).execute()
    status(api, "get_users", API_KEY)
    assert (now() - last_used()).total_seconds() < 5


def test_sign_url_can_sign_with_another_key(app, client):
    create(app, "reader", "--scopes", "read")
    output = app.test_cli_runner().invoke(args=["sign-url", "get_users", "--key", "reader"])
    url = re.search(r"curl 'http://127\.0\.0\.1:5000(/api/admin/v2/\?[^']+)'", output.output)
    assert client.get(url.group(1)).get_json()["status"] == "ok"
    ApiKey.revoke("reader")
    assert client.get(url.group(1)).get_json() == BAD_HASH
