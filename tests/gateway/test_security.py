"""The attack findings of the security review, each reproduced over HTTP: what a signature
covers runs and nothing else, read-only keys write nothing, roles bound user tokens, every
way to a file sees what get_task sees, bounded work before authentication, replays of the
strict scheme, and the envelope for every malformed request."""

from __future__ import annotations

import io
import json
import time
from urllib.parse import unquote

import pytest
from conftest import API_KEY, SECRET_KEY, admin_header, error, md5_hash, ok_data, php_query

from actions.gateway import strict
from actions.registry import ACTIONS, Action
from models.keys import ApiKey
from models.members import User
from models.projects import Project
from models.tasks import Task
from models.tokens import SCOPES, Token
from schemas.base import Params


@pytest.fixture
def echo(monkeypatch):
    """A throwaway action that answers with the parameters it received."""
    monkeypatch.setitem(ACTIONS, "echo", Action("echo", lambda params: dict(params),
                                                RawParams(), "Echo.", False, "echo"))


class RawParams(Params):
    class Meta:
        unknown = "include"


UNSIGNED_BODY = "Parameters outside the signature: the body is not signed, sign its parameters " \
                "or leave them out"


def seen_url(action: str, **params) -> str:
    """A signed URL an attacker could have seen in a log or a browser history."""
    query = php_query({"action": action, **params})
    return f"/api/admin/v2/?{query}&hash={md5_hash(query)}"


# 1. the body is unsigned: it cannot change what a signed query runs -------------------------

@pytest.mark.parametrize("body", [
    {"action": "add_user", "email": "mallory@evil.com"},
    {"email": "mallory@evil.com"},
])
@pytest.mark.parametrize("encoding", ["json", "form", "multipart"])
def test_a_seen_url_with_a_body_runs_nothing_unsigned(client, body, encoding):
    url = seen_url("get_users")
    if encoding == "json":
        response = client.post(url, data=json.dumps(body), content_type="application/json")
    else:
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded"
                               if encoding == "form" else "multipart/form-data")
    answer = response.get_json()
    assert (answer["status_code"], answer["message"]) == (2, UNSIGNED_BODY)
    assert User.select().where(User.email == "mallory@evil.com").count() == 0


@pytest.mark.parametrize("action, params", [
    ("delete_task", {"id_task": "1"}),
    ("post_project", {"title": "Owned"}),
])
def test_a_seen_url_cannot_become_another_action(api, client, action, params):
    project = ok_data(api.call("post_project", title="Real"))["id"]
    ok_data(api.call("post_task", id_project=project, title="Keep me"))
    response = client.post(seen_url("get_users"), json={"action": action, **params})
    assert response.get_json()["status_code"] == 2
    assert (Task.select().count(), Project.select().count()) == (1, 1)


UNSIGNED_QUERY = "Action hash is missed or invalid"
SEEN_PATHS = {
    "v2": lambda query: f"/api/admin/v2/?{query}&hash={md5_hash(query)}",
    "v1": lambda query: f"/api/admin/?{query}&hash={md5_hash(query)}",
    "path": lambda query: "/api/admin/v2/{}?{}&hash={}".format(
        query.split("&", 1)[0].removeprefix("action="), query.split("&", 1)[1],
        md5_hash(query)),
}


@pytest.mark.parametrize("path", sorted(SEEN_PATHS))
@pytest.mark.parametrize("extra", ["members%5B%5D=mallory%40evil.test",
                                   "members[]=mallory@evil.test",
                                   "members%5B0%5D=mallory%40evil.test",
                                   "members%5Bx%5D=mallory%40evil.test"])
def test_finding_1_a_list_appended_to_a_seen_url_does_not_run(client, path, extra):
    """Finding 1: the re-encoded forms of the query dropped every list and object, so a
    signed URL with ``members[]=`` appended re-encoded to the signed one and ran it."""
    url = SEEN_PATHS[path](php_query({"action": "post_project", "title": "Launch"}))
    answer = client.get(f"{url}&{extra}").get_json()
    assert answer == error(2, UNSIGNED_QUERY)
    assert Project.select().count() == 0
    assert ok_data(client.get(url).get_json())["name"] == "Launch"
    assert "mallory@evil.test" not in [m.user.email for m in Project.get().memberships]


