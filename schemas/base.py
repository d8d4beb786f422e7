"""The base of every input schema and the Worksection field types, defined once.

Parameters reach a schema as a flat dict merged from the query string and the body, so values
may be strings (query, form) or JSON numbers, lists and booleans (the 2026 clients' JSON
bodies). Each field type accepts every spelling real clients send.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, pre_load, validate

from models.usertasks import as_uuid, task_id_of
from schemas.envelope import InvalidEmail, InvalidValue, PageInvalid, TaskInvalid

TITLE_MAX = 500
TEXT_MAX = 1_000_000

# At most 254 characters (RFC 5321), so that every valid address also fits its column.
EMAIL_PART = r"[^@\s,;<>()\[\]\"']+"
EMAIL_RE = re.compile(rf"^(?=.{{3,254}}$){EMAIL_PART}@{EMAIL_PART}\.{EMAIL_PART}$")


class Params(Schema):
    """Base input schema: ignores unknown keys (``action``, ``hash``, client extras) and treats
    an empty value as an absent one, as Worksection does (``email=`` is "Field is required")."""

    KEEP_EMPTY: tuple[str, ...] = ()  # parameters whose empty value means "clear it"

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict):
            raise ValidationError("Parameters must be an object")
        data = {k: v for k, v in data.items()
                if k in self.KEEP_EMPTY or v not in ("", None, [], {})}
        if "task_uid" in data and "id_task" in self.fields:
            data = address_from_uid(data)
        return address_from_page(data, self.fields) if "page" in data else data


def address_from_uid(data: dict[str, Any]) -> dict[str, Any]:
    """UserTasks addressing: ``task_uid``, the UUID a client gave its task, for ``id_task``."""
    uid = as_uuid(data.pop("task_uid"))
    if uid is None:
        raise InvalidValue("Invalid task_uid: not a UUID", details="task_uid")
    found = task_id_of(uid)
    if found is None or str(data.setdefault("id_task", found)) != str(found):
        raise TaskInvalid(details="task_uid")
    return data


PAGE_LINK = re.compile(r"/project/(\d+)/(?:(\d+)/(?:(\d+)/)?)?")


def address_from_page(data: dict[str, Any], declared: Any) -> dict[str, Any]:
    """Legacy addressing: ``page=/project/P/[T/[S/]]`` stands for ``id_project``/``id_task``
    (the last task id of the link) in schemas that take them."""
    page = data["page"]
    if not isinstance(page, str) or not page.startswith("/"):
        return data
    match = PAGE_LINK.fullmatch(page if page.endswith("/") else page + "/")
    if match is None:
        raise PageInvalid(details=page)
    project, task, subtask = match.groups()
    if "id_project" in declared:
        data.setdefault("id_project", project)
    if "id_task" in declared and (subtask or task):
        data.setdefault("id_task", subtask or task)
    if "id_parent" in declared and task and "id_task" not in declared:
        data.setdefault("id_parent", subtask or task)
    return data


class Text(fields.String):
    """A string parameter; JSON numbers are taken as their text. Length-limited."""

    def __init__(self, *, max_length: int = TITLE_MAX, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(max=max_length,
                                                  error=f"longer than {max_length} characters"),
                         **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float, decimal.Decimal)):
            raise ValidationError("must be a string")
        return str(value).strip()


def LongText(**kwargs: Any) -> Text:  # noqa: N802 - a field factory reads like a field class
    return Text(max_length=TEXT_MAX, **kwargs)


class Id(fields.Integer):
    """A positive numeric id, given as a number or a string of digits."""

    def __init__(self, **kwargs: Any) -> None:
        positive = validate.Range(min=1, error="must be a positive id")
        storable = validate.Range(max=2**63 - 1, error="is too large for an id")  # SQL BIGINT
        super().__init__(strict=False, validate=[positive, storable], **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, str) and not value.strip().isdigit()):
            raise ValidationError("must be a numeric id")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Field):
    """A Worksection 0/1 switch; also accepts true/false."""

    TRUE = {"1", "true", "yes", "on"}
    FALSE = {"0", "false", "no", "off"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError("must be 1 or 0")


class Email(fields.Field):
    """One email address; a list of them (``a@x,b@x``) is an invalid email, code 11."""

    api_error = InvalidEmail

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = str(value).strip()
        if not EMAIL_RE.match(text):
            raise ValidationError("not a valid email address")
        return text.lower()


class EmailList(fields.Field):
    """Emails as a JSON array or a comma-separated string."""

    api_error = InvalidEmail

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = split_list(value)
        bad = [item for item in items if not EMAIL_RE.match(item)]
        if bad:
            raise ValidationError(f"not a valid email address: {','.join(bad)}")
        return list(dict.fromkeys(item.lower() for item in items))


class StringList(fields.Field):
    """Strings as a JSON array, PHP brackets (``x[]=a``) or a comma-separated string."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = split_list(value)
        if any(len(item) > TITLE_MAX for item in items):
            raise ValidationError(f"longer than {TITLE_MAX} characters")
        return items


