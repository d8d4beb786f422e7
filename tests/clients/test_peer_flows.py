"""Each peer's documented flow, walked end to end through Taskgate over HTTP, as a client of
that peer would port it: Tasq (profile and support ticket, bare token header), Trudesk
(login, users, groups, tickets, notices, messages, settings, types and priorities, the
``accesstoken`` header), UserTasks (client-chosen uids, bare token header)."""

from __future__ import annotations

import uuid

from conftest import ok_data, ref
from peer_kit import UserCalls, as_token

from models.members import User
from models.tokens import UserPassword


def test_tasq_profile_and_support_ticket(api, client, website, frank):
    ok_data(api.call("add_project_members", id_project=website, members=frank.email))
    ok_data(api.call("add_user_group", title="Ops"))
    ok_data(api.call("add_user_group", title="Billing"))
    tasq = as_token(client, frank, style="bare")  # Authorization: <TOKEN>
    # PUT /v1/profile {username, PhoneNumber, AcceptingTasqs, Team: [...]}
    ok_data(tasq.call("update_user", email=frank.email, phone="+13035555555",
                      accepting_tasks=False, teams=["Ops", "Billing"]))
    # GET /v1/profile/{user_email}
    profile = ok_data(tasq.call("get_user", email=frank.email))
    assert (profile["email"], profile["phone"], profile["accepting_tasks"]) == (
        frank.email, "+13035555555", 0)
    assert [team["title"] for team in profile["teams"]] == ["Ops", "Billing"]
    # Personal access token: "Generate token", a descriptive name, shown once.
    made = ok_data(tasq.call("create_token", name="Reporting script", scopes="tasks_write"))
    # The ticket's IssueType and Page are label tags in two groups.
    for group, tags in (("Issue type", "BUG,FEEDBACK,REQUEST"), ("Page", "OPS,MY_TASQS,WORKFLOW")):
        ok_data(api.call("add_task_tag_groups", title=group, type="label", access="public"))
        ok_data(api.call("add_task_tags", group=group, title=tags))
    # POST /v1/tickets {Username, Description, TicketTitle, IssueType, Page, Operator}
    ticket = ok_data(UserCalls(client, made["token"], "bare").call(
        "post_task", id_project=website, title="Ops tab is blank", text="Since this morning",
        tags="BUG,OPS"))
    assert ticket["user_from"] == ref(frank)
    assert sorted(ticket["tags"].values()) == ["BUG", "OPS"]


