"""Webhook delivery to a real local receiver: event arrays, Basic auth, Standard Webhooks
signatures, retries with backoff, the pause after 10 failures, restarts, concurrent senders."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time

import pytest
from conftest import ok_data, post_task
from peewee import PostgresqlDatabase
from standardwebhooks import Webhook as StandardWebhook
from webhook_kit import BACKOFF, add, deliver, free_port, own_signature, wait_for

from actions import delivery
from actions.delivery import passes
from actions.delivery.passes import backoff, run_once
from app import create_app
from models.base import db
from models.events import record
from models.members import User
from models.webhooks import Webhook, WebhookAttempt, WebhookDelivery, lease, utcnow


@pytest.fixture
def project(hooks_app, api):
    return int(ok_data(api.call("post_project", title="Owl brand launch"))["id"])


# delivery ------------------------------------------------------------------------------------

def as_delivered(event: dict) -> dict:
    """A get_events item as a webhook sends it: a task's page as ``/task/T/``."""
    parts = event["object"]["page"].strip("/").split("/")
    if len(parts) < 3:
        return event
    return {**event, "object": {**event["object"], "page": f"/task/{parts[-1]}/"}}


def test_actions_are_delivered_as_get_events_arrays(hooks_app, api, receiver, project, clock):
    secret = add(api, receiver, http_user="hook", http_pass="pw")["secret"]
    task = post_task(api, project)
    ok_data(api.call("update_task", id_task=task, priority=7))
    ok_data(api.call("post_comment", id_task=task, text="Not subscribed"))
    ok_data(api.call("complete_task", id_task=task))
    assert api.call("add_webhook", url="x", events="x")["status"] == "error"  # no event
    assert receiver.deliveries == []  # nothing is sent while the API answers
    assert deliver(hooks_app, clock) == (1, 1, 0)
    [(headers, body)] = receiver.deliveries
    events = json.loads(body)
    assert [(e["action"], e["object"]["type"]) for e in events] == [
        ("post", "task"), ("update", "task"), ("close", "task")]
    all_events = ok_data(api.call("get_events", period="1h"))
    assert events == [as_delivered(e) for e in all_events if e["object"]["type"] == "task"]
    assert events[1]["new"] == {"priority": "7"} and events[1]["old"] == {"priority": "1"}
    assert headers["authorization"] == "Basic " + base64.b64encode(b"hook:pw").decode()
    assert headers["content-type"] == "application/json"
    assert headers["webhook-signature"] == own_signature(secret, headers, body)
    assert StandardWebhook(secret).verify(body, headers) == events
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert deliver(hooks_app, clock) == (0, 0, 0)  # sent once


def test_events_and_projects_filters(hooks_app, api, receiver, project, clock):
    other = int(ok_data(api.call("post_project", title="Other"))["id"])
    add(api, receiver, events="post_task,post_comment,post_project", projects=str(project))
    add(api, receiver, events="post_project")
    task = post_task(api, project, title="Here")
    post_task(api, other, title="Elsewhere")
    ok_data(api.call("post_comment", id_task=task, text="Hello"))
    ok_data(api.call("post_project", title="Third"))
    deliver(hooks_app, clock)
    by_hook = {}
    for headers, body in receiver.deliveries:
        hook = WebhookDelivery.get(WebhookDelivery.message_id == headers["webhook-id"])
        by_hook[hook.webhook_id] = [(e["action"], e["object"]["type"]) for e in json.loads(body)]
    assert by_hook == {1: [("post", "task"), ("post", "comment")], 2: [("post", "project")]}


def test_records_written_directly_are_delivered(hooks_app, api, receiver, clock):
    """Any committed event row is delivered, whichever action wrote it."""
    add(api, receiver, events="delete_task,delete_comment,reopen_task")
    with hooks_app.app_context():
        owner = User.owner()
        for action, kind in (("delete", "task"), ("delete", "comment"), ("reopen", "task"),
                             ("update", "comment")):
            record(action, kind, 9, "/project/1/9/", user=owner, project_id=1)
    deliver(hooks_app, clock)
    assert [(e["action"], e["object"]["type"]) for e in receiver.events()] == [
        ("delete", "task"), ("delete", "comment"), ("reopen", "task")]