@pytest.mark.parametrize("action, params, extra", [
    ("update_task", {"id_task": "1"}, "tags%5B%5D=X&custom_fields%5B79%5D=Y"),
    ("update_user", {"email": "kate.greenway@ws.com"}, "teams%5B%5D=2"),
    ("post_comment", {"id_task": "1", "text": "hi"}, "hidden%5B%5D=a%40b.c"),
    ("post_comment", {"id_task": "1", "text": "hi"}, "mention%5B%5D=a%40b.c"),
    ("get_task", {"id_task": "1"}, "extra%5B%5D=files"),
])
def test_finding_1_no_list_or_object_rides_on_a_signed_query(client, action, params, extra):
    for make in SEEN_PATHS.values():
        url = make(php_query({"action": action, **params}))
        assert client.get(f"{url}&{extra}").get_json() == error(2, UNSIGNED_QUERY)


@pytest.mark.parametrize("body", ["members%5B%5D=mallory%40evil.test",
                                  '{"members": ["mallory@evil.test"]}'])
def test_finding_1_no_list_rides_on_a_query_hash_over_the_body(client, body):
    """A query hash over the body's fields (generated clients): a list of a form body is
    spelled and so refused unless signed; one of a JSON body is never signed."""
    signed_fields = "action=post_project&title=Launch"
    form = body[0] != "{"
    response = client.post(f"/api/admin/v2/post_project?hash={md5_hash(signed_fields)}",
                           data=f"title=Launch&{body}" if form else
                           '{"title": "Launch", "members": ["mallory@evil.test"]}',
                           content_type="application/x-www-form-urlencoded" if form
                           else "application/json")
    assert response.get_json()["status_code"] == 2
    assert Project.select().count() == 0


def test_a_json_body_hash_does_not_sign_its_lists(client):
    """A hash in a JSON body spells its string and number members: a list beside them is
    refused, named."""
    signed_fields = "action=post_project&title=Launch"
    response = client.post("/api/admin/v2/", json={
        "action": "post_project", "title": "Launch", "members": ["mallory@evil.test"],
        "hash": md5_hash(signed_fields)})
    answer = response.get_json()
    assert (answer["status_code"], answer["message_details"]) == (2, "members")
    assert Project.select().count() == 0


@pytest.mark.parametrize("wire", ["title=a%26b%3Dc", "title=a%2541", "title=a%2Bb"])
def test_an_unencoded_spelling_that_reads_otherwise_signs_nothing(client, wire):
    """Postman hashes values unencoded; a value holding ``&``, ``=``, ``%`` or ``+`` then
    spells other pairs than the request's, and the hash of that text is not accepted for it
    (else ``title=a&b=c`` signed would pass for ``title=a%26b%3Dc``, and back)."""
    unencoded = "action=add_user_group&" + unquote(wire)
    answer = client.get(f"/api/admin/v2/?action=add_user_group&{wire}"
                        f"&hash={md5_hash(unencoded)}").get_json()
    assert answer == error(2, UNSIGNED_QUERY)


def test_a_signed_form_body_stores_no_unsigned_query_parameter(client):
    body = "action=add_user_group&title=Design"
    response = client.post("/api/admin/v2/?client=1&title=Owned",
                           data=f"{body}&hash={md5_hash(body)}",
                           content_type="application/x-www-form-urlencoded")
    assert response.get_json() == error(2, "Parameters outside the signature: the query string "
                                           "is not signed, sign its parameters or leave them "
                                           "out", "client, title")


def test_the_files_of_an_upload_may_come_unsigned(api, client):
    project = ok_data(api.call("post_project", title="P"))["id"]
    response = client.post(seen_url("post_task", id_project=project, title="With a file"),
                           data={"attach[0]": (io.BytesIO(b"spec"), "spec.txt")},
                           content_type="multipart/form-data")
    assert ok_data(response.get_json())["name"] == "With a file"


