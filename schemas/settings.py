"""Input and output schemas of the account settings (``models.settings.SETTINGS``), and the
check of a value against its setting's kind."""

from __future__ import annotations

import zoneinfo
from typing import Any

from marshmallow import fields

from models.settings import SETTINGS, Definition
from schemas.base import Flag, Params, Text
from schemas.envelope import InvalidValue
from schemas.paging import PagedIn


class UnknownSetting(InvalidValue):
    message = "Setting is unknown"


class ReadOnlySetting(InvalidValue):
    message = "Setting is read-only"


class GetSettingsIn(PagedIn):
    name = Text(max_length=64)


class UpdateSettingIn(Params):
    """``value`` is text, a JSON number or a JSON boolean; ``none`` (or ``null``) unsets an
    optional setting back to its default."""

    name = Text(max_length=64, required=True)
    value = fields.Raw(required=True)


def definition_of(name: str, writing: bool = False) -> Definition:
    definition = SETTINGS.get(name)
    if definition is None:
        raise UnknownSetting(details=name)
    if writing and definition.read_only:
        raise ReadOnlySetting(details=name)
    return definition


def checked_value(name: str, value: Any) -> Any:
    """``value`` as its setting's kind; code 11 naming the setting when it is not one."""
    definition = definition_of(name, writing=True)
    text = str(value).strip()
    if definition.default is None and text.lower() in ("none", "null"):
        return None
    try:
        return PARSERS[definition.kind](text, value, definition)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise InvalidValue(f"Invalid {name}: {KIND_NAMES[definition.kind]}",
                           details=name) from None


def as_int(text: str, value: Any, definition: Definition) -> int:
    if isinstance(value, bool) or not (text.isascii() and text.lstrip("-").isdigit()):
        raise ValueError(text)
    number = int(text)
    if not definition.low <= number <= definition.high:
        raise ValueError(text)
    return number


def as_bool(text: str, value: Any, definition: Definition) -> bool:
    try:
        return Flag().deserialize(value)
    except Exception:  # marshmallow's ValidationError
        raise ValueError(text) from None


def as_timezone(text: str, value: Any, definition: Definition) -> str:
    if not text or "." in text or text.startswith("/"):
        raise ValueError(text)
    zoneinfo.ZoneInfo(text)
    return text


def as_string(text: str, value: Any, definition: Definition) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or len(text) > 500:
        raise ValueError(text)
    return text


def as_id(text: str, value: Any, definition: Definition) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
        raise ValueError(text)
    return int(text)


PARSERS = {"int": as_int, "bool": as_bool, "timezone": as_timezone, "string": as_string,
           "id": as_id}
KIND_NAMES = {"int": "must be a whole number in range", "bool": "must be 1 or 0",
              "timezone": "must be an IANA time zone such as Europe/Kyiv",
              "string": "must be text of at most 500 characters", "id": "must be a numeric id"}


def setting_out(name: str, value: Any) -> dict[str, Any]:
    definition = SETTINGS[name]
    shown = int(value) if definition.kind == "bool" else value
    default = int(definition.default) if definition.kind == "bool" else definition.default
    out = {"name": name, "value": shown, "type": definition.kind,
           "read_only": int(definition.read_only), "default": default, "doc": definition.doc}
    if definition.kind == "int":
        out.update(min=definition.low, max=definition.high)
    return out
