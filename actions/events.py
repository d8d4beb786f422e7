"""The events log: what changed in projects, tasks and comments, and who changed it."""

from __future__ import annotations

from peewee import JOIN

from actions.lookups import project_or_fail, task_or_fail, visible_events
from actions.registry import action
from models.base import now
from models.events import Event
from models.members import User
from schemas.events import EVENT_COLUMNS, GetEventsIn, event_rows
from schemas.paging import listing


@action(GetEventsIn)
def get_events(params):
    """Get the events of the last period (1m..360m, 1h..72h, 1d..30d), oldest first."""
    query = Event.select()
    if "period" in params:
        query = query.where(Event.date_added >= now() - params["period"].delta)
    if "id_project" in params:
        query = query.where(Event.project_id == project_or_fail(params["id_project"]).id)
    if "id_task" in params:
        query = query.where(Event.task_id == task_or_fail(params["id_task"]).id)
    return listing(visible_events(query), params, (Event.date_added, Event.id), event_rows,
                   rows=with_users)


def with_users(query):
    """Events with the columns ``event_rows`` writes."""
    return query.select(*EVENT_COLUMNS).join(User, JOIN.LEFT_OUTER).tuples()
