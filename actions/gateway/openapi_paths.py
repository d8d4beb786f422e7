"""One OpenAPI operation per action, at ``/api/admin/v2/<action>`` (GET and POST), for
generated clients: typed parameters, the typed success answer and the error envelope."""

from __future__ import annotations

from typing import Any

from actions.gateway.catalogue import group_of
from actions.gateway.examples import answer_schema, examples
from actions.registry import ACTIONS, Action

ACTION_PATH = "/api/admin/v2/{}"
SIGNED = [{"hash": []}, {"adminHeader": []}, {"signature": []}]
IDEMPOTENCY = {"in": "header", "name": "Idempotency-Key", "required": False,
               "schema": {"type": "string", "maxLength": 255},
               "description": "Run a write action once per key; retries get the first answer "
                              "(also the idempotency_key or uid parameter)."}
BODY_SIGNING = (
    "A JSON body is signed by the `Authorization: Admin` header or the strict scheme; a "
    "multipart body (files) by a `hash` field over its other fields, or by either header.")
BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def action_paths(components: dict[str, Any],
                 params_of: dict[str, str]) -> dict[str, dict[str, Any]]:
    """``{path: operations}`` for every action; ``params_of`` names each action's parameter
    component, whose resolved form is in ``components``."""
    return {ACTION_PATH.format(name): operations(spec_action, params_of[name],
                                                 components[params_of[name]])
            for name, spec_action in ACTIONS.items() if name in params_of}


def answer_components() -> dict[str, dict[str, Any]]:
    return {f"{name}_answer": answer_schema(name) for name in ACTIONS}


def operations(spec_action: Action, params_name: str, params: dict[str, Any]) -> dict:
    name = spec_action.name
    common = {"tags": [group_of(name)], "summary": spec_action.doc,
              "description": description(spec_action), "security": SIGNED,
              "responses": responses(name)}
    if name != spec_action.canonical:
        common["deprecated"] = True
    uploads = any(binary(prop) for prop in params.get("properties", {}).values())
    # A JSON body, whose fields a query hash covers; multipart only to carry files.
    body_types = BODY_TYPES[2:] if uploads else BODY_TYPES[:1]
    once = [IDEMPOTENCY] if spec_action.writes else []  # reads have nothing to run once
    return {
        "get": {**common, "operationId": name,
                "parameters": [query_parameter(key, prop, key in params.get("required", ()))
                               for key, prop in params.get("properties", {}).items()
                               if not binary(prop)] + once},
        "post": {**common, "operationId": f"{name}_post", "parameters": once,
                 "description": f"{description(spec_action)}\n\n{BODY_SIGNING}",
                 "requestBody": {"required": bool(params.get("required")), "content": {
                     kind: {"schema": ref(params_name)} for kind in body_types}}},
    }


def binary(prop: dict[str, Any]) -> bool:
    return prop.get("items", {}).get("format") == "binary"


def query_parameter(key: str, prop: dict[str, Any], required: bool) -> dict[str, Any]:
    parameter = {"in": "query", "name": key, "required": required}
    if not required:  # key= is the same as leaving the parameter out, as on Worksection
        parameter["allowEmptyValue"] = True
    if prop.get("description"):
        parameter["description"] = prop["description"]
    if prop.get("type") == "object":  # custom_fields, data: the JSON text of an object
        return {**parameter, "content": {"application/json": {"schema": prop}}}
    return {**parameter, "schema": prop}


def description(spec_action: Action) -> str:
    name = spec_action.name
    text = f"{spec_action.doc}\n\nSame as `/api/admin/v2/?action={name}`. "
    if name != spec_action.canonical:
        text += f"A legacy name of `{spec_action.canonical}`. "
    return text + ("Sign it with `hash = md5(\"action=" + name + "&\" + <the query string "
                   "without hash> + <API key>)`, or the `Authorization: Admin` header.")


def responses(name: str) -> dict[str, Any]:
    answer = examples()[name]["answer"]
    if "status" not in answer:  # download answers the file's bytes
        ok = {"application/x-download": {"schema": answer_schema(name)},
              "application/json": {"schema": ref("Error")}}
    else:
        ok = {"application/json": {"schema": {"oneOf": [ref(f"{name}_answer"), ref("Error")]},
                                   "example": answer}}
    return {"200": {"description": "The answer (API errors are HTTP 200 with the error "
                                   "envelope, as Worksection answers)", "content": ok},
            **REFUSED_BY_SIZE_OR_RATE}


def refused(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": ref("Error")}}}


# The refusals that are not the action's: HTTP codes with the error envelope.
REFUSED_BY_SIZE_OR_RATE = {
    "413": refused("The body is larger than the server takes (before or after its signature "
                   "is checked)"),
    "414": refused("The query string is too long: send the parameters in a signed body"),
    "429": refused("Too many requests, failed signatures or failed passwords: wait "
                   "Retry-After seconds"),
}
