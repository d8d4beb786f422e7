"""The official Worksection Python client (PyPI worksection-api-client 2.1.2), unchanged,
against a live server: it signs with the 2026 Admin header and sends JSON bodies."""

from __future__ import annotations

import pytest
from conftest import API_KEY
from worksection.client import Client
from worksection.exceptions.response_exception import ResponseException


@pytest.fixture
def ws(live_server):
    return Client(live_server).set_api_key(API_KEY)


def test_members(ws):
    user = ws.members.create("kate.greenway@ws.com", {"role": "guest", "group": "Development"})
    assert (user.email, user.role, user.group) == ("kate.greenway@ws.com", "Guest", "Development")
    assert [u.email for u in ws.members.list()] == ["henry.gardner@ws.com", "kate.greenway@ws.com"]
    team = ws.members.create_group("Singing bird", {"client": 1})
    assert (team.title, team.type, team.client) == ("Singing bird", "company", 1)
    assert "Singing bird" in [g.title for g in ws.members.groups()]


def test_contacts(ws):
    contact = ws.contacts.create("brian@gmail.com", "Brian Dragonfly", {"group": "Clients"})
    assert (contact.name, contact.group) == ("Brian Dragonfly", "Clients")
    assert [c.email for c in ws.contacts.list()] == ["brian@gmail.com"]
    folder = ws.contacts.create_group("Contractors")
    assert folder.type == "folder"
    assert [g.title for g in ws.contacts.groups()][-2:] == ["Clients", "Contractors"]


def test_errors_surface_as_the_clients_exception(ws):
    with pytest.raises(ResponseException, match="add_user: Invalid email"):
        ws.members.create("not-an-email")


def test_wrong_key_is_refused(live_server):
    ws = Client(live_server).set_api_key("0" * 32)
    with pytest.raises(ResponseException, match="Action hash is missed or invalid"):
        ws.members.list()


def test_schedule_update(ws, app):
    ws.members.update_schedule({"henry.gardner@ws.com": {"04.01.2021": "vacation"}})
    from models.schedule import ScheduleDay
    with app.app_context():
        assert [(d.day.isoformat(), d.kind) for d in ScheduleDay.select()] == [
            ("2021-01-04", "vacation")]
