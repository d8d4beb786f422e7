"""The events log: what changed in projects, tasks and comments, and who changed it."""

from __future__ import annotations

from peewee import JOIN

from actions.lookups import project_or_fail, task_or_fail, visible_events
from actions.registry import action
from models.base import now
from models.events import Event
from models.members import User
from schemas.events import EventOut, GetEventsIn
from schemas.paging import listing

events_out = EventOut(many=True)


@action(GetEventsIn)
def get_events(params):
    """Get the events of the last period (1m..360m, 1h..72h, 1d..30d), oldest first."""
    query = Event.select(Event, User).join(User, JOIN.LEFT_OUTER)
    if "period" in params:
        query = query.where(Event.date_added >= now() - params["period"])
    if "id_project" in params:
        query = query.where(Event.project_id == project_or_fail(params["id_project"]).id)
    if "id_task" in params:
        query = query.where(Event.task_id == task_or_fail(params["id_task"]).id)
    return listing(visible_events(query), params, (Event.date_added, Event.id), events_out.dump)
