"""UserTasks' batch read: tasks by the UUIDs their clients chose (``task_uid``), a Taskgate
extension. (``task_uid`` stands for ``id_task`` in every action that takes one:
``schemas.base.address_from_uid``.)"""

from __future__ import annotations

from actions.lookups import visible_tasks
from actions.registry import action
from actions.task_dump import dump_tasks
from models.tasks import Task
from models.usertasks import TaskUid
from schemas.tasks import LIST_EXTRAS
from schemas.usertasks import GetTasksByUidsIn


@action(GetTasksByUidsIn)
def get_tasks_by_uids(params):
    """Get tasks by their task_uid, in the order asked (uids of no task are left out)."""
    uids = params["task_uids"]
    by_uid = dict(TaskUid.select(TaskUid.uid, TaskUid.task).where(TaskUid.uid.in_(uids)).tuples())
    tasks = {task.id: task for task in visible_tasks(
        Task.select().where(Task.id.in_(list(by_uid.values()))))}
    ordered = [tasks[by_uid[uid]] for uid in uids if by_uid.get(uid) in tasks]
    extras = {word.lower() for word in params["extra"]} & (LIST_EXTRAS - {"archive"})
    return dump_tasks(ordered, extras)
