"""Tasks and subtasks (two levels below a task): list, read, create, update, close, reopen, delete.
The serialisation lives in ``actions.task_dump``, the peers' parameters in ``task_extras``.

Worksection has no action that creates task relations; post_task and update_task take two
Taskgate extension parameters for them: ``relations_from`` (the tasks this one waits for) and
``relations_to`` (the tasks that wait for it), comma lists of ``finish-to-start:ID`` or
``start-to-start:ID`` (a bare ID is finish-to-start). On update_task a list replaces that side;
``none`` empties it. ``custom_fields`` sets custom field values (``actions.custom_fields``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from actions.attachments import attach_uploaded, save_attachments
from actions.caller import acting_user, acts_as_owner
from actions.custom_fields import save_values
from actions.lookups import (
    composed_text,
    executive,
    known_users,
    project_check,
    task_or_fail,
    visible_tasks,
)
from actions.mail.outbox import note_mentions
from actions.registry import action
from actions.task_dump import dump_tasks, list_tasks, one_task
from actions.task_extras import Written, link_extras, retried_post
from actions.task_query import all_of, selection
from actions.task_statements import project_and_author, subscribing
from actions.task_written import answer, posted, read_task, wrote
from models.base import now
from models.compiled import inserted, saved_later, slot
from models.events import Event, record
from models.members import User
from models.projects import Project
from models.settings import setting
from models.tasks import MAX_DEPTH, Task, TaskVisibility
from schemas.envelope import ApiError, InvalidValue, TaskInvalid
from schemas.task_out import Shape
from schemas.tasks import (
    GetAllTasksIn,
    GetTaskIn,
    GetTasksIn,
    PostTaskIn,
    TaskIdIn,
    UpdateTaskIn,
    event_values,
)


class TaskClosed(ApiError):
    status_code, message = 8, "Task is closed"


class AlreadyClosed(ApiError):
    status_code, message = 12, "Task is already closed"


class AlreadyActive(ApiError):
    status_code, message = 12, "Task is already active"


class HasChildren(ApiError):
    status_code, message = 13, "Task has children"


class ParentDone(ApiError):
    status_code, message = 14, "Parent task is done"


@action(GetAllTasksIn, aliases=("get_priority",))
def get_all_tasks(params):
    """Get the tasks of all projects (archived ones with extra=archive)."""
    archive, active = "archive" in params["extra"], params["active"]

    return list_tasks(selection("all_tasks", lambda: all_of(
        Task.parent.is_null(), open_only(active),
        None if archive else Project.status != "archive"), (archive, active),
        projects=not archive, top_level=True), params, active)


@action(GetTasksIn)
def get_tasks(params):
    """Get the tasks of a project."""
    active = params["active"]
    return list_tasks(selection("tasks", lambda: all_of(
        Task.project == slot("project"), Task.parent.is_null(), open_only(active)), (active,),
        top_level=True, project=params["id_project"]), params, active,
        project_check(params["id_project"]))


@action(GetTaskIn, aliases=("get_subtasks",))
def get_task(params):
    """Get a task (with its parent if it is a subtask)."""
    task = one_task(selection("task", lambda: Task.id == slot("id"), id=params["id_task"]),
                    Shape(frozenset(params["extra"]), brief_children=True), params["active"])
    if task is None:
        raise TaskInvalid()
    return task


def open_only(active: bool):
    """The open tasks only, with ``filter=active``."""
    return Task.status == "active" if active else None


@action(PostTaskIn, writes=True, aliases=("post_subtask",))
def post_task(params):
    """Create a task, or a subtask of id_parent."""
    if (retried := retried_post(params)) is not None:  # a retry with the same task_uid
        return dump_tasks([retried], params["extra"])[0]
    project, author, task_id = project_and_author(params)
    task = new_task(project, params, author)
    task.id = task_id  # taken ahead (PostgreSQL): its insert can wait for the next statement
    inserted(task, later=task.id is not None)
    add_people(task, params)
    written = link_extras(task, params)
    attach_uploaded(params.get("files", []), task)
    save_attachments(params.get("attach", []), task.author, task=task)
    _, custom = save_values("task", task, params.get("custom_fields", {}))
    event = record("post", "task", task.id, task.page, user=task.author,
                   project_id=task.project_id, task_id=task.id,
                   new={**post_values(task), **custom})
    note_mentions(event, params.get("mention", []))
    return answer(posted(task, project, written, event), params["extra"])


@action(UpdateTaskIn, writes=True, aliases=("update_subtask",))
def update_task(params):
    """Update a task, open or closed."""
    hand = read_task(params["id_task"], owner=acts_as_owner(params.get("email_user_from")))
    task, before = hand.task, event_values(hand.task)
    apply_changes(task, params)
    saved_later(task)
    add_subscribers(task, [task.user_to] if task.user_to_id else [])
    written = link_extras(task, params, replace=True)
    custom_old, custom_new = save_values("task", task, params.get("custom_fields", {}))
    event = record_changes(task, {**before, **custom_old},
                           acting_user(params.get("email_user_from"), hand.owner), custom_new)
    return answer(wrote(hand, written, event), params["extra"])


@action(TaskIdIn, writes=True, aliases=("complete_subtask",))
def complete_task(params):
    """Close a task whose subtasks are all closed."""
    hand = read_task(params["id_task"], owner=acts_as_owner(params.get("email_user_from")),
                     children=True)
    task = hand.task
    if task.status == "done":
        raise AlreadyClosed()
    if hand.open_children:
        raise HasChildren()
    task.status, task.date_closed = "done", now()
    saved_later(task)
    return answer(wrote(hand, Written(), record_event("close", task, params, hand.owner)))


@action(TaskIdIn, writes=True, aliases=("reopen_subtask",))
def reopen_task(params):
    """Reopen a closed task (its parent must be open)."""
    hand = read_task(params["id_task"], owner=acts_as_owner(params.get("email_user_from")),
                     around=False)
    task = hand.task
    if task.status == "active":
        raise AlreadyActive()
    if hand.parent_done:
        raise ParentDone()
    task.status, task.date_closed = "active", None
    saved_later(task)
    record_event("reopen", task, params, hand.owner)


@action(TaskIdIn, writes=True)
def delete_task(params):
    """Delete a task with its subtasks, comments, files and costs (a Taskgate extension)."""
    task = task_or_fail(params["id_task"])
    record("delete", "task", task.id, task.page, user=acting_user(params.get("email_user_from")),
           project_id=task.project_id, task_id=task.id, old={"title": task.name})
    task.delete_instance()


FIELD_NAMES = {"title": "name", "datestart": "date_start", "dateend": "date_end"}
DATED_FIELDS = ("datestart", "dateend", "time_start", "time_end", "max_time", "max_money")


def fields_from(params: dict[str, Any], *names: str) -> dict[str, Any]:
    """Model field values for the parameters given (``title`` → ``name``...)."""
    return {FIELD_NAMES.get(name, name): params[name] for name in names if name in params}


def new_task(project: Project, params: dict[str, Any], author: User) -> Task:
    """An unsaved task from post_task's parameters, checked."""
    task = Task(project=project, name=params["title"], hidden=bool(params.get("hidden")),
                priority=params["priority"] if "priority" in params
                else setting("default_task_priority"),
                author=author, text=composed_text(params),
                **fields_from(params, *DATED_FIELDS))
    place_under(task, params.get("id_parent"))
    assign(task, params.get("email_user_to"), project)
    check_dates(task)
    return task


