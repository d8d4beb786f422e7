"""Trudesk's ticket details, Taskgate extensions: a task's notes (its hidden comments) as
their own list, and the tasks past their priority's overdue time. (A task's type, priority
and New/Open/Pending/Closed status are post_task and update_task parameters:
``actions.task_extras``.)"""

from __future__ import annotations

from actions.comments import comment_rows, comments_of, with_authors
from actions.lookups import project_or_fail, task_or_fail, visible_tasks
from actions.registry import action
from actions.task_dump import dump_tasks
from models.comments import Comment
from models.settings import setting
from models.task_types import TaskTicket
from models.tasks import Task
from schemas.paging import listed, listing
from schemas.task_types import OverdueTasksIn, TaskNotesIn


@action(TaskNotesIn)
def get_notes(params):
    """Get a task's notes: its hidden comments the caller may read, oldest first."""
    task = task_or_fail(params["id_task"])
    notes = comments_of(task).where(Comment.hidden == True)  # noqa: E712
    return listing(notes, params, (Comment.date_added, Comment.id), comment_rows(task.page, False),
                   rows=with_authors)


@action(OverdueTasksIn)
def get_overdue_tasks(params):
    """Get the open tasks past their priority's overdue time (Trudesk's overdue tickets)."""
    if not setting("show_overdue"):
        return listed([], params, first_page=True)
    query = (Task.select().join(TaskTicket, on=TaskTicket.task == Task.id)
             .where(Task.status == "active", TaskTicket.priority.is_null(False)))
    if "id_project" in params:
        query = query.where(Task.project == project_or_fail(params["id_project"]).id)
    tasks = [task for task in dump_tasks(visible_tasks(query).order_by(Task.id))
             if task.get("overdue")]
    return listed(tasks, params, lambda task: (int(task["id"]),), first_page=True)
