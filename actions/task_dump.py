"""The task serialisation every resource shares. :func:`list_tasks` answers a list (one page
with its total, or every task streamed a batch at a time), :func:`dump_rows` turns a batch of
task rows into task objects with the extras asked for, in a fixed number of statements
(``actions.task_query``) whatever the number of tasks; :func:`dump_tasks` does it for tasks
in hand; :func:`task_brief` is the task inside a cost or a timer."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from actions.lookups import VisibleCheck
from actions.task_extras import STATUS_GROUP
from actions.task_query import (
    Family,
    Selection,
    around_rows,
    comment_rows,
    custom_rows,
    file_rows,
    relation_rows,
    selection,
    split_around,
    subscriber_rows,
    subtask_rows,
    task_count,
    task_rows,
)
from models.compiled import together
from models.members import User
from models.projects import Project
from models.settings import setting
from models.tasks import Task
from schemas.envelope import Reply
from schemas.keyset import Keys, packed
from schemas.paging import BATCH, counted, is_paged
from schemas.task_out import (
    Around,
    Shape,
    add_unset_omitted,
    custom_value,
    executive,
    moment,
    person,
    task_out,
    task_page,
    task_ref,
)

ID_BATCH = 500  # tasks in hand read back per statement (their ids are parameters)
ID_KEYS = Keys([Task.id])  # a task list's cursor: the last id seen


def list_tasks(sel: Selection, params: dict[str, Any], active_only: bool = False,
               check: VisibleCheck | None = None) -> Any:
    """A list answer: with ``page``, ``limit`` or ``cursor`` that page (and its ``total`` on
    the first page or with ``total=1``), else every task of the selection, streamed.
    Statements are rendered before the first row is read. ``check``: a row the caller must
    see (the project of the list), read with the page (one round trip on PostgreSQL)."""
    shape = Shape(frozenset(params["extra"]))
    checks = [] if check is None else [check.read]
    if not is_paged(params):
        if check is not None:
            check.run()
        return streamed(sel, shape, active_only, task_rows(sel, shape.text, "after"))
    limit = params.get("limit") or setting("default_page_limit")
    if "cursor" in params:
        ID_KEYS.check(params["cursor"])
        mode, values = "after", {**sel.values, "size": limit + 1,
                                 "after": params["cursor"][0] if params["cursor"] else 0}
    else:
        mode, values = "page", {**sel.values, "size": limit,
                                "offset": (params.get("page", 1) - 1) * limit}
    count = [(task_count(sel), sel.values)] if counted(params) else []
    extras = extra_reads(Family(sel, False, active_only, mode), shape, values) \
        if with_page(shape, values) else []
    found = together(*checks, (task_rows(sel, shape.text, mode), values), *count, *extras)
    if check is not None:
        check.passed(found.pop(0))
    rows = found.pop(0)
    top = {"total": found.pop(0)[0][0]} if count else {}
    if len(rows) > limit:  # a cursor page reads one more row: whether any remain
        rows = rows[:limit]
        top["next_cursor"] = packed((rows[-1][0],))
    tasks = dumped(rows, [], shape, found) if extras else dump_rows(rows, sel, shape,
                                                                    active_only)
    return Reply(tasks, **top)


def with_page(shape: Shape, values: dict[str, Any]) -> bool:
    """Whether a page's extras are read with its rows, selecting the page's ids as the page
    does (one round trip): not after its subtasks, nor where skipping to the page costs
    more than a second round trip (an offset is walked again by each statement)."""
    return "subtasks" not in shape.extras and not values.get("offset")


def streamed(sel: Selection, shape: Shape, active_only: bool, statement) -> Iterator[dict]:
    after = 0  # ids are positive
    while True:
        rows = statement.rows(**sel.values, after=after, size=BATCH)
        yield from dump_rows(rows, sel, shape, active_only)
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def one_task(sel: Selection, shape: Shape, active_only: bool = False) -> dict | None:
    """The task of a selection by ``id`` (get_task, its subtasks brief), or None when the
    caller cannot see it. Its row brings its tags and people, and its id range is known
    before its row is read, so every other statement goes with it (one round trip)."""
    values = {**sel.values, "lo": sel.values["id"], "hi": sel.values["id"]}
    family = Family(sel, False, active_only)
    subtasks = [(subtask_rows(sel, shape.text, active_only), values)] \
        if "subtasks" in shape.extras else []
    rows, *found = together((task_rows(sel, shape.text, "all", around=True), sel.values),
                            *subtasks, *extra_reads(family, shape, values, around=False))
    if not rows:
        return None
    row, around = split_around(rows[0])
    return dumped([row], found.pop(0) if subtasks else [], shape, [around, *found])[0]


def dump_tasks(tasks: Iterable[Task], extras: Iterable[str] = (), *,
               active_only: bool = False) -> list[dict[str, Any]]:
    """Tasks in hand (the caller may see them) as task objects, in their order."""
    ids = list(dict.fromkeys(task.id for task in tasks))
    shape, found = Shape(frozenset(extras)), {}
    for start in range(0, len(ids), ID_BATCH):
        chunk = ids[start:start + ID_BATCH]
        sel = selection(None, lambda chunk=chunk: Task.id.in_(chunk))
        rows = task_rows(sel, shape.text, "all").rows(**sel.values)
        found.update((row[0], task) for row, task in zip(
            rows, dump_rows(rows, sel, shape, active_only), strict=True))
    return [found[task.id] for task in tasks if task.id in found]


def dump_rows(rows: list[tuple], sel: Selection, shape: Shape,
              active_only: bool = False) -> list[dict[str, Any]]:
    """Task rows of a selection, ascending ids, as task objects with their extras."""
    if not rows:
        return []
    values = {**sel.values, "lo": rows[0][0], "hi": rows[-1][0]}
    subtasks = subtask_rows(sel, shape.text, active_only).rows(**values) \
        if "subtasks" in shape.extras else []
    family = Family(sel, bool(subtasks) and not shape.brief_children, active_only)
    return dumped(rows, subtasks, shape, together(*extra_reads(family, shape, values)))


def extra_reads(family: Family, shape: Shape, values: dict[str, Any],
                around: bool = True) -> list[tuple]:
    """The statements of a batch's extras, tags and people first (unless not ``around``),
    each with the batch's values: none depends on another's rows."""
    return ([(around_rows(family), values)] if around else []) + [
        (statement(family), values) for extra, statement, _ in LOADERS if extra in shape.extras]


def dumped(rows: list[tuple], subtasks: list[tuple], shape: Shape,
           found: list[list[tuple]]) -> list[dict[str, Any]]:
    """Task objects of a batch's rows, its subtasks' rows and the rows of its
    :func:`extra_reads`."""
    known = {row[0]: row for row in (*rows, *subtasks)}
    around = Around(show_overdue=functools.cache(lambda: setting("show_overdue")))
    load_around(around, found[0])
    loads = (load for extra, _, load in LOADERS if extra in shape.extras)
    for load, extra_rows in zip(loads, found[1:], strict=True):
        load(around, extra_rows, known)
    if subtasks:
        link_children(around, known)
    return [task_out(row, around, shape) for row in rows]


def load_around(around: Around, rows: list[tuple]) -> None:
    """Tags (and the ticket status among them), assignees and assigned teams."""
    for kind, task_id, pk, text, group, scope in rows:
        if kind == 0:
            around.tags.setdefault(task_id, {})[str(pk)] = text
            if group == STATUS_GROUP and scope == "task":
                around.statuses[task_id] = text
        elif kind == 1:
            around.assignees.setdefault(task_id, []).append(person(pk, text, group, scope))
        else:
            around.groups.setdefault(task_id, []).append({"id": str(pk), "title": text})


def load_files(around: Around, rows: list[tuple], known: dict) -> None:
    for task_id, pk, name, size in rows:
        around.files.setdefault(task_id, []).append(
            {"id": str(pk), "page": f"/download/{pk}/", "name": name, "size": str(size)})


def load_comments(around: Around, rows: list[tuple], known: dict) -> None:
    for task_id, pk, text, added, *author in rows:
        if task_id in known:
            row = known[task_id]
            around.comments.setdefault(task_id, []).append(
                {"id": str(pk), "page": f"{task_page(row[1], row[3], task_id)}#com{pk}",
                 "text": text, "date_added": moment(added), "user_from": person(*author)})


def load_relations(around: Around, rows: list[tuple], known: dict) -> None:
    for side, task_id, _, kind, *other in rows:
        sides = around.relations.setdefault(task_id, {})
        sides.setdefault("to" if side else "from", []).append(
            {"type": kind, "task": task_ref(*other)})


def load_subscribers(around: Around, rows: list[tuple], known: dict) -> None:
    for task_id, *user in rows:
        around.subscribers.setdefault(task_id, []).append(person(*user))


def load_custom_fields(around: Around, rows: list[tuple], known: dict) -> None:
    for task_id, *value in rows:
        around.custom_fields.setdefault(task_id, []).append(custom_value(*value))


LOADERS = (("files", file_rows, load_files), ("comments", comment_rows, load_comments),
           ("relations", relation_rows, load_relations),
           ("subscribers", subscriber_rows, load_subscribers),
           ("custom_fields", custom_rows, load_custom_fields))


def link_children(around: Around, known: dict[int, tuple]) -> None:
    """Each task's subtasks among the rows read, ascending ids."""
    for task_id in sorted(known):
        parent = known[task_id][2]
        if parent in known:
            around.children.setdefault(parent, []).append(known[task_id])


def task_brief(task: Task) -> dict[str, Any]:
    """The task inside a cost or a timer. Reads ``task.author``, ``task.user_to`` and
    ``task.project``: give it tasks from ``load_refs`` to load those in bulk."""
    author, user_to = task.author, task.user_to if task.user_to_id else None
    out = {"id": str(task.id), "name": task.name, "page": task.page, "status": task.status,
           "priority": str(task.priority),
           "user_from": person(author.id, author.email, author.first_name, author.last_name),
           "user_to": executive(task.user_to_id, task.user_to_any,
                                *((user_to.email, user_to.first_name, user_to.last_name)
                                  if user_to else ("", "", ""))),
           "project": {"id": str(task.project_id), "name": task.project.name,
                       "page": f"/project/{task.project_id}/"},
           "date_added": moment(task.date_added)}
    add_unset_omitted(out, task.date_start, task.date_end, task.time_start, task.time_end,
                      task.date_closed, task.max_time, task.max_money)
    return out


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
