"""Input and output schemas of inbound hooks and the calls they received."""

from __future__ import annotations

import json
import re
from typing import Any

from limits import parse_many
from marshmallow import ValidationError, fields, validate

from models.inbound_hooks import MAX_ITEMS, SIGNATURES
from schemas.base import Choice, Flag, Id, Out, Params, StrId, Text, datetime_out
from schemas.hook_templates import check, parse_path
from schemas.paging import PagedIn
from schemas.secrets import mask

HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,100}")
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\[\]]{0,99}")
MAX_PARAMS = 50


def json_value(value: Any) -> Any:
    """A JSON value given as itself (a JSON body) or as JSON text (a query or a form)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValidationError("must be JSON") from None
    return value


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


class HookFields(Params):
    """``target`` is the action each call runs (``action`` names the API's own action)."""

    name = Text(max_length=200)
    target = Text(max_length=100)
    fixed = JsonObject()
    mapping = Mapping()
    for_each = PathText(max_length=500)
    max_items = fields.Integer(strict=False, validate=validate.Range(1, MAX_ITEMS))
    delivery_id = Template(max_length=500)
    verify = Choice(SIGNATURES)
    signature_header = HeaderName(max_length=100)
    secret = Text(max_length=200)
    rate_limit = RateLimit(max_length=100)


class AddInboundHookIn(HookFields):
    name = Text(max_length=200, required=True)
    target = Text(max_length=100, required=True)


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


class InboundHookOut(Out):
    OPTIONAL = ("for_each", "delivery_id", "signature_header")

    id = StrId()
    name = fields.String()
    target = fields.String(attribute="action")
    fixed = fields.Function(lambda hook: hook.fixed_params)
    mapping = fields.Function(lambda hook: hook.templates)
    for_each = fields.String()
    max_items = fields.Integer()
    delivery_id = fields.String()
    verify = fields.String()
    signature_header = fields.Function(
        lambda hook: hook.signature_header if hook.verify == "hmac-sha256" else None)
    rate_limit = fields.String()
    defined_by = fields.Function(definer)
    date_added = fields.Function(lambda hook: datetime_out(hook.created))


class InboundHookCallOut(Out):
    OPTIONAL = ("delivery", "error")

    id = StrId()
    id_hook = StrId(attribute="hook_id")
    date = fields.Function(lambda call: call.date.strftime("%Y-%m-%d %H:%M:%S"))
    delivery = fields.String()
    outcome = fields.String()
    http_status = fields.Integer()
    params = fields.Function(lambda call: mask(json.loads(call.params)))
    answer = fields.Function(lambda call: mask(json.loads(call.answer)) if call.answer else None)
    error = fields.String()
