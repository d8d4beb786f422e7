"""Input and output schemas of inbound hooks and the calls they received."""

from __future__ import annotations

import json
import re
from typing import Any

from limits import parse_many
from marshmallow import ValidationError, fields, validate, validates_schema

from models.inbound_hooks import HMAC, MAX_ITEMS, SIGNATURES, TOKEN
from schemas.base import Choice, Flag, Id, Out, Params, StrId, Text, datetime_out
from schemas.envelope import FieldRequired, InvalidValue
from schemas.hook_rules import MAX_RULES, RuleInvalid, check_rule
from schemas.hook_templates import check, parse_path
from schemas.paging import PagedIn
from schemas.secrets import mask

HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,100}")
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\[\]]{0,99}")
PLACEHOLDER = re.compile(r"\{(body|\$headers\.[A-Za-z0-9-]{1,100}|[A-Za-z0-9_]{1,50})\}")
MAX_PARAMS = 50
MAX_DEPTH = 64  # nesting of a JSON value given to a hook (test_inbound_hook's payload too)


def json_value(value: Any) -> Any:
    """A JSON value given as itself (a JSON body) or as JSON text (a query or a form)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise ValidationError("must be JSON") from None
    if too_deep(value):
        raise ValidationError(f"must be JSON nested at most {MAX_DEPTH} deep")
    return value


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a JSON value nests deeper than ``limit`` (walked without recursion)."""
    level = [value]
    for _ in range(limit + 1):
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return True


class JsonObject(fields.Field):
    """A JSON object of named parameters (``mapping[title]=...`` folds into one, too)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        found = json_value(value)
        if not isinstance(found, dict) or len(found) > MAX_PARAMS:
            raise ValidationError(f"must be an object of at most {MAX_PARAMS} parameters")
        bad = [name for name in found if not PARAM_NAME.fullmatch(name)]
        if bad:
            raise ValidationError(f"{bad[0]!r} is not a parameter name")
        return {name: self.value(item) for name, item in found.items()}

    def value(self, item: Any) -> Any:
        scalar = (str, int, float, bool)
        if isinstance(item, scalar) or (
                isinstance(item, list) and all(isinstance(x, scalar) for x in item)):
            return item
        raise ValidationError("values must be strings, numbers or lists of them")


class Mapping(JsonObject):
    """Parameters filled from the payload: every value a template."""

    def value(self, item: Any) -> str:
        return check(item)


class Template(Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return check(super()._deserialize(value, attr, data, **kwargs))


class PathText(Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        parse_path(text)
        return text


class RateLimit(Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_many(text)
        except ValueError:
            raise ValidationError("expected e.g. 60/minute") from None
        return text


class HeaderName(Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not HEADER_NAME.fullmatch(text):
            raise ValidationError("must be a header name")
        return text


class Rules(fields.Field):
    """The ordered rules (``schemas.hook_rules``): a JSON array, or ``rules[]=`` once per
    rule with the rule as JSON text; each checked whole."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        found = json_value(value)
        if isinstance(found, list):
            found = [json_value(rule) for rule in found]
        if not isinstance(found, list) or not 1 <= len(found) <= MAX_RULES:
            raise RuleInvalid(details=f"rules: a JSON array of 1 to {MAX_RULES} rules")
        return [self.rule(rule, index) for index, rule in enumerate(found)]

    @staticmethod
    def rule(given: Any, index: int) -> dict[str, Any]:
        rule = check_rule(given, index)
        for key, field in (("fixed", JsonObject()), ("mapping", Mapping())):
            try:
                rule[key] = field.deserialize(rule[key])
            except (ValidationError, InvalidValue) as err:
                text = err.details if isinstance(err, InvalidValue) else err.messages[0]
                raise RuleInvalid(details=f"rules[{index}].{key}: {text}") from None
        both = sorted(set(rule["fixed"]) & set(rule["mapping"]))
        if both:
            raise RuleInvalid(details=f"rules[{index}]: {both[0]} is fixed or mapped, not both")
        return rule


