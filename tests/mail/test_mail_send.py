"""Notifications by mail, through the real route and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt

from conftest import ok_data
from mail_kit import PEOPLE, comment, drain

from models.mail import MailOut
from models.members import User
from models.tasks import Task


def test_subscribers_get_one_mail_each_and_the_author_none(mail_app, api, mail_task, smtp_server):
    comment(api, mail_task)
    assert smtp_server.inbox.addresses() == []  # nothing is sent while the API call waits
    drain(mail_app)
    assert smtp_server.inbox.addresses() == sorted(PEOPLE[1:])
    mail = smtp_server.inbox.to("kate@ws.com")[0]
    assert mail["Subject"] == "[Website] Brand book"
    assert mail["In-Reply-To"] == mail["References"] == f"<task-{mail_task}@example.com>"
    assert mail["Reply-To"].startswith("tasks+")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Frank commented" in text and "Logo <b>approved</b> & shipped" in text
    assert "Logo &lt;b&gt;approved&lt;/b&gt; &amp; shipped" in html and "<img" not in html
    assert "https://tasks.example.com/project/" in text
    drain(mail_app)
    assert len(smtp_server.inbox.addresses()) == 3  # sent once


def test_a_new_task_tells_subscribers_executive_and_team_list(mail_app, api, mail_project,
                                                              smtp_server):
    group = ok_data(api.call("get_users"))[0]["group"]
    teams = ok_data(api.call("get_user_groups"))
    main = next(t for t in teams if t["title"] == group)
    ok_data(api.call("update_user_group", id=main["id"], notify="desk@outside.org"))
    api.call("post_task", id_project=mail_project, title="Launch", email_user_from=PEOPLE[0],
             email_user_to=PEOPLE[1], subscribe=PEOPLE[2], assignees=PEOPLE[3])
    drain(mail_app)
    assert smtp_server.inbox.addresses() == ["desk@outside.org", "kate@ws.com", "lee@ws.com",
                                             "mia@ws.com"]
    assert "Frank created the task" in smtp_server.inbox.to("kate@ws.com")[0].get_body(
        ("plain",)).get_content()


def test_hidden_comment_reaches_only_its_readers(mail_app, api, mail_task, smtp_server):
    comment(api, mail_task, hidden=PEOPLE[1])
    drain(mail_app)
    assert smtp_server.inbox.addresses() == ["kate@ws.com"]


def test_hidden_task_reaches_only_who_may_see_it(mail_app, api, mail_project, smtp_server):
    api.call("post_task", id_project=mail_project, title="Secret", email_user_from=PEOPLE[0],
             subscribe=",".join(PEOPLE[1:]), hidden=PEOPLE[1])
    drain(mail_app)
    assert smtp_server.inbox.addresses() == ["kate@ws.com"]


def test_changes_status_and_reopening_are_told(mail_app, api, mail_task, smtp_server):
    ok_data(api.call("update_task", id_task=mail_task, priority=9, email_user_from=PEOPLE[0]))
    drain(mail_app)
    text = smtp_server.inbox.to("kate@ws.com")[0].get_body(("plain",)).get_content()
    assert "priority: 1 → 9" in text
    smtp_server.inbox.clear()
    api.call("complete_task", id_task=mail_task, email_user_from=PEOPLE[0])
    api.call("reopen_task", id_task=mail_task, email_user_from=PEOPLE[0])
    drain(mail_app)
    texts = [m.get_body(("plain",)).get_content() for m in smtp_server.inbox.to("mia@ws.com")]
    assert any("completed the task" in t for t in texts)
    assert any("reopened the task" in t for t in texts)


def test_preferences_off_mentions_and_disabled(mail_app, api, mail_task, smtp_server):
    ok_data(api.call("update_user", email="kate@ws.com", notify="off"))
    ok_data(api.call("update_user", email="mia@ws.com", notify="mentions"))
    ok_data(api.call("disable_user", email="lee@ws.com"))
    comment(api, mail_task)
    drain(mail_app)
    assert smtp_server.inbox.addresses() == []
    comment(api, mail_task, mention="mia@ws.com,kate@ws.com")
    drain(mail_app)
    assert smtp_server.inbox.addresses() == ["mia@ws.com"]


def test_digest_of_ten_changes_is_one_mail(mail_app, api, mail_task, smtp_server):
    ok_data(api.call("update_user", email="kate@ws.com", notify_digest=60))
    for priority in range(2, 12):
        ok_data(api.call("update_task", id_task=mail_task, priority=priority % 10,
                         email_user_from=PEOPLE[0]))
    drain(mail_app)
    assert smtp_server.inbox.to("kate@ws.com") == []
    assert len(smtp_server.inbox.to("mia@ws.com")) == 10
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=61)
    drain(mail_app, lambda: later)
    mails = smtp_server.inbox.to("kate@ws.com")
    assert len(mails) == 1
    assert mails[0]["Subject"] == "[Website] Brand book (10 changes)"


def test_no_smtp_url_sends_and_queues_nothing(app, api):
    project = int(ok_data(api.call("post_project", title="Quiet"))["id"])
    api.call("post_task", id_project=project, title="x", subscribe="henry.gardner@ws.com")
    with app.app_context():
        from models.mail import MailDue
        assert MailDue.select().count() == 0 and MailOut.select().count() == 0


def test_unsubscribe_by_the_link(mail_app, api, client, mail_task, smtp_server):
    comment(api, mail_task)
    drain(mail_app)
    mail = smtp_server.inbox.to("kate@ws.com")[0]
    url = str(mail["List-Unsubscribe"]).strip().strip("<>").removeprefix("https://tasks.example.com")
    assert client.get(url).status_code == 200  # a page with a button: nothing changes yet
    answer = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "no more mail" in answer.get_data(as_text=True)
    assert client.post(url.replace("unsubscribe/", "unsubscribe/x")).status_code == 404
    smtp_server.inbox.clear()
    comment(api, mail_task)
    drain(mail_app)
    assert smtp_server.inbox.addresses() == ["lee@ws.com", "mia@ws.com"]


def test_smtp_down_then_up_sends_every_mail_once(mail_app, api, mail_task, smtp_server):
    smtp_server.stop()
    comment(api, mail_task)
    drain(mail_app)
    with mail_app.app_context():
        assert {m.status for m in MailOut.select().where(MailOut.kind == "change",
                                                         MailOut.sent.is_null())} == {"pending"}
    smtp_server.start()
    drain(mail_app)  # the mail that failed waits for its backoff; the others go now
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=2)
    drain(mail_app, lambda: later)
    drain(mail_app, lambda: later)
    assert smtp_server.inbox.addresses() == sorted(PEOPLE[1:])
    with mail_app.app_context():
        assert max(m.attempts for m in MailOut.select()) == 2


def test_permanent_refusal_is_recorded(mail_app, api, mail_task, smtp_server):
    async def refuse(server, session, envelope, address, rcpt_options):
        if address == "kate@ws.com":
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.inbox.handle_RCPT = refuse
    comment(api, mail_task)
    drain(mail_app)
    rows = ok_data(api.call("get_mail_deliveries", status="failed", page=1))
    assert [row["email"] for row in rows] == ["kate@ws.com"]
    assert rows[0]["error"].startswith("recipient refused: 550")


def test_get_mail_deliveries_pages(mail_app, api, mail_task):
    comment(api, mail_task)
    drain(mail_app)
    body = api.call("get_mail_deliveries", limit=2)
    assert body["status"] == "ok" and body["total"] == 3 and len(body["data"]) == 2
    assert {row["status"] for row in body["data"]} == {"sent"}
    assert api.call("get_mail_deliveries", status="lost")["status"] == "error"


def test_bulk_for_each_mails_nobody(mail_app, api, mail_project, smtp_server):
    from actions.caller import Caller, calling_as
    from actions.registry import dispatch
    from models.base import transaction
    from models.events import quietly

    with mail_app.app_context(), calling_as(Caller()), transaction(), quietly():
        for n in range(3):
            dispatch("post_task", {"id_project": mail_project, "title": f"Imported {n}",
                                   "subscribe": PEOPLE[1]})
    drain(mail_app)
    assert smtp_server.inbox.addresses() == []
    with mail_app.app_context():
        assert Task.select().count() >= 3 and User.select().count() >= 4


def test_two_hosts_senders_send_each_mail_once(mail_app, api, mail_task, smtp_server):
    """Two sender loops (as on two hosts) over the same database, racing for the same work."""
    import threading

    for n in range(8):
        comment(api, mail_task, text=f"Comment {n}")
    errors: list[BaseException] = []

    def sender():
        try:
            drain(mail_app)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    drain(mail_app)
    assert errors == []
    ids = [str(m["Message-ID"]) for _, m in smtp_server.inbox.mails]
    assert len(ids) == 3 * 8 == len(set(ids))
    with mail_app.app_context():
        assert MailOut.select().where(MailOut.status == "sent").count() == 3 * 8


def test_morning_digest_once_a_day(mail_app, api, mail_project, smtp_server):
    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    api.call("post_task", id_project=mail_project, title="Overdue", email_user_to=PEOPLE[1],
             dateend=past, email_user_from=PEOPLE[0])
    api.call("post_task", id_project=mail_project, title="Someday", email_user_to=PEOPLE[1],
             email_user_from=PEOPLE[0])
    drain(mail_app)  # the new tasks' mails, before she asks (the clock may be past 8 already)
    smtp_server.inbox.clear()
    ok_data(api.call("update_user", email="kate@ws.com", morning_digest=1))
    # Tomorrow: the digest is queued at the real time and sent once the clock passes it, so
    # every moment of this clock comes after now (today's 09:00 is before it after 09:00).
    tomorrow = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
    early, late = tomorrow.replace(hour=5, minute=0), tomorrow.replace(hour=9, minute=0)
    drain(mail_app, lambda: early)
    assert smtp_server.inbox.addresses() == []  # before MAIL_MORNING_HOUR (8)
    drain(mail_app, lambda: late)
    drain(mail_app, lambda: late + dt.timedelta(hours=2))
    mails = smtp_server.inbox.to("kate@ws.com")
    assert len(mails) == 1 and smtp_server.inbox.addresses() == ["kate@ws.com"]
    text = mails[0].get_body(("plain",)).get_content()
    assert "Overdue" in text and "overdue" in text and "Someday" not in text
