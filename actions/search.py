"""Task search: selectors, a status and the filter language (``schemas.filters``)."""

from __future__ import annotations

from typing import Any

from actions.lookups import project_or_fail, task_or_fail
from actions.registry import action
from actions.task_dump import list_tasks
from actions.task_query import all_of, selection
from models.members import User
from models.projects import Project
from models.tasks import Task
from schemas.envelope import InvalidEmail
from schemas.filters import compile_filter
from schemas.search import SearchTasksIn

TASK_COLUMNS = {"id": Task.id, "project": Task.project, "parent": Task.parent, "name": Task.name,
                "text": Task.text,
                "dateadd": Task.date_added, "datestart": Task.date_start,
                "dateend": Task.date_end, "dateclose": Task.date_closed}


@action(SearchTasksIn)
def search_tasks(params):
    """Search tasks and subtasks; archived projects only when a project or task is named."""
    clauses, archived = matching(params), "id_project" in params or "id_task" in params
    if not archived:
        clauses.append(Project.status != "archive")
    return list_tasks(selection(None, lambda: all_of(*clauses), projects=not archived), params)


def matching(params: dict[str, Any]) -> list:
    """The clauses of the selectors, the status and the filter of search_tasks (checked and
    compiled now: the answer may be streamed)."""
    clauses = []  # SearchTasksIn asks for one selector at least
    if "id_project" in params:
        clauses.append(Task.project == project_or_fail(params["id_project"]).id)
    if "id_task" in params:  # the task and its subtasks at any depth
        top = task_or_fail(params["id_task"]).id
        clauses.append((Task.id == top) | (Task.parent == top) | (Task.root == top))
    if "email_user_from" in params:
        clauses.append(Task.author == user_named(params["email_user_from"]))
    if "email_user_to" in params:
        clauses.append(assigned_to(params["email_user_to"]))
    if "status" in params:
        clauses.append(Task.status == params["status"])
    if "filter" in params:
        clauses.append(compile_filter(params["filter"], TASK_COLUMNS))
    return clauses


def user_named(email: str) -> User:
    """Any user with this email, former ones too: their tasks stay searchable."""
    user = User.by_email(email)
    if user is None:
        raise InvalidEmail(details=email)
    return user


def assigned_to(value: str):
    """``email_user_to``: a user's tasks, or the ones for ANY user or for NOONE."""
    if value == "ANY":
        return Task.user_to_any == True  # noqa: E712 - a peewee expression
    if value == "NOONE":
        return Task.user_to.is_null() & (Task.user_to_any == False)  # noqa: E712
    return Task.user_to == user_named(value)
