"""The route over HTTP: signatures, parameter sources, the envelope on every failure."""

from __future__ import annotations

import json

import pytest
from conftest import API_KEY, admin_header, md5_hash, ok_data, php_query
from flask import url_for
from werkzeug.exceptions import MethodNotAllowed

from actions.gateway import KNOWN_PATHS, BoundWhenAsked
from actions.registry import ACTIONS, Action
from models.members import Team
from schemas.base import Params
from schemas.envelope import ApiError

BAD_HASH = {"status": "error", "status_code": 2, "message": "Action hash is missed or invalid"}


@pytest.fixture
def echo(monkeypatch):
    """A throwaway action that answers with the parameters it received."""
    monkeypatch.setitem(ACTIONS, "echo", Action("echo", echo_params, RawParams(), "Echo.",
                                                False, "echo"))


class RawParams(Params):
    class Meta:
        unknown = "include"


def echo_params(params):
    return json.loads(json.dumps(params, default=repr))


def signed_url(query: str, path: str = "/api/admin/v2/") -> str:
    return f"{path}?{query}&hash={md5_hash(query)}"


# -- signatures over HTTP ----------------------------------------------------------------------

def test_documented_url_answers_ok(client):
    assert ok_data(client.get(signed_url("action=get_users")).get_json())[0]["role"] == "Owner"


@pytest.mark.parametrize("path", ["/api/admin/v2", "/api/admin/v2/", "/api/admin/v2.1"])
def test_both_paths_and_methods(client, path):
    for method in (client.get, client.post):
        assert method(signed_url("action=get_users", path)).get_json()["status"] == "ok"


def test_missing_action_is_code_1(client):
    assert client.get(signed_url("id_task=1")).get_json() == {
        "status": "error", "status_code": 1, "message": "Action is required"}


def test_unknown_action_is_code_0(client):
    assert client.get(signed_url("action=get_everything")).get_json() == {
        "status": "error", "status_code": 0, "message": "Action is invalid",
        "message_details": "get_everything"}


@pytest.mark.parametrize("url", [
    "/api/admin/v2/?action=get_users",
    "/api/admin/v2/?action=get_users&hash=",
    "/api/admin/v2/?action=get_users&hash=0123456789abcdef0123456789abcdef",
    "/api/admin/v2/?action=get_users&hash=not-a-hash",
    f"/api/admin/v2/?action=get_contacts&hash={md5_hash('action=get_users')}",
])
def test_missing_or_wrong_hash_is_code_2(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.get_json() == BAD_HASH


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_rejects_a_bad_hash(client, name):
    assert client.get(f"/api/admin/v2/?action={name}&hash=x").get_json() == BAD_HASH


def test_key_with_another_secret_is_rejected(api):
    assert api.get("get_users", key="0" * 32).get_json() == BAD_HASH


def test_official_client_header_and_json_body(api):
    assert ok_data(api.post_json("get_users"))[0]["email"] == "henry.gardner@ws.com"


@pytest.mark.parametrize("header", ["Admin 1_" + "0" * 64, "Admin nonsense", "Bearer abc"])
def test_expired_or_malformed_admin_header(client, header):
    response = client.post("/api/admin/v2?action=get_users", headers={"Authorization": header})
    assert response.get_json() == BAD_HASH


def test_form_body_signed_in_the_body(client):
    """Some clients POST every parameter, the hash too, as a form body."""
    query = "action=add_user_group&title=Design+team"
    response = client.post("/api/admin/v2/", data=f"{query}&hash={md5_hash(query)}",
                           content_type="application/x-www-form-urlencoded")
    assert ok_data(response.get_json())["title"] == "Design team"


# -- where parameters come from --------------------------------------------------------------

def test_the_admin_header_takes_the_json_body_as_sent(client, echo):
    """The official clients sign the action and send the parameters as a JSON body."""
    response = client.post("/api/admin/v2?action=echo&a=query",
                           data=json.dumps({"b": "body", "n": 5}),
                           headers={"Authorization": admin_header("echo")},
                           content_type="application/json")
    data = ok_data(response.get_json())
    assert (data["a"], data["b"], data["n"]) == ("query", "body", 5)


def test_a_signed_query_runs_no_unsigned_body(client, echo):
    response = client.post(signed_url("action=echo&a=query"), data=json.dumps({"b": "body"}),
                           content_type="application/json")
    assert response.get_json() == {
        "status": "error", "status_code": 2,
        "message": "Parameters outside the signature: the body is not signed, sign its "
                   "parameters or leave them out", "message_details": "b"}


def test_a_signed_form_body_runs_no_unsigned_query(client, echo):
    body = "action=echo&a=1"
    response = client.post("/api/admin/v2/?action=echo&b=2", data=f"{body}&hash={md5_hash(body)}",
                           content_type="application/x-www-form-urlencoded")
    assert response.get_json()["message_details"] == "b"


def test_php_brackets_fold_into_lists_and_objects(client, echo):
    query = php_query({"action": "echo"}) + "&todo%5B%5D=a&todo%5B%5D=b%2Cc&x%5B1%5D=second" \
        "&x%5B0%5D=first&data%5Bkey%5D=v"
    data = ok_data(client.get(signed_url(query)).get_json())
    assert data["todo"] == ["a", "b,c"]
    assert data["x"] == ["first", "second"]
    assert data["data"] == {"key": "v"}


def test_multipart_files_beside_a_signed_query(client, echo):
    import io
    response = client.post(signed_url("action=echo&text=hi"), content_type="multipart/form-data",
                           data={"attach[0]": (io.BytesIO(b"x"), "a.txt")})
    data = ok_data(response.get_json())
    assert data["text"] == "hi" and "FileStorage" in data["attach"][0]


def test_empty_json_body_with_json_content_type(client):
    """The official client sends Content-Type: application/json and no body without params."""
    response = client.post("/api/admin/v2?action=get_users",
                           headers={"Authorization": admin_header("get_users")},
                           content_type="application/json; charset=utf-8")
    assert response.get_json()["status"] == "ok"


# -- bad requests ------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "message"), [
    ("[1, 2]", "The JSON body must be an object of parameters"),
    ('"text"', "The JSON body must be an object of parameters"),
    ("{not json", "The JSON body is not valid JSON"),
])
def test_json_body_that_is_not_an_object(client, body, message):
    response = client.post(signed_url("action=get_users"), data=body,
                           content_type="application/json")
    assert response.status_code == 200
    answer = response.get_json()
    assert (answer["status"], answer["status_code"], answer["message"]) == ("error", 10, message)