def test_a_failing_receiver_is_retried_with_backoff(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    post_task(api, project)
    receiver.replies = [(500, "oops"), (503, "")]
    assert deliver(hooks_app, clock) == (1, 0, 1)
    assert deliver(hooks_app, clock) == (0, 0, 0)  # not due before the backoff
    clock.advance(BACKOFF[0] - 0.1)
    assert deliver(hooks_app, clock) == (0, 0, 0)
    clock.advance(0.1)
    assert deliver(hooks_app, clock) == (0, 0, 1)
    clock.advance(BACKOFF[1])
    assert deliver(hooks_app, clock) == (0, 1, 0)
    clock.advance(3600)
    assert deliver(hooks_app, clock) == (0, 0, 0)
    calls = receiver.deliveries
    assert len(calls) == 3
    assert len({headers["webhook-id"] for headers, _ in calls}) == 1  # receivers de-duplicate
    assert len({body for _, body in calls}) == 1
    [log] = ok_data(api.call("get_webhook_deliveries", id=1))
    assert log["status"] == "delivered" and log["attempts"] == 3 and log["response_code"] == 200
    assert log["webhook_id"] == calls[0][0]["webhook-id"] and log["events"] == 1
    assert [(a["response_code"], a.get("error")) for a in log["log"]] == [
        (500, "HTTP 500"), (503, "HTTP 503"), (200, None)]
    times = [dt.datetime.fromisoformat(a["date"]) for a in log["log"]]
    assert [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)] == [1, 5]


