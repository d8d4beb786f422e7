"""Notices (Trudesk's banners): create, list, update, delete, activate one at a time, clear;
the active one readable by every user token."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import DATE_ADDED, admin_header, error, ok_data
from peer_kit import as_token

from models.notices import Notice


def post(api, **params):
    return ok_data(api.post_json("post_notice", **{"name": "Outage", "message": "Down at 9",
                                                   **params}))


def test_post_notice_takes_trudesk_names_and_defaults(api):
    notice = post(api, fontColor="#000000", alertWindow=True, color="#ABC")
    assert DATE_ADDED.match(notice.pop("date_added"))
    assert notice == {"id": notice["id"], "name": "Outage", "message": "Down at 9",
                      "color": "#abc", "font_color": "#000000", "alert_window": 1, "active": 0}
    plain = post(api, name="Plain")
    assert (plain["color"], plain["font_color"], plain["alert_window"]) == (
        "#e74c3c", "#ffffff", 0)


@pytest.mark.parametrize(("name", "value"), [
    ("color", "#CCCCC"), ("color", "red"), ("font_color", "#12345g"), ("fontColor", "ffffff")])
def test_a_color_that_is_not_hex_is_refused_and_nothing_is_written(api, name, value):
    body = api.post_json("post_notice", name="Outage", message="Down", **{name: value})
    field = "font_color" if name == "fontColor" else name
    assert body["status_code"] == 11 and body["message_details"] == field
    assert Notice.select().count() == 0


def test_update_and_delete_a_notice(api):
    notice = post(api)
    updated = ok_data(api.call("update_notice", id=notice["id"], message="Back at 10",
                               color="#00ff00"))
    assert (updated["message"], updated["color"], updated["name"]) == (
        "Back at 10", "#00ff00", "Outage")
    assert api.call("update_notice", id=notice["id"], color="green")["status_code"] == 11
    assert Notice.get_by_id(int(notice["id"])).color == "#00ff00"
    assert ok_data(api.call("delete_notice", id=notice["id"])) is None
    assert api.call("delete_notice", id=notice["id"]) == error(10, "Notice is invalid")
    assert api.call("update_notice", id=9999, name="x") == error(10, "Notice is invalid")


def test_one_notice_is_active_at_a_time(api):
    first, second = post(api, name="First"), post(api, name="Second")
    active = ok_data(api.call("activate_notice", id=first["id"]))
    assert active["active"] == 1 and DATE_ADDED.match(active["date_active"])
    assert api.call("activate_notice", id=first["id"]) == error(
        12, "Notice is already active", first["id"])
    ok_data(api.call("activate_notice", id=second["id"]))
    listed = ok_data(api.call("get_notices"))
    assert [(n["name"], n["active"]) for n in listed] == [("Second", 1), ("First", 0)]
    assert [n["name"] for n in ok_data(api.call("get_notices", active=1))] == ["Second"]


def test_the_database_refuses_a_second_active_notice(app):
    from peewee import IntegrityError

    from models.base import db
    with app.app_context():
        db.connect(reuse_if_open=True)
        Notice.create(name="A", message="a", active=True)
        with pytest.raises(IntegrityError), db.atomic():
            Notice.create(name="B", message="b", active=True)
        assert Notice.select().where(Notice.active == True).count() == 1  # noqa: E712
        db.close()


def test_clear_notice_leaves_none_active_and_is_fine_when_none_is(api):
    notice = post(api)
    assert ok_data(api.call("clear_notice")) is None
    ok_data(api.call("activate_notice", id=notice["id"]))
    ok_data(api.call("clear_notice"))
    assert ok_data(api.call("get_notices", active=1)) == []


def test_every_user_token_reads_the_active_notice_but_only_admins_write(api, client, frank):
    notice = post(api)
    ok_data(api.call("activate_notice", id=notice["id"]))
    reader = as_token(client, frank, scopes=["tasks_read"])
    assert [n["id"] for n in ok_data(reader.call("get_notices", active=1))] == [notice["id"]]
    assert reader.call("post_notice", name="x", message="y")["status_code"] == 2
    admin_scope = as_token(client, frank, scopes=["administrative"])
    refused = admin_scope.call("clear_notice")
    assert refused["message"] == "The user's role does not allow this action"
    frank.role = "account admin"
    frank.save()
    assert ok_data(admin_scope.call("clear_notice")) is None


def test_paging(api):
    for n in range(5):
        post(api, name=f"N{n}")
    page = ok_data(api.call("get_notices", page=2, limit=2))
    assert [n["name"] for n in page] == ["N2", "N1"]
    assert api.call("get_notices", limit=0)["status_code"] == 11


def test_concurrent_activations_leave_exactly_one_active(api, live_server):
    notices = [post(api, name=f"N{n}")["id"] for n in range(6)]

    def activate(notice_id: str) -> dict:
        request = urllib.request.Request(
            f"{live_server}/api/admin/v2?action=activate_notice",
            data=json.dumps({"id": notice_id}).encode(), method="POST",
            headers={"Authorization": admin_header("activate_notice"),
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(activate, notices))
    assert [answer["status"] for answer in answers] == ["ok"] * 6
    assert len(ok_data(api.call("get_notices", active=1))) == 1
