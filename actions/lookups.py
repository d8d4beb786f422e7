"""Lookups every resource shares: rows by id (or fail with the Worksection error), users by
email, executives with their ANY/NOONE sentinels, tags by name or id; what a user token may
see: the projects it is a member of (all of them for an account admin), and there the tasks
and comments that are not hidden from it. The admin key sees everything."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from actions.caller import caller
from models.comments import Comment, CommentVisibility
from models.compiled import Statement, compiled, slot
from models.events import Event
from models.files import File
from models.members import ACCOUNT_ADMINS, User
from models.projects import Project, ProjectMember
from models.tags import Tag, TagGroup
from models.tasks import Task, TaskVisibility
from schemas.envelope import ApiError, InvalidEmail, ProjectInvalid, TaskInvalid

ANY, NOONE = "any", "noone"


def project_or_fail(id_project: int) -> Project:
    """The project, if the caller may see it (another project is code 4 to a user not in it)."""
    return one_visible(Project, visible_projects, id_project, ProjectInvalid)


def visible_projects(query, user_id: Any = None):
    """Restrict a project query for a user token to the projects the user is a member of."""
    user = caller().user
    if user is None or user.role in ACCOUNT_ADMINS:
        return query
    return query.where(Project.id.in_(member_projects(user.id if user_id is None else user_id)))


def member_projects(user_id: Any):
    return ProjectMember.select(ProjectMember.project).where(ProjectMember.user == user_id)


def task_or_fail(id_task: int) -> Task:
    """The task, if the caller may see it (a hidden task is code 5 to a user not let in)."""
    return one_visible(Task, visible_tasks, id_task, TaskInvalid)


def one_visible(model, visible, pk: int, missing: type[ApiError]):
    """The row of ``model`` with this id if the caller may see it, else ``missing``; its
    statement rendered once per kind of caller."""
    statement, values = visible_check(model, visible, pk, missing).read
    return fail_if_none(statement.first(model, **values), missing)


class VisibleCheck(NamedTuple):
    """The read that finds a row the caller may see, and the error when it finds none: to
    send with the reads that follow it (``models.compiled.together``)."""

    statement: Statement
    values: dict[str, Any]
    missing: type[ApiError]

    @property
    def read(self) -> tuple[Statement, dict[str, Any]]:
        return self.statement, self.values

    def passed(self, rows: list[tuple]) -> None:
        if not rows:
            raise self.missing()

    def run(self) -> None:
        """The check on its own."""
        self.passed(self.statement.rows(**self.values))


def visible_check(model, visible, pk: int, missing: type[ApiError]) -> VisibleCheck:
    kind, user_id = viewer()
    statement = compiled((model.__name__, kind), lambda: visible(
        model.select().where(model.id == slot("id")), slot("user")))
    return VisibleCheck(statement, {"id": pk, "user": user_id}, missing)


def project_check(pk: int) -> VisibleCheck:
    """:func:`project_or_fail`'s read, to send along with others."""
    return visible_check(Project, visible_projects, pk, ProjectInvalid)


def visible_tasks(query, user_id: Any = None):
    """Restrict a task query for a user token: tasks of its projects; a hidden task shows to
    its author and to the users it names. The admin key sees everything. ``user_id`` stands
    for the user's id in the query (a compiled statement's slot)."""
    clause = tasks_visible(user_id)
    return query if clause is None else query.where(clause)


def tasks_visible(user_id: Any = None):
    """The clause ``visible_tasks`` adds, or None for the admin key."""
    user = caller().user
    return None if user is None else task_visible_to(user, user_id)


def visible_comments(query, user_id: Any = None):
    """Restrict a comment query for a user token, as ``visible_tasks`` does tasks."""
    user = caller().user
    return query if user is None else query.where(comment_visible_to(user, user_id))


def viewer() -> tuple[str, int | None]:
    """What the caller's visibility clauses look like (the admin key's none, an account
    admin's, a member's) and the user id they hold: a compiled statement's shape and slot."""
    user = caller().user
    if user is None:
        return "key", None
    return ("admin" if user.role in ACCOUNT_ADMINS else "member"), user.id


def visible_events(query, user_id: Any = None):
    """Restrict an event query for a user token: no event of a task or comment it cannot see.
    ``user_id`` stands for the user's id in the query, as in :func:`visible_tasks`."""
    user = caller().user
    if user is None:
        return query
    uid = user.id if user_id is None else user_id
    hidden_tasks = Task.select(Task.id).where(~task_visible_to(user, uid))
    hidden_comments = Comment.select(Comment.id).where(~comment_visible_to(user, uid))
    query = query.where(Event.task_id.is_null() | Event.task_id.not_in(hidden_tasks),
                        (Event.object_type != "comment") | Event.object_id.not_in(hidden_comments))
    if user.role in ACCOUNT_ADMINS:
        return query
    return query.where(Event.project_id.is_null()
                       | Event.project_id.in_(member_projects(uid)))


def task_visible_to(user: User, user_id: Any = None):
    uid = user.id if user_id is None else user_id
    named = TaskVisibility.select(TaskVisibility.task).where(TaskVisibility.user == uid)
    shown = (Task.hidden == False) | (Task.author == uid) | Task.id.in_(named)  # noqa: E712
    return shown if user.role in ACCOUNT_ADMINS else shown & Task.project.in_(
        member_projects(uid))


