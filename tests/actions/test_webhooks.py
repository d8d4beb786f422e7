"""Webhooks: get_webhooks, add_webhook (the URL probe, the SSRF guard), delete_webhook,
get_webhook_deliveries, and delivery to a real local receiver: event arrays, Basic auth,
Standard Webhooks signatures, retries with backoff, the pause after 10 failures, restarts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import ok_data
from peewee import PostgresqlDatabase
from standardwebhooks import Webhook as StandardWebhook

from actions import delivery
from actions.delivery import address_allowed, backoff, is_public, run_once
from app import create_app
from models.base import db
from models.events import record
from models.members import User
from models.webhooks import Webhook, WebhookAttempt, WebhookDelivery, lease, utcnow

OK_BODY = '{"status": "OK"}'
PROBE_FAILED = "Url should respond 200 HTTP_CODE and JSON {status:OK}"
NOT_ALLOWED = "Url should be public: loopback and private addresses are refused"
BACKOFF = [1, 5, 30]


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST and answers from a script."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], str]] = []
        self.replies: list[tuple[int, str]] = []  # answered in order, then ``default``
        self.default = (200, OK_BODY)
        self.hang = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size).decode()
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(receiver.hang)
                code, text = receiver.replies.pop(0) if receiver.replies else receiver.default
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(text.encode())))
                    self.end_headers()
                    self.wfile.write(text.encode())
                except OSError:  # the sender gave up waiting (the "hangs" cases)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def deliveries(self) -> list[tuple[dict[str, str], str]]:
        """The calls that were not the probe (whose body is an empty array)."""
        return [(headers, body) for headers, body in self.calls if body != "[]"]

    def events(self) -> list[dict]:
        return [item for _, body in self.deliveries for item in json.loads(body)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    """The delivery clock, moved by hand so that backoff takes no real time."""

    def __init__(self) -> None:
        self.now = utcnow() + dt.timedelta(minutes=1)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def hooks_app(app):
    """The app with private receivers allowed (the receiver is on 127.0.0.1), short timeouts
    and a short backoff list."""
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT=0.5, WEBHOOK_BACKOFF=BACKOFF)
    yield app
    delivery.stop_sender()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def project(hooks_app, api):
    return int(ok_data(api.call("post_project", title="Owl brand launch"))["id"])


def add(api, receiver, **params):
    params = {"url": receiver.url, "events": "post_task,update_task,close_task", **params}
    return api.call("add_webhook", **params)


def deliver(app, clock=None):
    with app.app_context():
        return run_once(clock or utcnow)


def error(code, message, details=None):
    body = {"status": "error", "status_code": code, "message": message}
    return body if details is None else {**body, "message_details": details}


def state():
    return [list(model.select().tuples()) for model in (Webhook, WebhookDelivery)]


def post_task(api, project, title="Brand book"):
    return int(ok_data(api.call("post_task", id_project=project, title=title))["id"])


def own_signature(secret, headers, body):
    """Standard Webhooks v1, computed here without the library."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# add_webhook / get_webhooks / delete_webhook ------------------------------------------------

def test_add_webhook_probes_the_url_and_shows_the_secret_once(hooks_app, api, receiver):
    body = add(api, receiver, events="post_task,post_comment")
    assert list(body) == ["status", "id", "secret"]
    assert body["status"] == "ok" and body["id"] == 1
    assert body["secret"].startswith("whsec_") and len(base64.b64decode(body["secret"][6:])) == 24
    [(headers, sent)] = receiver.calls  # the probe: an empty array, signed like a delivery
    assert sent == "[]"
    assert StandardWebhook(body["secret"]).verify(sent, headers) == []
    assert ok_data(api.call("get_webhooks")) == [
        {"id": "1", "url": receiver.url, "events": "post_task,post_comment", "status": "active"}]


def test_get_webhooks_like_the_postman_example(hooks_app, api, receiver, project):
    add(api, receiver, events="post_task,post_comment,post_project", projects=str(project))
    add(api, receiver, events="update_task,update_comment,delete_task,delete_comment,close_task")
    Webhook.update(status="paused").where(Webhook.id == 2).execute()
    assert ok_data(api.call("get_webhooks")) == [
        {"id": "1", "url": receiver.url, "events": "post_task,post_comment,post_project",
         "status": "active", "projects": str(project)},
        {"id": "2", "url": receiver.url,
         "events": "update_task,update_comment,delete_task,delete_comment,close_task",
         "status": "paused"}]