def test_the_admin_header_signs_the_action_the_body_cannot_change_it(client):
    response = client.post("/api/admin/v2?action=get_users",
                           json={"action": "add_user", "email": "mallory@evil.com"},
                           headers={"Authorization": admin_header("get_users")})
    assert response.get_json()["status_code"] == 2
    assert User.select().count() == 1


# 2. a read-only key writes nothing, and every write is flagged as one ---------------------------

def test_a_read_only_key_cannot_add_a_webhook(app, client):
    ApiKey.issue("reports", SECRET_KEY, "ab" * 16, scopes="read")
    query = php_query({"action": "add_webhook", "url": "https://example.com/hook",
                       "events": "post_task"})
    answer = client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query, 'ab' * 16)}").get_json()
    assert answer == error(2, "Action is not allowed for this key", "add_webhook")


READS_THAT_WRITE = {"get_messages"}  # reading a conversation marks it read


def test_every_action_that_is_not_a_read_is_a_write():
    reads = {name for name, spec in ACTIONS.items()
             if (spec.canonical.startswith(("get_", "search_")) or spec.canonical in
                 ("me", "download")) and spec.canonical not in READS_THAT_WRITE}
    assert sorted(name for name, spec in ACTIONS.items() if spec.writes == (name in reads)) == []


# 3. roles bound user tokens ----------------------------------------------------------------------

@pytest.fixture
def plain_user_token(app):
    user = User.create(email="paul@ws.com", role="user")
    return Token.issue("access", user, list(SCOPES))[1]


@pytest.mark.parametrize("action, params", [
    ("update_user", {"email": "henry.gardner@ws.com", "first_name": "Pwned"}),
    ("disable_user", {"email": "kate.greenway@ws.com"}),
    ("update_user", {"email": "kate.greenway@ws.com", "role": "reader"}),
    ("add_user", {"email": "friend@evil.com"}),
    ("add_webhook", {"url": "https://evil.com/hook", "events": "post_task"}),
    ("delete_webhook", {"id": 1}),
    ("add_task_custom_field", {"name": "Mine"}),
])
def test_a_plain_users_token_cannot_administer_the_account(client, kate, plain_user_token,
                                                            action, params):
    answer = client.post(f"/api/oauth2?action={action}", json=params,
                         headers={"Authorization": f"Bearer {plain_user_token}"}).get_json()
    assert (answer["status_code"], answer["message"].startswith("The user's role")) == (2, True)
    assert User.owner().first_name == "Henry" and User.get(User.email == kate.email).is_active


def test_a_plain_user_sees_only_the_projects_it_is_a_member_of(api, client, plain_user_token):
    ok_data(api.call("post_project", title="Mine", members="paul@ws.com"))
    secret = ok_data(api.call("post_project", title="Board only"))["id"]
    headers = {"Authorization": f"Bearer {plain_user_token}"}
    listed = ok_data(client.post("/api/oauth2?action=get_projects", headers=headers).get_json())
    assert [p["name"] for p in listed] == ["Mine"]
    answer = client.post("/api/oauth2?action=get_project", json={"id_project": secret},
                         headers=headers).get_json()
    assert answer == error(4, "Project is invalid")


def test_a_user_may_change_its_own_profile_but_not_its_role(client, plain_user_token):
    headers = {"Authorization": f"Bearer {plain_user_token}"}
    answer = client.post("/api/oauth2?action=update_user",
                         json={"email": "paul@ws.com", "first_name": "Paul"}, headers=headers)
    assert answer.get_json()["status"] == "ok"
    answer = client.post("/api/oauth2?action=update_user",
                         json={"email": "paul@ws.com", "role": "reader"}, headers=headers)
    assert answer.get_json()["status_code"] == 2


# 4. a file is as hidden as what it is attached to -------------------------------------------------