def comment_visible_to(user: User, user_id: Any = None):
    uid = user.id if user_id is None else user_id
    named = (CommentVisibility.select(CommentVisibility.comment)
             .where(CommentVisibility.user == uid))
    tasks = Task.select(Task.id).where(task_visible_to(user, uid))
    return (((Comment.hidden == False) | (Comment.author == uid)  # noqa: E712
             | Comment.id.in_(named)) & Comment.task.in_(tasks))


def file_or_fail(id_file: int, missing: type[ApiError]) -> File:
    """The file, if the caller may see what it is attached to (the project, the task or the
    comment); a file not attached yet, only to the user who uploaded it."""
    file = File.get_or_none(File.id == id_file)
    user = caller().user
    if file is None or user is None:
        return fail_if_none(file, missing)
    if file.comment_id is not None:
        seen = visible_comments(Comment.select().where(Comment.id == file.comment_id)).exists()
    elif file.task_id is not None:
        seen = visible_tasks(Task.select().where(Task.id == file.task_id)).exists()
    elif file.project_id is not None:
        seen = visible_projects(Project.select().where(Project.id == file.project_id)).exists()
    else:
        seen = file.author_id == user.id
    return fail_if_none(file if seen else None, missing)


def fail_if_none(row, missing: type[ApiError]):
    if row is None:
        raise missing()
    return row


def user_or_fail(email: str) -> User:
    """An active user with this email; anything else (a contact, a stranger) is code 11."""
    user = User.by_email(email)
    if user is None or not user.is_active:
        raise InvalidEmail(details=email)
    return user


def users_or_fail(emails: Iterable[str]) -> list[User]:
    """The active users with these emails, or code 11 naming every email that is not one."""
    emails = list(dict.fromkeys(e.lower() for e in emails))
    if not emails:
        return []
    found = {u.email: u for u in User.select().where(User.email.in_(emails), User.is_active)}
    missing = [e for e in emails if e not in found]
    if missing:
        raise InvalidEmail(details=",".join(missing))
    return [found[e] for e in emails]


def known_users(emails: Iterable[str]) -> list[User]:
    """The active users with these emails; the other addresses are left out. Create actions
    take people lists this way (Postman's post_project and post_task succeed with an address
    that is no user); the membership actions answer code 11 instead."""
    emails = list(dict.fromkeys(e.lower() for e in emails))
    if not emails:
        return []
    found = {u.email: u for u in User.select().where(User.email.in_(emails), User.is_active)}
    return [found[e] for e in emails if e in found]


def executive(value: str) -> tuple[User | None, bool]:
    """``email_user_to``: a user's email, ``ANY`` or ``NOONE`` → (user, is_any)."""
    if value.upper() == "ANY":
        return None, True
    if value.upper() == "NOONE":
        return None, False
    return user_or_fail(value), False


class TagInvalid(ApiError):
    status_code, message = 16, "Tag is invalid"


def tags_named(scope: str, names_or_ids: Iterable[str], strict: bool = True) -> list[Tag]:
    """Tags of ``scope`` (task or project) by id or by exact name.

    A name or id found in no group is code 16, a name found in two groups is ambiguous (code
    16, "give its id"); unless not ``strict``: then both are left out. post_task and
    post_project take ``tags`` that way (Postman's post_task succeeds with a name that is no
    tag, and only add_*_tags create tags).
    """
    items = list(dict.fromkeys(str(v).strip() for v in names_or_ids if str(v).strip()))
    found = tags_of(scope, items)
    tags: list[Tag] = []
    for item in items:
        number = as_id(item)
        matches = [tag for tag in found if tag.title == item or tag.id == number]
        by_id = [tag for tag in matches if str(tag.id) == item]
        if by_id:
            tags.append(by_id[0])
        elif len(matches) == 1:
            tags.append(matches[0])
        elif not strict:
            continue
        elif len(matches) > 1:
            raise TagInvalid(f"Tag name is ambiguous: it is in {len(matches)} groups, "
                             "give its id instead", details=item)
        else:
            raise TagInvalid(details=item)
    return tags


def tags_of(scope: str, items: list[str]) -> list[Tag]:
    """The tags of ``scope`` (with their group) whose title or id is one of ``items``."""
    if not items:
        return []
    numbers = [number for number in map(as_id, items) if number]
    return list(Tag.select(Tag, TagGroup).join(TagGroup)
                .where(TagGroup.scope == scope,
                       Tag.title.in_(items) | Tag.id.in_(numbers)).order_by(Tag.id))


def as_id(text: str) -> int | None:
    """The id a parameter item stands for, if it is one: up to 18 ASCII digits (``"²"`` is a
    digit to Python, and SQLite cannot compare an integer past 2**63)."""
    if text.isascii() and text.isdigit() and len(text) <= 18 and int(text) > 0:
        return int(text)
    return None


def composed_text(params: dict[str, Any]) -> str:
    """A task description or a comment as Worksection composes it: the text, then a
    ``• item`` line per ``todo``, then the names of the users in ``mention``."""
    lines = [params["text"]] if params.get("text") else []
    text = "\r\n".join(lines + [f"• {item}" for item in params.get("todo", [])])
    names = ", ".join(user.name or user.email for user in users_or_fail(params.get("mention", [])))
    return f"{text} {names}".strip() if names else text
