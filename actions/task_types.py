"""Task types and priorities (Trudesk's ticket types), a Taskgate extension. A type allows
some priorities; a priority says after how many minutes without activity a task of it is
overdue. A type or priority that tasks use is deleted only with a replacement for them."""

from __future__ import annotations

from typing import Any

from actions.registry import action
from models.base import get_or_fail
from models.settings import setting
from models.task_types import TaskPriority, TaskTicket, TaskType, TaskTypePriority
from schemas.envelope import ApiError, InvalidValue, Reply
from schemas.paging import PagedIn, listing
from schemas.task_types import (
    AddTaskPriorityIn,
    AddTaskTypeIn,
    DeleteTaskPriorityIn,
    DeleteTaskTypeIn,
    PriorityOut,
    TaskTypeOut,
    UpdateTaskPriorityIn,
    UpdateTaskTypeIn,
)

type_out = TaskTypeOut()
types_out = TaskTypeOut(many=True)
priority_out = PriorityOut()
priorities_out = PriorityOut(many=True)


class TypeInvalid(ApiError):
    status_code, message = 10, "Task type is invalid"


class PriorityInvalid(ApiError):
    status_code, message = 10, "Task priority is invalid"


class NameTaken(ApiError):
    status_code, message = 11, "This name is already used"


class InUse(ApiError):
    status_code, message = 13, "Tasks use it: give a replacement"


@action(PagedIn)
def get_task_types(params):
    """Get the task types, each with the priorities it allows."""
    return listing(TaskType.select(), params, (TaskType.id,),
                   lambda kinds: types_out.dump(with_priorities(kinds)))


@action(AddTaskTypeIn, writes=True)
def add_task_type(params):
    """Create a task type (with the default priorities unless priorities are given)."""
    unique_name(TaskType, params["name"])
    kind = TaskType.create(name=params["name"])
    allow(kind, params.get("priorities"))
    return type_out.dump(with_priorities([kind])[0])


@action(UpdateTaskTypeIn, writes=True)
def update_task_type(params):
    """Rename a task type or replace the priorities it allows."""
    kind = task_type_or_fail(params["id"])
    if "name" in params:
        unique_name(TaskType, params["name"], kind.id)
        kind.name = params["name"]
        kind.save()
    if "priorities" in params:
        TaskTypePriority.delete().where(TaskTypePriority.type == kind).execute()
        allow(kind, params["priorities"])
    return type_out.dump(with_priorities([kind])[0])


@action(DeleteTaskTypeIn, writes=True)
def delete_task_type(params):
    """Delete a task type; its tasks move to id_type_new (required when there are some)."""
    kind = task_type_or_fail(params["id"])
    if setting("default_task_type") == kind.id:
        raise InvalidValue("Invalid id: the default_task_type setting names this type",
                           details="id")
    tickets = TaskTicket.select().where(TaskTicket.type == kind)
    moved = 0
    if tickets.exists():
        target = replacement(params.get("id_type_new"), kind.id, "id_type_new", tickets.count(),
                             task_type_or_fail)
        moved = move_tickets(kind, target)
    kind.delete_instance()
    return Reply(updated=moved)


@action(PagedIn)
def get_task_priorities(params):
    """Get the task priorities with their overdue time in minutes and their color."""
    return listing(TaskPriority.select(), params, (TaskPriority.id,), priorities_out.dump)


@action(AddTaskPriorityIn, writes=True)
def add_task_priority(params):
    """Create a task priority (overdue_in minutes, default 2880; html_color)."""
    unique_name(TaskPriority, params["name"])
    return priority_out.dump(TaskPriority.create(**priority_fields(params)))


@action(UpdateTaskPriorityIn, writes=True)
def update_task_priority(params):
    """Change a task priority's name, overdue time, color or whether it is a default."""
    priority = get_or_fail(TaskPriority, params["id"], PriorityInvalid)
    if "name" in params:
        unique_name(TaskPriority, params["name"], priority.id)
    for key, value in priority_fields(params).items():
        setattr(priority, key, value)
    priority.save()
    return priority_out.dump(priority)


@action(DeleteTaskPriorityIn, writes=True)
def delete_task_priority(params):
    """Delete a task priority; its tasks move to id_priority_new (required when in use)."""
    priority = get_or_fail(TaskPriority, params["id"], PriorityInvalid)
    tickets = TaskTicket.select().where(TaskTicket.priority == priority)
    moved = 0
    if tickets.exists():
        target = replacement(params.get("id_priority_new"), priority.id, "id_priority_new",
                             tickets.count(),
                             lambda pk: get_or_fail(TaskPriority, pk, PriorityInvalid))
        moved = (TaskTicket.update(priority=target)
                 .where(TaskTicket.priority == priority).execute())
        (TaskTypePriority.insert_many([(row.type_id, target.id) for row in TaskTypePriority
                                       .select().where(TaskTypePriority.priority == priority)],
                                      fields=[TaskTypePriority.type, TaskTypePriority.priority])
         .on_conflict_ignore().execute())
    priority.delete_instance()
    return Reply(updated=moved)


def task_type_or_fail(id_type: int) -> TaskType:
    return get_or_fail(TaskType, id_type, TypeInvalid)


def replacement(given: int | None, own_id: int, name: str, count: int, fetch):
    """The row that takes over the tasks of a deleted one: required, another existing one."""
    if given is None:
        raise InUse(details=f"{count} tasks; give {name}")
    if given == own_id:
        raise InvalidValue(f"Invalid {name}: it is the one being deleted", details=name)
    return fetch(given)


def move_tickets(old: TaskType, new: TaskType) -> int:
    """Re-point the tasks of ``old`` at ``new``; a priority ``new`` does not allow is dropped."""
    allowed = TaskTypePriority.select(TaskTypePriority.priority).where(
        TaskTypePriority.type == new)
    (TaskTicket.update(priority=None)
     .where(TaskTicket.type == old, TaskTicket.priority.not_in(allowed)).execute())
    return TaskTicket.update(type=new).where(TaskTicket.type == old).execute()


def allow(kind: TaskType, priority_ids: list[int] | None) -> None:
    if priority_ids is None:
        priorities = list(TaskPriority.select().where(TaskPriority.is_default == True))  # noqa
    else:
        priorities = [get_or_fail(TaskPriority, pk, PriorityInvalid) for pk in priority_ids]
    if priorities:
        TaskTypePriority.insert_many([(kind.id, p.id) for p in priorities],
                                     fields=[TaskTypePriority.type, TaskTypePriority.priority]
                                     ).on_conflict_ignore().execute()


def with_priorities(kinds: list[TaskType]) -> list[TaskType]:
    """Set ``priorities`` on every type from one query."""
    by_type: dict[int, list[TaskPriority]] = {kind.id: [] for kind in kinds}
    rows = (TaskTypePriority.select(TaskTypePriority, TaskPriority).join(TaskPriority)
            .where(TaskTypePriority.type.in_(list(by_type))).order_by(TaskPriority.id))
    for link in rows:
        by_type[link.type_id].append(link.priority)
    for kind in kinds:
        kind.priorities = by_type[kind.id]
    return kinds


def unique_name(model, name: str, own_id: int | None = None) -> None:
    query = model.select().where(model.name == name)
    if own_id is not None:
        query = query.where(model.id != own_id)
    if query.exists():
        raise NameTaken(details=name)


def priority_fields(params: dict[str, Any]) -> dict[str, Any]:
    names = {"name": "name", "overdue_in": "overdue_in", "html_color": "html_color",
             "default": "is_default"}
    return {field: params[key] for key, field in names.items() if key in params}
