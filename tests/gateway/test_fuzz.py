"""Property: whatever is sent to any action — hostile values, in the query, a JSON, form or
multipart body, with a valid signature, a wrong one or none — the answer is the envelope
(or a download), never an HTTP 5xx. Generated with hypothesis over the registry."""

from __future__ import annotations

import json

import pytest
from conftest import admin_header, md5_hash, php_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.registry import ACTIONS

SCALARS = st.one_of(
    st.text(max_size=40), st.sampled_from(["", "0", "-1", "1", "99999999999999999999",
                                           "31.02.2024", "ANY", "NOONE", "/project/1/1/",
                                           "a@b.co", "(", "\ud800", "\x00", "1,2,x", "25:61"]),
    st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8)
ENCODINGS = ("query", "json", "form", "multipart")
SIGNATURES = ("valid", "wrong", "none")


def field_names(action: str) -> list[str]:
    schema = ACTIONS[action].schema
    return [field.data_key or name for name, field in schema.fields.items()] or ["id"]


def flat(value) -> str:
    """A value as a query string or a form carries it."""
    return value if isinstance(value, str) else json.dumps(value)


def send(client, action: str, params: dict, encoding: str, signature: str):
    if encoding == "json":
        header = admin_header(action) if signature == "valid" else (
            admin_header(action, key="0" * 32) if signature == "wrong" else "")
        return client.post(f"/api/admin/v2?action={action}", data=json.dumps(params),
                           content_type="application/json",
                           headers={"Authorization": header} if header else {})
    fields = {"action": action, **{k: flat(v) for k, v in params.items() if k != "action"}}
    try:
        text = php_query(fields)
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be sent as UTF-8 bytes at all
        return None
    hashed = {"valid": md5_hash(text), "wrong": md5_hash(text, "0" * 32)}.get(signature)
    if encoding == "query":
        return client.get(f"/api/admin/v2/?{text}" + (f"&hash={hashed}" if hashed else ""))
    if encoding == "form":
        return client.post("/api/admin/v2/", data=text + (f"&hash={hashed}" if hashed else ""),
                           content_type="application/x-www-form-urlencoded")
    parts = {**fields, **({"hash": hashed} if hashed else {})}
    return client.post("/api/admin/v2/", data=parts, content_type="multipart/form-data")


def is_envelope(response) -> bool:
    if response.status_code >= 500:
        return False
    if response.headers.get("Content-Disposition", "").startswith("attachment"):
        response.close()
        return True
    body = response.get_json(silent=True)
    return isinstance(body, dict) and body.get("status") in ("ok", "error")


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_no_input_gives_anything_but_the_envelope(app, client, action):
    app.config["WEBHOOK_TIMEOUT"] = 0.2
    names = field_names(action)

    @settings(max_examples=6, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(params=st.dictionaries(st.sampled_from(names + ["page", "hash", "action"]), VALUES,
                                  max_size=5),
           encoding=st.sampled_from(ENCODINGS), signature=st.sampled_from(SIGNATURES))
    def check(params, encoding, signature):
        response = send(client, action, params, encoding, signature)
        assert response is None or is_envelope(response), (
            params, encoding, signature, response.status_code, response.get_data()[:300])

    check()


@pytest.mark.parametrize("status, body, mimetype", [
    (500, '{"status": "error", "status_code": 500}', "application/json"),
    (200, "<html>414 Request-URI Too Large</html>", "text/html"),
    (200, '{"data": 1}', "application/json"),
])
def test_the_check_catches_what_is_not_the_envelope(status, body, mimetype):
    from flask import Response
    assert not is_envelope(Response(body, status=status, mimetype=mimetype))
