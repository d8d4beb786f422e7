"""Sender signatures as the senders make them (actions/gateway/hook_senders.py): the senders'
documented examples checked by the functions, then each mode over /hooks/<token>, where a
wrong signature, token or stale timestamp answers 401 and writes nothing; a delivery id the
sender signed is not accepted twice; JSON nested 100,000 deep answers 400."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from conftest import error
from standardwebhooks import Webhook as StandardWebhook

from actions.gateway import hook_senders, hooks
from models.base import now
from models.inbound_hooks import InboundHookCall
from models.tasks import Task

# Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack).
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_STAMP = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    b"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook"
    b"-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F39770"
    b"0885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10"
    b"d2c447fce8b6703c")
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
SLACK = {"signature_header": "X-Slack-Signature", "signature_prefix": "v0=",
         "signed": "v0:{$headers.X-Slack-Request-Timestamp}:{body}",
         "timestamp": "{$headers.X-Slack-Request-Timestamp}"}
STRIPE = {"signature_header": "Stripe-Signature", "signature_prefix": "v1=",
          "signed": "{t}.{body}", "timestamp": "{t}"}
SHOPIFY = {"signature_header": "X-Shopify-Hmac-Sha256", "signature_encoding": "base64"}
SENTRY = {"signature_header": "Sentry-Hook-Signature"}
BODY = json.dumps({"id": "evt_1", "type": "invoice.paid", "data": {"name": "INV-7"}}).encode()


def settings(**given) -> SimpleNamespace:
    defaults = {"signature_prefix": "", "signature_encoding": "hex",
                "signature_algorithm": "sha256", "signed": "{body}", "timestamp": ""}
    return SimpleNamespace(**{**defaults, **given})


def digest(secret: str, message: bytes, algorithm=hashlib.sha256) -> bytes:
    return hmac.new(secret.encode(), message, algorithm).digest()


def test_githubs_documented_example():
    given = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert hook_senders.github_valid("It's a Secret to Everybody", given, b"Hello, World!")
    assert not hook_senders.github_valid("It's a Secret to Everybody", given, b"Hello, World?")


def test_slacks_documented_example(monkeypatch):
    monkeypatch.setattr(hook_senders.time, "time", lambda: int(SLACK_STAMP) + 30)
    headers = {"X-Slack-Request-Timestamp": SLACK_STAMP, "X-Slack-Signature": SLACK_SIGNATURE}
    assert hook_senders.generic_valid(settings(**SLACK), SLACK_SECRET, headers, SLACK_BODY)
    assert not hook_senders.generic_valid(settings(**SLACK), SLACK_SECRET, headers,
                                          SLACK_BODY + b"&x=1")
    monkeypatch.setattr(hook_senders.time, "time", lambda: int(SLACK_STAMP) + 301)
    assert not hook_senders.generic_valid(settings(**SLACK), SLACK_SECRET, headers, SLACK_BODY)


def test_standard_webhooks_documented_example(monkeypatch):
    """The example of the Standard Webhooks specification (its secret, id, time, body)."""
    monkeypatch.setattr(hook_senders.time, "time", lambda: 1614265330 + 60)
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    secret, body = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", b'{"test": 2432232314}'
    assert hook_senders.standard_valid(secret, headers, body)
    assert not hook_senders.standard_valid(secret, headers, b'{"test": 2432232315}')


@pytest.fixture
def hook_of(api, website):
    def define(name: str, verify: str, secret: str, **fields) -> dict:
        body = api.post_json("add_inbound_hook", name=name, verify=verify, secret=secret,
                             target="post_task", fixed={"id_project": website},
                             mapping={"title": "{$query.title|signed}"}, **fields)
        assert body["status"] == "ok", body
        return body
    return define


def post(client, hook, raw: bytes, **headers):
    return client.post(hook["url"], data=raw,
                       headers={"Content-Type": "application/json", **headers})


def refused(response) -> bool:
    return (response.status_code == 401
            and response.get_json() == error(2, "Sender signature is missing or invalid"))


def test_a_token_in_a_header_gitlab_and_grafana(client, hook_of):
    gitlab = hook_of("GitLab", "token", "glwh-5f0c2d9e81b7")
    assert gitlab["data"]["signature_header"] == "X-Gitlab-Token"
    assert post(client, gitlab, BODY, **{"X-Gitlab-Token": "glwh-5f0c2d9e81b7"}).status_code == 200
    assert refused(post(client, gitlab, BODY, **{"X-Gitlab-Token": "glwh-5f0c2d9e81b"}))
    assert refused(post(client, gitlab, BODY))
    # Grafana's webhook contact point: "Authorization Header" scheme Bearer, credentials.
    grafana = hook_of("Grafana", "token", "Bearer gr-0d1e2f3a4b5c",
                      signature_header="Authorization")
    assert post(client, grafana, BODY,
                Authorization="Bearer gr-0d1e2f3a4b5c").status_code == 200
    assert refused(post(client, grafana, BODY, Authorization="Bearer gr-0d1e2f3a4b5"))
    assert Task.select().count() == 2


def test_slack_over_http(client, hook_of):
    hook = hook_of("Slack", "hmac", SLACK_SECRET, **SLACK)
    stamp = str(int(time.time()))
    signed = f"v0={digest(SLACK_SECRET, f'v0:{stamp}:'.encode() + SLACK_BODY).hex()}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    good = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signed, **form}
    assert post(client, hook, SLACK_BODY, **good).status_code == 200
    stale = {**good, "X-Slack-Request-Timestamp": SLACK_STAMP,  # the documented, long past
             "X-Slack-Signature": SLACK_SIGNATURE}
    assert refused(post(client, hook, SLACK_BODY, **stale))
    assert refused(post(client, hook, SLACK_BODY + b"&text=x", **good))
    assert Task.select().count() == 1


def test_stripe_over_http_with_a_rolled_secret(client, hook_of):
    secret = "whsec_4eC39HqLyjWDarjtT1zdp7dc"
    hook = hook_of("Stripe", "hmac", secret, **STRIPE)
    stamp = int(time.time())
    v1 = digest(secret, f"{stamp}.".encode() + BODY).hex()
    header = f"t={stamp},v1={digest('whsec_old', BODY).hex()},v1={v1},v0=6ffbb59b2300aae63f27"
    assert post(client, hook, BODY, **{"Stripe-Signature": header}).status_code == 200
    old = f"t={stamp - 600},v1={digest(secret, f'{stamp - 600}.'.encode() + BODY).hex()}"
    assert refused(post(client, hook, BODY, **{"Stripe-Signature": old}))
    assert refused(post(client, hook, BODY, **{"Stripe-Signature": f"v1={v1}"}))  # no t
    assert Task.select().count() == 1


@pytest.mark.parametrize("fields, header, encode", [
    (SHOPIFY, "X-Shopify-Hmac-Sha256", lambda d: base64.b64encode(d).decode()),
    (SENTRY, "Sentry-Hook-Signature", lambda d: d.hex()),
])
def test_shopify_and_sentry_over_http(client, hook_of, fields, header, encode):
    secret = "shpss_9f3a1c"
    hook = hook_of("Signed", "hmac", secret, **fields)
    assert post(client, hook, BODY, **{header: encode(digest(secret, BODY))}).status_code == 200
    assert refused(post(client, hook, BODY, **{header: encode(digest("other", BODY))}))
    assert Task.select().count() == 1


def test_sha1_with_a_prefix(client, hook_of):
    hook = hook_of("Legacy GitHub", "hmac", "s3cr3t", signature_header="X-Hub-Signature",
                   signature_prefix="sha1=", signature_algorithm="sha1")
    signed = "sha1=" + digest("s3cr3t", BODY, hashlib.sha1).hex()
    assert post(client, hook, BODY, **{"X-Hub-Signature": signed}).status_code == 200
    assert hook["data"]["signature_algorithm"] == "sha1"


def test_a_signed_standard_webhooks_delivery_is_accepted_once(client, hook_of):
    hook = hook_of("Svix", "standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    stamp = int(time.time())

    def headers(message_id: str) -> dict:
        signature = StandardWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").sign(
            message_id, datetime.fromtimestamp(stamp, UTC), BODY.decode())
        return {"webhook-id": message_id, "webhook-timestamp": str(stamp),
                "webhook-signature": signature}

    first = post(client, hook, BODY, **headers("msg_1"))
    again = post(client, hook, BODY, **headers("msg_1"))  # captured and sent again
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert post(client, hook, BODY, **headers("msg_2")).status_code == 200
    assert Task.select().count() == 2
    assert [c.delivery for c in InboundHookCall.select().order_by(InboundHookCall.id)] == [
        "msg_1", "msg_2"]


def test_json_nested_100000_deep_answers_400(client, hook_of):
    hook = hook_of("Deep", "none", "")
    for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 70 + b"1" + b"}" * 70):
        response = post(client, hook, raw)
        assert response.status_code == 400
        assert response.get_json() == error(10, "Payload is nested too deeply",
                                             "at most 64 levels")
    assert Task.select().count() == 0


@pytest.mark.parametrize("fields, details", [
    ({"signed": "{$body.x}"}, "signed"),
    ({"signed": "v0:{t}"}, "signed"),
    ({"signature_encoding": "hex64"}, "signature_encoding"),
    ({"signature_algorithm": "md5"}, "signature_algorithm"),
])
def test_generic_settings_are_checked_when_defined(api, website, fields, details):
    body = api.post_json("add_inbound_hook", name="Bad", verify="hmac", secret="s3cr3t!!",
                         target="post_task", fixed={"id_project": website}, **fields)
    assert (body["status"], body["status_code"], body["message_details"]) == (
        "error", 11, details)


def test_the_call_log_forgets_calls_older_than_hook_call_days(app, client, hook_of,
                                                              monkeypatch):
    monkeypatch.setattr(hooks, "PRUNE_EVERY", 1)
    hook = hook_of("Pruned", "none", "")
    post(client, hook, BODY)
    InboundHookCall.update(date=now() - timedelta(days=31)).execute()
    post(client, hook, BODY)
    assert InboundHookCall.select().count() == 1
    app.config["HOOK_CALL_DAYS"] = 40
    InboundHookCall.update(date=now() - timedelta(days=31)).execute()
    post(client, hook, BODY)
    assert InboundHookCall.select().count() == 2