class Lines(fields.Field):
    """A list whose items may contain commas (``todo[]``): a bare string is one item."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, (str, int, float)) for item in items):
            raise ValidationError("must be a list of strings")
        return [str(item).strip() for item in items if str(item).strip()]


class IdList(fields.Field):
    """Numeric ids as a JSON array or a comma-separated string."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[int]:
        items = split_list(value)
        if not all(item.isdigit() and 0 < int(item) < 2**63 for item in items):
            raise ValidationError("must be a list of numeric ids")
        return [int(item) for item in items]


class Words(fields.Field):
    """A comma list of keywords (``extra=text,files``); unknown words are ignored, as
    Worksection ignores them."""

    def __init__(self, allowed: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed = allowed

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> set[str]:
        return {word.lower() for word in split_list(value)} & self.allowed


class WsDate(fields.Field):
    """A date as ``DD.MM.YYYY`` (Worksection) or ``YYYY-MM-DD``."""

    FORMATS = ("%d.%m.%Y", "%Y-%m-%d")

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.date:
        text = str(value).strip()
        if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}|\d{4}-\d{2}-\d{2}", text):
            for fmt in self.FORMATS:
                try:
                    return dt.datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
        raise ValidationError(f"{text!r} is not a date in the DD.MM.YYYY format")


class Amount(fields.Field):
    """A non-negative decimal amount (money, hours), exact: never a float."""

    def __init__(self, *, places: int = 2, maximum: int = 10**12, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.places, self.maximum = places, maximum

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> decimal.Decimal:
        text = str(value).strip().replace(",", ".")
        if isinstance(value, bool) or not re.fullmatch(r"\d+(\.\d+)?", text):
            raise ValidationError("must be a non-negative number")
        amount = decimal.Decimal(text)
        if amount > self.maximum:
            raise ValidationError(f"must not exceed {self.maximum}")
        return amount.quantize(decimal.Decimal(1).scaleb(-self.places),
                               rounding=decimal.ROUND_HALF_UP)


def split_list(value: Any) -> list[str]:
    """Items of a list parameter: a JSON array, or a comma-separated string."""
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, (dict, list, bool)) or item is None:
                raise ValidationError("must be a list of values")
            items.extend(split_list(item) if isinstance(item, str) else [str(item)])
        return items
    if isinstance(value, (dict, bool)):
        raise ValidationError("must be a list of values")
    return [part.strip() for part in str(value).split(",") if part.strip()]



class Out(Schema):
    """Base output schema: keys named in ``OPTIONAL`` are left out when unset, as Worksection
    omits them; ids go out as strings."""

    OPTIONAL: tuple[str, ...] = ()

    @post_dump
    def omit_unset(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        for key in self.OPTIONAL:
            if data.get(key) in ("", None):
                data.pop(key, None)
        return data


class StrId(fields.Field):
    """An integer id, written as a string ("3993")."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class Number(fields.Field):
    """A decimal written as a JSON number (an integer when whole)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> int | float | None:
        if value is None:
            return None
        number = decimal.Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)


def datetime_out(value: dt.date | None) -> str:
    """``YYYY-MM-DD HH:MM`` ("" unset; a date at midnight), Worksection's format for moments,
    by ``isoformat``: a third of ``strftime``'s cost; years before 1000 as SQLite stores them."""
    if not value:
        return ""
    text = value.isoformat(" ", "minutes") if isinstance(value, dt.datetime) else f"{value} 00:00"
    return text[:16]


def date_out(value: dt.date | None) -> str:
    """``YYYY-MM-DD``, Worksection's format for days."""
    return value.isoformat()[:10] if value else ""


class Choice(fields.Field):
    """One of a fixed set of lowercase words, matched case-insensitively."""

    def __init__(self, choices: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        word = str(value).strip().lower()
        if word not in self.choices:
            raise ValidationError(f"must be one of {', '.join(self.choices)}")
        return word