class Signed(Text):
    """A signed-string template: literal text, ``{body}``, ``{$headers.Name}``, ``{name}``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        rest = PLACEHOLDER.sub("", text)
        if "{" in rest or "}" in rest:
            raise ValidationError("placeholders are {body}, {$headers.Name} or {name} (an "
                                  "element of the signature header)")
        if self.name == "signed" and "{body}" not in text:
            raise ValidationError("the signed string must contain {body}")
        return text


class HookFields(Params):
    """``target`` is the action each call runs (``action`` names the API's own action), or
    ``rules`` choose it per call."""

    name = Text(max_length=200)
    target = Text(max_length=100)
    rules = Rules()
    fixed = JsonObject()
    mapping = Mapping()
    for_each = PathText(max_length=500)
    max_items = fields.Integer(strict=False, validate=validate.Range(1, MAX_ITEMS))
    delivery_id = Template(max_length=500)
    verify = Choice(SIGNATURES)
    signature_header = HeaderName(max_length=100)
    signature_prefix = Text(max_length=50)
    signature_encoding = Choice(("hex", "base64"))
    signature_algorithm = Choice(("sha256", "sha1"))
    signed = Signed(max_length=500)
    timestamp = Signed(max_length=200)
    secret = Text(max_length=200)
    rate_limit = RateLimit(max_length=100)

    @validates_schema
    def target_or_rules(self, data: dict[str, Any], **_: Any) -> None:
        if "rules" in data and {"target", "fixed", "mapping"} & set(data):
            raise InvalidValue("A hook has rules, or one target with its fixed and mapping",
                               details="rules")


class AddInboundHookIn(HookFields):
    name = Text(max_length=200, required=True)

    @validates_schema
    def needs_target(self, data: dict[str, Any], **_: Any) -> None:
        if "rules" not in data and "target" not in data:
            raise FieldRequired(details="target")


class InboundHookIdIn(Params):
    id = Id(required=True)


class UpdateInboundHookIn(InboundHookIdIn, HookFields):
    rotate_token = Flag(load_default=False)


class GetInboundHookCallsIn(InboundHookIdIn, PagedIn):
    """Always a page (50 calls unless ``limit`` says otherwise) with the ``total``."""

    page = fields.Integer(strict=False, validate=validate.Range(1, 1_000_000))
    limit = fields.Integer(strict=False, load_default=50, validate=validate.Range(1, 500))


class JsonAny(fields.Field):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return json_value(value)


class StringMap(fields.Field):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, str]:
        found = json_value(value)
        if not isinstance(found, dict):
            raise ValidationError("must be an object")
        return {str(k): str(v) for k, v in found.items()}


class TestInboundHookIn(InboundHookIdIn):
    payload = JsonAny()
    query = StringMap()
    headers = StringMap()


def definer(hook: Any) -> dict[str, str]:
    if hook.key_id is not None:
        return {"key": hook.key.family}
    if hook.user_id is not None:
        return {"user": hook.user.email}
    return {}


def has_rules(hook: Any) -> bool:
    return hook.rules not in ("", "[]")


def generic(name: str) -> fields.Function:
    """A setting of the generic HMAC check, shown where it applies."""
    return fields.Function(lambda hook: (getattr(hook, name) or None)
                           if hook.verify == HMAC else None)


class InboundHookOut(Out):
    OPTIONAL = ("target", "fixed", "mapping", "rules", "for_each", "delivery_id",
                "signature_header", "signature_prefix",
                "signature_encoding", "signature_algorithm", "signed", "timestamp")

    id = StrId()
    name = fields.String()
    target = fields.Function(lambda hook: None if has_rules(hook) else hook.action)
    fixed = fields.Function(lambda hook: None if has_rules(hook) else hook.fixed_params)
    mapping = fields.Function(lambda hook: None if has_rules(hook) else hook.templates)
    rules = fields.Function(lambda hook: hook.rule_list if has_rules(hook) else None)
    for_each = fields.String()
    max_items = fields.Integer()
    delivery_id = fields.String()
    verify = fields.String()
    signature_header = fields.Function(
        lambda hook: hook.signature_header if hook.verify in ("hmac-sha256", TOKEN, HMAC)
        else None)
    signature_prefix = generic("signature_prefix")
    signature_encoding = generic("signature_encoding")
    signature_algorithm = generic("signature_algorithm")
    signed = generic("signed")
    timestamp = generic("timestamp")
    rate_limit = fields.String()
    defined_by = fields.Function(definer)
    date_added = fields.Function(lambda hook: datetime_out(hook.created))


class InboundHookCallOut(Out):
    OPTIONAL = ("delivery", "error", "notes")

    id = StrId()
    id_hook = StrId(attribute="hook_id")
    date = fields.Function(lambda call: call.date.strftime("%Y-%m-%d %H:%M:%S"))
    delivery = fields.String()
    outcome = fields.String()
    http_status = fields.Integer()
    params = fields.Function(lambda call: mask(json.loads(call.params)))
    answer = fields.Function(lambda call: mask(json.loads(call.answer)) if call.answer else None)
    error = fields.String()
    notes = fields.String()
