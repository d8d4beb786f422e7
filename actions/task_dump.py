"""The task serialisation every resource shares: ``dump_tasks`` (tasks with extras) and
``task_brief`` (the task inside a cost or a timer). Any number of tasks costs a fixed number
of queries: each kind of related row is loaded for all tasks at once and grouped here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from peewee import fn

from actions.custom_fields import values_of
from actions.lookups import visible_comments, visible_tasks
from actions.task_extras import load_peer_fields
from models.comments import Comment
from models.files import File
from models.members import User
from models.projects import Project
from models.tags import Tag, TaskTag
from models.tasks import Task, TaskRelation, TaskSubscriber
from schemas.members import user_ref
from schemas.tasks import brief_out, comment_ref, file_ref, task_out, task_ref

LAST_COMMENTS = 5


def dump_tasks(tasks: Iterable[Task], extras: Iterable[str] = (), *, active_only: bool = False,
               brief_children: bool = False) -> list[dict[str, Any]]:
    """Tasks as Worksection writes them, with the extras asked for (``text``/``html``,
    ``files``, ``comments``, ``relations``, ``subtasks``, ``subscribers``, ``custom_fields``),
    in a fixed number of queries whatever the number of tasks. ``subtasks`` nests two levels
    in ``child`` (only open ones with ``active_only``; the short form with ``brief_children``)."""
    tasks, extras = list(tasks), frozenset(extras)
    family = {task.id: task for task in tasks}
    if "subtasks" in extras and tasks:
        family.update({t.id: t for t in subtasks_of(family, active_only) if t.id not in family})
    load_refs(list(family.values()), family)
    for task in family.values():
        task.loaded = defaultdict(list)
    for loader, extra in LOADERS:
        if extra is None or extra in extras:
            loader(family)
    return task_out(extras, brief_children=brief_children).dump(tasks, many=True)


def task_brief(task: Task) -> dict[str, Any]:
    """The task inside a cost or a timer. Reads ``task.author``, ``task.user_to`` and
    ``task.project``: give it tasks from ``load_refs`` to load those in bulk."""
    return brief_out.dump(task)


def load_refs(tasks: list[Task], known: dict[int, Task] | None = None) -> list[Task]:
    """Set author, executive, project and parent of every task from at most four queries."""
    users = rows_by_id(User, {t.author_id for t in tasks} | {t.user_to_id for t in tasks})
    projects = rows_by_id(Project, {t.project_id for t in tasks})
    known = dict(known or {})
    known.update(rows_by_id(Task, {t.parent_id for t in tasks} - set(known) - {None}))
    for task in tasks:
        task.author, task.project = users[task.author_id], projects[task.project_id]
        if task.user_to_id:
            task.user_to = users[task.user_to_id]
        if task.parent_id:
            task.parent = known[task.parent_id]
    return tasks


def rows_by_id(model, ids: set[int | None]) -> dict[int, Any]:
    ids.discard(None)
    return {row.id: row for row in model.select().where(model.id.in_(list(ids)))} if ids else {}


def subtasks_of(family: dict[int, Task], active_only: bool) -> list[Task]:
    ids = list(family)
    query = visible_tasks(Task.select().where(Task.root.in_(ids) | Task.parent.in_(ids)))
    query = query.order_by(Task.id)
    return list(query.where(Task.status == "active") if active_only else query)


def load_children(family: dict[int, Task]) -> None:
    for task in sorted(family.values(), key=lambda t: t.id):
        if task.parent_id in family:
            family[task.parent_id].loaded["child"].append(task)


def load_tags(family: dict[int, Task]) -> None:
    rows = (TaskTag.select(TaskTag.task, Tag.id, Tag.title).join(Tag)
            .where(TaskTag.task.in_(list(family))).order_by(Tag.id).tuples())
    for task_id, tag_id, title in rows:
        family[task_id].loaded.setdefault("tags", {})[str(tag_id)] = title


def load_files(family: dict[int, Task]) -> None:
    query = File.select().where(File.task.in_(list(family)), File.comment.is_null())
    for file in query.order_by(File.id):
        family[file.task_id].loaded["files"].append(file_ref(file))


def load_comments(family: dict[int, Task]) -> None:
    """The last five comments of each task, newest first, in one query."""
    order = [Comment.date_added.desc(), Comment.id.desc()]
    ranked = (Comment.select(Comment.id, fn.ROW_NUMBER().over(partition_by=[Comment.task],
                                                              order_by=order).alias("rank"))
              .where(Comment.task.in_(list(family))))
    ranked = visible_comments(ranked).alias("ranked")
    query = (Comment.select(Comment, User).join(User)
             .join(ranked, on=(ranked.c.id == Comment.id))
             .where(ranked.c.rank <= LAST_COMMENTS).order_by(Comment.task, *order))
    for comment in query:
        task = family[comment.task_id]
        task.loaded["comments"].append(comment_ref(comment, task.page))


def load_relations(family: dict[int, Task]) -> None:
    """``from``: the tasks this one waits for; ``to``: the tasks that wait for it."""
    for side, mine, theirs in (("from", "to_task", "from_task"), ("to", "from_task", "to_task")):
        other = getattr(TaskRelation, theirs)
        query = (TaskRelation.select(TaskRelation, Task).join(Task, on=other)
                 .where(getattr(TaskRelation, mine).in_(list(family))).order_by(TaskRelation.id))
        query = visible_tasks(query)
        for rel in query:
            relations = family[getattr(rel, f"{mine}_id")].loaded.setdefault("relations", {})
            relations.setdefault(side, []).append(
                {"type": rel.type, "task": task_ref(getattr(rel, theirs))})


def load_subscribers(family: dict[int, Task]) -> None:
    query = (TaskSubscriber.select(TaskSubscriber, User).join(User)
             .where(TaskSubscriber.task.in_(list(family))).order_by(User.id))
    for link in query:
        family[link.task_id].loaded["subscribers"].append(user_ref(link.user))


def load_custom_fields(family: dict[int, Task]) -> None:
    for task_id, values in values_of("task", list(family)).items():
        family[task_id].loaded["custom_fields"] = values


LOADERS = ((load_tags, None), (load_children, "subtasks"), (load_files, "files"),
           (load_comments, "comments"), (load_relations, "relations"),
           (load_subscribers, "subscribers"), (load_custom_fields, "custom_fields"),
           (load_peer_fields, None))
