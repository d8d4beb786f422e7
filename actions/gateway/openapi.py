"""The OpenAPI description (``/openapi.json``) and a readable docs page (``/docs``).

Both are generated from the registry and the marshmallow input schemas with apispec's
MarshmallowPlugin, so they cannot drift from what the server validates.

One endpoint serves every action, and an OpenAPI path cannot contain a query string, so the
description has one operation per method and route (not one fictional path per action): its
parameters are an object, exploded into the query string (GET) or sent as the JSON, form or
multipart body (POST), that is ``oneOf`` the actions' parameter schemas, discriminated by
``action``. Each action is a component named after it: its input schema plus
``action: {const: name}``, with its one-line doc; legacy aliases are marked deprecated.
The docs page lists the same components as plain HTML.
"""

from __future__ import annotations

import functools
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify, render_template_string
from marshmallow import Schema, fields

from actions.registry import ACTIONS, Action
from schemas.base import Amount, Choice, Email, Words, WsDate

OPENAPI_VERSION = "3.1.0"
ROUTES = {  # path: (operation id prefix, security schemes)
    "/api/admin/v2/": ("admin", ["hash", "adminHeader", "signature"]),
    "/api/oauth2/": ("user", ["bearer"]),
}

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI description of every action (no authentication)."""
    return jsonify(describe())


@bp.get("/docs")
def docs():
    """Every action with its one-line doc and its parameters (no authentication)."""
    spec = describe()
    return render_template_string(DOCS_PAGE, spec=spec, actions=action_entries(spec))


@functools.cache
def describe() -> dict[str, Any]:
    """The OpenAPI document (built once: the registry is fixed at import time)."""
    plugin = MarshmallowPlugin()
    spec = APISpec("Taskgate", "2", OPENAPI_VERSION, plugins=[plugin], info=INFO)
    plugin.map_to_openapi_type(Email, "string", "email")
    plugin.map_to_openapi_type(WsDate, "string", None)
    plugin.map_to_openapi_type(Amount, "string", None)
    plugin.converter.add_attribute_function(field_facts)
    names = schema_names()
    for schema_class, name in names.items():
        spec.components.schema(name, schema=schema_class)
    for spec_action in ACTIONS.values():
        spec.components.schema(spec_action.name, action_component(spec_action, names))
    for name, scheme in SECURITY.items():
        spec.components.security_scheme(name, scheme)
    for name, schema in ENVELOPES.items():
        spec.components.schema(name, schema)
    spec.components.schema("ActionParams", {
        "oneOf": [ref(name) for name in sorted(ACTIONS)],
        "discriminator": {"propertyName": "action",
                          "mapping": {name: f"#/components/schemas/{name}" for name in ACTIONS}},
    })
    for path, (prefix, schemes) in ROUTES.items():
        spec.path(path=path, operations=operations(prefix, schemes))
    return spec.to_dict()


def schema_names() -> dict[type[Schema], str]:
    """A component name per input schema class (its class name; several actions share one)."""
    names: dict[type[Schema], str] = {}
    for spec_action in ACTIONS.values():
        schema_class = type(spec_action.schema)
        name = schema_class.__name__
        while schema_class not in names and name in names.values():
            name += "_"
        names.setdefault(schema_class, name)
    return names


def action_component(spec_action: Action, names: dict[type[Schema], str]) -> dict[str, Any]:
    alias = spec_action.name != spec_action.canonical
    doc = spec_action.doc + (f" (legacy alias of {spec_action.canonical})" if alias else "")
    component = {
        "description": doc,
        "allOf": [ref(names[type(spec_action.schema)]),
                  {"type": "object", "required": ["action"],
                   "properties": {"action": {"const": spec_action.name}}}],
        "x-writes": spec_action.writes,
    }
    return {**component, "deprecated": True} if alias else component


def field_facts(self, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Facts apispec cannot know: a Choice's words; what an untyped field accepts (its doc)."""
    facts: dict[str, Any] = {}
    if isinstance(field, Choice):
        facts["type"], facts["enum"] = "string", list(field.choices)
        if ret.get("default") not in field.choices:
            ret.pop("default", None)  # "" stands for "not given", which is no choice
    if isinstance(field, Words):
        facts["description"] = (f"A comma list of: {', '.join(sorted(field.allowed))} "
                                "(unknown words are ignored).")
    untyped = "type" not in ret or isinstance(field, (WsDate, Amount))
    custom = type(field).__module__ != fields.__name__ and type(field).__doc__
    if untyped and custom and "description" not in ret | facts:
        paragraph = " ".join(type(field).__doc__.strip().split("\n\n")[0].split())
        facts["description"] = paragraph.replace("``", "`")  # reST literals to Markdown
    return facts