def test_trudesk_flow(api, app, client, website, frank, kate):
    frank.role = "account admin"
    frank.save()
    UserPassword.set(frank, "a long password")
    # POST /api/v1/login {username, password} → accesstoken, user
    session = client.post("/api/v1/login", json={"username": frank.email,
                                                 "password": "a long password"}).get_json()
    assert session["success"] and session["user"]["email"] == frank.email
    desk = UserCalls(client, session["accesstoken"], "accesstoken")
    # Users: create, update, disable (and enable again).
    agent = ok_data(desk.call("add_user", email="agent.smith@ws.com", first_name="Agent"))
    ok_data(desk.call("update_user", id=int(agent["id"]), title="Tier 1"))
    assert ok_data(desk.call("disable_user", id=int(agent["id"])))["active"] == 0
    assert ok_data(desk.call("enable_user", id=int(agent["id"])))["active"] == 1
    # Groups: create, list, get, update, delete.
    group = ok_data(desk.call("add_user_group", title="Support"))
    ok_data(desk.call("update_user", id=int(agent["id"]), group="Support"))
    assert "Support" in [g["title"] for g in ok_data(desk.call("get_user_groups"))]
    assert ok_data(desk.call("get_user_group", id=int(group["id"])))["users"][0]["email"] == \
        agent["email"]
    ok_data(desk.call("update_user_group", id=int(group["id"]), title="Support L1"))
    assert desk.call("delete_user_group", id=int(group["id"])) == {"status": "ok"}
    # Ticket types and priorities.
    urgent = ok_data(desk.call("add_task_priority", name="Critical", overdue_in=120,
                               html_color="#e74c3c"))
    ok_data(desk.call("add_task_type", name="Issue", priorities=[urgent["id"]]))
    # A ticket: create, comment, note, close, delete.
    ticket = ok_data(desk.call("post_task", id_project=website, title="Printer on fire",
                               text="Floor 2", type="Issue", type_priority="Critical",
                               ticket_status="Open"))
    assert (ticket["ticket_status"], ticket["overdue"]) == ("Open", 0)
    ok_data(desk.call("post_comment", id_task=int(ticket["id"]), text="On my way"))
    ok_data(desk.call("post_comment", id_task=int(ticket["id"]), text="Extinguisher used",
                      hidden=frank.email))
    assert [n["text"] for n in ok_data(desk.call("get_notes", id_task=int(ticket["id"])))] == [
        "Extinguisher used"]
    assert ok_data(desk.call("update_task", id_task=int(ticket["id"]), ticket_status="Closed"))[
        "status"] == "done"
    history = ok_data(desk.call("get_events", id_task=int(ticket["id"])))
    assert [e["action"] for e in history] == ["post", "post", "post", "update"]
    assert desk.call("delete_task", id_task=int(ticket["id"])) == {"status": "ok"}
    # Notices: create, activate, clear.
    notice = ok_data(desk.call("post_notice", name="Maintenance", message="Tonight 22:00",
                               color="#ffcc00", fontColor="#000000"))
    ok_data(desk.call("activate_notice", id=int(notice["id"])))
    assert [n["name"] for n in ok_data(as_token(client, kate, scopes=["tasks_read"]).call(
        "get_notices", active=1))] == ["Maintenance"]
    ok_data(desk.call("clear_notice"))
    # A message exchange.
    ok_data(desk.call("post_message", email_user_to=kate.email, text="Fire is out"))
    as_kate = as_token(client, kate)
    assert as_kate.call("get_conversations")["unread_total"] == 1
    ok_data(as_kate.call("post_message", email_user_to=frank.email, text="Thanks"))
    assert [m["text"] for m in ok_data(desk.call("get_messages", email_user=kate.email))] == [
        "Fire is out", "Thanks"]
    # A setting change.
    assert ok_data(desk.call("update_setting", name="timezone", value="America/New_York"))[
        "value"] == "America/New_York"
    assert User.get_by_id(int(agent["id"])).title == "Tier 1"


def test_usertasks_flow(api, client, website, frank, kate):
    ok_data(api.call("add_project_members", id_project=website, members=frank.email))
    tasks = as_token(client, frank, style="bare")  # Authorization: YOUR_API_KEY
    uid = str(uuid.uuid4())
    # POST /v1/usertasks {Uid, Title, Description, AssignedUsers, AssignedUserGroups}, retried.
    body = {"id_project": website, "task_uid": uid, "title": "Call the client",
            "text": "About the invoice", "email_user_to": frank.email,
            "assignees": [frank.email, kate.email], "assigned_groups": "Main team"}
    created = ok_data(tasks.call("post_task", **body))
    assert ok_data(tasks.call("post_task", **body)) == created
    other = ok_data(tasks.call("post_task", id_project=website, task_uid=str(uuid.uuid4()),
                               title="Send the invoice"))
    # POST /v1/usertasks/batch ["uuid", ...]
    batch = ok_data(tasks.call("get_tasks_by_uids", task_uids=[other["task_uid"], uid]))
    assert [t["name"] for t in batch] == ["Send the invoice", "Call the client"]
    # PUT /v1/usertasks {Uid, Title, Description, Deadline}
    updated = ok_data(tasks.call("update_task", task_uid=uid, title="Call the client again",
                                 text="Second reminder", dateend="2026-12-31"))
    assert (updated["name"], updated["date_end"]) == ("Call the client again", "2026-12-31")
    assert [a["email"] for a in updated["assignees"]] == [frank.email, kate.email]
    # POST, PUT, DELETE /v1/usertasks/{uid}/comments
    comment = ok_data(tasks.call("post_comment", task_uid=uid, text="Left a voicemail"))
    edited = ok_data(tasks.call("update_comment", id_comment=int(comment["id"]),
                                text="Left two voicemails"))
    assert "date_modified" in edited
    assert tasks.call("delete_comment", id_comment=int(comment["id"])) == {"status": "ok"}
    # GET and DELETE /v1/usertasks/{uid}
    assert ok_data(tasks.call("get_task", task_uid=uid))["task_uid"] == uid
    assert tasks.call("delete_task", task_uid=uid) == {"status": "ok"}
    assert tasks.call("get_task", task_uid=uid)["status_code"] == 5
