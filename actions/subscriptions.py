"""Task subscribers: subscribe, unsubscribe."""

from __future__ import annotations

from actions.caller import acting_user
from actions.lookups import task_or_fail, user_or_fail
from actions.registry import action
from actions.tasks import add_subscribers
from models.events import record
from models.members import User
from models.tasks import Task, TaskSubscriber
from schemas.members import user_ref
from schemas.tasks import SubscribeIn


@action(SubscribeIn, writes=True)
def subscribe(params):
    """Subscribe a user to a task."""
    task, user = task_or_fail(params["id_task"]), user_or_fail(params["email_user"])
    before = subscribers(task)
    add_subscribers(task, [user])
    record_subscribers(task, before)


@action(SubscribeIn, writes=True)
def unsubscribe(params):
    """Unsubscribe a user from a task."""
    task, user = task_or_fail(params["id_task"]), user_or_fail(params["email_user"])
    before = subscribers(task)
    TaskSubscriber.delete().where(TaskSubscriber.task == task,
                                  TaskSubscriber.user == user).execute()
    record_subscribers(task, before)


def subscribers(task: Task) -> list[dict[str, str]]:
    users = User.select().join(TaskSubscriber).where(TaskSubscriber.task == task)
    return [user_ref(user) for user in users.order_by(User.id)]


def record_subscribers(task: Task, before: list[dict[str, str]]) -> None:
    """An update event with the subscriber lists, when they changed."""
    after = subscribers(task)
    if after != before:
        record("update", "task", task.id, task.page, user=acting_user(),
               project_id=task.project_id, task_id=task.id,
               new={"subscribers": after}, old={"subscribers": before})