def test_secrets_are_stored_sealed_and_never_listed(hooks_app, api, receiver):
    secret = add(api, receiver, http_user="jo", http_pass="s3cret-pass")["secret"]
    [(headers, _)] = receiver.calls
    assert headers["authorization"] == "Basic " + base64.b64encode(b"jo:s3cret-pass").decode()
    stored = json.dumps(list(Webhook.select().dicts()), default=str)
    assert "s3cret-pass" not in stored and secret not in stored and secret[6:] not in stored
    listed = json.dumps(api.call("get_webhooks"))
    assert "s3cret-pass" not in listed and secret[6:] not in listed and '"jo"' not in listed


def test_the_probe_does_not_hold_up_other_writers(hooks_app, api, receiver, project):
    hooks_app.config["WEBHOOK_TIMEOUT"] = 3
    receiver.hang = 1.0
    adding = threading.Thread(target=add, args=(type(api)(hooks_app.test_client()), receiver))
    adding.start()
    assert wait_for(lambda: receiver.calls)  # the probe is waiting for its answer
    started = time.monotonic()
    post_task(api, project)
    assert time.monotonic() - started < 0.5
    adding.join()
    assert Webhook.select().count() == 1


def test_add_webhook_as_json_with_the_2026_header(hooks_app, api, receiver):
    body = api.post_json("add_webhook", url=receiver.url, events=["post_task", "close_task"])
    assert body["id"] == 1
    assert ok_data(api.call("get_webhooks"))[0]["events"] == "post_task,close_task"


def test_a_new_webhook_gets_only_later_events(hooks_app, api, receiver, project, clock):
    post_task(api, project, "Before")
    add(api, receiver)
    post_task(api, project, "After")
    deliver(hooks_app, clock)
    assert [e["new"]["title"] for e in receiver.events()] == ["After"]


def hang(receiver):
    receiver.hang = 1.0


def answer_500(receiver):
    receiver.default = (500, OK_BODY)


def answer_html(receiver):
    receiver.default = (200, "<html>OK</html>")


def answer_other_status(receiver):
    receiver.default = (200, '{"status": "error"}')


@pytest.mark.parametrize("misbehave", [answer_500, answer_html, answer_other_status, hang])
def test_add_webhook_refuses_a_url_that_fails_the_probe(hooks_app, api, receiver, misbehave):
    misbehave(receiver)
    started = time.monotonic()
    assert add(api, receiver) == error(11, PROBE_FAILED, receiver.url)
    assert time.monotonic() - started < 0.9  # WEBHOOK_TIMEOUT is 0.5 s here
    assert state() == [[], []]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/", "http://localhost:{port}/hook",
    "http://no-such-host.invalid/hook"])
def test_add_webhook_refuses_a_url_where_nothing_answers(hooks_app, api, url):
    url = url.format(port=free_port())
    assert api.call("add_webhook", url=url, events="post_task") == error(11, PROBE_FAILED, url)
    assert state() == [[], []]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/hook", "http://localhost:{port}/", "http://[::1]:{port}/",
    "http://10.1.2.3/hook", "http://192.168.0.10/", "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0:{port}/", "http://2130706433:{port}/", "https://[fd00::1]/"])
def test_private_and_loopback_urls_are_refused_unless_allowed(hooks_app, api, receiver, url):
    hooks_app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    url = url.format(port=receiver.server.server_port)
    assert api.call("add_webhook", url=url, events="post_task") == error(11, NOT_ALLOWED, url)
    assert receiver.calls == []  # refused before any request is made
    assert state() == [[], []]


