"""The docs page (``/docs``): every action by resource with its parameters, a real example
request and answer, its error codes; the signing schemes worked through; the filter language;
a signer and "try it" that run in the page (its script and style are inline: no CDN)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from flask import render_template
from markupsafe import Markup, escape

from actions.gateway import catalogue
from actions.gateway.examples import examples, query_text
from actions.gateway.roles import TOKEN_ONLY
from actions.registry import ACTIONS, Action
from schemas import filter_syntax
from schemas.base import Email, EmailList
from schemas.envelope import BadHash, FieldRequired, InvalidEmail, InvalidValue, TokenInvalid
from schemas.filters import Filter

STATIC = Path(__file__).parent / "static"
SAMPLE_KEY = "7776461cd931e7b1c8e9632ff8e979ce"  # the key of the worked examples (no real one)
LIMITS = (("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
          ("minimum", "at least {}"), ("maximum", "at most {}"))


def render(spec: dict[str, Any]) -> str:
    schemas = spec["components"]["schemas"]
    groups = {group: [entry(ACTIONS[name], schemas) for name in names]
              for group, names in catalogue.grouped().items()}
    return render_template("docs.html", spec=spec, groups=groups, count=len(ACTIONS),
                           signing=signing_examples(), filters=filter_language(),
                           inline=inline_assets(), code=code_spans)


@functools.cache
def inline_assets() -> dict[str, Markup]:
    read = functools.partial(Path.read_text, encoding="utf-8")
    return {"style": Markup(read(STATIC / "docs.css")),
            "script": Markup(read(STATIC / "md5.js") + "\n" + read(STATIC / "docs.js"))}


def entry(spec_action: Action, schemas: dict[str, Any]) -> dict[str, Any]:
    name = spec_action.name
    params = schemas[schemas[name]["allOf"][0]["$ref"].rsplit("/", 1)[-1]]
    required = set(params.get("required", ()))
    made = examples()[name]
    uploads = any(params["properties"][key].get("items", {}).get("format") == "binary"
                  for key in required)
    return {
        "name": name, "doc": spec_action.doc, "writes": spec_action.writes,
        "alias_of": spec_action.canonical if name != spec_action.canonical else None,
        "user_only": name in TOKEN_ONLY,
        "tryable": name not in TOKEN_ONLY and not uploads,  # GET cannot upload
        "params": [parameter(key, prop, key in required)
                   for key, prop in params.get("properties", {}).items()],
        "request": shown_request(made), "answer": shown_answer(made["answer"]),
        "try_query": query_text(made["request"]["params"]),
        "errors": error_codes(spec_action, made),
        "error_examples": [{"request": shown_request(bad), "answer": shown_answer(bad["answer"])}
                           for bad in made["errors"]],
    }


def parameter(key: str, prop: dict[str, Any], required: bool) -> dict[str, Any]:
    kind = prop.get("type", "")
    if kind == "array":
        kind = f"array of {prop.get('items', {}).get('type', 'values')}"
    facts = [text.format(prop[limit]) for limit, text in LIMITS if limit in prop]
    if "enum" in prop:
        facts.append("one of " + ", ".join(str(value) for value in prop["enum"]))
    if "default" in prop:
        facts.append(f"default {json.dumps(prop['default'])}")
    return {"name": key, "type": kind, "required": required, "format": prop.get("format", ""),
            "pattern": prop.get("pattern", ""), "limits": "; ".join(facts),
            "description": prop.get("description", "")}


def shown_request(made: dict[str, Any]) -> dict[str, str]:
    request = made["request"]
    params = request["params"]
    if made.get("auth") == "bearer":
        return {"method": request["method"], "line": f"POST {request['path']}",
                "auth": "Authorization: Bearer <access token>",
                "body": json.dumps(params, ensure_ascii=False)}
    query = query_text(params)
    return {"method": request["method"], "auth": "",
            "line": f"{request['method']} {request['path']}?{query}&hash=<md5(query + key)>",
            "body": ""}


def shown_answer(answer: dict[str, Any]) -> str:
    if "status" not in answer:  # download: the file itself
        return (f"Content-Type: {answer['content_type']}\nContent-Disposition: "
                f"{answer['content_disposition']}\n\n{answer['body']}")
    return json.dumps(answer, indent=2, ensure_ascii=False)


def error_codes(spec_action: Action, made: dict[str, Any]) -> list[tuple[int, str]]:
    """The codes an action answers: authentication, its parameters' checks, and those its
    recorded error examples met."""
    fields = spec_action.schema.fields.values()
    auth = TokenInvalid if spec_action.name in TOKEN_ONLY else BadHash
    found = [(auth.status_code, auth.message)]
    if any(field.required for field in fields):
        found.append((FieldRequired.status_code, FieldRequired.message))
    if any(isinstance(field, (Email, EmailList)) for field in fields):
        found.append((InvalidEmail.status_code, InvalidEmail.message))
    if fields:
        found.append((InvalidValue.status_code, InvalidValue.message))
    found += [(bad["answer"]["status_code"], bad["answer"]["message"]) for bad in made["errors"]]
    return sorted(dict.fromkeys(found))


def signing_examples() -> dict[str, str]:
    """Worked examples of each scheme, computed with the sample key."""
    query = "action=get_task&id_task=1&extra=text"
    path_query = "id_task=1&extra=text"
    return {"key": SAMPLE_KEY, "query": query, "hash": md5_hex(query + SAMPLE_KEY),
            "path_query": path_query,
            "path_hash": md5_hex(f"action=get_task&{path_query}{SAMPLE_KEY}"),
            "legacy_page": "/project/1/1/",
            "legacy": md5_hex("/project/1/1/get_task" + SAMPLE_KEY)}


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - Worksection's wire format


def filter_language() -> dict[str, Any]:
    """Which fields each filtering action takes, their kinds, and the language's limits."""
    fields_of = {}
    for name, spec_action in ACTIONS.items():
        for field in spec_action.schema.fields.values():
            if isinstance(field, Filter) and name == spec_action.canonical:
                fields_of[name] = [(key, kind, sorted(a for a, to in field.spec.aliases.items()
                                                      if to == key))
                                   for key, kind in field.spec.kinds.items()]
    return {"fields_of": fields_of, "max_length": filter_syntax.MAX_LENGTH,
            "max_conditions": filter_syntax.MAX_CONDITIONS,
            "max_values": filter_syntax.MAX_VALUES, "max_depth": filter_syntax.MAX_DEPTH}


CODE_SPAN = re.compile(r"``?([^`]+)``?")


def code_spans(text: str) -> Markup:
    """Escape the text, then show `backticks` as code (the only markup descriptions use)."""
    return Markup(CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))
