"""The recorded example of every action (``static/examples.json``, made by real calls in
``tests/gateway/test_docs_examples.py``) and the answer schemas inferred from them."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

EXAMPLES_FILE = Path(__file__).parent / "static" / "examples.json"
ID_FIELDS = ("id_task", "id_project", "id_comment", "id_costs", "id_file", "id", "timer")
MISSING_ID = 999999


@functools.cache
def examples() -> dict[str, Any]:
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))


def query_text(params: dict[str, Any]) -> str:
    """The query string a client sends (and signs) for these parameters, PHP-style."""
    return "&".join(f"{quote_plus(str(k))}={quote_plus(as_text(v))}" for k, v in params.items())


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def schema_of(value: Any) -> dict[str, Any]:
    """A JSON schema that the value fits, as loose as one example allows: every key optional,
    unknown keys allowed, numbers as numbers, nulls untyped."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, (int, float)):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, list):
        kinds = [schema_of(item) for item in value]
        return {"type": "array", "items": functools.reduce(merge, kinds) if kinds else {}}
    if isinstance(value, dict):
        return {"type": "object",
                "properties": {key: schema_of(item) for key, item in value.items()}}
    return {}


# Keys whose type one example cannot tell: a setting's value and default are of its own type
# (text, a number, none).
POLYMORPHIC = {"get_settings": ("value", "default", "min", "max"),
               "update_setting": ("value", "default", "min", "max")}


def untyped(schema: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The schema with the named object keys, at any depth, fitting any value."""
    if not keys or not schema:
        return schema
    if schema.get("type") == "array":
        return {**schema, "items": untyped(schema["items"], keys)}
    if schema.get("type") == "object":
        return {**schema, "properties": {key: {} if key in keys else untyped(prop, keys)
                                         for key, prop in schema["properties"].items()}}
    return schema


def merge(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """The schema of items that fit either (list items of the same kind share keys); an
    untyped schema (a null was seen) fits anything, and so does a mix of types."""
    if not one or not other or one.get("type") != other.get("type"):
        return {}
    if one["type"] == "object":
        properties = dict(one["properties"])
        for key, prop in other["properties"].items():
            properties[key] = merge(properties[key], prop) if key in properties else prop
        return {"type": "object", "properties": properties}
    return one


def answer_schema(name: str) -> dict[str, Any]:
    """The success envelope of an action, typed from its recorded answer."""
    answer = examples()[name]["answer"]
    if "status" not in answer:  # download: the file itself
        return {"type": "string", "format": "binary"}
    body = untyped(schema_of(answer), POLYMORPHIC.get(name, ()))
    body["properties"]["status"] = {"type": "string", "enum": ["ok"]}
    return {**body, "required": ["status"]}