def test_non_utf8_query_bytes(client):
    response = client.get("/api/admin/v2/?action=add_user_group&title=%FF%FE&hash=x")
    assert response.get_json() == {"status": "error", "status_code": 10,
                                   "message": "Parameters must be UTF-8 encoded",
                                   "message_details": "the query string"}


def test_non_utf8_form_body(client):
    query = "action=add_user_group"
    response = client.post(signed_url(query), data=b"title=%FF",
                           content_type="application/x-www-form-urlencoded")
    assert response.get_json()["message"] == "Parameters must be UTF-8 encoded"
    assert Team.select().count() == 1


def test_non_utf8_multipart_field(client):
    body = (b"--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\xff\xfe\r\n--b--\r\n")
    response = client.post(signed_url("action=add_user_group"), data=body,
                           content_type="multipart/form-data; boundary=b")
    assert response.get_json()["message"] == "Parameters must be UTF-8 encoded"


def test_body_over_the_size_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post(signed_url("action=add_user_group"), data="x" * 2000,
                           content_type="application/json")
    assert response.status_code == 413
    body = response.get_json()
    assert body["status"] == "error" and body["status_code"] == 413


def test_unsupported_body_type(client):
    response = client.post(signed_url("action=get_users"), data="hello",
                           content_type="text/plain")
    assert response.get_json()["message"] == \
        "Unsupported body: send JSON, a form or multipart/form-data"


def test_wrong_url_answers_the_envelope(client):
    response = client.get("/api/admin/v3/")
    assert response.status_code == 404
    assert response.get_json()["status"] == "error"


def test_wrong_method_answers_the_envelope(client):
    response = client.put(signed_url("action=get_users"))
    assert response.status_code == 405
    assert response.get_json()["status_code"] == 405


def test_unexpected_exception_is_an_envelope_without_traceback(client, monkeypatch, caplog):
    def explode(params):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(ACTIONS, "explode", Action("explode", explode, Params(), "", False,
                                                   "explode"))
    response = client.get(signed_url("action=explode"))
    assert response.status_code == 500
    assert response.get_json() == {"status": "error", "status_code": 500,
                                   "message": "Internal error, the request was not applied"}
    assert "secret internals" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text  # logged for the operator


