"""The action registry and the Flask-free dispatcher.

``ACTIONS`` maps a Worksection action name to an :class:`Action`: the handler, an instance of
its input schema and a few facts about it (one-line doc, whether it writes, its aliases).
Resource modules fill it with the :func:`action` decorator at import time, which returns the
function unchanged; ``actions/__init__.py`` imports every resource module.

:func:`dispatch` runs one action: look the name up (``UnknownAction``), load the parameters
with the schema (a marshmallow ``ValidationError`` becomes ``FieldRequired``, ``InvalidEmail``
or ``InvalidValue``), then call the handler, which returns bare data and raises ``ApiError``
subclasses for everything else. Schema validators may also raise an ``ApiError`` directly
when a rule has its own Worksection code. Around the loading, the caller's rights are checked
(``actions.rights``: the role table before, the targets after): every entry point that runs
an action passes here. Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from marshmallow import Schema, ValidationError

from actions import rights
from schemas.envelope import FieldRequired, InvalidEmail, InvalidValue, UnknownAction

Handler = Callable[[dict[str, Any]], Any]

REQUIRED_MESSAGE = "Missing data for required field."


class Action(NamedTuple):
    name: str
    handler: Handler
    schema: Schema
    doc: str
    writes: bool  # changes state, sends data out or makes a secret: a read-only key cannot
    canonical: str  # the action an alias stands for (its own name otherwise)
    # Its transaction takes SQLite's write lock at the first write, not when it begins: for a
    # write that first waits on the network (add_webhook's probe) without holding up others.
    locks_late: bool = False

    @property
    def locks_at_start(self) -> bool:
        return self.writes and not self.locks_late


ACTIONS: dict[str, Action] = {}


def action(schema: type[Schema], name: str | None = None, *, writes: bool = False,
           aliases: Iterable[str] = (), locks_late: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function as an action (and its legacy aliases)."""

    def register(fn: Handler) -> Handler:
        canonical = name or fn.__name__
        doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        instance = schema()
        for key in (canonical, *aliases):
            if key in ACTIONS:
                raise RuntimeError(f"duplicate action {key!r}")
            ACTIONS[key] = Action(key, fn, instance, doc, writes, canonical, locks_late)
        return fn

    return register


def dispatch(name: str, params: Mapping[str, Any],
             actions: Mapping[str, Action] = ACTIONS) -> Any:
    """Validate ``params`` for the action ``name`` and run it; return its bare result."""
    spec = actions.get(name)
    if spec is None:
        raise UnknownAction(details=name or None)
    rights.check_caller(spec.canonical)
    try:
        loaded = spec.schema.load(params)
    except ValidationError as err:
        raise params_error(err.messages, spec.schema, params) from err
    rights.check_caller(spec.canonical, loaded)
    return spec.handler(loaded)


def params_error(messages: Any, schema: Schema, params: Mapping[str, Any]) -> Exception:
    """Translate marshmallow's error dict into the first Worksection error it implies."""
    if not isinstance(messages, dict):
        return InvalidValue(details=first_message(messages))
    by_key = {field.data_key or name: field for name, field in schema.fields.items()}
    for key, msgs in messages.items():
        if REQUIRED_MESSAGE in as_list(msgs):
            return FieldRequired(details=key)
    key, msgs = next(iter(messages.items()))
    if key == "_schema":
        return InvalidValue(first_message(msgs))
    field = by_key.get(key)
    if getattr(field, "api_error", None) is InvalidEmail:
        return InvalidEmail(details=str(params.get(key, "")))
    return InvalidValue(f"Invalid {key}: {first_message(msgs)}", details=key)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def first_message(messages: Any) -> str:
    """The first human-readable message in a (possibly nested) marshmallow error structure."""
    while isinstance(messages, (list, dict)) and messages:
        messages = messages[0] if isinstance(messages, list) else next(iter(messages.values()))
    return str(messages).rstrip(".")