def test_download_applies_the_visibility_of_the_task(api, client, frank, kate):
    project = ok_data(api.call("post_project", title="P",
                               members=f"{frank.email},{kate.email}"))["id"]
    body = api.post_form("post_task", id_project=project, title="Secret", hidden=kate.email,
                         files={"attach[0]": (io.BytesIO(b"plans"), "plans.txt")})
    file_id = ok_data(api.call("get_files", id_task=ok_data(body)["id"]))[0]["id"]
    franks = Token.issue("access", frank, list(SCOPES))[1]
    kates = Token.issue("access", kate, list(SCOPES))[1]

    def download(token):
        return client.post("/api/oauth2?action=download", json={"id_file": file_id},
                           headers={"Authorization": f"Bearer {token}"})

    assert download(franks).get_json() == error(4, "File not found")
    response = download(kates)
    assert response.get_data() == b"plans"
    response.close()


# 5. bounded work before authentication ---------------------------------------------------------

def test_an_unsigned_body_is_not_read_before_the_signature_is_refused(client):
    """The body would be refused as not UTF-8 if it were read: the signature is refused
    first, without parsing it."""
    query = "action=add_user&email=a@b.co"
    response = client.post(f"/api/admin/v2/?{query}&hash={'0' * 32}", data=b"x=%FF" * 100_000,
                           content_type="application/x-www-form-urlencoded")
    assert response.get_json() == error(2, "Action hash is missed or invalid")


def test_a_form_of_a_million_pairs_is_refused_at_once(client):
    pairs = "&".join(f"k{i}=v" for i in range(1_000_000))
    started = time.process_time()
    response = client.post(seen_url("get_users"), data=pairs,
                           content_type="application/x-www-form-urlencoded")
    assert response.get_json()["message"] == "Too many parameters: at most 1000 in the form body"
    response = client.post("/api/admin/v2/", data=f"{pairs}&action=get_users&hash={'0' * 32}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and response.get_json()["message"].startswith(
        "A body read before its signature is checked (it carries its own hash or action, or the "
        "strict scheme signs it) is limited to 262144 bytes")
    assert time.process_time() - started < 5  # a bound, not a benchmark: 30 s killed a worker


# 6. schemes that sign no parameters: the per-key switches, and the strict scheme -----------------

def test_a_key_can_refuse_the_legacy_hash(app, client):
    legacy = md5_hash("get_all_tasks")
    url = f"/api/admin/v2/?action=get_all_tasks&hash={legacy}"
    assert client.get(url).get_json()["status"] == "ok"
    result = app.test_cli_runner().invoke(args=["keys", "set", "admin", "--no-legacy"])
    assert result.exit_code == 0, result.output
    assert client.get(url).get_json() == error(2, "Action hash is missed or invalid")
    assert client.get(seen_url("get_all_tasks")).get_json()["status"] == "ok"


def test_the_admin_header_can_be_turned_off(app, client):
    """It signs only the action: ``ADMIN_HEADER = False`` closes it, as ``LEGACY_HASH``
    closes the legacy hash; every other scheme still works."""
    send = {"headers": {"Authorization": admin_header("get_users")}}
    assert client.post("/api/admin/v2?action=get_users", **send).get_json()["status"] == "ok"
    app.config["ADMIN_HEADER"] = False
    answer = client.post("/api/admin/v2?action=get_users", **send).get_json()
    assert answer == error(2, "The Authorization: Admin header signs only the action: it is "
                              "turned off here (ADMIN_HEADER = False)", "Admin")
    assert client.get(seen_url("get_users")).get_json()["status"] == "ok"


def strict_call(client, action="get_users", body=b"", nonce="", key_name="admin",
                secret=API_KEY, ts=None, query_extra=""):
    query = f"action={action}{query_extra}"
    method = "POST" if body else "GET"
    header = strict.header_for(key_name, secret, method, "/api/admin/v2/", query, body, ts,
                               nonce or f"nonce-{time.time_ns()}")
    return client.open(f"/api/admin/v2/?{query}", method=method, data=body or None,
                       content_type="application/json" if body else None,
                       headers={"Authorization": header})


