"""/hooks/<token> over HTTP with the senders' documented payloads: Prometheus Alertmanager
(webhook_config), a GitHub ``issues`` event (signed with X-Hub-Signature-256), a plain HTML
form; retries, signatures and every bad input."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import error, ok_data
from standardwebhooks import Webhook as StandardWebhook

from models.comments import Comment
from models.inbound_hooks import InboundHookCall
from models.tasks import Task

PAYLOADS = Path(__file__).parent / "hook_payloads"
ALERTS = (PAYLOADS / "alertmanager.json").read_bytes()
ISSUE = (PAYLOADS / "github_issues_opened.json").read_bytes()
FORM = (PAYLOADS / "contact_form.txt").read_bytes()
GITHUB_SECRET = "It's a Secret to Everybody"
DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"


def define(api, **fields) -> dict:
    body = api.post_json("add_inbound_hook", **fields)
    assert body["status"] == "ok", body
    return body


def post_json(client, url: str, raw: bytes, **headers):
    return client.post(url, data=raw, headers={"Content-Type": "application/json", **headers})


def github_headers(raw: bytes, secret: str = GITHUB_SECRET, delivery: str = DELIVERY) -> dict:
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-GitHub-Event": "issues", "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": f"sha256={digest}", "User-Agent": "GitHub-Hookshot/a1b2c3d"}


@pytest.fixture
def alert_hook(api, website) -> dict:
    return define(api, name="Alerts", target="post_task", fixed={"id_project": website},
                  for_each="alerts", max_items=5,
                  delivery_id="{groupKey}|{status}|{alerts.*.fingerprint}",
                  mapping={"title": "[{labels.severity}] {labels.alertname} on {labels.instance}",
                           "text": "{annotations.description}\n{generatorURL}",
                           "tags": "{labels.service},{$body.status}"})


@pytest.fixture
def issue_hook(api, website) -> dict:
    return define(api, name="GitHub issues", target="post_task", fixed={"id_project": website},
                  verify="hmac-sha256", secret=GITHUB_SECRET,
                  delivery_id="{$headers.X-GitHub-Delivery}",
                  mapping={"title": "#{issue.number} {issue.title}",
                           "text": "{issue.body}\n\n{issue.html_url} ({sender.login})",
                           "tags": "{issue.labels.*.name}",
                           "priority": "{issue.milestone.due_on|5}"})


@pytest.fixture
def support_task(api, website) -> int:
    return int(ok_data(api.call("post_task", id_project=website, title="Support inbox"))["id"])


@pytest.fixture
def form_hook(api, support_task) -> dict:
    return define(api, name="Contact form", target="post_comment",
                  fixed={"id_task": support_task},
                  mapping={"text": "{subject}\nFrom {name} <{email}>:\n{message}"})


def labels(api, *titles: str) -> None:
    """The tags a mapping names must exist: unknown tag names are ignored, as Worksection does."""
    ok_data(api.call("add_task_tag_groups", title="Labels", type="label", access="public"))
    ok_data(api.call("add_task_tags", group="Labels", title=",".join(titles)))


def test_an_alertmanager_batch_makes_one_task_per_alert(client, api, alert_hook, website):
    labels(api, "firing", "payments", "checkout")
    response = post_json(client, alert_hook["url"], ALERTS)
    assert response.status_code == 200
    made = response.get_json()["data"]
    assert [task["name"] for task in made] == [
        "[critical] HighRequestLatency on checkout-1:8080",
        "[critical] HighRequestLatency on payments-2:8080"]
    task = ok_data(api.call("get_task", id_task=made[1]["id"], extra="text"))
    assert task["text"] == ("payments-2:8080 answers in 910 ms at the 99th percentile.\n"
                            "http://prometheus.example.com:9090/graph?g0.expr=latency_p99+%3E+0.5")
    assert sorted(task["tags"].values()) == ["firing", "payments"]


def test_an_alertmanager_retry_creates_nothing_new(client, alert_hook):
    first = post_json(client, alert_hook["url"], ALERTS)
    again = post_json(client, alert_hook["url"], ALERTS)
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Task.select().count() == 2


def test_a_signed_github_issue_makes_a_task(client, api, issue_hook):
    labels(api, "bug", "frontend")
    response = post_json(client, issue_hook["url"], ISSUE, **github_headers(ISSUE))
    task = response.get_json()["data"]
    assert task["name"] == "#42 Checkout button does nothing on Safari"
    assert task["priority"] == "5"  # the milestone is null: the declared default
    full = ok_data(api.call("get_task", id_task=task["id"], extra="text"))
    assert full["text"] == ('Clicking "Pay" on Safari 18 shows no error and no request is sent.'
                            "\n\nhttps://github.com/acme/shop/issues/42 (octocat)")
    assert sorted(full["tags"].values()) == ["bug", "frontend"]


def test_a_redelivered_github_event_replays_the_first_answer(client, issue_hook):
    first = post_json(client, issue_hook["url"], ISSUE, **github_headers(ISSUE))
    again = post_json(client, issue_hook["url"], ISSUE, **github_headers(ISSUE))
    other = post_json(client, issue_hook["url"], ISSUE, **github_headers(ISSUE, delivery="d-2"))
    assert again.get_json() == first.get_json()
    assert other.get_json()["data"]["id"] != first.get_json()["data"]["id"]
    assert Task.select().count() == 2
    assert InboundHookCall.select().count() == 2  # the replay writes nothing, not even a log


def test_a_wrong_github_secret_is_refused_and_recorded(client, issue_hook):
    response = post_json(client, issue_hook["url"], ISSUE,
                         **github_headers(ISSUE, secret="not the secret"))
    assert response.status_code == 401
    assert response.get_json() == error(2, "Sender signature is missing or invalid")
    assert Task.select().count() == 0
    call = InboundHookCall.get()
    assert (call.outcome, call.http_status, call.delivery) == ("refused", 401, "")


def test_an_unsigned_github_event_is_refused(client, issue_hook):
    response = post_json(client, issue_hook["url"], ISSUE, **{"X-GitHub-Delivery": DELIVERY})
    assert response.status_code == 401
    assert Task.select().count() == 0


def test_a_plain_html_form_posts_a_comment(client, api, form_hook, support_task):
    response = client.post(form_hook["url"], data=FORM,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.get_json()
    comments = ok_data(api.call("get_comments", id_task=support_task))
    assert [c["text"] for c in comments] == [
        "Invoice INV-2026-118 is wrong\nFrom Ann Lee <ann.lee@example.com>:\n"
        "The VAT line shows 20% instead of 7%.\r\nPlease send a corrected copy."]


def test_query_parameters_fill_a_hook_without_a_body(client, api, website):
    hook = define(api, name="Pings", target="post_task", fixed={"id_project": website},
                  mapping={"title": "Ping from {host}", "text": "{$query.host}"})
    response = client.post(hook["url"] + "?host=db-3")
    assert response.get_json()["data"]["name"] == "Ping from db-3"


def test_standard_webhooks_signatures_are_checked(client, api, website):
    hook = define(api, name="Svix", target="post_task", fixed={"id_project": website},
                  verify="standard-webhooks", delivery_id="{$headers.webhook-id}",
                  mapping={"title": "{type}: {data.name}"})
    raw = json.dumps({"type": "invoice.paid", "data": {"name": "INV-7"}})
    stamp = int(time.time())
    signature = StandardWebhook(hook["secret"]).sign(  # the reference implementation signs
        "msg_2Lp", datetime.fromtimestamp(stamp, UTC), raw)
    good = {"webhook-id": "msg_2Lp", "webhook-timestamp": str(stamp),
            "webhook-signature": signature}
    assert post_json(client, hook["url"], raw.encode(), **good).status_code == 200
    forged = {**good, "webhook-signature": "v1,bm90IHRoZSBzaWduYXR1cmU="}
    assert post_json(client, hook["url"], raw.encode(), **forged).status_code == 401
    stale = {**good, "webhook-timestamp": str(stamp - 3600)}
    assert post_json(client, hook["url"], raw.encode(), **stale).status_code == 401
    assert Task.select().count() == 1


@pytest.mark.parametrize("token", ["nope", "x" * 43])
def test_an_unknown_token_is_404(client, alert_hook, token):
    response = post_json(client, f"/hooks/{token}", ALERTS)
    assert response.status_code == 404
    assert response.get_json() == error(2, "Hook token is invalid")
    assert Task.select().count() == 0


def test_a_rotated_token_stops_working(client, api, alert_hook):
    rotated = api.post_json("update_inbound_hook", id=alert_hook["data"]["id"], rotate_token=1)
    assert post_json(client, alert_hook["url"], ALERTS).status_code == 404
    assert post_json(client, rotated["url"], ALERTS).status_code == 200


def test_a_missing_path_answers_422_naming_it(client, api, website):
    hook = define(api, name="Strict", target="post_task", fixed={"id_project": website},
                  mapping={"title": "{alerts.0.labels.team}"})
    response = post_json(client, hook["url"], ALERTS)
    assert response.status_code == 422
    assert response.get_json() == error(11, "Payload does not fit the hook's mapping",
                                        "title: no value at alerts.0.labels.team")
    assert Task.select().count() == 0
    call = InboundHookCall.get()
    assert (call.outcome, call.error) == (
        "mapping_error",
        "Payload does not fit the hook's mapping: title: no value at alerts.0.labels.team")


@pytest.mark.parametrize("raw, mimetype", [(b"{not json", "application/json"),
                                           (b"\xff\xfe", "application/json"),
                                           (b"<xml/>", "text/xml")])
def test_a_payload_that_is_not_json_is_400(client, alert_hook, raw, mimetype):
    response = client.post(alert_hook["url"], data=raw, content_type=mimetype)
    assert response.status_code == 400
    assert response.get_json()["message"] == "Payload is not JSON (nor a form)"
    assert Task.select().count() == 0


def test_for_each_over_the_limit_is_422(client, api, website):
    alerts = json.loads(ALERTS)
    hook = define(api, name="Small", target="post_task", fixed={"id_project": website},
                  for_each="alerts", max_items=1, mapping={"title": "{labels.alertname}"})
    response = post_json(client, hook["url"], json.dumps(alerts).encode())
    assert response.status_code == 422
    assert response.get_json()["message_details"] == (
        "for_each: alerts has 2 elements; this hook takes at most 1")
    assert Task.select().count() == 0


def test_an_action_error_keeps_the_envelope_and_writes_nothing(client, api, website):
    hook = define(api, name="Gone", target="post_task", fixed={"id_project": website + 100},
                  for_each="alerts", mapping={"title": "{labels.alertname}"})
    response = post_json(client, hook["url"], ALERTS)
    assert response.get_json() == error(4, "Project is invalid")
    assert Task.select().count() == 0
    call = InboundHookCall.get()
    assert call.outcome == "action_error"
    assert [p["title"] for p in json.loads(call.params)] == ["HighRequestLatency"] * 2


def test_a_failed_delivery_runs_again_when_retried(client, api, website, issue_hook):
    api.post_json("update_inbound_hook", id=issue_hook["data"]["id"],
                  fixed={"id_project": website + 100})
    assert post_json(client, issue_hook["url"], ISSUE, **github_headers(ISSUE)).get_json()[
        "status"] == "error"
    api.post_json("update_inbound_hook", id=issue_hook["data"]["id"],
                  fixed={"id_project": website})
    retried = post_json(client, issue_hook["url"], ISSUE, **github_headers(ISSUE))
    assert retried.get_json()["status"] == "ok"
    assert Task.select().count() == 1


def test_a_payload_over_the_size_limit_is_413(app, client, alert_hook):
    app.config["HOOK_MAX_PAYLOAD"] = 100
    response = post_json(client, alert_hook["url"], ALERTS)
    assert response.status_code == 413
    assert Task.select().count() == 0


def test_a_hook_over_its_rate_limit_is_429(client, api, website):
    hook = define(api, name="Slow", target="post_task", fixed={"id_project": website},
                  rate_limit="2/minute", mapping={"title": "{$query.n}"})
    answers = [client.post(hook["url"] + f"?n={n}") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert Task.select().count() == 2


def test_get_is_not_a_delivery(client, alert_hook):
    assert client.get(alert_hook["url"]).status_code == 405


def test_the_comment_count_stays_on_bad_form_input(client, form_hook):
    response = client.post(form_hook["url"], data=b"name=Ann",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert response.get_json()["message_details"] == "text: no value at subject"
    assert Comment.select().count() == 0


@pytest.mark.parametrize("bad", [r"a\u0000b", r"\ud800"])  # JSON escapes: a NUL, a lone surrogate
def test_what_postgresql_cannot_store_is_refused(client, alert_hook, bad):
    raw = ALERTS.replace(b'"checkout-1:8080"', f'"{bad}"'.encode())
    response = post_json(client, alert_hook["url"], raw)
    assert response.status_code == 400
    assert response.get_json() == error(10, "Payload text must be UTF-8 without NUL characters",
                                        "the payload")
    assert Task.select().count() == 0
    assert InboundHookCall.get().params == "[]"


def test_a_body_signature_vouches_for_the_body_alone(client, api, website):
    """A seen signature of an empty body never changes: the query beside it is not read."""
    hook = define(api, name="Signed pings", target="post_task", fixed={"id_project": website},
                  verify="hmac-sha256", secret=GITHUB_SECRET,
                  mapping={"title": "Ping {host|from nowhere}", "text": "{$query.host|-}"})
    signed = github_headers(b"", delivery="empty-1")
    response = client.post(hook["url"] + "?host=mallory&title=Pwned", headers=signed)
    task = response.get_json()["data"]
    assert task["name"] == "Ping from nowhere"
    full = ok_data(api.call("get_task", id_task=task["id"], extra="text"))
    assert "mallory" not in full["text"]
