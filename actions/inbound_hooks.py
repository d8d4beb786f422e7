"""Inbound hooks: define, list, change and delete them, read their calls, try a payload."""

from __future__ import annotations

import base64
import binascii
import json
import secrets

from flask import current_app, has_request_context, request
from peewee import IntegrityError

from actions.caller import caller
from actions.delivery.signing import new_secret
from actions.registry import ACTIONS, action
from models.base import get_or_fail
from models.inbound_hooks import (
    HMAC_SHA256,
    NO_CHECK,
    NO_RULE,
    STANDARD_WEBHOOKS,
    TAG_ACTIONS,
    TOKEN,
    InboundHook,
    InboundHookCall,
    tag_names,
    unknown_tags,
)
from models.keys import seal
from schemas.envelope import ApiError, Forbidden, InvalidValue, Reply
from schemas.hook_templates import Payload
from schemas.inbound_hooks import (
    AddInboundHookIn,
    GetInboundHookCallsIn,
    InboundHookCallOut,
    InboundHookIdIn,
    InboundHookOut,
    TestInboundHookIn,
    UpdateInboundHookIn,
)
from schemas.paging import PagedIn, listing

hook_out = InboundHookOut()
hooks_out = InboundHookOut(many=True)
calls_out = InboundHookCallOut(many=True)
HOOK_ACTIONS = {"add_inbound_hook", "update_inbound_hook", "delete_inbound_hook",
                "test_inbound_hook"}  # a hook cannot define hooks
PLAIN_FIELDS = ("name", "for_each", "max_items", "delivery_id", "verify", "signature_header",
                "signature_prefix", "signature_encoding", "signature_algorithm", "signed",
                "timestamp", "rate_limit")
DEFAULT_HEADERS = {TOKEN: "X-Gitlab-Token", HMAC_SHA256: "X-Hub-Signature-256"}
LEFT_OUT = "no task tag has this name (a rule's create_tags creates it)"


class HookNotFound(ApiError):
    status_code, message = 10, "Inbound hook not found"


class NameTaken(InvalidValue):
    message = "An inbound hook with this name exists"


class TargetInvalid(InvalidValue):
    message = "The target must be a registered write action"


class NotAdministrator(Forbidden):
    message = "Inbound hooks are defined by an admin key or an administrator's token"


@action(AddInboundHookIn, writes=True)
def add_inbound_hook(params):
    """Create an inbound hook; its receiving URL's token (and a generated secret) shown once."""
    hook = InboundHook(name=params["name"], fixed="{}", mapping="{}")
    token = hook.new_token()
    secret = define(hook, params)
    return Reply(hook_out.dump(hook), token=token, url=hook_url(token), **secret)


@action(UpdateInboundHookIn, writes=True)
def update_inbound_hook(params):
    """Change an inbound hook (it then acts as the caller); rotate_token=1 issues a new token."""
    hook = get_or_fail(InboundHook, params["id"], HookNotFound)
    token = {"token": hook.new_token()} if params["rotate_token"] else {}
    if token:
        token["url"] = hook_url(token["token"])
    secret = define(hook, params)
    return Reply(hook_out.dump(hook), **token, **secret)


@action(PagedIn)
def get_inbound_hooks(params):
    """Get the inbound hooks (never their tokens or secrets)."""
    return listing(InboundHook.select(), params, (InboundHook.id,), hooks_out.dump)


@action(InboundHookIdIn, writes=True)
def delete_inbound_hook(params):
    """Delete an inbound hook with its call log; its URL stops answering."""
    if not InboundHook.delete().where(InboundHook.id == params["id"]).execute():
        raise HookNotFound()


@action(GetInboundHookCallsIn)
def get_inbound_hook_calls(params):
    """Get an inbound hook's calls, newest first, with their parameters and outcome."""
    hook = get_or_fail(InboundHook, params["id"], HookNotFound)
    return listing(hook.calls, params, (InboundHookCall.id.desc(),), calls_out.dump)


# Flagged as a write though it writes nothing: only get_ and search_ actions count as reads
# (a read-only key runs those), and a dry run is part of defining a hook.
@action(TestInboundHookIn, writes=True)
def test_inbound_hook(params):
    """Render a sample payload through a hook: the parameters it would send, nothing run."""
    hook = get_or_fail(InboundHook, params["id"], HookNotFound)
    payload = Payload.of(params.get("payload"), params.get("query", {}),
                         params.get("headers", {}))
    steps = hook.plan(payload)
    answer = {"target": hook.action, "delivery_id": hook.delivery_key(payload),
              "calls": [step.params for step in steps if step is not None]}
    if json.loads(hook.rules):
        answer["runs"] = [dry_run(step) for step in steps]
    left_out = [name for step in steps if step is not None and not step.create_tags
                for name in unknown_tags(tag_names(step.params.get("tags", "")))]
    if left_out:
        answer["left_out"] = {"tags": list(dict.fromkeys(left_out)), "why": LEFT_OUT}
    return answer