def test_allow_private_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TASKGATE_WEBHOOK_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("TASKGATE_SECRET_KEY", "x")
    monkeypatch.setenv("TASKGATE_WEBHOOK_WORKER", "false")
    monkeypatch.setenv("TASKGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    assert create_app().config["WEBHOOK_ALLOW_PRIVATE"] == 1


def test_public_addresses():
    assert is_public("93.184.215.14") and is_public("2606:4700::6810:84e5")
    for address in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                    "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                    "224.0.0.1"):
        assert not is_public(address), address
    assert address_allowed("http://127.0.0.1/", allow_private=True)
    assert not address_allowed("http://127.0.0.1/", allow_private=False)


@pytest.mark.parametrize(("params", "expected"), [
    ({"events": "post_task"}, error(10, "Field is required", "url")),
    ({"url": "{url}"}, error(10, "Field is required", "events")),
    ({"url": "ftp://example.com/hook", "events": "post_task"},
     error(11, "Invalid url: must be an http or https URL", "url")),
    ({"url": "example.com/hook", "events": "post_task"},
     error(11, "Invalid url: must be an http or https URL", "url")),
    ({"url": "http://example.com:99999999/", "events": "post_task"},
     error(11, "Invalid url: not a URL", "url")),
    ({"url": "{url}", "events": "post_task,post_taskk"},
     error(11, "Invalid events: unknown event post_taskk", "events")),
    ({"url": "{url}", "events": "post_task", "projects": "abc"},
     error(11, "Invalid projects: must be a list of numeric ids", "projects")),
    ({"url": "{url}", "events": "post_task", "projects": "77"},
     error(4, "Project is invalid", "77")),
])
def test_add_webhook_with_bad_input(hooks_app, api, receiver, params, expected):
    params = {k: v.format(url=receiver.url) for k, v in params.items()}
    assert api.call("add_webhook", **params) == expected
    assert state() == [[], []]


def test_delete_webhook(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    add(api, receiver, events="post_comment")
    post_task(api, project)
    receiver.default = (500, "")
    deliver(hooks_app, clock)
    assert api.call("delete_webhook", id=1) == {"status": "ok"}
    assert [w["id"] for w in ok_data(api.call("get_webhooks"))] == ["2"]
    assert WebhookDelivery.select().count() == 0 and WebhookAttempt.select().count() == 0
    assert api.call("delete_webhook", id=1) == error(10, "WebHook not found")
    assert api.call("delete_webhook") == error(10, "Field is required", "id")
    assert api.call("delete_webhook", id="x") == error(11, "Invalid id: must be a numeric id",
                                                       "id")


# delivery ------------------------------------------------------------------------------------

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
    assert events == [e for e in all_events if e["object"]["type"] == "task"]
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
    task = post_task(api, project, "Here")
    post_task(api, other, "Elsewhere")
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
    post_task(api, project, "Second")
    for _ in range(12):
        deliver(hooks_app, clock)
        clock.advance(1)
    assert len(receiver.deliveries) == 20  # 10 more, then no attempt after the pause
    assert ok_data(api.call("get_webhooks"))[0]["status"] == "paused"
    post_task(api, project, "Third")
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
    assert receiver.deliveries == [] and WebhookAttempt.get().error == "address not allowed"


def test_a_redirect_is_not_followed(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    receiver.replies = [(302, "")]
    post_task(api, project)
    assert deliver(hooks_app, clock) == (1, 0, 1)
    assert len(receiver.deliveries) == 1 and WebhookAttempt.get().response_code == 302


def test_get_webhook_deliveries(hooks_app, api, receiver, project, clock):
    add(api, receiver)
    add(api, receiver, events="post_project")
    post_task(api, project)
    deliver(hooks_app, clock)
    data = ok_data(api.call("get_webhook_deliveries", id=1))
    assert data == [{
        "id": "1", "id_webhook": "1", "webhook_id": data[0]["webhook_id"],
        "status": "delivered", "events": 1, "attempts": 1, "response_code": 200,
        "date_added": data[0]["date_added"], "date_delivered": data[0]["date_delivered"],
        "log": [{"date": data[0]["log"][0]["date"], "response_code": 200,
                 "duration_ms": data[0]["log"][0]["duration_ms"]}]}]
    assert ok_data(api.call("get_webhook_deliveries", id=2)) == []
    assert api.call("get_webhook_deliveries", id=9) == error(10, "WebHook not found")
    assert api.call("get_webhook_deliveries", limit=0) == error(
        11, "Invalid limit: Must be greater than or equal to 1 and less than or equal to 1000",
        "limit")


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


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_events_recorded_before_a_restart_are_delivered_after_it(hooks_app, api, receiver,
                                                                 project):
    add(api, receiver)
    post_task(api, project, "Before the crash")
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
    post_task(api, project, "Woken")  # no poll would come for 30 s
    assert wait_for(lambda: receiver.events(), 3)
    assert [e["new"]["title"] for e in receiver.events()] == ["Woken"]


def test_an_attempt_cut_short_by_a_crash_is_retried_after_its_lease(hooks_app, api, receiver,
                                                                     project, clock):
    add(api, receiver)
    post_task(api, project)
    with hooks_app.app_context():
        assert delivery.queue_events() == 1
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
