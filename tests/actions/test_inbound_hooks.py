"""Defining inbound hooks (add/get/update/delete), their call log, the dry run, and who a
hook acts as: the admin key or the administrator's token that defined it, no more."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import SECRET_KEY, admin_header, error, ok_data

from models.inbound_hooks import InboundHook, InboundHookCall
from models.keys import ApiKey
from models.members import User
from models.tasks import Task
from models.tokens import SCOPES, Token

ALERTS = json.loads(
    (Path(__file__).parents[1] / "gateway" / "hook_payloads" / "alertmanager.json").read_text())
ALERT_MAPPING = {"title": "[{alerts.0.labels.severity}] {alerts.0.labels.alertname}",
                 "text": "{alerts.0.annotations.description}",
                 "tags": "{alerts.*.labels.service}"}
TARGET_INVALID = "The target must be a registered write action"
OUTSIDE = "Template reaches outside the payload"


def post_as(client, action: str, key: str, **params):
    """An admin call signed with another key (the 2026 header, a JSON body)."""
    return client.post(f"/api/admin/v2?action={action}", json=params,
                       headers={"Authorization": admin_header(action, key)}).get_json()


def token_call(client, token: str, action: str, **params):
    return client.post(f"/api/oauth2?action={action}", json=params,
                       headers={"Authorization": f"Bearer {token}"}).get_json()


@pytest.fixture
def hook(api, website) -> dict:
    body = api.post_json("add_inbound_hook", name="Alerts", target="post_task",
                         fixed={"id_project": website}, mapping=ALERT_MAPPING)
    assert body["status"] == "ok", body
    return body


def test_add_answers_the_token_once_and_stores_its_hash(api, hook, website):
    assert hook["url"] == f"http://localhost/hooks/{hook['token']}"
    assert hook["data"] == {
        "id": hook["data"]["id"], "name": "Alerts", "target": "post_task",
        "fixed": {"id_project": website}, "mapping": ALERT_MAPPING, "max_items": 20,
        "verify": "none", "rate_limit": "60/minute", "defined_by": {"key": "admin"},
        "date_added": hook["data"]["date_added"]}
    stored = InboundHook.get()
    assert stored.token_hash == hashlib.sha256(hook["token"].encode()).hexdigest()
    listed = api.call("get_inbound_hooks")
    assert ok_data(listed) == [hook["data"]]
    assert hook["token"] not in json.dumps(listed)


def test_a_generated_sender_secret_is_shown_once(api, website):
    body = api.post_json("add_inbound_hook", name="GH", target="post_task",
                         fixed={"id_project": website}, verify="hmac-sha256")
    assert len(body["secret"]) == 64
    assert body["data"]["signature_header"] == "X-Hub-Signature-256"
    assert body["secret"] not in json.dumps(api.call("get_inbound_hooks"))
    assert body["secret"] not in InboundHook.get().sealed_secret


@pytest.mark.parametrize("target", ["get_tasks", "search_tasks", "no_such_action",
                                    "add_inbound_hook", "test_inbound_hook", "get_webhooks"])
def test_a_read_unknown_or_hook_target_is_refused(api, target):
    body = api.post_json("add_inbound_hook", name="Bad", target=target)
    assert body == error(11, TARGET_INVALID, target)
    assert InboundHook.select().count() == 0


@pytest.mark.parametrize("template, message, details", [
    ("{__class__}", OUTSIDE, "__class__: __class__ is not payload data"),
    ("{title.__class__.__mro__}", OUTSIDE,
     "title.__class__.__mro__: __class__ is not payload data"),
    ("{0.__globals__}", OUTSIDE, "0.__globals__: __globals__ is not payload data"),
    ("{$env.HOME}", OUTSIDE, "$env.HOME: a path starts at $body, $query, $headers or the body"),
    ("{$config.SECRET_KEY}", OUTSIDE,
     "$config.SECRET_KEY: a path starts at $body, $query, $headers or the body"),
    ("{title!r}", "Template is invalid", "title!r: 'title!r' is not a key, a position or *"),
    ("{x:>9}", "Template is invalid", "x:>9: 'x:>9' is not a key, a position or *"),
    ("{a..b}", "Template is invalid", "a..b: '' is not a key, a position or *"),
    ("{}", "Template is invalid", "{}: a path has 1 to 32 steps"),
    ("Hello {name", "Template is invalid",
     "Hello {name: unmatched { at 6 (write {{ or }} for a brace)"),
])
def test_a_template_reaching_outside_the_payload_is_refused(api, website, template, message,
                                                            details):
    body = api.post_json("add_inbound_hook", name="Bad", target="post_task",
                         fixed={"id_project": website}, mapping={"title": template})
    assert body == error(11, message, details)
    assert InboundHook.select().count() == 0


def test_a_parameter_is_fixed_or_mapped_not_both(api, website):
    body = api.post_json("add_inbound_hook", name="Both", target="post_task",
                         fixed={"id_project": website, "title": "x"}, mapping={"title": "{a}"})
    assert body == error(11, "A parameter is either fixed or mapped", "title")


def test_names_are_unique(api, hook):
    body = api.post_json("add_inbound_hook", name="Alerts", target="post_comment")
    assert body == error(11, "An inbound hook with this name exists", "Alerts")


def test_mapping_and_fixed_come_as_php_brackets_too(api, website):
    body = api.call("add_inbound_hook", name="Form", target="post_task",
                    **{"fixed[id_project]": website, "mapping[title]": "{subject}"})
    assert ok_data(body)["mapping"] == {"title": "{subject}"}
    assert ok_data(body)["fixed"] == {"id_project": str(website)}


def test_the_dry_run_renders_a_sample_and_writes_nothing(api, hook):
    body = api.post_json("test_inbound_hook", id=hook["data"]["id"], payload=ALERTS)
    assert ok_data(body) == {"target": "post_task", "delivery_id": "", "calls": [{
        "id_project": hook["data"]["fixed"]["id_project"],
        "title": "[critical] HighRequestLatency",
        "text": "checkout-1:8080 answers in 730 ms at the 99th percentile.",
        "tags": "checkout,payments"}],
        "left_out": {"tags": ["checkout", "payments"],
                     "why": "no task tag has this name (a rule's create_tags creates it)"}}
    assert Task.select().count() == 0
    assert InboundHookCall.select().count() == 0


def test_the_dry_run_names_a_missing_path(api, hook):
    body = api.post_json("test_inbound_hook", id=hook["data"]["id"], payload={"alerts": []})
    assert body == error(11, "Payload does not fit the hook's mapping",
                         "title: no value at alerts.0.labels.severity")


def test_update_rotates_the_token_and_changes_the_mapping(api, client, hook):
    body = api.post_json("update_inbound_hook", id=hook["data"]["id"], rotate_token=1,
                         mapping={"title": "{status}: {commonLabels.alertname}"})
    assert body["token"] != hook["token"]
    assert client.post(hook["url"], json=ALERTS).status_code == 404
    made = client.post(body["url"], json=ALERTS).get_json()
    assert ok_data(made)["name"] == "firing: HighRequestLatency"


def test_delete_removes_the_hook_and_its_calls(api, client, hook):
    client.post(hook["url"], json=ALERTS)
    assert ok_data(api.call("delete_inbound_hook", id=hook["data"]["id"])) is None
    assert client.post(hook["url"], json=ALERTS).status_code == 404
    assert InboundHookCall.select().count() == 0
    assert api.call("delete_inbound_hook", id=hook["data"]["id"]) == error(
        10, "Inbound hook not found")


def test_calls_are_paged_newest_first_with_params_and_errors(api, client, hook):
    client.post(hook["url"], json=ALERTS)
    client.post(hook["url"], json={"alerts": []})
    client.post(hook["url"], data=b"{", content_type="application/json")
    first = api.call("get_inbound_hook_calls", id=hook["data"]["id"], limit=2)
    assert first["total"] == 3
    assert [c["outcome"] for c in first["data"]] == ["refused", "mapping_error"]
    assert first["data"][0]["http_status"] == 400
    assert first["data"][1]["error"] == (
        "Payload does not fit the hook's mapping: title: no value at alerts.0.labels.severity")
    last = ok_data(api.call("get_inbound_hook_calls", id=hook["data"]["id"], limit=2, page=2))
    assert last[0]["outcome"] == "ok"
    assert last[0]["params"][0]["tags"] == "checkout,payments"
    assert last[0]["answer"]["data"]["name"] == "[critical] HighRequestLatency"


def test_a_hook_acts_with_its_definers_key_no_more(app, client, website):
    _, secret = ApiKey.issue("alerts-only", SECRET_KEY,
                             scopes="add_inbound_hook,update_inbound_hook,post_comment")
    refused = post_as(client, "add_inbound_hook", secret, name="Sneaky", target="post_task",
                      fixed={"id_project": website}, mapping={"title": "{a}"})
    assert refused == error(2, "Action is not allowed for this key", "post_task")
    assert InboundHook.select().count() == 0


def test_an_update_makes_the_hook_act_as_the_updater(api, client, hook):
    _, secret = ApiKey.issue("limited", SECRET_KEY,
                             scopes="update_inbound_hook,post_task")
    ok_data(post_as(client, "update_inbound_hook", secret, id=hook["data"]["id"]))
    ApiKey.revoke("limited")
    response = client.post(hook["url"], json=ALERTS)
    assert response.status_code == 403
    assert response.get_json() == error(2, "The hook's definer may not run its action",
                                        "post_task")
    assert Task.select().count() == 0


def test_an_administrators_token_defines_a_hook_that_acts_as_them(client, api, website):
    admin = User.create(email="ada@ws.com", first_name="Ada", role="account admin")
    api.call("add_project_members", id_project=website, members=admin.email)
    token = Token.issue("access", admin, list(SCOPES))[1]
    body = token_call(client, token, "add_inbound_hook", name="Mine", target="post_task",
                      fixed={"id_project": website}, mapping={"title": "{title}"})
    assert body["data"]["defined_by"] == {"user": "ada@ws.com"}
    made = client.post(body["url"], json={"title": "From a form"}).get_json()
    assert ok_data(made)["user_from"]["email"] == "ada@ws.com"


def test_a_hook_keeps_only_its_definers_token_scopes(client, website):
    admin = User.create(email="ada@ws.com", first_name="Ada", role="owner")
    token = Token.issue("access", admin, ["administrative", "comments_write"])[1]
    body = token_call(client, token, "add_inbound_hook", name="Mine", target="post_task",
                      fixed={"id_project": website}, mapping={"title": "{title}"})
    response = client.post(body["url"], json={"title": "x"})
    assert response.status_code == 403
    assert Task.select().count() == 0


def test_a_users_token_cannot_define_hooks(client, kate):
    token = Token.issue("access", kate, list(SCOPES))[1]
    body = token_call(client, token, "add_inbound_hook", name="Mine", target="post_task")
    assert (body["status"], body["status_code"]) == ("error", 2), body  # the role refuses
    assert InboundHook.select().count() == 0


RULES = [{"when": "{$headers.X-Event} == opened", "target": "post_task",
          "mapping": {"title": "{title}", "task_uid": "{id}"}},
         {"when": "{$headers.X-Event} == closed", "target": "complete_task",
          "mapping": {"task_uid": "{id}"}}]


def with_project(rules, website):
    return [{**rule, "fixed": {"id_project": website}} if rule["target"] == "post_task"
            else rule for rule in rules]


def test_rules_are_stored_in_order_and_shown(api, website):
    body = api.post_json("add_inbound_hook", name="Rules", rules=with_project(RULES, website))
    data = ok_data(body)
    assert [rule["target"] for rule in data["rules"]] == ["post_task", "complete_task"]
    assert "target" not in data and "fixed" not in data
    assert data["rules"][0]["fixed"] == {"id_project": website}


@pytest.mark.parametrize("rules, details", [
    ("[]", "rules: a JSON array of 1 to 20 rules"),
    ([{"when": "{a} => b", "target": "post_task"}],
     "rules[0].when: '{a} => b' is not `a == b`, `a != b` or `a in (b, c)`"),
    ([{"target": "post_task"}, {"target": "get_tasks"}], "rules[1].target: get_tasks"),
    ([{"target": "post_task", "mapping": {"title": "{__init__}"}}],
     "rules[0].mapping: __init__: __init__ is not payload data"),
    ([{"target": "post_task", "fixed": {"title": "a"}, "mapping": {"title": "{a}"}}],
     "rules[0]: title is fixed or mapped, not both"),
])
def test_a_bad_rule_is_refused_precisely(api, rules, details):
    body = api.post_json("add_inbound_hook", name="Bad", rules=rules)
    assert (body["status"], body["status_code"], body["message_details"]) == (
        "error", 11, details)
    assert InboundHook.select().count() == 0


def test_rules_and_a_target_do_not_mix(api, website, hook):
    both = api.post_json("add_inbound_hook", name="Both", target="post_task", rules=RULES)
    assert both == error(11, "A hook has rules, or one target with its fixed and mapping",
                         "rules")
    neither = api.post_json("add_inbound_hook", name="Neither")
    assert neither == error(10, "Field is required", "target")
    api.post_json("update_inbound_hook", id=hook["data"]["id"],
                  rules=with_project(RULES, website))
    fixed = api.post_json("update_inbound_hook", id=hook["data"]["id"], fixed={"a": 1})
    assert fixed == error(11, "This hook has rules: give fixed and mapping in each rule",
                          "rules")
    back = ok_data(api.post_json("update_inbound_hook", id=hook["data"]["id"],
                                 target="post_task", fixed={"id_project": website},
                                 mapping={"title": "{t}"}))
    assert (back["target"], "rules" in back) == ("post_task", False)


def test_the_dry_run_says_which_rule_runs(api, website):
    made = ok_data(api.post_json("add_inbound_hook", name="Rules",
                                 rules=with_project(RULES, website)))
    runs = [ok_data(api.post_json("test_inbound_hook", id=made["id"], headers={"X-Event": e},
                                  payload={"id": "abc", "title": "T"}))["runs"]
            for e in ("closed", "labeled")]
    uid = runs[0][0]["params"]["task_uid"]
    assert runs == [[{"rule": 1, "target": "complete_task", "params": {"task_uid": uid}}],
                    [{"ignored": "no rule matched"}]]
    assert uid == InboundHook.get().task_key("abc")  # a UUID, the same for the same key


def test_the_url_is_absolute_public_url_first(app, api, website):
    app.config["PUBLIC_URL"] = "https://tasks.example.com/"
    body = api.post_json("add_inbound_hook", name="Public", target="post_task",
                         fixed={"id_project": website}, mapping={"title": "{t}"})
    assert body["url"] == f"https://tasks.example.com/hooks/{body['token']}"
    rotated = api.post_json("update_inbound_hook", id=body["data"]["id"], rotate_token=1)
    assert rotated["url"] == f"https://tasks.example.com/hooks/{rotated['token']}"


def test_tag_names_left_out_are_recorded_with_the_reason(api, client, website):
    ok_data(api.call("add_task_tag_groups", title="Labels", type="label", access="public"))
    ok_data(api.call("add_task_tags", group="Labels", title="bug"))
    made = api.post_json("add_inbound_hook", name="Tags", target="post_task",
                         fixed={"id_project": website},
                         mapping={"title": "{title}", "tags": "{labels}"})
    response = client.post(made["url"], json={"title": "T", "labels": ["bug", "Frontend"]})
    assert sorted(response.get_json()["data"]["tags"].values()) == ["bug"]
    calls = ok_data(api.call("get_inbound_hook_calls", id=made["data"]["id"]))
    assert calls[0]["notes"] == ("tags left out: Frontend (no task tag has this name; a "
                                 "rule's create_tags creates it)")
