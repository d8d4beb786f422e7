"""No parameter value makes any action answer a 500: every action, every parameter it takes,
a set of hostile values, as query parameters and as JSON values."""

from __future__ import annotations

import pytest
from conftest import OWNER_EMAIL

from actions.registry import ACTIONS

HOSTILE = ["", " ", "0", "-1", "99999999999999999999999", "abc", "1e400", "\x00",
           "'; DROP TABLE tasks;--", "ä" * 600, "../../etc/passwd", "31.02.2024", "ANY",
           "a@b.co,c@d.co", "/project/x/", "1,2,abc", "(", "id in ()", "25:61"]
HOSTILE_JSON = [None, True, [], {}, [1, "a"], {"a": 1}, 1.5, -5, 10**30, [{"id": "x"}]]


@pytest.fixture
def world(api):
    """A user, a project, a task with a subtask, a comment and a cost line, ids 1 onwards."""
    for action, params in [
        ("add_user", {"email": "frank@ws.com"}),
        ("post_project", {"title": "P"}),
        ("post_task", {"id_project": 1, "title": "T"}),
        ("post_task", {"id_project": 1, "title": "S", "id_parent": 1}),
        ("post_comment", {"id_task": 1, "text": "c"}),
        ("add_costs", {"id_task": 1, "time": "1:00", "email_user_from": OWNER_EMAIL}),
    ]:
        assert api.call(action, **params)["status"] == "ok"


def answered(response) -> bool:
    if response.status_code == 200 and not response.is_json:
        return response.headers.get("Content-Disposition", "").startswith("attachment")
    body = response.get_json(silent=True) or {}
    return (response.status_code == 200 and body.get("status") in ("ok", "error")
            and body.get("status_code") != 500)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_hostile_values_never_give_a_500(app, api, world, name):
    app.config["WEBHOOK_TIMEOUT"] = 0.2
    spec = ACTIONS[name]
    keys = [field.data_key or key for key, field in spec.schema.fields.items()] + ["page"]
    for key in keys:
        for value in HOSTILE:
            response = api.get(name, {"id_task": 1, "id_project": 1, key: value})
            assert answered(response), (key, value, response.get_data(as_text=True)[:300])
        for value in HOSTILE_JSON:
            body = api.post_json(name, **{"id_task": 1, "id_project": 1, key: value})
            assert body["status"] in ("ok", "error") and body.get("status_code") != 500, \
                (key, value, body)


def test_a_multipart_part_without_a_name_is_refused(client):
    """Found by Schemathesis: a part whose Content-Disposition names nothing gave a 500."""
    body = (b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nhello\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--XyZ--\r\n")
    answer = client.post("/api/admin/v2/?action=post_comment&id_task=1&hash=x", data=body,
                         content_type="multipart/form-data; boundary=XyZ")
    assert answer.status_code in (200, 400) and answer.json["status"] == "error"
    assert answer.json["status_code"] != 500