def test_a_failed_action_writes_nothing(client, monkeypatch):
    def half_then_fail(params):
        Team.create(title="Half-written")
        raise ApiError("Nope")

    monkeypatch.setitem(ACTIONS, "half", Action("half", half_then_fail, Params(), "", True,
                                                "half"))
    assert client.get(signed_url("action=half")).get_json()["message"] == "Nope"
    assert not Team.select().where(Team.title == "Half-written").exists()


def test_key_scopes_limit_actions(app, client):
    from models.keys import ApiKey
    with app.app_context():
        ApiKey.issue("reader", app.config["SECRET_KEY"], secret="1" * 32, scopes="get_users")
    allowed = md5_hash("action=get_users", "1" * 32)
    ok = client.get(f"/api/admin/v2/?action=get_users&hash={allowed}")
    assert ok.get_json()["status"] == "ok"
    query = "action=add_user&email=x%40y.io"
    denied = client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query, '1' * 32)}").get_json()
    assert denied == {"status": "error", "status_code": 2,
                      "message": "Action is not allowed for this key",
                      "message_details": "add_user"}


def test_revoked_key_is_rejected_on_the_next_request(app, client):
    from models.base import now
    from models.keys import ApiKey
    assert client.get(signed_url("action=get_users")).get_json()["status"] == "ok"
    with app.app_context():
        ApiKey.update(revoked_at=now()).execute()
    assert client.get(signed_url("action=get_users")).get_json() == BAD_HASH


def test_api_key_is_not_stored_in_clear(app):
    from models.keys import ApiKey
    with app.app_context():
        stored = ApiKey.get()
        assert API_KEY not in stored.sealed_secret
        assert stored.secret(app.config["SECRET_KEY"]) == API_KEY


@pytest.mark.parametrize("where", ["query", "json"])
def test_nul_characters_are_refused(client, where):
    if where == "query":
        response = client.get(signed_url("action=add_user_group&title=a%00b"))
    else:
        response = client.post("/api/admin/v2?action=add_user_group",
                               data=json.dumps({"title": ["x", "a\x00b"]}),
                               headers={"Authorization": admin_header("add_user_group")},
                               content_type="application/json")
    assert response.get_json() == {"status": "error", "status_code": 10,
                                   "message": "Parameters must not contain NUL characters",
                                   "message_details": "title"}
    assert Team.select().count() == 1


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD", "OPTIONS", "PUT"])
def test_the_api_paths_find_the_rule_the_url_map_finds(app, method):
    """``KnownPathContext`` skips the URL map's search for a GET or POST to the API's own
    paths; every path and method reaches the same rule, or the same refusal, as the map."""
    known = app.extensions[KNOWN_PATHS]
    assert {"/api/admin/v2/", "/api/admin/", "/api/oauth2"} <= known.keys()
    adapter = app.url_map.bind("localhost")
    for path, rule in known.items():
        with app.test_request_context(path, method=method) as context:
            try:
                expected = adapter.match(path, method=method, return_rule=True)[0]
            except MethodNotAllowed as refused:
                assert type(context.request.routing_exception) is type(refused)
                continue
            assert context.request.url_rule is expected is rule
            assert context.request.endpoint == rule.endpoint


def test_an_api_path_binds_the_url_map_only_to_build_a_url(app):
    """The URL map is bound to a request of the API's own paths only when a URL is built (its
    rule is known): ``url_for`` still works there, and ``TRUSTED_HOSTS`` still refuses a Host
    it does not list."""
    with app.test_request_context("/api/admin/v2/", base_url="http://api.example") as context:
        assert isinstance(context.url_adapter, BoundWhenAsked)
        assert context.url_adapter.bound is None
        assert url_for("healthz", _external=True) == "http://api.example/healthz"
        assert context.url_adapter.bound is not None
    with app.test_request_context("/healthz") as context:  # not an API path: bound at once
        assert not isinstance(context.url_adapter, BoundWhenAsked)
    app.config["TRUSTED_HOSTS"] = ["api.example"]
    client = app.test_client()
    refused = client.get("/api/admin/v2/?action=get_users", base_url="http://elsewhere.example")
    assert refused.status_code == 400 and refused.get_json()["status"] == "error"
    with app.test_request_context("/api/admin/v2/", base_url="http://api.example") as context:
        assert not isinstance(context.url_adapter, BoundWhenAsked)