def operations(prefix: str, schemes: list[str]) -> dict[str, Any]:
    security = [{name: []} for name in schemes]
    body = {"schema": ref("ActionParams")}
    answer = {"200": {"description": "The envelope: ok with data, or error with a code",
                      "content": {"application/json": {"schema": {
                          "oneOf": [ref("Ok"), ref("Error")]}}}}}
    idempotency = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "schema": {"type": "string", "maxLength": 255},
                   "description": "Run a write action once per key; retries get the first "
                                  "answer (also the idempotency_key or uid parameter)."}
    return {
        "get": {"summary": "Run one action, parameters in the query string",
                "operationId": f"{prefix}_get", "security": security, "responses": answer,
                "parameters": [{"in": "query", "name": "params", "required": True,
                                "style": "form", "explode": True,
                                "schema": ref("ActionParams")}, idempotency]},
        "post": {"summary": "Run one action, parameters in the body (and the query string)",
                 "operationId": f"{prefix}_post", "security": security, "responses": answer,
                 "parameters": [idempotency],
                 "requestBody": {"required": True, "content": {
                     "application/json": body, "application/x-www-form-urlencoded": body,
                     "multipart/form-data": body}}},
    }


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def action_entries(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """What the docs page shows per action: doc, reads or writes, parameters."""
    components = spec["components"]["schemas"]
    entries = []
    for name in sorted(ACTIONS):
        component = components[name]
        params = components[component["allOf"][0]["$ref"].rsplit("/", 1)[-1]]
        required = set(params.get("required", ()))
        entries.append({
            "name": name, "doc": component["description"], "writes": component["x-writes"],
            "alias": component.get("deprecated", False),
            "params": [{"name": key, "required": key in required, "type": type_of(prop),
                        "notes": prop.get("description", "")}
                       for key, prop in params.get("properties", {}).items()],
        })
    return entries


def type_of(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return " | ".join(str(value) for value in prop["enum"])
    kind = prop.get("type", "")
    kind = "/".join(kind) if isinstance(kind, list) else kind
    if prop.get("format"):
        kind += f" ({prop['format']})"
    return f"{kind}, at most {prop['maxLength']}" if "maxLength" in prop else kind


INFO = {"description": (
    "The Worksection admin API v2, served by Taskgate: one endpoint, one action per request. "
    "Sign a request with hash = md5(<query string without hash> + API key) (also the legacy "
    "md5(page + action + key)), or the header Authorization: Admin <ts>_<hmac_sha256(key, "
    "'<action>:<ts>')>, or an expiring signed URL (signature=, from `flask sign-url "
    "--expires`). /api/oauth2/ takes a user access token instead. Every answer is HTTP 200 "
    "with the envelope.")}

SECURITY = {
    "hash": {"type": "apiKey", "in": "query", "name": "hash",
             "description": "A signature, not a static key: md5(query string without hash "
                            "+ API key), as hex."},
    "adminHeader": {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "Admin <unix_ts>_<hex hmac_sha256(key, '<action>:<ts>')>"},
    "signature": {"type": "apiKey", "in": "query", "name": "signature",
                  "description": "An expiring URL signed for one action and its parameters."},
    "bearer": {"type": "http", "scheme": "bearer", "description": "A user access token."},
}

ENVELOPES = {
    "Ok": {"type": "object", "required": ["status"],
           "properties": {"status": {"const": "ok"}, "data": {}}},
    "Error": {"type": "object", "required": ["status", "status_code", "message"],
              "properties": {"status": {"const": "error"}, "status_code": {"type": "integer"},
                             "message": {"type": "string"}, "message_details": {}}},
}

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Taskgate API actions</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; }
h2 { font: 600 1.05rem ui-monospace, monospace; margin: 2rem 0 .2rem; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
td, th { text-align: left; padding: .2rem .6rem .2rem 0; vertical-align: top; }
code, td:first-child { font-family: ui-monospace, monospace; }
.tag { font-size: 12px; padding: 0 .4rem; border-radius: .3rem; background: #e8eef8; }
.writes { background: #fbe9d0; }
.muted { color: #666; }
</style></head><body>
<h1>Taskgate API actions</h1>
<p>{{ spec.info.description }}</p>
<p>Machine-readable: <a href="openapi.json">/openapi.json</a> (OpenAPI {{ spec.openapi }}).
{{ actions | length }} actions.</p>
<nav>{% for a in actions %}<a href="#{{ a.name }}">{{ a.name }}</a> {% endfor %}</nav>
{% for a in actions %}
<section id="{{ a.name }}">
<h2>{{ a.name }} <span class="tag {{ 'writes' if a.writes }}">{{
  'writes' if a.writes else 'reads' }}</span>{% if a.alias %}
  <span class="tag">legacy</span>{% endif %}</h2>
<p>{{ a.doc }}</p>
{% if a.params %}<table><tr><th>parameter</th><th>type</th><th></th><th>notes</th></tr>
{% for p in a.params %}<tr><td>{{ p.name }}</td><td>{{ p.type }}</td>
<td>{{ 'required' if p.required }}</td><td class="muted">{{ p.notes }}</td></tr>
{% endfor %}</table>{% else %}<p class="muted">No parameters.</p>{% endif %}
</section>
{% endfor %}
</body></html>
"""
