"""Decoding parameters: query strings and forms into folded parameters, JSON objects, and the
checks every value passes (UTF-8, no NUL, no lone surrogate, bounded nesting and count).

PHP bracket names fold into lists (``todo[]=a&todo[]=b``, ``attach[0]``) or objects
(``data[key]=v``, ``custom_fields[ID]=v``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from schemas.envelope import BadRequest

BRACKETS = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")
# Objects whose bracket keys are ids, not list positions: custom_fields[12]=x is {"12": "x"}.
KEYED_BY_ID = frozenset({"custom_fields"})
MAX_PARAMS = 1000  # name=value pairs in a query string or a form body
MAX_DEPTH = 20  # nesting of a JSON body


def read_json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(decode(raw, "the JSON body"))
    except json.JSONDecodeError as err:
        raise BadRequest("The JSON body is not valid JSON", details=str(err)) from None
    except RecursionError:
        raise BadRequest(f"The JSON body is nested deeper than {MAX_DEPTH} levels") from None
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object of parameters",
                         details=type(body).__name__)
    return body


def checked(value: Any, name: str = "", depth: int = 0) -> Any:
    """The value, if every string in it can be stored: no NUL (PostgreSQL cannot store one,
    SQLite truncates), no lone surrogate (not UTF-8), nesting within ``MAX_DEPTH``."""
    if depth > MAX_DEPTH:
        raise BadRequest(f"Parameters are nested deeper than {MAX_DEPTH} levels",
                         details=name or None)
    if isinstance(value, str):
        if "\x00" in value:
            raise BadRequest("Parameters must not contain NUL characters", details=name or value)
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest("Parameters must be valid Unicode text (a lone surrogate is "
                                 "not)", details=name or None) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            checked(key, name or key, depth + 1)
            checked(item, name or key, depth + 1)
    elif isinstance(value, list):
        for item in value:
            checked(item, name, depth + 1)
    return value


def decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Parameters must be UTF-8 encoded", details=where) from None


def parse_pairs(text: str, where: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True)``, strict about UTF-8 and the count."""
    try:
        if "%" not in text and "+" not in text:  # nothing to decode: the pairs as written
            return split_pairs(text)
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                         max_num_fields=MAX_PARAMS)
    except UnicodeDecodeError:
        raise BadRequest("Parameters must be UTF-8 encoded", details=where) from None
    except ValueError:
        raise BadRequest(f"Too many parameters: at most {MAX_PARAMS} in {where}") from None


def split_pairs(text: str) -> list[tuple[str, str]]:
    """What ``parse_qsl`` gives for a text with no escapes, ``ValueError`` past the count."""
    if text.count("&") >= MAX_PARAMS:
        raise ValueError("Max number of fields exceeded")
    return [(name, value) for name, _, value in
            (pair.partition("=") for pair in text.split("&") if pair)]


def fold(pairs: Iterable[tuple[str, Any]], always_list: bool = False) -> dict[str, Any]:
    """Merge ``name=v`` pairs; ``name[]``/``name[N]`` become lists, ``name[k]`` objects."""
    params: dict[str, Any] = {}
    indexed: dict[str, dict[str, Any]] = {}
    for key, value in pairs:
        match = BRACKETS.match(key) if "[" in key else None
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
            params[name] = numbered(bucket)
    return params


def numbered(bucket: dict[str, Any]) -> dict[str, Any]:
    """An object whose ``name[]`` entries take the next free number, as PHP numbers them
    (``a[x]=1&a[]=2`` is ``{"x": "1", "0": "2"}``)."""
    taken = {int(k) for k in bucket if k.isdigit()}
    numbers = (n for n in range(len(bucket) + len(taken) + 1) if n not in taken)
    return {(str(next(numbers)) if k.startswith("\0") else k): v for k, v in bucket.items()}


def list_order(keys: list[str]):
    position = {k: i for i, k in enumerate(keys)}
    return lambda k: (0, int(k), 0) if k.isdigit() else (1, 0, position[k])


def as_strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
