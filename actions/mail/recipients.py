"""Who is told of an event: the task's subscribers, its executive, the people mentioned, and
for a new task the notification lists of the project's teams; never the person who made the
change, a disabled user, a user who turned mail off or muted the task, nor anyone who may not
see the task or the comment (the visibility of ``get_task`` and ``get_comments``)."""

from __future__ import annotations

from typing import NamedTuple

from actions.caller import Caller, calling_as
from actions.lookups import visible_comments, visible_tasks
from models.comments import Comment
from models.events import Event
from models.mail import MailMute, MailPreference, TeamNotify
from models.members import ACCOUNT_ADMINS, User
from models.projects import ProjectMember
from models.tasks import Task, TaskSubscriber
from models.usertasks import TaskAssignee

# Task update events that are no change of the task itself (subscriptions, tags).
QUIET_KEYS = frozenset({"subscribers", "tags"})
RANK = {"mention": 0, "executive": 1, "subscriber": 2, "team": 3}


class Recipient(NamedTuple):
    address: str
    user: User | None
    reason: str
    digest: int | None  # the user's digest minutes (None: the setting's)


def worth_mailing(event: Event) -> bool:
    if event.task_id is None:
        return False
    if event.object_type == "comment":
        return event.action == "post"
    if event.action == "update":
        return bool(set(event.new_values or {}) - QUIET_KEYS)
    return event.action in ("post", "close", "reopen")


def recipients(event: Event, task: Task, mentions: list[int],
               default_notify: str) -> list[Recipient]:
    """The addresses to tell of ``event`` on ``task``, one each."""
    comment = (Comment.get_or_none(Comment.id == event.object_id)
               if event.object_type == "comment" else None)
    reasons = people(task, mentions)
    users = {u.id: u for u in User.select().where(User.id.in_(list(reasons)), User.is_active)}
    prefs = {p.user_id: p for p in MailPreference.select().where(
        MailPreference.user.in_(list(users)))}
    muted = {m.user_id for m in MailMute.select().where(MailMute.task == task)}
    members = project_members(task) if not task.hidden else set()
    found: dict[str, Recipient] = {}
    for user_id, reason in sorted(reasons.items(), key=lambda item: RANK[item[1]]):
        user, pref = users.get(user_id), prefs.get(user_id)
        if user is None or user_id == event.user_id:
            continue
        notify = (pref.notify if pref and pref.notify else default_notify)
        if notify == "off" or (reason != "mention" and (notify == "mentions"
                                                         or user_id in muted)):
            continue
        if may_see(user, task, comment, members):
            found[user.email] = Recipient(user.email, user, reason, pref.digest if pref else None)
    if event.object_type == "task" and event.action == "post":
        for address in team_lists(task):
            if address not in found and not task.hidden and address != actor_email(event):
                if User.by_email(address) is None:  # users are told as users, above
                    found[address] = Recipient(address, None, "team", None)
    return list(found.values())


def people(task: Task, mentions: list[int]) -> dict[int, str]:
    """User id → the strongest reason to tell them (assignees count as executives)."""
    reasons: dict[int, str] = {}
    for (user_id,) in TaskSubscriber.select(TaskSubscriber.user).where(
            TaskSubscriber.task == task).tuples():
        reasons[user_id] = "subscriber"
    for (user_id,) in TaskAssignee.select(TaskAssignee.user).where(
            TaskAssignee.task == task).tuples():
        reasons[user_id] = "executive"
    if task.user_to_id:
        reasons[task.user_to_id] = "executive"
    for user_id in mentions:
        reasons[user_id] = "mention"
    return reasons


def project_members(task: Task) -> set[int]:
    return {row[0] for row in ProjectMember.select(ProjectMember.user)
            .where(ProjectMember.project == task.project_id).tuples()}


def may_see(user: User, task: Task, comment: Comment | None, members: set[int]) -> bool:
    """What ``get_task`` (and ``get_comments``) would show this user."""
    if not task.hidden and not (comment and comment.hidden):  # membership alone decides
        return user.role in ACCOUNT_ADMINS or user.id in members
    with calling_as(Caller(user=user)):
        if comment is not None:
            return visible_comments(Comment.select().where(Comment.id == comment.id)).exists()
        return visible_tasks(Task.select().where(Task.id == task.id)).exists()


def team_lists(task: Task) -> list[str]:
    """The notification lists of the teams of the project's members."""
    teams = (User.select(User.team).join(ProjectMember, on=ProjectMember.user == User.id)
             .where(ProjectMember.project == task.project_id))
    emails: list[str] = []
    for row in TeamNotify.select().where(TeamNotify.team.in_(teams)):
        emails.extend(e.strip().lower() for e in row.emails.split(",") if e.strip())
    return list(dict.fromkeys(emails))


def actor_email(event: Event) -> str:
    return event.user.email if event.user_id else ""