def test_the_strict_scheme_signs_the_body_and_refuses_a_replay(client):
    body = json.dumps({"title": "Design team"}).encode()
    header = strict.header_for("admin", API_KEY, "POST", "/api/admin/v2/",
                               "action=add_user_group", body, nonce="n" * 20)
    send = {"data": body, "content_type": "application/json",
            "headers": {"Authorization": header}}
    assert ok_data(client.post("/api/admin/v2/?action=add_user_group", **send).get_json())
    replay = client.post("/api/admin/v2/?action=add_user_group", **send).get_json()
    assert replay == error(2, "Action hash is missed or invalid",
                           "Taskgate-HMAC-SHA256: this nonce was used already (a replay)")
    tampered = {**send, "data": json.dumps({"title": "Other"}).encode()}
    tampered["headers"] = {"Authorization": header.replace("n" * 20, "m" * 20)}
    assert client.post("/api/admin/v2/?action=add_user_group", **tampered).get_json()[
        "status_code"] == 2


@pytest.mark.parametrize("change", ["query", "stale", "future", "key"])
def test_the_strict_scheme_refuses_what_it_did_not_sign(client, change):
    now = int(time.time())
    if change == "query":
        header = strict.header_for("admin", API_KEY, "GET", "/api/admin/v2/", "action=get_users",
                                   nonce="q" * 20)
        response = client.get("/api/admin/v2/?action=get_user_groups",
                              headers={"Authorization": header})
    else:
        ts = {"stale": now - 301, "future": now + 301}.get(change, now)
        response = strict_call(client, ts=ts, secret="f" * 32 if change == "key" else API_KEY)
    assert response.get_json()["status_code"] == 2


def test_the_strict_scheme_signs_duplicate_names_in_wire_order(client, echo):
    """Finding 10: the canonical query sorted duplicate names with their values, so
    ``title=B&title=A`` passed for a signature of ``title=A&title=B`` and ran another title."""
    header = strict.header_for("admin", API_KEY, "GET", "/api/admin/v2/",
                               "action=echo&title=A&title=B", nonce="d" * 20)
    swapped = client.get("/api/admin/v2/?action=echo&title=B&title=A",
                         headers={"Authorization": header}).get_json()
    assert swapped == error(2, "Action hash is missed or invalid", "Taskgate-HMAC-SHA256")
    header = strict.header_for("admin", API_KEY, "GET", "/api/admin/v2/",
                               "title=A&action=echo&title=B", nonce="e" * 20)
    as_sent = client.get("/api/admin/v2/?title=A&action=echo&title=B",
                         headers={"Authorization": header}).get_json()
    assert ok_data(as_sent)["title"] == "B"


@pytest.mark.parametrize("change", ["stale", "key", "replay"])
def test_the_strict_header_is_checked_before_any_body_byte(client, change):
    """Finding 2: the whole body was read and parsed before the header was even parsed.
    Here the body is not JSON: reading it would answer that, not the header's fault."""
    if change == "replay":
        assert strict_call(client, nonce="r" * 20).get_json()["status"] == "ok"
    header = strict.header_for("ghost" if change == "key" else "admin", API_KEY, "POST",
                               "/api/admin/v2/", "action=get_users", b"{not json",
                               ts=int(time.time()) - 1000 if change == "stale" else None,
                               nonce="r" * 20)
    stream = Counted(b"{not json" * 300_000)
    answer = client.post("/api/admin/v2/?action=get_users", input_stream=stream,
                         content_type="application/json", headers={"Authorization": header})
    assert answer.get_json()["status_code"] == 2 and stream.read_bytes == 0


