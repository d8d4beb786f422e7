"""Trudesk's ticket details: notes, the whole history of a task paged, search over the text,
update_task with text, New/Open/Pending/Closed, and one team with its members."""

from __future__ import annotations

import datetime as dt

from conftest import DATE_ADDED, error, ok_data, post_task, ref
from peer_kit import as_token

from models.base import now
from models.events import Event
from models.members import Team, User
from models.tags import Tag, TagGroup


def test_get_notes_lists_the_hidden_comments_the_caller_may_read(api, client, website, frank,
                                                                   kate):
    User.create(email="outsider@ws.com", first_name="Out")
    ok_data(api.call("add_project_members", id_project=website,
                     members=f"{frank.email},outsider@ws.com"))
    task = post_task(api, website)
    ok_data(api.call("post_comment", id_task=task, text="Public"))
    note = ok_data(api.call("post_comment", id_task=task, text="Internal", hidden=frank.email,
                            email_user_from=kate.email))
    notes = ok_data(api.call("get_notes", id_task=task))
    assert [(n["id"], n["text"], n["user_from"]) for n in notes] == [
        (note["id"], "Internal", ref(kate))]
    assert DATE_ADDED.match(notes[0]["date_added"])
    assert [n["text"] for n in ok_data(as_token(client, frank).call(
        "get_notes", id_task=task))] == ["Internal"]
    other = as_token(client, User.get(User.email == "outsider@ws.com"))
    assert ok_data(other.call("get_notes", id_task=task)) == []
    assert api.call("get_notes", id_task=999) == error(5, "Task is invalid")


def test_get_events_of_a_task_over_its_whole_life_paged(api, website):
    task = post_task(api, website)
    for n in range(3):
        ok_data(api.call("update_task", id_task=task, title=f"Title {n}"))
    Event.update(date_added=now() - dt.timedelta(days=400)).where(
        Event.action == "post").execute()
    assert [e["action"] for e in ok_data(api.call("get_events", period="30d", id_task=task))] \
        == ["update"] * 3
    history = ok_data(api.call("get_events", id_task=task))
    assert [e["action"] for e in history] == ["post", "update", "update", "update"]
    page = ok_data(api.call("get_events", id_task=task, page=2, limit=3))
    assert [e["new"]["title"] for e in page] == ["Title 2"]
    assert api.call("get_events", id_project=website)["message_details"] == "period"
    assert api.call("get_events", id_task=task, limit=0)["status_code"] == 11


def test_search_over_the_text_and_update_task_with_text(api, website):
    task = post_task(api, website, title="Printer", text="Paper jam in tray 2")
    post_task(api, website, title="Other", text="Toner")
    found = ok_data(api.call("search_tasks", filter="text has 'jam'"))
    assert [t["id"] for t in found] == [str(task)]
    updated = ok_data(api.call("update_task", id_task=task, text="Fixed: roller", extra="text"))
    assert updated["text"] == "Fixed: roller"
    event = ok_data(api.call("get_events", period="1h", id_task=task))[-1]
    assert event["new"] == {"text": "Fixed: roller"} and event["old"] == {
        "text": "Paper jam in tray 2"}
    assert ok_data(api.call("search_tasks", filter="text has 'jam'")) == []


def test_statuses_new_open_pending_closed(api, website):
    task = post_task(api, website)
    opened = ok_data(api.call("update_task", id_task=task, ticket_status="open"))
    assert opened["ticket_status"] == "Open" and list(opened["tags"].values()) == ["Open"]
    group = TagGroup.get(title="Ticket status")
    assert (group.type, [t.title for t in Tag.select().where(Tag.group == group)]) == (
        "status", ["Open"])
    pending = ok_data(api.call("update_task", id_task=task, ticket_status="Pending"))
    assert list(pending["tags"].values()) == ["Pending"]
    closed = ok_data(api.call("update_task", id_task=task, ticket_status="Closed"))
    assert (closed["status"], closed["ticket_status"]) == ("done", "Closed")
    assert DATE_ADDED.match(closed["date_closed"])
    event = ok_data(api.call("get_events", period="1h", id_task=task))[-1]
    assert event["new"]["date_closed"] == closed["date_closed"]
    reopened = ok_data(api.call("update_task", id_task=task, ticket_status="New"))
    assert (reopened["status"], reopened["ticket_status"]) == ("active", "New")
    assert "date_closed" not in reopened
    assert api.call("update_task", id_task=task, ticket_status="Solved")["status_code"] == 11


def test_get_user_group_lists_the_members(api, frank, kate):
    testers = ok_data(api.call("add_user_group", title="Testers"))
    ok_data(api.call("update_user", email=frank.email, group="Testers"))
    ok_data(api.call("update_user", email=kate.email, teams="Main team,Testers"))
    team = ok_data(api.call("get_user_group", id=testers["id"]))
    assert team == {"id": testers["id"], "title": "Testers", "type": "company", "client": 0,
                    "users": [ref(frank), ref(kate)]}
    main = ok_data(api.call("get_user_group", id=Team.main().id))
    assert ref(kate) in main["users"] and ref(frank) not in main["users"]
    assert api.call("get_user_group", id=999) == error(10, "User group is invalid")
