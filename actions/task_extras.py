"""What post_task and update_task do with the peers' parameters (``schemas.usertasks``), and
the loader that adds them to task objects. No actions here: ``actions.tasks`` calls
:func:`save_peer_fields`, ``actions.task_dump`` calls :func:`load_peer_fields`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from peewee import JOIN, Value, fn

from actions.lookups import as_id, users_or_fail
from models.base import now
from models.events import Event
from models.members import Team, User
from models.settings import setting
from models.tags import Tag, TagGroup, TaskTag
from models.task_types import TaskPriority, TaskTicket, TaskType, TaskTypePriority
from models.tasks import Task
from models.usertasks import TaskAssignee, TaskTeam, TaskUid
from schemas.envelope import InvalidValue

STATUS_GROUP = "Ticket status"  # the status tag group of Trudesk's New, Open and Pending


class UidTaken(InvalidValue):
    message = "This task_uid belongs to another task"


def retried_post(params: dict[str, Any]) -> Task | None:
    """The task a retried post_task made already (same ``task_uid``, project and title)."""
    if "task_uid" not in params:
        return None
    row = TaskUid.get_or_none(TaskUid.uid == params["task_uid"])
    if row is None:
        return None
    task = row.task
    if task.project_id != params["id_project"] or task.name != params["title"]:
        raise UidTaken(details="task_uid")
    return task


def save_peer_fields(task: Task, params: dict[str, Any], creating: bool) -> None:
    if creating and "task_uid" in params and not (
            TaskUid.insert(uid=params["task_uid"], task=task.id).on_conflict_ignore()
            .as_rowcount().execute()):
        raise UidTaken("This task_uid was taken by a request at the same time: retry",
                       details="task_uid")
    if creating or "type" in params or "type_priority" in params:
        set_ticket(task, params)
    if "assignees" in params:
        replace_rows(TaskAssignee, task, "user", users_or_fail(params["assignees"]))
    if "assigned_groups" in params:
        replace_rows(TaskTeam, task, "team",
                     teams_named(params["assigned_groups"], "assigned_groups"))
    if "ticket_status" in params:
        set_ticket_status(task, params["ticket_status"])


def set_ticket(task: Task, params: dict[str, Any]) -> None:
    """The task's type and priority: ``type`` (else the current one, else the
    ``default_task_type`` setting for a new task) and ``type_priority`` (else the current one
    when the type allows it, else the type's first default priority)."""
    current = TaskTicket.get_or_none(TaskTicket.task == task.id)
    kind = (named(TaskType, params["type"], "type", "type") if "type" in params
            else current.type if current else default_type())
    if kind is None:
        if "type_priority" in params:
            raise InvalidValue("Invalid type_priority: the task has no type", details="type")
        return
    allowed = TaskPriority.select().join(TaskTypePriority).where(TaskTypePriority.type == kind)
    if "type_priority" in params:
        priority = named(TaskPriority, params["type_priority"], "type_priority",
                         "priority")
        if not allowed.where(TaskPriority.id == priority.id).exists():
            raise InvalidValue("Invalid type_priority: the type does not allow it",
                               details="type_priority")
    elif current and current.priority_id and allowed.where(
            TaskPriority.id == current.priority_id).exists():
        priority = current.priority
    else:
        priority = allowed.order_by(TaskPriority.is_default.desc(), TaskPriority.id).first()
    (TaskTicket.insert(task=task.id, type=kind, priority=priority)
     .on_conflict(conflict_target=[TaskTicket.task],
                  preserve=[TaskTicket.type, TaskTicket.priority]).execute())


def default_type() -> TaskType | None:
    pk = setting("default_task_type")
    return TaskType.get_or_none(TaskType.id == pk) if pk else None


def named(model, value: str, param: str, noun: str, column=None):
    """A row by id or exact name (``column``); anything else is code 11 naming the value."""
    column = column or model.name
    number = as_id(value)
    row = model.get_or_none(model.id == number) if number else None
    row = row or model.get_or_none(column == value)
    if row is None:
        raise InvalidValue(f"Invalid {param}: no such {noun}", details=value)
    return row


def teams_named(values: list[str], param: str) -> list[Team]:
    """Teams by ids or titles, each once; ``none`` alone is no team."""
    if [value.lower() for value in values] == ["none"]:
        return []
    teams = [named(Team, value, param, "team", Team.title) for value in values]
    return list({team.id: team for team in teams}.values())


def replace_rows(model, task: Task, column: str, rows: list) -> None:
    model.delete().where(model.task == task.id).execute()
    if rows:
        model.insert_many([(task.id, row.id) for row in rows],
                          fields=[model.task, getattr(model, column)]).execute()


def set_ticket_status(task: Task, status: str) -> None:
    """Closed closes the task; New, Open and Pending reopen it and set that status tag."""
    if status == "Closed":
        if task.status != "done":
            task.status, task.date_closed = "done", now()
    else:
        group = status_group()
        tag, _ = Tag.get_or_create(group=group, title=status)
        in_group = Tag.select(Tag.id).where(Tag.group == group)
        TaskTag.delete().where(TaskTag.task == task.id, TaskTag.tag.in_(in_group)).execute()
        TaskTag.insert(task=task.id, tag=tag.id).on_conflict_ignore().execute()
        task.status, task.date_closed = "active", None
    task.save()


def status_group() -> TagGroup:
    group, _ = TagGroup.get_or_create(scope="task", title=STATUS_GROUP,
                                      defaults={"type": "status", "access": "public"})
    return group


def load_peer_fields(family: dict[int, Task]) -> None:
    """Set the peers' fields of every task in ``family`` in three queries (four when a task
    has a priority), whatever its size."""
    ids = list(family)
    statuses = dict(TaskTag.select(TaskTag.task, Tag.title).join(Tag).join(TagGroup)
                    .where(TaskTag.task.in_(ids), TagGroup.title == STATUS_GROUP,
                           TagGroup.scope == "task").tuples())
    rows = list(Task.select(Task.id, TaskUid.uid, TaskType.id, TaskType.name, TaskPriority.id,
                            TaskPriority.name, TaskPriority.overdue_in, TaskPriority.html_color)
                .join(TaskUid, JOIN.LEFT_OUTER, on=(TaskUid.task == Task.id))
                .switch(Task).join(TaskTicket, JOIN.LEFT_OUTER, on=(TaskTicket.task == Task.id))
                .join(TaskType, JOIN.LEFT_OUTER, on=(TaskType.id == TaskTicket.type))
                .switch(TaskTicket).join(TaskPriority, JOIN.LEFT_OUTER,
                                         on=(TaskPriority.id == TaskTicket.priority))
                .where(Task.id.in_(ids)).tuples())
    with_priority = [row[0] for row in rows if row[4] is not None]
    touched = last_activity(with_priority) if with_priority else {}
    show_overdue = bool(with_priority) and setting("show_overdue")  # read once, not per task
    for task_id, uid, type_id, type_name, *priority in rows:
        task = family[task_id]
        if uid:
            task.loaded["task_uid"] = uid
        if type_id or task_id in statuses:
            task.loaded["ticket_status"] = ("Closed" if task.status == "done"
                                            else statuses.get(task_id, "New"))
        if type_id:
            task.loaded["type"] = {"id": str(type_id), "name": type_name}
        if priority[0] is not None:
            set_priority(task, priority, touched.get(task_id), show_overdue)
    load_people(family)


def set_priority(task: Task, priority: list[Any], touched: dt.datetime | None,
                 show_overdue: bool) -> None:
    """The task's ``type_priority``, and ``overdue`` unless the setting hides it."""
    pk, name, overdue_in, html_color = priority
    task.loaded["type_priority"] = {"id": str(pk), "name": name, "overdue_in": overdue_in,
                                    "html_color": html_color}
    if show_overdue:
        due = (touched or task.date_added) + dt.timedelta(minutes=overdue_in)
        task.loaded["overdue"] = int(task.loaded["ticket_status"] in ("New", "Open")
                                     and now() > due)


def load_people(family: dict[int, Task]) -> None:
    """``assignees`` and ``assigned_groups`` from one query."""
    ids = list(family)
    users = (TaskAssignee.select(TaskAssignee.task, User.id, User.email, User.first_name,
                                 User.last_name, Value("user"))
             .join(User).where(TaskAssignee.task.in_(ids)))
    teams = (TaskTeam.select(TaskTeam.task, Team.id, Team.title, Value(""), Value(""),
                             Value("team"))
             .join(Team).where(TaskTeam.task.in_(ids)))
    for task_id, pk, text, first, last, kind in sorted((users + teams).tuples(),
                                                       key=lambda row: (row[5], row[1])):
        if kind == "user":
            name = " ".join(part for part in (first, last) if part)
            family[task_id].loaded["assignees"].append({"id": str(pk), "email": text,
                                                        "name": name})
        else:
            family[task_id].loaded["assigned_groups"].append({"id": str(pk), "title": text})


def last_activity(task_ids: list[int]) -> dict[int, dt.datetime]:
    """The time of each task's latest event: any change or comment resets the overdue clock."""
    rows = (Event.select(Event.task_id, fn.MAX(Event.date_added))
            .where(Event.task_id.in_(task_ids)).group_by(Event.task_id).tuples())
    return {task_id: as_datetime(at) for task_id, at in rows}


def as_datetime(value: Any) -> dt.datetime:
    """MAX() of a datetime column comes back as text on SQLite."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
