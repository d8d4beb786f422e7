"""Input and output schemas of custom fields and of the values tasks and projects carry."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validates, validates_schema

from models.custom_fields import FIELD_TYPES
from schemas.base import (
    TITLE_MAX,
    Choice,
    Email,
    Flag,
    Id,
    LongText,
    Number,
    Out,
    Params,
    StrId,
    Text,
    WsDate,
    date_out,
)
from schemas.envelope import ApiError, FieldRequired, InvalidEmail, InvalidValue
from schemas.members import user_ref

ID_KEY = re.compile(r"[1-9][0-9]{0,17}")
NUMBER_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
MAX_DIGITS, MAX_DECIMALS = 15, 6  # exact as a SQLite REAL and as the NUMERIC column


class Options(fields.Field):
    """The choices of a select field: a JSON array (items may hold commas), ``options[]=``
    brackets, or a comma-separated string."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        if isinstance(value, str) and value.lstrip().startswith("["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValidationError("is not a valid JSON array") from None
        if isinstance(value, list):
            if not all(isinstance(item, (str, int, float)) and not isinstance(item, bool)
                       for item in value):
                raise ValidationError("must be a list of strings")
            items = [str(item).strip() for item in value]
        elif isinstance(value, str):
            items = [part.strip() for part in value.split(",")]
        else:
            raise ValidationError("must be a list of strings")
        items = list(dict.fromkeys(item for item in items if item))
        if not items:
            raise ValidationError("must name at least one option")
        if any(len(item) > TITLE_MAX for item in items):
            raise ValidationError(f"longer than {TITLE_MAX} characters")
        return items


class CustomValues(fields.Field):
    """Values of custom fields by field id: a JSON object ``{"12": "High"}`` (also as the
    text of one) or ``custom_fields[12]=High``; an empty value clears the field."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[int, Any]:
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValidationError("is not a valid JSON object") from None
        if not isinstance(value, dict):
            raise ValidationError('must be an object of {"<field id>": value}')
        if not all(isinstance(key, str) and ID_KEY.fullmatch(key) for key in value):
            raise ValidationError("keys must be custom field ids")
        if not all(item is None or isinstance(item, (str, int, float)) for item in value.values()):
            raise ValidationError("values must be strings, numbers or null")
        return {int(key): item for key, item in value.items()}


class NumberValue(fields.Field):
    """A decimal number (JSON number or text, ``.`` or ``,`` before the decimals): at most
    15 digits, 6 of them after the point."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        text = str(value).strip().replace(",", ".")
        if isinstance(value, bool) or not NUMBER_RE.fullmatch(text):
            raise ValidationError("must be a number")
        whole, _, decimals = text.lstrip("+-").partition(".")
        whole, decimals = whole.lstrip("0"), decimals.rstrip("0")
        if len(decimals) > MAX_DECIMALS or len(whole) + len(decimals) > MAX_DIGITS:
            raise ValidationError(f"must have at most {MAX_DIGITS} digits, {MAX_DECIMALS} "
                                  "after the point")
        return Decimal(text)


# How a value of each type is read (a user's email is looked up by the handler).
VALUE_FIELDS = {"string": Text(), "text": LongText(), "number": NumberValue(), "date": WsDate(),
                "select": Text(), "checkbox": Flag(), "user": Email()}


def load_value(field: Any, raw: Any) -> Any:
    """The value ``raw`` given for ``field``, checked against its type (and options)."""
    name = f"custom_fields[{field.id}]"
    try:
        value = VALUE_FIELDS[field.type].deserialize(raw)
    except ValidationError as err:
        if field.type == "user":
            raise InvalidEmail(details=str(raw)) from None
        raise InvalidValue(f"Invalid {name}: {err.messages[0].rstrip('.')}",
                           details=name) from None
    if field.type == "select":
        return option_named(field, value, name)
    return value


def option_named(field: Any, value: str, name: str) -> str:
    """One of the field's options, as it spells it (matched ignoring case)."""
    for option in field.options:
        if option.casefold() == value.casefold():
            return option
    raise InvalidValue(f"Invalid {name}: must be one of {', '.join(field.options)}",
                       details=name)


class OptionsRefused(ApiError):
    status_code, message = 11, "Invalid options: only a select field has options"


class FieldNameIn(Params):
    name = Text()
    descr = LongText()
    options = Options()

    @validates("name")
    def name_not_blank(self, value: str, **_: Any) -> None:
        if not value:  # only spaces: Text strips them
            raise FieldRequired(details="name")


class AddCustomFieldIn(FieldNameIn):
    """Taskgate extension: ``type`` is one of ``FIELD_TYPES`` (string by default);
    ``options`` are required by a select field and refused by every other."""

    name = Text(required=True)
    type = Choice(FIELD_TYPES, load_default="string")

    @validates_schema
    def options_fit_the_type(self, data: dict[str, Any], **_: Any) -> None:
        if data["type"] == "select" and "options" not in data:
            raise FieldRequired(details="options")
        if data["type"] != "select" and "options" in data:
            raise OptionsRefused()


class UpdateCustomFieldIn(FieldNameIn):
    """Taskgate extension: the type of a field does not change."""

    id = Id(required=True)


class CustomFieldIdIn(Params):
    id = Id(required=True)


class CustomFieldOut(Out):
    id = StrId()
    type = fields.String()
    name = fields.String()
    descr = fields.String()
    options = fields.Function(lambda field: field.options)


number = Number()


def plain_value(row: Any) -> Any:
    """A stored value as the API writes it: numbers as JSON numbers, dates ``YYYY-MM-DD``,
    checkboxes 1/0, users as ``{id, email, name}``."""
    kind = row.field.type
    if kind == "number":
        return number.serialize("value_number", row)
    if kind == "date":
        return date_out(row.value_date)
    if kind == "checkbox":
        return int(row.value_flag)
    if kind == "user":
        return user_ref(row.value_user)
    return row.value_text


def value_text(row: Any) -> str:
    """A stored value as a person reads it (the ``text`` of an event)."""
    kind = row.field.type
    if kind == "number":
        return format(row.value_number.normalize(), "f")
    if kind == "checkbox":
        return "Yes" if row.value_flag else "No"
    if kind == "user":
        return row.value_user.name or row.value_user.email
    return plain_value(row)


def value_out(row: Any) -> dict[str, Any]:
    """A value inside a task or project: ``{id, type, name, value}``."""
    field = row.field
    return {"id": str(field.id), "type": field.type, "name": field.name,
            "value": plain_value(row)}


def event_value(field: Any, row: Any | None) -> dict[str, Any]:
    """A value in an event's ``new``/``old``: ``{id, name, type, value, text}`` ("" unset)."""
    return {"id": str(field.id), "name": field.name, "type": field.type,
            "value": "" if row is None else plain_value(row),
            "text": "" if row is None else value_text(row)}
