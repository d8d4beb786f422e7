"""The OpenAPI description (``/openapi.json``), generated from the registry and the
marshmallow input schemas with apispec's MarshmallowPlugin, so that it cannot drift from what
the server validates.

It describes every action twice. For generated clients, as an operation of its own at
``/api/admin/v2/<action>`` (:mod:`.openapi_paths`). And as Worksection serves it, through one
endpoint: an OpenAPI path cannot hold a query string, so ``/api/admin/v2/`` has one operation
per method whose parameters are ``oneOf`` the actions' components (each its input schema plus
``action: {const: name}``), discriminated by ``action``. Legacy aliases are deprecated.
"""

from __future__ import annotations

import functools
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify, request
from marshmallow import Schema

from actions.gateway import docs as docs_page
from actions.gateway.openapi_fields import field_facts
from actions.gateway.openapi_paths import (
    IDEMPOTENCY,
    REFUSED_BY_SIZE_OR_RATE,
    action_paths,
    answer_components,
    ref,
)
from actions.gateway.roles import ADMIN_KEY_ONLY, TOKEN_ONLY
from actions.registry import ACTIONS, Action

OPENAPI_VERSION = "3.1.0"
# What each caller may run: the admin key all but the user's own (timer, profile, tokens);
# a user token all but every user's timers.
ADMIN_ACTIONS = sorted(name for name, a in ACTIONS.items() if a.canonical not in TOKEN_ONLY)
USER_ACTIONS = sorted(name for name, a in ACTIONS.items() if a.canonical not in ADMIN_KEY_ONLY)
ACTION_SETS = {"ActionParams": ADMIN_ACTIONS, "UserActionParams": USER_ACTIONS}
ROUTES = {  # path: (operation id prefix, security schemes, parameters component)
    "/api/admin/v2/": ("admin", ["hash", "adminHeader", "signature"], "ActionParams"),
    "/api/oauth2/": ("user", ["bearer"], "UserActionParams"),
}