def apply_changes(task: Task, params: dict[str, Any]) -> None:
    """Set what update_task was given; ``dateclosed`` keeps the time of day of the closing."""
    for key, value in fields_from(params, "title", "text", "priority", *DATED_FIELDS).items():
        setattr(task, key, value)
    if "email_user_to" in params:
        assign(task, params["email_user_to"])
    if "dateclosed" in params:
        task.date_closed = dt.datetime.combine(params["dateclosed"],
                                               (task.date_closed or dt.datetime.min).time())
    check_dates(task)


def place_under(task: Task, id_parent: int | None) -> None:
    """Make ``task`` a subtask of ``id_parent``: same project, open, at most two levels."""
    if id_parent is None:
        return
    parent = visible_tasks(Task.select().where(
        Task.id == id_parent, Task.project == task.project_id)).first()
    if parent is None:
        raise TaskInvalid(details=str(id_parent))
    if parent.status == "done":
        raise TaskClosed()
    if parent.depth >= MAX_DEPTH:
        raise InvalidValue("Invalid id_parent: subtasks nest two levels deep at most",
                           details="id_parent")
    task.parent, task.root_id, task.depth = parent, parent.root_id or parent.id, parent.depth + 1


def assign(task: Task, value: str | None, project: Project | None = None) -> None:
    """``email_user_to``: a user, ANY or NOONE; when absent, the project's default."""
    if value is None and project is not None:
        task.user_to, task.user_to_any = project.default_user_to, project.default_to_any
    else:
        task.user_to, task.user_to_any = executive(value)


def check_dates(task: Task) -> None:
    if task.date_start and task.date_end and task.date_end < task.date_start:
        raise InvalidValue("Invalid dateend: before datestart", details="dateend")


def add_people(task: Task, params: dict[str, Any]) -> None:
    """Subscribe the author, the executive and ``subscribe``; restrict a ``hidden`` task."""
    subscribers = [task.author, *known_users(params.get("subscribe", []))]
    add_subscribers(task, subscribers + ([task.user_to] if task.user_to_id else []))
    hidden = known_users(params.get("hidden", []))
    if hidden:
        TaskVisibility.insert_many([(task.id, user.id) for user in hidden],
                                   fields=[TaskVisibility.task, TaskVisibility.user]).execute()


def add_subscribers(task: Task, users: Iterable[User]) -> None:
    """Subscribe the users (once each; the ones subscribed already stay): an insert nobody
    reads the result of, sent with the next statement."""
    ids = list(dict.fromkeys(user.id for user in users))
    if ids:
        subscribing(len(ids)).later(task=task.id, **{f"user{n}": pk for n, pk in enumerate(ids)})


def post_values(task: Task) -> dict[str, Any]:
    """A post event's ``new``: the title, the executive and whatever else is set."""
    values = event_values(task)
    new = {"title": values.pop("title"), "user_to": values.pop("user_to")}
    new.update({key: value for key, value in values.items() if value != ""})
    return {**new, **({"text": task.text} if task.text else {})}


def record_changes(task: Task, before: dict[str, Any], user: User,
                   custom: dict[str, Any] | None = None) -> Event | None:
    after = {**event_values(task), **(custom or {})}
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return None
    return record("update", "task", task.id, task.page, user=user,
                  project_id=task.project_id, task_id=task.id,
                  new={k: after[k] for k in changed}, old={k: before[k] for k in changed})


def record_event(kind: str, task: Task, params: dict[str, Any],
                 owner: User | None = None) -> Event:
    """``owner``: the owner's row, when it was read already (``acting_user``)."""
    return record(kind, "task", task.id, task.page,
                  user=acting_user(params.get("email_user_from"), owner),
                  project_id=task.project_id, task_id=task.id)


