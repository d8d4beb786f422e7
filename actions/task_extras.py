"""What post_task and update_task do besides the task's row: tags, relations and the peers'
parameters (``schemas.usertasks``). No actions here: ``actions.tasks`` calls
:func:`link_extras`, which tells in a :class:`Written` what it set (the answer is made from
it, not read back)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.lookups import as_id, tags_named, users_or_fail, visible_tasks
from models.base import now
from models.members import Team, User
from models.settings import setting
from models.tags import Tag, TagGroup, TaskTag
from models.task_types import TaskPriority, TaskTicket, TaskType, TaskTypePriority
from models.tasks import Task, TaskRelation
from models.usertasks import TaskAssignee, TaskTeam, TaskUid
from schemas.envelope import InvalidValue, TaskInvalid

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
    task = visible_tasks(Task.select().where(Task.id == row.task_id)).first()
    if task is None or task.project_id != params["id_project"] or task.name != params["title"]:
        raise UidTaken(details="task_uid")
    return task


@dataclass
class Written:
    """What post_task or update_task wrote besides the task's row; None: left as it was."""

    uid: str | None = None
    tags: list[Tag] | None = None
    ticket: tuple[TaskType, TaskPriority | None] | None = None
    assignees: list[User] | None = None
    groups: list[Team] | None = None
    status_tag: Tag | None = None  # ticket_status New, Open or Pending


def link_extras(task: Task, params: dict[str, Any], replace: bool = False) -> Written:
    """Tags, the peers' fields and relations (Taskgate's ``relations_from`` /
    ``relations_to``) of a new task, or of an updated one (``replace``)."""
    written = Written()
    if "tags" in params:
        tags = written.tags = tags_named("task", params["tags"], strict=False)
        if replace:
            TaskTag.delete().where(TaskTag.task == task).execute()
        if tags:
            TaskTag.insert_many([(task.id, tag.id) for tag in tags],
                                fields=[TaskTag.task, TaskTag.tag]).on_conflict_ignore().execute()
    save_peer_fields(task, params, not replace, written)
    for side, mine, theirs in (("relations_from", "to_task", "from_task"),
                               ("relations_to", "from_task", "to_task")):
        if side in params:
            set_relations(task, params[side], mine, theirs)
    return written


def set_relations(task: Task, links: dict[int, str], mine: str, theirs: str) -> None:
    """Replace the task's relations on one side with ``links`` ({other task id: type})."""
    if task.id in links:
        raise InvalidValue("Invalid relations: a task cannot depend on itself",
                           details=str(task.id))
    found = {t.id for t in visible_tasks(Task.select(Task.id).where(Task.id.in_(list(links))))}
    missing = [str(i) for i in links if i not in found]
    if missing:
        raise TaskInvalid(details=",".join(missing))
    TaskRelation.delete().where(getattr(TaskRelation, mine) == task).execute()
    if links:
        TaskRelation.insert_many([{mine: task.id, theirs: other, "type": kind}
                                  for other, kind in links.items()]).execute()


def save_peer_fields(task: Task, params: dict[str, Any], creating: bool,
                     written: Written) -> None:
    if creating and "task_uid" in params and not (
            TaskUid.insert(uid=params["task_uid"], task=task.id).on_conflict_ignore()
            .as_rowcount().execute()):
        raise UidTaken("This task_uid was taken by a request at the same time: retry",
                       details="task_uid")
    if creating:
        written.uid = params.get("task_uid")
    if creating or "type" in params or "type_priority" in params:
        written.ticket = set_ticket(task, params, creating)
    if "assignees" in params:
        written.assignees = users_or_fail(params["assignees"])
        replace_rows(TaskAssignee, task, "user", written.assignees)
    if "assigned_groups" in params:
        written.groups = teams_named(params["assigned_groups"], "assigned_groups")
        replace_rows(TaskTeam, task, "team", written.groups)
    if "ticket_status" in params:
        written.status_tag = set_ticket_status(task, params["ticket_status"])


def set_ticket(task: Task, params: dict[str, Any], creating: bool = False
               ) -> tuple[TaskType, TaskPriority | None] | None:
    """The task's type and priority: ``type`` (else the current one, else the
    ``default_task_type`` setting for a new task) and ``type_priority`` (else the current one
    when the type allows it, else the type's first default priority)."""
    current = None if creating else TaskTicket.get_or_none(TaskTicket.task == task.id)
    kind = (named(TaskType, params["type"], "type", "type") if "type" in params
            else current.type if current else default_type())
    if kind is None:
        if "type_priority" in params:
            raise InvalidValue("Invalid type_priority: the task has no type", details="type")
        return None
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
    return kind, priority


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


def set_ticket_status(task: Task, status: str) -> Tag | None:
    """Closed closes the task; New, Open and Pending reopen it and set that status tag (the
    only one of its group: answered)."""
    tag = None
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
    return tag


def status_group() -> TagGroup:
    group, _ = TagGroup.get_or_create(scope="task", title=STATUS_GROUP,
                                      defaults={"type": "status", "access": "public"})
    return group
