"""Lists: paging with ``page`` (from 1) and ``limit`` (default: the ``default_page_limit``
setting), and every row streamed in keyset batches when neither is given.

:func:`listing` is how a list action answers: with ``page`` or ``limit``, that page and the
``total``; without, Worksection's answer (every row), as an iterator the view writes as it is
read. Rows are read :data:`BATCH` at a time in the list's order, each batch after the last key
of the one before (a keyset: no parameter list and no memory that grows with the rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from marshmallow import fields, post_load, validate
from peewee import Field, ForeignKeyField, Tuple

from models.settings import setting
from schemas.base import Params
from schemas.envelope import Reply

MAX_LIMIT = 1000
MAX_PAGE = 1_000_000
BATCH = 1000  # rows read (and written out) at a time by a streamed list

Dump = Callable[[list[Any]], list[Any]]  # a batch of rows to their out shape


class PageNumber(fields.Integer):
    """A page number; a legacy ``page=/project/...`` address is left to ``Params``."""

    def deserialize(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and value.startswith("/"):
            return None
        return super().deserialize(value, *args, **kwargs)


class PagedIn(Params):
    page = PageNumber(strict=False, allow_none=True, validate=validate.Range(
        1, MAX_PAGE, error=f"must be a number from 1 to {MAX_PAGE}"))
    limit = fields.Integer(strict=False, validate=validate.Range(
        1, MAX_LIMIT, error=f"must be a number from 1 to {MAX_LIMIT}"))

    @post_load
    def drop_address(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("page") is None:
            data.pop("page", None)
        return data


def paged(query, params: dict):
    """One page of ``query``: the first page unless ``page`` is given."""
    return query.paginate(params.get("page", 1), params.get("limit")
                          or setting("default_page_limit"))


def is_paged(params: dict) -> bool:
    return "page" in params or "limit" in params


def listing(query, params: dict, order: Sequence[Field], dump: Dump, **top: Any) -> Any:
    """A list action's answer: one page and the ``total`` when ``page`` or ``limit`` is given,
    else every row, streamed. ``order`` must be unique together (end it with the id)."""
    if is_paged(params):
        rows = list(paged(query.order_by(*order), params))
        return Reply(dump(rows), **top, total=query.order_by().count())
    rows = streamed(query, order, dump)
    return Reply(rows, **top) if top else rows


def streamed(query, order: Sequence[Field], dump: Dump, size: int = BATCH) -> Iterator[Any]:
    """Every row of ``query`` in ``order``, dumped a batch at a time."""
    for rows in batches(query, order, size):
        yield from dump(rows)


def batches(query, order: Sequence[Field], size: int = BATCH) -> Iterator[list[Any]]:
    """The rows of ``query`` ascending in ``order``, ``size`` at a time, each batch read after
    the last key of the previous one."""
    last: list[Any] | None = None
    while True:
        batch = query.order_by(*order).limit(size)
        if last is not None:
            batch = batch.where(Tuple(*order) > Tuple(*last))
        rows = list(batch)
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = [getattr(rows[-1], attribute(field)) for field in order]


def attribute(field: Field) -> str:
    """The row attribute holding ``field``'s value (a foreign key's id, not its row)."""
    return field.object_id_name if isinstance(field, ForeignKeyField) else field.name
