"""The events log: what changed in projects, tasks and comments, and who changed it.

Every event (no ``page``, ``limit`` or ``cursor``) is streamed in keyset batches by statements
rendered once per shape (``models.compiled``), their rows written as they come from the driver:
no Peewee row conversion, the time cut to the minute from SQLite's text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from peewee import JOIN, Tuple

from actions.lookups import project_or_fail, task_or_fail, viewer, visible_events
from actions.registry import action
from models.base import now
from models.compiled import Statement, compiled, slot
from models.events import Event
from models.members import User
from schemas.events import EVENT_COLUMNS, GetEventsIn, event_rows, streamed_row
from schemas.paging import BATCH, is_paged, listing


@action(GetEventsIn)
def get_events(params):
    """Get the events of the last period (1m..360m, 1h..72h, 1d..30d), oldest first."""
    given: dict[str, Any] = {}
    if "period" in params:
        given["since"] = Event.date_added.db_value(now() - params["period"].delta)
    if "id_project" in params:
        given["project"] = project_or_fail(params["id_project"]).id
    if "id_task" in params:
        given["task"] = task_or_fail(params["id_task"]).id
    if not is_paged(params):
        return every_event(given)
    query = filtered(Event.select(), given, given.get)
    return listing(visible_events(query), params, (Event.date_added, Event.id), event_rows,
                   rows=with_users)


FILTERS = {"since": lambda value: Event.date_added >= value,
           "project": lambda value: Event.project_id == value,
           "task": lambda value: Event.task_id == value}


def filtered(query, names: Iterable[str], value: Callable[[str], Any]):
    """``query`` with the filters ``names`` (of :data:`FILTERS`), each against ``value(name)``:
    the value given, or a slot of a compiled statement."""
    for name in names:
        query = query.where(FILTERS[name](value(name)))
    return query


def with_users(query):
    """Events with the columns ``event_rows`` writes."""
    return query.select(*EVENT_COLUMNS).join(User, JOIN.LEFT_OUTER).tuples()


def every_event(given: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The events ``given`` selects, oldest first, :data:`BATCH` at a time after the time and
    id of the last one written (both rendered before the first row is read)."""
    kind, user_id = viewer()
    shape = (tuple(sorted(given)), kind)
    first, after = batch(shape, False), batch(shape, True)
    return batches(first, after, {**given, "user": user_id, "size": BATCH})


def batches(first: Statement, after: Statement, values: dict[str, Any]) -> Iterator[dict]:
    rows = first.rows(**values)
    while True:
        yield from map(streamed_row, rows)
        if len(rows) < BATCH:
            return
        date, pk = rows[-1][4], rows[-1][-1]  # date_added, id: the list's keys
        rows = after.rows(**values, date=date, id=pk)


def batch(shape: tuple, after: bool) -> Statement:
    """A batch of events in the list's order (``after``: beyond the keys of a row)."""
    filters, _ = shape

    def build():
        query = filtered(Event.select(*EVENT_COLUMNS, Event.id).join(User, JOIN.LEFT_OUTER)
                         .order_by(Event.date_added, Event.id).limit(slot("size")),
                         filters, slot)
        if after:
            query = query.where(Tuple(Event.date_added, Event.id)
                                > Tuple(slot("date"), slot("id")))
        return visible_events(query, slot("user"))

    return compiled(("events", shape, after), build)
