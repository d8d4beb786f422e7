"""No silent no-ops: a parameter an action accepts is applied (or refused with code 11), never
dropped while the answer says ``ok``.

Two checks keep that honest. Every field an action's schema declares is named (as a string)
somewhere in the code its handler can reach: the handler, the functions and constants it uses,
transitively, and the schema's own hooks. And every parameter Worksection's Postman requests
send to an action is declared by its schema (an undeclared one would be excluded silently,
as ``time_start``/``time_end`` were). A parameter that is read nowhere fails the first; the
fix is to apply it or to refuse it with ``InvalidValue`` naming it.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from actions.registry import ACTIONS

IDENT = re.compile(r"[A-Za-z_]\w*")
OURS = ("actions.", "schemas.")
COLLECTION = next((p for p in (
    folder / "shared" / "spec" / "postman" / "ws_client_api_postman_collection.json"
    for folder in Path(__file__).resolve().parents[3:5]) if p.exists()), None)
ALWAYS = {"action", "hash"}


def reachable_text(fn: Any, seen: set[Any]) -> str:
    """The source of ``fn`` and of every function, class and constant of ours it names."""
    if fn in seen:
        return ""
    seen.add(fn)
    try:
        text = inspect.getsource(fn)
    except (OSError, TypeError):
        return ""
    names = getattr(fn, "__globals__", None) or vars(sys.modules[fn.__module__])
    for ident in set(IDENT.findall(text)):
        value = names.get(ident)
        if isinstance(value, (dict, tuple, list, set, frozenset)):
            text += repr(value)
        elif (isinstance(value, (types.FunctionType, type))
              and getattr(value, "__module__", "").startswith(OURS)):
            text += reachable_text(value, seen)
    return text


def handled_text(name: str) -> str:
    spec = ACTIONS[name]
    text = reachable_text(spec.handler, set())
    for cls in type(spec.schema).__mro__:
        if cls.__module__.startswith("schemas."):
            text += inspect.getsource(cls)
    return text


def declared(name: str) -> dict[str, str]:
    """Loaded name → parameter name of every input field (``options.*`` flags are gathered
    into ``options`` by their schema)."""
    return {field_name: field.data_key or field_name
            for field_name, field in ACTIONS[name].schema.fields.items()
            if not field.dump_only and not field_name.startswith("option_")}


def parameters(name: str) -> set[str]:
    return {field.data_key or field_name
            for field_name, field in ACTIONS[name].schema.fields.items() if not field.dump_only}


CANONICAL = sorted(name for name, spec in ACTIONS.items() if spec.canonical == name)


@pytest.mark.parametrize("name", CANONICAL)
def test_every_declared_parameter_is_read_by_its_handler(name):
    text = handled_text(name)
    unread = [param for field_name, param in declared(name).items()
              if not re.search(rf"[\"']{re.escape(field_name)}[\"']", text)]
    assert unread == [], f"{name} accepts {unread} and never reads them"


def test_the_check_catches_a_parameter_nobody_reads(monkeypatch):
    from marshmallow import fields

    schema = ACTIONS["get_users"].schema
    monkeypatch.setitem(schema.fields, "colour_scheme", fields.String())
    assert "colour_scheme" in declared("get_users")
    assert not re.search(r"[\"']colour_scheme[\"']", handled_text("get_users"))


def postman_parameters() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    stack = list(json.loads(COLLECTION.read_text())["item"]) if COLLECTION else []
    while stack:
        item = stack.pop(0)
        stack[:0] = item.get("item", [])
        requests = [item.get("request", {})] + [r["originalRequest"]
                                                 for r in item.get("response", [])]
        for request in requests:
            body = request.get("body") or {}
            parts = body.get(body.get("mode") or "", [])
            for part in request.get("url", {}).get("query", []) + (
                    parts if isinstance(parts, list) else []):
                found.setdefault(item["name"], set()).add(re.sub(r"\[.*\]$", "", part["key"]))
    return {name: keys for name, keys in found.items() if "item" not in keys}


@pytest.mark.skipif(COLLECTION is None, reason="the Postman collection is not there")
def test_every_postman_parameter_is_declared():
    undeclared = {name: sorted(keys - ALWAYS - parameters(name))
                  for name, keys in postman_parameters().items()}
    assert {name: keys for name, keys in undeclared.items() if keys} == {}
