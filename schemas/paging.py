"""Lists: paging with ``page`` (from 1) and ``limit`` (default: the ``default_page_limit``
setting), walking with an opaque ``cursor``, and every row streamed in keyset batches when
none of them is given.

:func:`listing` is how a list action answers. With ``page`` or ``limit``: that page and the
``total`` of rows. With ``cursor`` (empty to start): the ``limit`` rows after the cursor, the
``total`` and a ``next_cursor`` while rows remain. The ``total`` is counted on the first page
only (``total=1`` asks for it on every page, ``total=0`` never): a walk does not count the
whole selection again at every step; a walk by cursor sees every row that was
there when it began exactly once, whatever is inserted meanwhile, and page 1,000 costs what
page 1 costs. Without any of them, Worksection's answer (every row), as an iterator the view
writes as it is read, :data:`BATCH` rows at a time.

A list is read by keys: its order (``order``) is a few columns, unique together (end it with
the id), all ascending or all descending. A page number is found by a narrow key-only
subquery (``(keys) >= (SELECT keys ... LIMIT 1 OFFSET n)``), so the rows before it are
stepped over in the index instead of being read, joined and dropped; a batch and a cursor
page read after the last keys seen (a keyset: no parameter list, no memory that grows with
the rows, no OFFSET at all)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from marshmallow import ValidationError, fields, post_load, validate, validates_schema
from peewee import SQL, fn

from models.base import db, one_round_trip
from models.settings import setting
from schemas.base import Flag, Params
from schemas.envelope import InvalidValue, Reply
from schemas.keyset import START, Keys, packed, storable, unpacked

MAX_LIMIT = 1000
MAX_PAGE = 1_000_000
BATCH = 1000  # rows read (and written out) at a time by a streamed list

Dump = Callable[[list[Any]], list[Any]]  # a batch of rows to their out shape
Widen = Callable[[Any], Any]  # a list's query to the query of its answer's columns


def same(query: Any) -> Any:
    return query


class PageNumber(fields.Integer):
    """A page number; a legacy ``page=/project/...`` address is left to ``Params``."""

    def deserialize(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and value.startswith("/"):
            return None
        return super().deserialize(value, *args, **kwargs)


class Cursor(fields.Field):
    """``next_cursor`` of the page before, or empty for the first page: the key values of
    the last row seen, opaque to the client."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple:
        if value in ("", None):
            return START
        values = unpacked(str(value))
        if not values:
            raise ValidationError("not a cursor this server gave")
        return values


