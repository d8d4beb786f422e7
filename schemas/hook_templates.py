"""Inbound hook templates: ``{path}`` placeholders over a sender's payload, and nothing else.

A path is dot-separated steps: an object key, a list position (``alerts.0``) or ``*`` (every
element of a list, every value of an object). It starts at the body (the JSON body, the form
fields, or the query parameters when there is no body; inside a ``for_each``, the element);
``$body.``, ``$query.`` and ``$headers.`` (names in any case) name a part explicitly.
``{path|default}`` answers ``default`` when nothing is there; ``{{`` and ``}}`` are braces.

Paths are resolved by the dozen lines of :func:`resolve`, over dicts and lists only, rather
than by a library: jmespath rejects the dotted positions (``alerts.0``) these templates use,
and glom falls back to ``getattr`` on anything that is not a dict, which is exactly the reach
beyond the JSON data a template must not have. Nothing is evaluated; ``str.format`` is not
used; a step that names a dunder or an unknown ``$`` part is refused when the hook is defined.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from schemas.envelope import InvalidValue

ROOTS = ("$body", "$query", "$headers")
HIDDEN_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
MAX_TEMPLATE = 2000  # characters of one template
MAX_STEPS = 32  # steps of one path
MAX_OUTPUT = 20_000  # characters of one rendered value; longer is cut
TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
STEP = re.compile(r"[\w@+\-]+|\*")  # keys of letters, digits, _ - + @; nothing that formats
MISSING = object()


class MappingError(InvalidValue):
    """The payload does not fit the hook (the receiving URL answers it with HTTP 422)."""

    message = "Payload does not fit the hook's mapping"


class TemplateInvalid(InvalidValue):
    message = "Template is invalid"


class OutsidePayload(InvalidValue):
    message = "Template reaches outside the payload"


class Path(NamedTuple):
    root: str  # "" (the body, or the for_each element) or one of ROOTS
    steps: tuple[str, ...]
    text: str


class Placeholder(NamedTuple):
    path: Path
    default: str | None


@dataclass(frozen=True)
class Payload:
    """What a sender sent: the body (any JSON value or the form), the query and the headers."""

    body: Any = None
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, body: Any, query: Mapping[str, Any], headers: Mapping[str, str]) -> Payload:
        visible = {k.lower(): v for k, v in headers.items() if k.lower() not in HIDDEN_HEADERS}
        return cls(body if body not in (None, {}, "") else dict(query), dict(query), visible)

    def part(self, root: str, item: Any = MISSING) -> Any:
        if root == "$query":
            return self.query
        if root == "$headers":
            return self.headers
        return item if root == "" and item is not MISSING else self.body


def parse_path(text: str) -> Path:
    """A path's root and steps; ``TemplateInvalid`` or ``OutsidePayload`` when it is not one."""
    text = text.strip()
    root, _, rest = text.partition(".") if text.startswith("$") else ("", "", text)
    if root and root not in ROOTS:
        raise OutsidePayload(details=f"{text}: a path starts at {', '.join(ROOTS)} or the body")
    steps = tuple(rest.split(".")) if rest else ()
    if (not root and not steps) or len(steps) > MAX_STEPS:
        raise TemplateInvalid(details=f"{text or '{}'}: a path has 1 to {MAX_STEPS} steps")
    for step in steps:
        if step.startswith("__"):
            raise OutsidePayload(details=f"{text}: {step} is not payload data")
        if not STEP.fullmatch(step):
            raise TemplateInvalid(details=f"{text}: {step!r} is not a key, a position or *")
    if root == "$headers":
        steps = tuple(step.lower() for step in steps)
    return Path(root, steps, text)


def parse(template: str) -> list[str | Placeholder]:
    """A template as literal text and placeholders."""
    if len(template) > MAX_TEMPLATE:
        raise TemplateInvalid(details=f"a template is at most {MAX_TEMPLATE} characters")
    parts: list[str | Placeholder] = []
    last = 0
    for match in TOKEN.finditer(template):
        parts.append(template[last:match.start()])
        token, last = match.group(0), match.end()
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif match.group(1) is None:
            raise TemplateInvalid(details=f"{template}: unmatched {token} at {match.start()}"
                                  " (write {{ or }} for a brace)")
        else:
            text, bar, default = match.group(1).partition("|")
            parts.append(Placeholder(parse_path(text), default if bar else None))
    parts.append(template[last:])
    return [part for part in parts if part != ""]


def resolve(value: Any, steps: tuple[str, ...]) -> Any:
    """Walk dicts and lists only; ``MISSING`` when a step finds nothing. After a ``*`` the
    answer is the list of what every branch found."""
    for index, step in enumerate(steps):
        if step == "*":
            branches = value.values() if isinstance(value, dict) else (
                value if isinstance(value, list) else ())
            found = [resolve(branch, steps[index + 1:]) for branch in branches]
            found = [item for item in found if item is not MISSING]
            return found if found else MISSING
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return MISSING
    return value


def as_text(value: Any) -> str:
    """How a JSON value reads inside a parameter: lists as distinct comma-joined items."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(dict.fromkeys(text for item in value if (text := as_text(item))))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def lookup(path: Path, payload: Payload, item: Any = MISSING) -> Any:
    return resolve(payload.part(path.root, item), path.steps)


def render(template: str, payload: Payload, item: Any = MISSING, name: str = "") -> str:
    """The template filled from the payload; ``MappingError`` naming a path that is missing."""
    out = []
    for part in parse(template):
        if isinstance(part, str):
            out.append(part)
            continue
        value = lookup(part.path, payload, item)
        if value is MISSING and part.default is None:
            where = f"{name}: " if name else ""
            raise MappingError(details=f"{where}no value at {part.path.text}")
        out.append(part.default if value is MISSING else as_text(value))
    return "".join(out)[:MAX_OUTPUT]


def check(template: Any) -> str:
    """A valid template (parsed once to find every error), or ``TemplateInvalid``."""
    if not isinstance(template, str):
        raise TemplateInvalid(details="a template is a string")
    parse(template)
    return template
