"""A sample account with rows in every table, made through the API where an action makes
them and through the models where none does (OAuth, webhook deliveries), and a reader of
every row of every table for comparing two databases object by object."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import contextmanager

from conftest import OWNER_EMAIL, SECRET_KEY, as_user, md5_hash, ok_data, php_query

from models import all_models
from models.backup import bound_to
from models.base import connect_database, db
from models.counters import WEBHOOK_FAILURES, bump
from models.events import Event
from models.imports import ImportedRow
from models.keys import RequestNonce, seal
from models.mail import MailChange, MailIn, MailMorning, MailMute, MailOut
from models.members import User
from models.tasks import Task
from models.tokens import OAuthClient, Token, UserPassword
from models.transfer import rows_of
from models.webhooks import Webhook, WebhookAttempt, WebhookDelivery, failed_attempts

KATE = "kate.greenway@ws.com"
TASK_UID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
CONTENT = b"%PDF-1.4 brand book\x00\xff" * 1000


def populate(app, api) -> dict[str, int]:
    """Fill every table; answer the ids the tests look at."""
    ok_data(api.call("add_user_group", title="Design", notify="desk@outside.org"))
    ok_data(api.call("add_user", email=KATE, first_name="Kate", last_name="Greenway",
                     group="Design"))
    ok_data(api.call("update_user", email=KATE, rate="12.5", department="Design",
                     notify="mentions", notify_digest="60", morning_digest=1))
    ok_data(api.call("add_contact_group", title="Clients"))
    ok_data(api.call("add_contact", email="brian@gmail.com", name="Brian D", group="Clients"))
    ok_data(api.call("add_project_group", title="Marketing"))
    project = int(ok_data(api.call("post_project", title="Website ✓", max_money="1500.75",
                                   members=KATE))["id"])
    ok_data(api.call("add_project_tag_groups", access="public", title="Finance"))
    ok_data(api.call("add_project_tags", group="Finance", title="paid"))
    ok_data(api.call("update_project_tags", id_project=project, plus="paid"))
    ok_data(api.call("update_project", id_project=project, mail_alias="website"))
    ok_data(api.call("add_task_tag_groups", title="Labels", type="label", access="public"))
    ok_data(api.call("add_task_tags", group="Labels", title="urgent"))
    field = ok_data(api.call("add_task_custom_field", name="Size", type="number"))["id"]
    task = int(ok_data(api.call("post_task", id_project=project, title="Brand book — ünï",
                                tags="urgent", subscribe=KATE, email_user_to=KATE,
                                custom_fields=json.dumps({field: "3.25"})))["id"])
    subtask = int(ok_data(api.call("post_task", id_project=project, id_parent=task,
                                   title="Logo", hidden=KATE, relations_from=task))["id"])
    ok_data(api.call("post_comment", id_task=task, text="For Kate", hidden=KATE))
    with mail_configured(app):
        ok_data(api.call("post_comment", id_task=task, text="Mailed to the subscribers"))
    ok_data(api.post_form("post_comment", id_task=task, text="Draft",
                          files={"attach[0]": (io.BytesIO(CONTENT), "brand.pdf")}))
    ok_data(api.call("add_costs", id_task=task, time="1:30", money="12.50",
                     email_user_from=OWNER_EMAIL, comment="Sketches"))
    ok_data(api.post_json("update_users_schedule", data={KATE: {"04.01.2027": "vacation"}}))
    add_peer_rows(api, project)
    hook = api.post_json("add_inbound_hook", name="Alerts", target="post_comment",
                         fixed={"id_task": task}, mapping={"text": "{message}"})
    api.client.post(hook["url"], json={"message": "Disk almost full"})
    query = php_query({"action": "add_user_group", "title": "Night shift"})
    api.client.get(f"{api.path}?{query}&hash={md5_hash(query)}",
                   headers={"Idempotency-Key": "retry-1"})
    with app.app_context():
        kate = User.get(User.email == KATE)
        ok_data(as_user(kate, "start_my_timer", id_task=task))
        ok_data(as_user(kate, "post_message", email_user_to=OWNER_EMAIL, text="Draft is up"))
        add_outside_the_api(kate)
        add_the_senders_rows(kate, task)
        later = Task.create(project=project, name="Later", author=User.owner())
        Task.update(parent=later).where(Task.id == subtask).execute()  # points forward
        db.close()
    return {"project": project, "task": task}


def add_peer_rows(api, project: int) -> None:
    """Notices, settings, task types and priorities, task uids, assignees, teams, a failed
    login: the peers' tables."""
    notice = ok_data(api.call("post_notice", name="Upgrade", message="Down at noon"))["id"]
    ok_data(api.call("activate_notice", id=notice))
    ok_data(api.call("update_setting", name="site_title", value="Greenway Ltd"))
    urgent = ok_data(api.call("add_task_priority", name="Urgent", overdue_in=60,
                              html_color="#ff0000"))["id"]
    ok_data(api.call("add_task_type", name="Issue", priorities=urgent))
    ok_data(api.call("add_user_group", title="Support"))
    ok_data(api.call("update_user", email=KATE, teams="Design,Support"))
    ok_data(api.call("post_task", id_project=project, title="Broken link", type="Issue",
                     task_uid=TASK_UID, assignees=KATE, assigned_groups="Design"))
    api.client.post("/api/v1/login", json={"username": KATE, "password": "wrong"})