class Counted(io.BytesIO):
    """A body that counts the bytes read of it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.read_bytes += count
        return count


def test_a_strict_body_is_parsed_only_once_its_signature_matched(client):
    body = b'{"title": ' * 10_000
    header = strict.header_for("admin", "0" * 32, "POST", "/api/admin/v2/",
                               "action=add_user_group", body, nonce="p" * 20)
    answer = client.post("/api/admin/v2/?action=add_user_group", data=body,
                         content_type="application/json", headers={"Authorization": header})
    assert answer.get_json() == error(2, "Action hash is missed or invalid",
                                      "Taskgate-HMAC-SHA256")


def test_a_strict_body_over_the_pre_authentication_bound_is_refused_unhashed(app, client):
    app.config["MAX_BODY_BEFORE_AUTH"] = 1000
    body = json.dumps({"title": "x" * 2000}).encode()
    answer = strict_call(client, action="add_user_group", body=body)
    assert answer.status_code == 413 and answer.get_json()["message"].startswith(
        "A body read before its signature is checked")
    assert strict_call(client, action="add_user_group",
                       body=json.dumps({"title": "Small"}).encode()).get_json()["status"] == "ok"


def test_a_key_that_requires_the_strict_scheme_refuses_md5(app, client):
    assert strict_call(client).get_json()["status"] == "ok"
    app.test_cli_runner().invoke(args=["keys", "set", "admin", "--require-strict"])
    assert client.get(seen_url("get_users")).get_json()["message"] == (
        "This key signs only with the Taskgate-HMAC-SHA256 scheme")
    assert strict_call(client).get_json()["status"] == "ok"


# 8. malformed requests answer the envelope -------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    ('{"title": "\\ud800"}',
     "Parameters must be valid Unicode text (a lone surrogate is not)"),
    ('{"a": ' * 1000 + "1" + "}" * 1000, "The JSON body is nested deeper than 20 levels"),
    ('{"a": ' * 30 + "1" + "}" * 30, "Parameters are nested deeper than 20 levels"),
])
def test_hostile_json_answers_the_envelope(client, body, message):
    response = client.post("/api/admin/v2?action=add_user_group", data=body,
                           content_type="application/json",
                           headers={"Authorization": admin_header("add_user_group")})
    assert (response.status_code, response.get_json()["message"]) == (200, message)


def test_a_too_long_query_string_is_a_json_414(client):
    response = client.get("/api/admin/v2/?action=get_users&x=" + "a" * 20_000)
    assert response.status_code == 414
    assert response.get_json()["status"] == "error"


def test_a_chunked_body_over_the_limit_is_refused_not_cut(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    body = json.dumps({"title": "x" * 5000}).encode()
    response = client.post("/api/admin/v2?action=add_user_group", input_stream=io.BytesIO(body),
                           content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True},
                           headers={"Authorization": admin_header("add_user_group"),
                                    "Transfer-Encoding": "chunked"})
    assert response.status_code == 413 and response.get_json()["status"] == "error"


# every client generation still signs as it always did ---------------------------------------------

def test_php_sdk_2_0_sends_everything_multipart_with_the_legacy_hash(client):
    """SDK 2.0.0 (Nov 2023): POST /api/admin/v2, no query, multipart action/fields/hash, with
    hash = md5(action + key): it signs the action only, by design."""
    parts = {"action": "add_task_tag_groups", "type": "label", "access": "public",
             "title": "Development", "hash": md5_hash("add_task_tag_groups")}
    response = client.post("/api/admin/v2", data=parts, content_type="multipart/form-data")
    assert ok_data(response.get_json())[0]["title"] == "Development"


def test_php_sdk_2_1_hashes_the_multipart_fields_it_sends(client):
    """SDK 2.1.0: the same multipart POST, hash = md5(http_build_query(params) + key)."""
    params = {"action": "add_user_group", "title": "Design team"}
    parts = {**params, "hash": md5_hash(php_query(params))}
    response = client.post("/api/admin/v2", data=parts, content_type="multipart/form-data")
    assert ok_data(response.get_json())["title"] == "Design team"
    forged = {**parts, "title": "Owned"}
    assert client.post("/api/admin/v2", data=forged,
                       content_type="multipart/form-data").get_json()["status_code"] == 2