class PagedIn(Params):
    """``page`` and ``limit`` page a list (with its ``total``); ``cursor`` walks it; ``total``
    asks for the count on every page (``1``) or on none (``0``)."""

    KEEP_EMPTY = ("cursor",)  # ``cursor=`` starts a walk

    page = PageNumber(strict=False, allow_none=True, validate=validate.Range(
        1, MAX_PAGE, error=f"must be a number from 1 to {MAX_PAGE}"))
    limit = fields.Integer(strict=False, validate=validate.Range(
        1, MAX_LIMIT, error=f"must be a number from 1 to {MAX_LIMIT}"))
    cursor = Cursor()
    total = Flag()

    @post_load
    def drop_address(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("page") is None:
            data.pop("page", None)
        return data

    @validates_schema
    def page_or_cursor(self, data: dict[str, Any], **_: Any) -> None:
        if "cursor" in data and data.get("page") is not None:
            raise ValidationError("give page or cursor, not both", "cursor")


class Page(NamedTuple):
    rows: list[Any]
    total: int | None  # None: not counted on this page (see counted())
    next_cursor: str | None  # None unless walked by cursor and rows remain


def is_paged(params: dict) -> bool:
    return "page" in params or "limit" in params or "cursor" in params


def counted(params: dict) -> bool:
    """Whether a page counts its selection: asked (``total=1``/``0``), else on a first page
    only (page 1, or a cursor walk's start)."""
    if params.get("total") is not None:
        return params["total"]
    return params.get("cursor") == START if "cursor" in params else params.get("page", 1) == 1


def page_size(params: dict) -> int:
    return params.get("limit") or setting("default_page_limit")


def listing(query, params: dict, order: Sequence[Any], dump: Dump, *, rows: Widen = same,
            count: str = "total", first_page: bool = False, **top: Any) -> Any:
    """A list action's answer: a page, its ``total`` (or the key ``count`` names) and the
    ``top`` keys when paged; else every row, streamed (``first_page``: only the first page,
    as the lists that have always answered their newest page do).

    ``query`` selects the list's rows (its filters, and the joins they need: no GROUP BY);
    ``rows`` widens it to the columns and joins of the answer. Counts and page keys are read
    from ``query`` alone, which an index can often answer by itself."""
    if is_paged(params):
        page = one_page(query, params, order, rows)
        return page_reply(dump(page.rows), page, count, **top)
    if first_page:
        size = page_size(params)
        return with_top(dump(list(page_rows(query, Keys(order), 1, size, rows))), top)
    return with_top(streamed(rows(query), order, dump), top)


def page_reply(data: Any, page: Page, count: str = "total", **top: Any) -> Reply:
    """A page's answer: its rows, the ``top`` keys, the total and the next cursor."""
    more = {} if page.next_cursor is None else {"next_cursor": page.next_cursor}
    total = {} if page.total is None else {count: page.total}
    return Reply(data, **top, **total, **more)


def listed(rows: list[Any], params: dict, key: Callable[[Any], tuple] | None = None,
           dump: Callable[[list[Any]], Any] = list, *, first_page: bool = False,
           **top: Any) -> Any:
    """The answer :func:`listing` gives, of a list held in memory (a few rows, or rows
    computed in Python). ``key``: the ascending keys of a row, unique (none: its position)."""
    if not is_paged(params):
        return with_top(dump(rows[:page_size(params)] if first_page else rows), top)
    size = page_size(params)
    if "cursor" not in params:
        start = (params.get("page", 1) - 1) * size
        return page_reply(dump(rows[start:start + size]), Page([], total_of(rows, params), None),
                          **top)
    keys = [key(row) if key else (n,) for n, row in enumerate(rows)]
    beyond = [n for n, found in enumerate(keys) if after_key(found, params["cursor"])]
    page = beyond[:size]
    last = packed(keys[page[-1]]) if len(beyond) > size else None
    return page_reply(dump([rows[n] for n in page]), Page([], total_of(rows, params), last),
                      **top)


def total_of(rows: list[Any], params: dict) -> int | None:
    return len(rows) if counted(params) else None


def after_key(found: tuple, last: tuple) -> bool:
    if last is START:
        return True
    if len(found) != len(last) or not all(type(a) is type(b) and storable(b)
                                          for a, b in zip(found, last, strict=True)):
        raise InvalidValue("Invalid cursor: not a cursor of this list", details="cursor")
    return found > last


def with_top(rows: Any, top: dict[str, Any]) -> Any:
    return Reply(rows, **top) if top else rows


def one_page(query, params: dict, order: Sequence[Any], rows: Widen = same) -> Page:
    """The page ``params`` ask for (by number or by cursor), with the total of rows."""
    keys, size = Keys(order), page_size(params)
    if "cursor" in params:
        keys.check(params["cursor"])
        page = after(rows(query), keys, params["cursor"]).limit(size + 1)
    else:
        page = page_rows(query, keys, params.get("page", 1), size, rows)
    with one_round_trip():
        counter = db.execute(query.select(fn.COUNT(SQL("*"))).order_by()) \
            if counted(params) else None
        reading = page.execute()
    total, found = None if counter is None else counter.fetchone()[0], list(reading)
    more = "cursor" in params and len(found) > size
    return Page(found[:size], total, packed(keys.of(found[size - 1])) if more else None)


def paged(query, params: dict, order: Sequence[Any]):
    """The rows of page ``page`` (from 1) of ``query``, ``limit`` a page."""
    return page_rows(query, Keys(order), params.get("page", 1), page_size(params))


def page_rows(query, keys: Keys, number: int, size: int, rows: Widen = same):
    """Page ``number``: from the row whose keys a key-only subquery finds."""
    found = keys.ordered(rows(query))
    if number > 1:
        first = (query.select(*keys.nodes).order_by(*keys.order)
                 .limit(1).offset((number - 1) * size))
        found = found.where(keys.from_row(first))
    return found.limit(size)


def after(query, keys: Keys, last: tuple):
    rows = keys.ordered(query)
    return rows if last is START else rows.where(keys.beyond(last))


def streamed(query, order: Sequence[Any], dump: Dump, size: int | None = None) -> Iterator[Any]:
    """Every row of ``query`` in ``order``, dumped a batch at a time."""
    for rows in batches(query, order, size):
        yield from dump(rows)


def batches(query, order: Sequence[Any], size: int | None = None) -> Iterator[list[Any]]:
    """The rows of ``query`` in ``order``, ``size`` (:data:`BATCH`) at a time, each batch
    read after the last keys of the previous one."""
    keys, size = Keys(order), size or BATCH
    last: tuple = START
    while True:
        rows = list(after(query, keys, last).limit(size))
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = keys.of(rows[-1])