def test_a_hanging_receiver_times_out_and_is_retried(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    post_task(api, project)
    receiver.hang = 1.0
    started = time.monotonic()
    assert deliver(hooks_app, clock) == (1, 0, 1)
    assert time.monotonic() - started < 0.9
    attempt = WebhookAttempt.get()
    assert attempt.response_code is None and "timed out" in attempt.error
    receiver.hang = 0
    clock.advance(BACKOFF[0])
    assert deliver(hooks_app, clock) == (0, 1, 0)


def test_ten_consecutive_failures_pause_the_webhook(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    hooks_app.config["WEBHOOK_BACKOFF"] = [1]
    post_task(api, project)
    receiver.replies = [(500, "")] * 9  # nine failures, then a success resets the count
    for _ in range(10):
        deliver(hooks_app, clock)
        clock.advance(1)
    assert Webhook.get().failures == 0 and len(receiver.deliveries) == 10
    receiver.default = (500, "")
    post_task(api, project, title="Second")
    for _ in range(12):
        deliver(hooks_app, clock)
        clock.advance(1)
    assert len(receiver.deliveries) == 20  # 10 more, then no attempt after the pause
    assert ok_data(api.call("get_webhooks"))[0]["status"] == "paused"
    post_task(api, project, title="Third")
    assert deliver(hooks_app, clock) == (0, 0, 0)  # a paused webhook queues nothing
    [second, first] = ok_data(api.call("get_webhook_deliveries"))
    assert (first["status"], first["attempts"]) == ("delivered", 10)
    assert (second["status"], second["attempts"], second["response_code"]) == ("pending", 10, 500)


def test_a_closed_port_counts_as_a_failure(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    Webhook.update(url=f"http://127.0.0.1:{free_port()}/").execute()
    post_task(api, project)
    assert deliver(hooks_app, clock) == (1, 0, 1)
    attempt = WebhookAttempt.get()
    assert attempt.response_code is None and "refused" in attempt.error.lower()


def test_a_url_that_turned_private_is_not_called(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    hooks_app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    post_task(api, project)
    assert deliver(hooks_app, clock) == (1, 0, 1)
    assert receiver.deliveries == [] and WebhookAttempt.get().error == (
        "address not allowed: a loopback or private address")


def test_a_redirect_is_not_followed(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    receiver.replies = [(302, "")]
    post_task(api, project)
    assert deliver(hooks_app, clock) == (1, 0, 1)
    assert len(receiver.deliveries) == 1 and WebhookAttempt.get().response_code == 302


def test_backoff_schedule():
    assert [backoff([10, 30], n) for n in (1, 2, 3, 9)] == [10, 30, 30, 30]
    assert backoff([], 3) == 0


# durability and concurrency -------------------------------------------------------------------

def restart(app, **config):
    """A new app process on the same database: the old one's connections are dropped."""
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    settings = {key: app.config[key] for key in (
        "DATABASE_URL", "SECRET_KEY", "API_KEY", "OWNER_EMAIL", "FILES_DIR",
        "WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_TIMEOUT", "WEBHOOK_BACKOFF")}
    return create_app({"TESTING": True, **settings, **config})


def test_events_recorded_before_a_restart_are_delivered_after_it(hooks_app, api, receiver,
                                                                 project):
    add(api, receiver)
    post_task(api, project, title="Before the crash")
    assert receiver.deliveries == []  # the process "dies" before any pass
    restarted = restart(hooks_app, WEBHOOK_WORKER=True, WEBHOOK_POLL=30)
    assert wait_for(lambda: receiver.events())  # the sender's first pass, without any request
    assert [e["new"]["title"] for e in receiver.events()] == ["Before the crash"]
    assert restarted.config["WEBHOOK_WORKER"] is True


def test_a_write_wakes_the_sender(hooks_app, api, receiver, project):
    add(api, receiver)
    hooks_app.config.update(WEBHOOK_POLL=30)
    delivery.start_sender(hooks_app)
    assert wait_for(lambda: WebhookDelivery.select().count() == 0, 1)
    post_task(api, project, title="Woken")  # no poll would come for 30 s
    assert wait_for(lambda: receiver.events(), 3)
    assert [e["new"]["title"] for e in receiver.events()] == ["Woken"]


def test_an_attempt_cut_short_by_a_crash_is_retried_after_its_lease(hooks_app, api, receiver,
                                                                     project, clock):
    add(api, receiver)
    post_task(api, project)
    with hooks_app.app_context():
        assert passes.queue_events() == 1
        assert lease(WebhookDelivery.get(), clock(), 62)  # then the sender dies
    assert deliver(hooks_app, clock) == (0, 0, 0)  # still leased
    clock.advance(62.5)
    assert deliver(hooks_app, clock) == (0, 1, 0)
    assert WebhookDelivery.get().attempts == 2 and len(receiver.deliveries) == 1


def test_concurrent_senders_deliver_each_event_once(hooks_app, api, receiver, project):
    add(api, receiver)
    with hooks_app.app_context():
        owner = User.owner()
        with db.atomic():
            for n in range(250):
                record("post", "task", n + 1, f"/project/{project}/{n + 1}/", user=owner,
                       project_id=project)
        db.close()
    results, barrier = [], threading.Barrier(3)

    def sender():
        barrier.wait()
        for _ in range(6):
            results.append(deliver(hooks_app))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # On a busy machine a sender's passes may all find the head leased by another sender that
    # is still posting it: what they left is sent by passes after them (none is lost).
    while (last := deliver(hooks_app)).delivered:
        results.append(last)
    ids = [int(e["object"]["id"]) for e in receiver.events()]
    assert sorted(ids) == list(range(1, 251))
    assert sum(r.delivered for r in results) == len(receiver.deliveries) == 3  # 100+100+50
    headers = [h["webhook-id"] for h, _ in receiver.deliveries]
    assert len(set(headers)) == 3


def test_an_event_that_commits_late_is_not_skipped(hooks_app, api, receiver, project, clock):
    """On PostgreSQL a transaction may commit event 10 after event 11 is visible: the sender
    must not move past 10 meanwhile. (On SQLite writers are serialised; the test still holds.)"""
    add(api, receiver)
    written, release = threading.Event(), threading.Event()

    def slow_writer():
        with hooks_app.app_context():
            with db.atomic():
                record("post", "task", 1, "/project/1/1/", user=None, project_id=project)
                written.set()
                release.wait(5)
            db.close()

    def sender():
        results.append(deliver(hooks_app, clock))

    results, slow = [], threading.Thread(target=slow_writer)
    slow.start()
    assert written.wait(5)
    if isinstance(db.obj, PostgresqlDatabase):  # SQLite would wait for the writer's lock
        with hooks_app.app_context():
            record("post", "task", 2, "/project/1/2/", user=None, project_id=project)
            db.close()
    pass_ = threading.Thread(target=sender)
    pass_.start()
    time.sleep(0.3)
    release.set()
    slow.join()
    pass_.join()
    deliver(hooks_app, clock)
    ids = [e["object"]["id"] for e in receiver.events()]
    assert sorted(ids) == (["1", "2"] if isinstance(db.obj, PostgresqlDatabase) else ["1"])


def test_the_cli_sends_what_is_pending(hooks_app, api, receiver, project):
    add(api, receiver)
    post_task(api, project)
    result = hooks_app.test_cli_runner().invoke(args=["deliver-webhooks"])
    assert result.output == "queued 1, delivered 1, failed 0\n"
    assert len(receiver.deliveries) == 1


def test_the_extension_events_reach_a_webhook(hooks_app, api, receiver, project):
    events = "delete_task,update_comment,delete_comment"
    assert api.call("add_webhook", url=receiver.url, events=events)["status"] == "ok"
    task = post_task(api, project)
    comment = ok_data(api.call("post_comment", id_task=task, text="a"))["id"]
    ok_data(api.call("update_comment", id_comment=comment, text="b"))
    assert api.call("delete_comment", id_comment=comment)["status"] == "ok"
    assert api.call("delete_task", id_task=task)["status"] == "ok"
    with hooks_app.app_context():
        assert run_once(lambda: utcnow() + dt.timedelta(minutes=1)) == (1, 1, 0)
    assert [(e["action"], e["object"]["type"], e["object"]["id"])
            for e in receiver.events()] == [
        ("update", "comment", comment), ("delete", "comment", comment),
        ("delete", "task", str(task))]
    assert receiver.events() == [as_delivered(e)
                                 for e in ok_data(api.call("get_events", period="1h"))
                                 if e["action"] != "post"]