bp = Blueprint("openapi", __name__, template_folder="templates", static_folder="static",
               static_url_path="/docs/static")


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI description of every action (no authentication), naming the server it was
    fetched from (behind a proxy, its public address and path prefix)."""
    return jsonify({**describe(), "servers": [{"url": request.url_root.rstrip("/")}]})


@bp.get("/docs")
def docs():
    """The docs page: every action by resource, with examples, a signer and "try it"."""
    return docs_page.render(describe())


@functools.cache
def describe() -> dict[str, Any]:
    """The OpenAPI document (built once: the registry is fixed at import time)."""
    plugin = MarshmallowPlugin()
    spec = APISpec("Taskgate", "2", OPENAPI_VERSION, plugins=[plugin], info=INFO)
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
    for component, members in ACTION_SETS.items():
        spec.components.schema(component, one_of_actions(members))
    for name, schema in answer_components().items():
        spec.components.schema(name, schema)
    for path, (prefix, schemes, params) in ROUTES.items():
        spec.path(path=path, operations=operations(prefix, schemes, params))
    params_of = {spec_action.name: names[type(spec_action.schema)]
                 for spec_action in ACTIONS.values() if spec_action.name in ADMIN_ACTIONS}
    for path, operations_of_path in action_paths(spec.to_dict()["components"]["schemas"],
                                                 params_of).items():
        spec.path(path=path, operations=operations_of_path)
    for group in docs_page.catalogue.grouped():
        spec.tag({"name": group})
    return spec.to_dict()


def one_of_actions(names: list[str]) -> dict[str, Any]:
    """The parameters of any of these actions, told apart by ``action``."""
    return {"type": "object", "required": ["action"],
            "oneOf": [ref(name) for name in names],
            "discriminator": {"propertyName": "action",
                              "mapping": {name: f"#/components/schemas/{name}"
                                          for name in names}}}


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


def operations(prefix: str, schemes: list[str], params: str) -> dict[str, Any]:
    security = [{name: []} for name in schemes]
    body = {"schema": ref(params)}
    answer = {"200": {"description": "The envelope: ok with data, or error with a code",
                      "content": {"application/json": {"schema": {
                          "oneOf": [ref("Ok"), ref("Error")]}}}}, **REFUSED_BY_SIZE_OR_RATE}
    return {
        "get": {"summary": "Run one action, parameters in the query string",
                "operationId": f"{prefix}_get", "security": security, "responses": answer,
                "parameters": [{"in": "query", "name": "params", "required": True,
                                "style": "form", "explode": True,
                                "schema": ref(params)}, IDEMPOTENCY]},
        "post": {"summary": "Run one action, parameters in the body (and the query string)",
                 "description": BODY_SIGNING,
                 "operationId": f"{prefix}_post", "security": security, "responses": answer,
                 "parameters": [IDEMPOTENCY],
                 "requestBody": {"required": True, "content": {
                     "application/json": body, "application/x-www-form-urlencoded": body,
                     "multipart/form-data": body}}},
    }


BODY_SIGNING = (
    "How a body is signed: a JSON body by the `Authorization: Admin` header (which signs the "
    "action: the official clients) or by the strict `Taskgate-HMAC-SHA256` scheme (which "
    "signs the body's bytes); a form or multipart body by a `hash` among its own fields, "
    "`md5(<the body's other fields as a query string> + key)`, or by either header. "
    "Parameters outside what the signature covers are refused (code 2).")

INFO = {"description": (
    "The Worksection admin API v2, served by Taskgate. Every action is an operation of its "
    "own at `/api/admin/v2/<action>`; the same actions answer at `/api/admin/v2/?action=` "
    "as on Worksection, and at `/api/oauth2/` with a user access token.\n\n"
    "Sign an admin request in one of these ways:\n\n"
    "- `hash = md5(<query string without hash> + <API key>)`, in hex. On "
    "`/api/admin/v2/<action>` the query is signed as if it began with `action=<action>&`: "
    "`md5(\"action=get_task&id_task=1\" + key)` for `/api/admin/v2/get_task?id_task=1`.\n"
    "- `Authorization: Admin <unix_ts>_<hex hmac_sha256(key, \"<action>:<unix_ts>\")>`.\n"
    "- `signature=`: an expiring URL from `flask sign-url --expires 1h`.\n\n"
    "Every answer is the envelope `{\"status\": \"ok\", \"data\": ...}` or "
    "`{\"status\": \"error\", \"status_code\": N, \"message\": \"...\"}`, with HTTP 200 "
    "as Worksection answers. Readable docs with examples: `/docs`.")}

SECURITY = {
    "hash": {"type": "apiKey", "in": "query", "name": "hash",
             "description": "Not a static key: a signature computed for each request, "
                            "`md5(<query string without hash> + <API key>)` in hex (on "
                            "`/api/admin/v2/<action>`, the query is signed as "
                            "`action=<action>&<query>`). A generated client adds it in a "
                            "request hook."},
    "adminHeader": {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "`Admin <unix_ts>_<hex hmac_sha256(key, "
                                   "\"<action>:<unix_ts>\")>`, within 300 s of the "
                                   "server's clock."},
    "signature": {"type": "apiKey", "in": "query", "name": "signature",
                  "description": "An expiring URL signed for one action and its exact "
                                 "parameters (`flask sign-url ACTION ... --expires 1h`)."},
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "A user access token (OAuth2 or `flask create-token`)."},
}

ENVELOPES = {
    "Ok": {"type": "object", "required": ["status"],
           "properties": {"status": {"type": "string", "enum": ["ok"]},
                          "data": {"description": "The action's answer"}}},
    "Error": {"type": "object", "required": ["status", "status_code", "message"],
              "properties": {"status": {"type": "string", "enum": ["error"]},
                             "status_code": {"type": "integer"},
                             "message": {"type": "string"},
                             "message_details": {"description": "What was wrong: a "
                                                 "parameter's name, a value, a position"}}},
}
