"""An action's parameters as the docs page shows them (formats people read, not regular
expressions), and its "try it" form: which values come from the caller's own install."""

from __future__ import annotations

import json
import re
from typing import Any

from marshmallow import fields

from actions.gateway.examples import as_text, query_text
from actions.registry import Action
from schemas.base import Amount, Email, EmailList, Flag, Id, IdList, Lines, StringList, WsDate
from schemas.costs import Duration
from schemas.events import Period
from schemas.filters import Filter
from schemas.tasks import Executive

CODE_SPAN = re.compile(r"``?([^`]+)``?")
BIG = 2**31  # an id's bound (2^63 - 1) says nothing to a reader
LIMITS = (("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
          ("minimum", "at least {}"), ("maximum", "at most {}"))
READABLE: dict[type[fields.Field], str] = {
    WsDate: "DD.MM.YYYY (or YYYY-MM-DD)",
    Amount: "a decimal: 12.50 (or 12,50)",
    Duration: "H:MM or hours: 1:30, 1.5",
    Period: "a number and m, h or d: 30m, 12h, 7d",
    IdList: "ids, comma-separated: 1,2,3",
    Email: "an email: name@example.com",
    EmailList: "emails, comma-separated: a@example.com,b@example.com",
    Flag: "1 (yes) or 0 (no)",
    Filter: "an expression (see Filters)",
    Id: "an id (a whole number)",
    Executive: "an email, ANY (anyone) or NOONE (nobody)",
    StringList: "comma-separated: a,b",
    Lines: "one item each: name[]=a&name[]=b",
}
# Where "try it" takes a value from the caller's install (the first project, task, user).
FROM_INSTALL = {"id_project": "project", "fixed[id_project]": "project", "projects": "project",
                "id_task": "task", "email_user_from": "user", "email_user_to": "user",
                "email_user": "user", "email_manager": "user", "members": "user",
                "users": "user", "subscribe": "user", "hidden": "user", "mention": "user",
                "assignees": "user", "data": "user-inside"}
UNKNOWN_IDS = {"timer", "task_uids"}  # ids of things no first-row lookup finds


def field_of(spec_action: Action, key: str) -> fields.Field | None:
    return next((field for name, field in spec_action.schema.fields.items()
                 if (field.data_key or name) == key), None)


def readable(field: fields.Field | None) -> str:
    for cls in type(field).__mro__:
        if cls in READABLE:
            return READABLE[cls]
    return ""


def takes_email(field: fields.Field) -> bool:
    return isinstance(field, (Email, EmailList))


def parameter(spec_action: Action, key: str, prop: dict[str, Any],
              required: bool) -> dict[str, Any]:
    kind = prop.get("type", "")
    if isinstance(kind, list):  # ["integer", "null"]: null is "not given" to a reader
        kind = " or ".join(str(one) for one in kind if one != "null")
    if kind == "array":
        kind = f"array of {prop.get('items', {}).get('type', 'values')}"
    facts = [text.format(prop[limit]) for limit, text in LIMITS
             if limit in prop and abs(prop[limit]) < BIG]
    if "enum" in prop:
        facts.append("one of " + ", ".join(str(value) for value in prop["enum"]))
    if "default" in prop:
        facts.append(f"default {json.dumps(prop['default'])}")
    shown = [readable(field_of(spec_action, key))] + facts
    return {"name": key, "type": kind, "required": required,
            "format": "; ".join(text for text in shown if text),
            "description": prop.get("description", "")}


def source(key: str) -> str:
    """Where try-it takes the value of this parameter: the install (project, task, user), nowhere
    (an id the caller types: ``blank``) or the recorded example (``""``)."""
    if key in FROM_INSTALL:
        return FROM_INSTALL[key]
    return "blank" if key.startswith("id") or key in UNKNOWN_IDS else ""


def try_form(spec_action: Action, shown: dict[str, Any], required: set[str]) -> dict[str, Any]:
    """The try-it query before the caller's data is known (values from the install left empty)
    and what the page fills in: ``[name, example value, source, required]``."""
    fill = [[key, as_text(value), source(key), key in required] for key, value in shown.items()]
    before = {key: "" if where not in ("", "user-inside") else value
              for key, value, where, needed in fill if needed or where in ("", "user-inside")}
    return {"query": query_text({"action": spec_action.name, **before}),
            "fill": json.dumps(fill, ensure_ascii=False)}