def dry_run(step) -> dict:
    if step is None:
        return dict(NO_RULE)
    return {"rule": step.rule, "target": step.target, "params": step.params}


def hook_url(token: str) -> str:
    """The receiving URL to paste into a sender: PUBLIC_URL, else this request's own scheme
    and host (as the trusted proxies tell them)."""
    base = current_app.config.get("PUBLIC_URL") or (
        request.host_url if has_request_context() else "")
    return f"{str(base).rstrip('/')}/hooks/{token}"


def define(hook: InboundHook, params) -> dict[str, str]:
    """Apply the parameters and the caller as the hook's definer, then save; the secret when
    one was generated."""
    take_definer(hook)
    was_checked_by = hook.verify
    for name in PLAIN_FIELDS:
        if name in params:
            setattr(hook, name, params[name])
    if hook.verify != was_checked_by and "signature_header" not in params:
        hook.signature_header = DEFAULT_HEADERS.get(hook.verify, hook.signature_header)
    if "target" in params:
        hook.action = write_target(params["target"])
        hook.rules = "[]"
    if "rules" in params:
        set_rules(hook, params["rules"])
    for rule in hook.rule_list:
        check_allowed(rule["target"])
        if rule.get("create_tags"):
            for name in TAG_ACTIONS:
                check_allowed(name)
    if not json.loads(hook.rules):
        set_single(hook, params)
    elif {"fixed", "mapping"} & set(params):
        raise InvalidValue("This hook has rules: give fixed and mapping in each rule",
                           details="rules")
    secret = set_secret(hook, params.get("secret"), fresh=hook.verify != was_checked_by)
    try:
        hook.save()
    except IntegrityError:
        raise NameTaken(details=hook.name) from None
    return secret


def set_rules(hook: InboundHook, rules: list[dict]) -> None:
    """The rules in order (their first target is the hook's ``target`` in summaries)."""
    for index, rule in enumerate(rules):
        try:
            rule["target"] = write_target(rule["target"])
        except TargetInvalid as err:
            raise TargetInvalid(details=f"rules[{index}].target: {err.details}") from None
    hook.rules = json.dumps(rules)
    hook.action, hook.fixed, hook.mapping = rules[0]["target"], "{}", "{}"


def set_single(hook: InboundHook, params) -> None:
    fixed = params.get("fixed", hook.fixed_params)
    mapping = params.get("mapping", hook.templates)
    both = sorted(set(fixed) & set(mapping))
    if both:
        raise InvalidValue("A parameter is either fixed or mapped", details=",".join(both))
    hook.fixed, hook.mapping = json.dumps(fixed), json.dumps(mapping)


def take_definer(hook: InboundHook) -> None:
    """The hook will act as the caller: its key, or its user with the token's scopes (the
    role table lets only account admins' tokens define hooks)."""
    current = caller()
    if current.key is None and current.user is None:
        raise NotAdministrator()
    hook.key, hook.user = current.key, current.user
    hook.scopes = ",".join(current.scopes)


def write_target(name: str) -> str:
    spec = ACTIONS.get(name)
    if spec is None or not spec.writes or spec.canonical in HOOK_ACTIONS:
        raise TargetInvalid(details=name)
    return spec.canonical


def check_allowed(name: str) -> None:
    """An admin key can only give a hook the actions it may run itself."""
    key = caller().key
    if key is not None and not key.allows(name, True):
        raise Forbidden(details=name)


def set_secret(hook: InboundHook, given: str | None, fresh: bool) -> dict[str, str]:
    """Seal the given secret, or generate one when a check needs it; the generated one."""
    if hook.verify == NO_CHECK:
        hook.sealed_secret = ""
        return {}
    if given is None and hook.sealed_secret and not fresh:
        return {}
    secret = given or (new_secret() if hook.verify == STANDARD_WEBHOOKS
                       else secrets.token_hex(32))
    if hook.verify == TOKEN and len(secret) < 8:
        raise InvalidValue("A token is at least 8 characters", details="secret")
    if hook.verify == STANDARD_WEBHOOKS:
        check_whsec(secret)
    hook.sealed_secret = seal(secret, current_app.config["SECRET_KEY"])
    return {} if given else {"secret": secret}


def check_whsec(secret: str) -> None:
    try:
        base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue("A Standard Webhooks secret is whsec_ and base64",
                           details="secret") from None
