"""Webhooks: get_webhooks, add_webhook (the URL probe, the SSRF guard), delete_webhook and
get_webhook_deliveries."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest
from conftest import error, ok_data, post_task
from standardwebhooks import Webhook as StandardWebhook
from webhook_kit import OK_BODY, add, deliver, free_port, state, wait_for

from actions.delivery.outbound import address_allowed, is_public
from app import create_app
from models.webhooks import Webhook, WebhookAttempt, WebhookDelivery

PROBE_FAILED = "Url should respond 200 HTTP_CODE and JSON {status:OK}"
NOT_ALLOWED = "Url should be public: loopback and private addresses are refused"


@pytest.fixture
def project(hooks_app, api):
    return int(ok_data(api.call("post_project", title="Owl brand launch"))["id"])


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
    post_task(api, project, title="Before")
    add(api, receiver)
    post_task(api, project, title="After")
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


def test_add_webhook_refuses_a_host_name_that_does_not_resolve(hooks_app, api):
    url = "http://no-such-host.invalid/hook"
    assert api.call("add_webhook", url=url, events="post_task") == error(
        11, "Url's host name does not resolve", url)
    assert state() == [[], []]


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/", "http://localhost:{port}/hook"])
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
