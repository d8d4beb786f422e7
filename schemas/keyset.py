"""A list's order as keyset keys (:class:`Keys`), and the cursors that carry the keys of
the last row a client saw (:func:`packed`): JSON, base64url, checked against the list's
columns before they reach SQL."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
from collections.abc import Callable, Sequence
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    ForeignKeyField,
    IntegerField,
    Ordering,
    TextField,
    Tuple,
)

from schemas.envelope import InvalidValue

START = ()  # the cursor of a walk's first page (``cursor=``)


class Keys:
    """A list's order as keyset keys: the expressions, their direction, and how to read
    their values back from a row (as extra columns named ``_key0``...)."""

    def __init__(self, order: Sequence[Any]) -> None:
        descending = {isinstance(item, Ordering) and item.direction.upper() == "DESC"
                      for item in order}
        if len(descending) != 1:
            raise ValueError("a keyset order is all ascending or all descending")
        self.order = tuple(order)
        self.nodes = tuple(item.node if isinstance(item, Ordering) else item for item in order)
        self.descending = descending.pop()
        self.names = tuple(f"_key{i}" for i in range(len(self.nodes)))

    def ordered(self, query):
        """``query`` in the list's order, with its keys as the last columns."""
        keyed = query.select_extend(*(node.alias(name)
                                      for node, name in zip(self.nodes, self.names, strict=True)))
        return keyed.order_by(*self.order)

    def beyond(self, values: Sequence[Any]):
        """Rows after ``values`` in the list's order."""
        row, last = Tuple(*self.nodes), Tuple(*values)
        return row < last if self.descending else row > last

    def from_row(self, first):
        """Rows from the one a ``first`` subquery selects the keys of, in the list's order."""
        row = Tuple(*self.nodes)
        return row <= first if self.descending else row >= first

    def of(self, row: Any) -> tuple:
        """The key values of a row read through :meth:`ordered`."""
        if isinstance(row, tuple):
            return row[-len(self.names):]
        if isinstance(row, dict):
            return tuple(row[name] for name in self.names)
        return tuple(key_value(row, name) for name in self.names)

    def check(self, values: tuple) -> None:
        """A cursor from another list, or forged, is refused before it reaches SQL."""
        if values is not START and (len(values) != len(self.nodes) or not all(
                fits(node, value) for node, value in zip(self.nodes, values, strict=True))):
            raise InvalidValue("Invalid cursor: not a cursor of this list", details="cursor")


def key_value(row: Any, name: str) -> Any:
    """Peewee sets a key column on the row of the model it belongs to: the listed row, or
    one joined to it."""
    found = joined_value(row, name)
    if found is MISSING:
        raise LookupError(f"{name} is not in the row")
    return found


def joined_value(row: Any, name: str) -> Any:
    if name in vars(row):
        return vars(row)[name]
    for joined in vars(row).get("__rel__", {}).values():
        if joined is not None and (found := joined_value(joined, name)) is not MISSING:
            return found
    return MISSING


MISSING = object()


# A cursor holds JSON values; these types are tagged to come back as they were.
TAGS: dict[str, tuple[type, Callable[[str], Any]]] = {
    "t": (dt.datetime, dt.datetime.fromisoformat), "d": (dt.date, dt.date.fromisoformat),
    "n": (decimal.Decimal, decimal.Decimal)}
KINDS = ((ForeignKeyField, int), (IntegerField, int), (DateTimeField, dt.datetime),
         (DateField, dt.date), (DecimalField, decimal.Decimal), (BooleanField, bool),
         (CharField, str), (TextField, str))


def packed(values: tuple) -> str:
    items = [next(([tag, str(value)] for tag, (kind, _) in TAGS.items()
                   if isinstance(value, kind)), value) for value in values]
    text = json.dumps(items, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def unpacked(cursor: str) -> tuple:
    """The key values a cursor holds; none when it is not a cursor."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        items = json.loads(text)
        return tuple(unpacked_value(item) for item in items) if isinstance(items, list) else ()
    except (ValueError, TypeError, binascii.Error):
        return ()


def unpacked_value(item: Any) -> Any:
    if isinstance(item, list) and len(item) == 2 and item[0] in TAGS:
        return TAGS[item[0]][1](item[1])
    if isinstance(item, (list, dict, float)):
        raise ValueError(item)
    return item


def fits(node: Any, value: Any) -> bool:
    """Whether ``value`` can be a key value of ``node`` (a column's type; an expression's
    number or text)."""
    if value is None:
        return False
    kind = next((kind for field, kind in KINDS if isinstance(node, field)),
                None if isinstance(node, Field) else (int, str))
    if kind is None or (isinstance(value, bool) and kind is not bool):
        return False
    return isinstance(value, kind) and storable(value) and (
        kind is not dt.date or not isinstance(value, dt.datetime))


def storable(value: Any) -> bool:
    """Not an integer past SQL's BIGINT."""
    return not isinstance(value, int) or -(2**63) <= value < 2**63
