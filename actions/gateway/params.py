"""Reading an API request: parameters merged from the query string and the body.

Parameters come from the query string, then a form, multipart or JSON object body (the body
wins on a conflict). PHP bracket names fold into lists (``todo[]=a&todo[]=b``, ``attach[0]``)
or objects (``data[key]=v``, ``custom_fields[ID]=v``). Uploaded files join the parameters under
their folded name.
Anything that cannot be read (bad JSON, a JSON body that is not an object, bytes that are not
UTF-8) is a ``BadRequest`` naming the problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from flask import Request

from schemas.envelope import ActionMismatch, BadRequest

BRACKETS = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")
# Objects whose bracket keys are ids, not list positions: custom_fields[12]=x is {"12": "x"}.
KEYED_BY_ID = frozenset({"custom_fields"})


@dataclass(frozen=True)
class SignedRequest:
    """What a signature can cover, as received."""

    action: str
    params: Mapping[str, Any]
    raw_query: str = ""
    raw_form: str | None = None
    authorization: str = ""
    hash_values: tuple[str, ...] = field(default=())


def read_request(request: Request, path_action: str | None = None) -> SignedRequest:
    """Parse a request into merged parameters plus the raw parts a signature covers.

    ``path_action`` is the action named by the path (``/api/admin/v2/<action>``): it is signed
    as if the query began with ``action=<path_action>&``."""
    raw_query = decode(request.query_string, "the query string")
    pairs = parse_pairs(raw_query, "the query string")
    body, raw_form = read_body(request)
    params = fold(pairs)
    params.update(body)
    if path_action is not None:
        params, raw_query, raw_form = with_path_action(path_action, params, raw_query, raw_form)
    refuse_nul(params)
    hashes = tuple(v for k, v in pairs if k == "hash")
    if "hash" in body:
        hashes = tuple(as_strings(body["hash"]))
    action = params.get("action")
    return SignedRequest(action=action if isinstance(action, str) else "", params=params,
                         raw_query=raw_query, raw_form=raw_form,
                         authorization=request.headers.get("Authorization", ""),
                         hash_values=hashes)


def with_path_action(action: str, params: dict[str, Any], raw_query: str,
                     raw_form: str | None) -> tuple[dict[str, Any], str, str | None]:
    """The parameters with the path's action first, and the texts they are signed as."""
    named = params.get("action")
    if named is not None and named != action:
        raise ActionMismatch(details=f"{named} != {action}")
    return ({"action": action, **params}, signed_as(action, raw_query),
            None if raw_form is None else signed_as(action, raw_form))


def signed_as(action: str, raw: str) -> str:
    """A raw query or form as signed for the path's action: as sent when it names the action
    itself, else with ``action=<action>&`` in front (a hash never runs another action)."""
    named = {value for key, value in parse_pairs(raw, "the query string") if key == "action"}
    if named - {action}:
        raise ActionMismatch(details=f"{','.join(sorted(named))} != {action}")
    if named:
        return raw
    return f"action={quote(action, safe='')}" + (f"&{raw}" if raw else "")


def refuse_nul(value: Any, name: str = "") -> None:
    """No NUL character anywhere: PostgreSQL cannot store one in text (SQLite truncates)."""
    if isinstance(value, str) and "\x00" in value:
        raise BadRequest("Parameters must not contain NUL characters", details=name or value)
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key, name or key)
            refuse_nul(item, name or key)
    elif isinstance(value, list):
        for item in value:
            refuse_nul(item, name)


def read_body(request: Request) -> tuple[dict[str, Any], str | None]:
    """The body's parameters, and its raw text when it is a signed form."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        return read_multipart(request), None
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}, None
    if mimetype == "application/x-www-form-urlencoded":
        text = decode(raw, "the form body")
        return fold(parse_pairs(text, "the form body")), text
    if mimetype == "application/json" or raw.lstrip()[:1] in (b"{", b"["):
        return read_json(raw), None
    raise BadRequest("Unsupported body: send JSON, a form or multipart/form-data",
                     details=mimetype or "no Content-Type")


def read_json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(decode(raw, "the JSON body"))
    except json.JSONDecodeError as err:
        raise BadRequest("The JSON body is not valid JSON", details=str(err)) from None
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object of parameters",
                         details=type(body).__name__)
    return body


def read_multipart(request: Request) -> dict[str, Any]:
    pairs = list(request.form.items(multi=True))
    for name, value in pairs:
        if "\ufffd" in value:  # werkzeug replaced bytes that were not UTF-8
            raise BadRequest("Parameters must be UTF-8 encoded", details=name)
    params = fold(pairs)
    for name, files in fold(request.files.items(multi=True), always_list=True).items():
        params[name] = files
    return params


def decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Parameters must be UTF-8 encoded", details=where) from None


def parse_pairs(text: str, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("Parameters must be UTF-8 encoded", details=where) from None


def fold(pairs: Iterable[tuple[str, Any]], always_list: bool = False) -> dict[str, Any]:
    """Merge ``name=v`` pairs; ``name[]``/``name[N]`` become lists, ``name[k]`` objects."""
    params: dict[str, Any] = {}
    indexed: dict[str, dict[str, Any]] = {}
    for key, value in pairs:
        match = BRACKETS.match(key)
        if match is None:
            if always_list:
                params.setdefault(key, []).append(value)
            else:
                params[key] = value
            continue
        name, index = match.groups()
        bucket = indexed.setdefault(name, {})
        bucket[index or f"\0{len(bucket)}"] = value
    for name, bucket in indexed.items():
        keys = list(bucket)
        by_id = name in KEYED_BY_ID and all(k.isdigit() for k in keys)
        if not by_id and all(k.startswith("\0") or k.isdigit() for k in keys):
            params[name] = [bucket[k] for k in sorted(keys, key=list_order(keys))]
        else:
            params[name] = bucket
    return params


def list_order(keys: list[str]):
    position = {k: i for i, k in enumerate(keys)}
    return lambda k: (0, int(k), 0) if k.isdigit() else (1, 0, position[k])


def as_strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
