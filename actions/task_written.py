"""The answer of a write (post_task, update_task, complete_task) made from what the action
holds: the rows it read before writing (:func:`read_task`: the task with its people, project,
parent, ticket, tags and assignees in one statement) and what it wrote
(``task_extras.Written``). Nothing is read back, but custom field values when asked for."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from peewee import ForeignKeyField

from actions.task_dump import load_custom_fields
from actions.task_extras import STATUS_GROUP, Written
from actions.task_query import (
    AUTHOR,
    EXECUTIVE,
    OWN,
    PARENT,
    PRIORITY,
    PROJECT_NAME,
    ROW,
    TOUCHED,
    TYPE,
    UID,
    Family,
    custom_rows,
    selection,
    split_around,
    task_rows,
)
from models.compiled import Statement, compiled, slot, together
from models.events import Event
from models.members import User
from models.projects import Project
from models.settings import setting
from models.tasks import Task
from schemas.envelope import TaskInvalid
from schemas.task_out import Around, Shape, person, task_out

TASK_FIELDS = ROW[OWN]  # the task's own columns; its text comes last in a row read with it
ATTRIBUTES = [column.object_id_name if isinstance(column, ForeignKeyField) else column.name
              for column in TASK_FIELDS]


@dataclass
class InHand:
    """A task and what its answer shows besides its own columns."""

    task: Task
    author: tuple  # (email, first name, last name)
    project_name: str
    parent: tuple | None = None  # (name, project id, root id, status, priority)
    uid: str | None = None
    type: tuple | None = None  # (id, name)
    priority: tuple | None = None  # (id, name, overdue_in, html_color)
    touched: Any = None  # the time of the task's last event
    owner: User | None = None  # the account's owner, when read with the task
    open_children: bool = False  # whether it has open subtasks, when read with the task
    tags: dict[int, tuple[str, bool]] = field(default_factory=dict)  # id: (title, status?)
    assignees: list[tuple] = field(default_factory=list)  # (id, email, first, last)
    groups: list[tuple] = field(default_factory=list)  # (id, title)

    @property
    def parent_done(self) -> bool:
        return self.parent is not None and self.parent[3] == "done"


def posted(task: Task, project: Project, written: Written, event: Event) -> InHand:
    """A task post_task just made."""
    author, parent = task.author, task.parent if task.parent_id else None
    hand = InHand(task, (author.email, author.first_name, author.last_name), project.name,
                  parent and (parent.name, parent.project_id, parent.root_id, parent.status,
                              parent.priority))
    return wrote(hand, written, event)


def read_task(id_task: int, owner: bool = False, children: bool = False,
              around: bool = True) -> InHand:
    """A task as update_task, complete_task and reopen_task find it (code 5 when the caller
    cannot see it), its executive set, with its tags and people unless not ``around``; with
    ``owner`` the account's owner, with ``children`` whether it has open subtasks: statements
    sent together (one round trip on PostgreSQL)."""
    sel = selection("task", lambda: Task.id == slot("id"), id=id_task)
    rows, *found = together(
        (task_rows(sel, True, "all", around=around), sel.values),
        *([(User.owner_read(), {})] if owner else []),
        *([(open_children(), {"id": id_task})] if children else []))
    if not rows:
        raise TaskInvalid()
    row, tags_and_people = split_around(rows[0]) if around else (rows[0], [])
    hand = in_hand(row)
    with_around(hand, tags_and_people)
    if owner:
        hand.owner = User.owner_of(found.pop(0))
    hand.open_children = bool(children and found.pop(0))
    return hand


def open_children() -> Statement:
    return compiled("open children", lambda: Task.select(Task.id).where(
        (Task.parent == slot("id")) | (Task.root == slot("id")), Task.status == "active")
        .limit(1))


def in_hand(row: tuple) -> InHand:
    """A task row of ``task_rows`` (with its text), its executive set."""
    task = Task(**{name: column.python_value(value) for name, column, value
                   in zip(ATTRIBUTES, TASK_FIELDS, row[OWN], strict=True)}, text=row[-1])
    if task.user_to_id:  # the executive the update event compares
        email, first, last = row[EXECUTIVE]
        task.user_to = User(id=task.user_to_id, email=email, first_name=first, last_name=last)
    return InHand(task, row[AUTHOR], row[PROJECT_NAME], row[PARENT] if task.parent_id else None,
                  row[UID], row[TYPE] if row[TYPE][0] else None,
                  row[PRIORITY] if row[PRIORITY][0] is not None else None, row[TOUCHED])


def with_around(hand: InHand, around: list[tuple]) -> None:
    """``hand`` with its tags, assignees and teams (rows of ``around_rows``)."""
    for kind, _, pk, text, group, scope in around:
        if kind == 0:
            hand.tags[pk] = (text, group == STATUS_GROUP and scope == "task")
        elif kind == 1:
            hand.assignees.append((pk, text, group, scope))
        else:
            hand.groups.append((pk, text))


def wrote(hand: InHand, written: Written, event: Event | None) -> InHand:
    """``hand`` after ``written`` (and ``event``, the task's latest)."""
    if written.uid is not None:
        hand.uid = written.uid
    if written.tags is not None:
        hand.tags = {tag.id: (tag.title, tag.group.title == STATUS_GROUP
                              and tag.group.scope == "task") for tag in written.tags}
    if written.status_tag is not None:
        hand.tags = {pk: tag for pk, tag in hand.tags.items() if not tag[1]}
        hand.tags[written.status_tag.id] = (written.status_tag.title, True)
    if written.ticket is not None:
        kind, priority = written.ticket
        hand.type = (kind.id, kind.name)
        hand.priority = priority and (priority.id, priority.name, priority.overdue_in,
                                      priority.html_color)
    if written.assignees is not None:
        hand.assignees = [(u.id, u.email, u.first_name, u.last_name) for u in written.assignees]
    if written.groups is not None:
        hand.groups = [(team.id, team.title) for team in written.groups]
    if event is not None:
        hand.touched = event.date_added
    return hand


def answer(hand: InHand, extras: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The task object of ``hand``, as a read would answer it."""
    task, executive = hand.task, hand.task.user_to if hand.task.user_to_id else None
    row = (*(getattr(task, name) for name in ATTRIBUTES), *hand.author,
           *((executive.email, executive.first_name, executive.last_name) if executive
             else (None, None, None)),
           hand.project_name, *(hand.parent or (None,) * 5), hand.uid,
           *(hand.type or (None, None)), *(hand.priority or (None,) * 4), hand.touched,
           task.text)
    tags = sorted(hand.tags.items())
    statuses = [title for _, (title, status) in tags if status]
    around = Around(show_overdue=functools.cache(lambda: setting("show_overdue")))
    if tags:
        around.tags[task.id] = {str(pk): title for pk, (title, _) in tags}
    if statuses:
        around.statuses[task.id] = statuses[-1]
    if hand.assignees:
        around.assignees[task.id] = [person(*user) for user in sorted(hand.assignees)]
    if hand.groups:
        around.groups[task.id] = [{"id": str(pk), "title": title}
                                  for pk, title in sorted(hand.groups)]
    if "custom_fields" in extras:
        sel = selection("task", lambda: Task.id == slot("id"), id=task.id)
        values = {**sel.values, "lo": task.id, "hi": task.id}
        load_custom_fields(around, custom_rows(Family(sel)).rows(**values), {})
    return task_out(row, around, Shape(frozenset(extras)))