def add_outside_the_api(kate: User) -> None:
    client = OAuthClient.register("Reports", ["https://reports.example.com/cb"])[0]
    code = Token.issue("code", kate, ["tasks_read"], client=client)[0]
    refresh = Token.issue("refresh", kate, ["tasks_read"], client=client)[0]
    Token.update(grant=refresh).where(Token.id == code.id).execute()  # points forward
    Token.issue("access", kate, ["tasks_read"], client=client, grant=code)
    UserPassword.set(kate, "correct horse")
    webhook = Webhook.create(url="https://hooks.example.com/in", events="post_task",
                             sealed_secret=seal("whsec_c2VjcmV0", SECRET_KEY))
    delivery = WebhookDelivery.create(webhook=webhook, message_id="msg_1", body="[]",
                                      event_count=0)
    WebhookAttempt.create(delivery=delivery, response_code=500, error="Server error")
    bump(WEBHOOK_FAILURES, failed_attempts)  # as the sender counts it
    ImportedRow.create(source="https://old.example.com", kind="user", source_id="7",
                       local_id=kate.id, digest="0" * 64)
    RequestNonce.use(1, "nonce-1", dt.timedelta(days=1))


@contextmanager
def mail_configured(app):
    """SMTP on for one change, so that it is left due to be mailed (no sender runs here)."""
    before, app.config["SMTP_URL"] = app.config["SMTP_URL"], "smtp://127.0.0.1:25"
    try:
        yield
    finally:
        app.config["SMTP_URL"] = before


def add_the_senders_rows(kate: User, task: int) -> None:
    """What only the mail sender and the mail taken in make: a mail, the change it carries, a
    morning digest's day, an unsubscription, the log of a mail taken in."""
    event = Event.select().order_by(Event.id).first()
    mail = MailOut.create(address=KATE, user=kate, task=task, kind="change",
                          subject="Brand book", message_id="<m1@taskgate>",
                          message="Subject: Brand book\r\n\r\nDone", status="sent",
                          attempts=1, sent=dt.datetime(2027, 1, 4, 9, 30))
    MailChange.create(event=event, task=task, address=KATE, user=kate, reason="subscriber",
                      due=dt.datetime(2027, 1, 4, 9), mail=mail)
    MailMorning.create(user=kate, day=dt.date(2027, 1, 4))
    MailMute.create(task=task, user=kate)
    MailIn.create(message_id="<r1@gmail.com>", sender="brian@gmail.com", outcome="refused",
                  detail="not a member")


def every_row(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the database at ``url``, by table, in primary-key order."""
    with bound_to(connect_database(url)):
        return {model._meta.table_name: list(rows_of(model)) for model in all_models()}
