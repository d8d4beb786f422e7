"""The statements of the task read path, each rendered once per shape (``models.compiled``).

A :class:`Selection` names the top-level tasks of an answer (a clause over ``Task``, with
slots for its values). :func:`task_rows` reads them in one JOIN (:data:`ROW`: the task, its
author, executive, project, parent and ticket); every other statement reads the rows around a
batch of them — the tasks between the batch's first and last id that the selection holds, and
their subtasks — through a subquery, never a list of ids."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

import orjson
from peewee import JOIN, SQL, Case, Select, Value, fn

from actions.lookups import tasks_visible, viewer, visible_comments, visible_tasks
from models.base import on_postgres
from models.comments import Comment
from models.compiled import Statement, compiled, slot
from models.custom_fields import CustomField, CustomValue
from models.events import Event
from models.files import File
from models.members import Team, User
from models.projects import Project
from models.tags import Tag, TagGroup, TaskTag
from models.task_types import TaskPriority, TaskTicket, TaskType
from models.tasks import Task, TaskRelation, TaskSubscriber
from models.usertasks import TaskAssignee, TaskTeam, TaskUid

Author, Executive, Parent = User.alias("author"), User.alias("executive"), Task.alias("parent")
LAST_COMMENTS = 5

# The columns of a task row, in the order schemas.task_out.task_out unpacks them; the
# task's text comes last, and only when the answer shows it.
ROW = (Task.id, Task.project, Task.parent, Task.root, Task.depth, Task.name, Task.status,
       Task.priority, Task.author, Task.user_to, Task.user_to_any, Task.date_added,
       Task.date_start, Task.date_end, Task.time_start, Task.time_end, Task.date_closed,
       Task.max_time, Task.max_money, Task.hidden,
       Author.email, Author.first_name, Author.last_name,
       Executive.email, Executive.first_name, Executive.last_name, Project.name,
       Parent.name, Parent.project, Parent.root, Parent.status, Parent.priority,
       TaskUid.uid, TaskType.id, TaskType.name, TaskPriority.id, TaskPriority.name,
       TaskPriority.overdue_in, TaskPriority.html_color)
# Where each part of a task row is (the overdue clock and the text follow).
OWN, AUTHOR, EXECUTIVE, PROJECT_NAME, PARENT = (slice(0, 20), slice(20, 23), slice(23, 26), 26,
                                                slice(27, 32))
UID, TYPE, PRIORITY, TOUCHED = 32, slice(33, 35), slice(35, 39), 39


class Selection(NamedTuple):
    """The top-level tasks of an answer. ``where`` builds the clause over ``Task`` (and
    ``Project`` when ``projects``) with slots named in ``values``; ``key`` names its shape,
    ``None`` when the clause embeds values: then its statements are kept in ``own`` for this
    answer only."""

    key: Hashable | None
    where: Callable[[], Any]
    values: dict[str, Any]
    projects: bool
    own: dict[Hashable, Statement]
    top_level: bool = False  # the clause holds only tasks without a parent
    one_project: bool = False  # the clause holds the tasks of the ``project`` slot only


def selection(name: str | None, where: Callable[[], Any], shape: tuple = (), *,
              projects: bool = False, top_level: bool = False, **values: Any) -> Selection:
    """A selection that also holds the caller's visibility: ``name`` and ``shape`` make its
    key (no ``name``: the clause holds values); ``projects``: the clause reads ``Project``;
    ``top_level``: it holds no subtask; a ``project`` value: it holds that project's tasks
    only (its clause says ``Task.project == slot("project")``)."""
    kind, user_id = viewer()
    key = None if name is None else (name, kind, projects, *shape)
    return Selection(key, lambda: visible(where()), {**values, "user": user_id}, projects, {},
                     top_level, "project" in values)


def all_of(*clauses):
    """The clauses given (None stands for none) joined with AND."""
    return functools.reduce(operator.and_, [clause for clause in clauses if clause is not None])


def visible(clause):
    """``clause`` restricted for the caller, the user's id as the ``user`` slot."""
    restriction = tasks_visible(slot("user"))
    return clause if restriction is None else clause & restriction


def statement(sel: Selection, shape: tuple, build: Callable[[], Any]) -> Statement:
    """The statement of ``build()``, rendered once per selection shape and ``shape``."""
    if sel.key is not None:
        return compiled((sel.key, *shape), build)
    if shape not in sel.own:
        sel.own[shape] = Statement(build())
    return sel.own[shape]


def rows_select(text: bool, always_touched: bool = False, page=None, sel: Selection | None = None):
    """Task rows; their last column but the text is the time of the task's last event (only
    for a task with a priority, unless ``always_touched``: the overdue clock). ``page``: a
    subquery of the ids to read, joined first (PostgreSQL keeps the order of this many joins:
    the page's ids then drive the rest by index). A selection of top-level tasks joins no
    parent, one of a single project reads its name once (each join costs a lookup per row)."""
    touched = Event.select(fn.MAX(Event.date_added)).where(Event.task_id == Task.id)
    if not always_touched:
        touched = Case(None, [(TaskTicket.priority.is_null(False), touched)], None)
    top_level, one_project = (sel.top_level, sel.one_project) if sel else (False, False)
    row = list(ROW)
    if one_project:
        row[PROJECT_NAME] = Project.select(Project.name).where(Project.id == slot("project"))
    if top_level:
        row[PARENT] = [SQL("NULL")] * len(row[PARENT])
    query = Task.select(*row, touched, *([Task.text] if text else []))
    if page is not None:
        query = query.join(page, on=(page.c.id == Task.id)).switch(Task)
    query = (query.join(Author, on=(Author.id == Task.author))
             .switch(Task).join(Executive, JOIN.LEFT_OUTER, on=(Executive.id == Task.user_to)))
    if not one_project:
        query = query.switch(Task).join(Project, on=(Project.id == Task.project))
    if not top_level:
        query = query.switch(Task).join(Parent, JOIN.LEFT_OUTER, on=(Parent.id == Task.parent))
    return (query
            .switch(Task).join(TaskUid, JOIN.LEFT_OUTER, on=(TaskUid.task == Task.id))
            .switch(Task).join(TaskTicket, JOIN.LEFT_OUTER, on=(TaskTicket.task == Task.id))
            .join(TaskType, JOIN.LEFT_OUTER, on=(TaskType.id == TaskTicket.type))
            .switch(TaskTicket)
            .join(TaskPriority, JOIN.LEFT_OUTER, on=(TaskPriority.id == TaskTicket.priority)))


def task_rows(sel: Selection, text: bool, mode: str, around: bool = False) -> Statement:
    """The selection's task rows by id: ``all`` of them, a batch ``after`` an id (``size``),
    or a ``page`` (``size`` rows from ``offset``). ``around``: each row ends with its tags and
    people (:func:`around_cell`), read with it instead of by a statement of their own."""
    def build():
        if mode == "page":  # the page's ids first (skipped in the id index), then joined
            query = rows_select(text, page=page_ids(sel, "page").alias("page"), sel=sel)
        else:
            query = rows_select(text, mode == "all", sel=sel).where(sel.where())
        if mode == "after":
            query = query.where(Task.id > slot("after")).limit(slot("size"))
        if around:
            query = query.select_extend(around_cell())
        return query.order_by(Task.id)
    return statement(sel, ("rows", text, mode, around), build)


def task_count(sel: Selection) -> Statement:
    return statement(sel, ("count",), lambda: selected_ids(sel).select(fn.COUNT(Task.id)))


def selected_ids(sel: Selection):
    query = Task.select(Task.id)
    return (query.join(Project) if sel.projects else query).where(sel.where())


def page_ids(sel: Selection, mode: str):
    """The ids of a page of the selection: ``size`` of them from ``offset`` (``page``), or
    after the id ``after`` (``after``)."""
    query = selected_ids(sel).order_by(Task.id).limit(slot("size"))
    return query.offset(slot("offset")) if mode == "page" else query.where(
        Task.id > slot("after"))


def batch_ids(sel: Selection):
    """The selection's tasks from the ``lo`` to the ``hi`` id."""
    return selected_ids(sel).where(Task.id.between(slot("lo"), slot("hi")))


def under_batch(query, sel: Selection, active_only: bool):
    """``query`` restricted to the subtasks (two levels) of a batch the caller may see."""
    query = query.where(Task.root.in_(batch_ids(sel)) | Task.parent.in_(batch_ids(sel)))
    query = visible_tasks(query, slot("user"))
    return query.where(Task.status == "active") if active_only else query


def subtask_rows(sel: Selection, text: bool, active_only: bool) -> Statement:
    """The subtasks of a batch, as task rows."""
    return statement(sel, ("subtasks", text, active_only), lambda: under_batch(
        rows_select(text), sel, active_only).order_by(Task.id))


class Family(NamedTuple):
    """A batch and, when ``subtasks``, its subtasks (only the open ones with ``active``). The
    batch is the selection's tasks from the ``lo`` to the ``hi`` id, or with ``page`` the ids
    of a page (:func:`page_ids`), known before its rows are read."""

    sel: Selection
    subtasks: bool = False
    active: bool = False
    page: str | None = None

    def statement(self, name: str, build: Callable[[], Any]) -> Statement:
        return statement(self.sel, (name, self.subtasks, self.active, self.page), build)

    def ids(self):
        batch = batch_ids(self.sel) if self.page is None else page_ids(self.sel, self.page)
        if not self.subtasks:
            return batch
        return batch | under_batch(Task.select(Task.id), self.sel, self.active)


def around_rows(family: Family) -> Statement:
    """Tags (with their group, for the ticket status), assignees and assigned teams:
    ``(kind, task, id, text, text, text)``, by kind then id."""
    return family.statement("around", lambda: around_of(
        lambda task: task.in_(family.ids())).order_by(SQL("1"), SQL("3")))


def around_of(of_tasks: Callable[[Any], Any]):
    """The rows of :func:`around_rows` of the tasks whose id ``of_tasks(column)`` holds."""
    tags = (TaskTag.select(Value(0).alias("kind"), TaskTag.task.alias("task"), Tag.id.alias("id"),
                           Tag.title.alias("a"), TagGroup.title.alias("b"),
                           TagGroup.scope.alias("c"))
            .join(Tag).join(TagGroup).where(of_tasks(TaskTag.task)))
    users = (TaskAssignee.select(Value(1), TaskAssignee.task, User.id, User.email,
                                 User.first_name, User.last_name)
             .join(User).where(of_tasks(TaskAssignee.task)))
    teams = (TaskTeam.select(Value(2), TaskTeam.task, Team.id, Team.title, Value(""), Value(""))
             .join(Team).where(of_tasks(TaskTeam.task)))
    return tags + users + teams


def around_cell():
    """A task row's :func:`around_rows` as one JSON array (text), unordered: a column of the
    row's own statement, where a second statement would cost a task read as much again on
    PostgreSQL (psycopg's work per statement, not the server's)."""
    rows = around_of(lambda task: task == Task.id).alias("around")
    cells = [rows.c.kind, rows.c.task, rows.c.id, rows.c.a, rows.c.b, rows.c.c]
    if on_postgres():
        return Select([rows], [fn.json_agg(fn.json_build_array(*cells)).cast("text")])
    return Select([rows], [fn.json_group_array(fn.json_array(*cells))])


def split_around(row: tuple) -> tuple[tuple, list[tuple]]:
    """A row of ``task_rows(..., around=True)``: the task row, and its around rows as
    :func:`around_rows` reads them (by kind, then id)."""
    cell = orjson.loads(row[-1] or "[]")  # PostgreSQL aggregates no row to NULL
    return row[:-1], sorted((tuple(item) for item in cell), key=lambda item: (item[0], item[2]))


def file_rows(family: Family) -> Statement:
    return family.statement("files", lambda: (
        File.select(File.task, File.id, File.name, File.size)
        .where(File.task.in_(family.ids()), File.comment.is_null()).order_by(File.id)))


def comment_rows(family: Family) -> Statement:
    """The last five comments of each task, newest first."""
    def build():
        order = [Comment.date_added.desc(), Comment.id.desc()]
        ranked = (Comment.select(Comment.id, fn.ROW_NUMBER().over(
            partition_by=[Comment.task], order_by=order).alias("rank"))
            .where(Comment.task.in_(family.ids())))
        ranked = visible_comments(ranked, slot("user")).alias("ranked")
        return (Comment.select(Comment.task, Comment.id, Comment.text, Comment.date_added,
                               User.id, User.email, User.first_name, User.last_name)
                .join(User).join(ranked, on=(ranked.c.id == Comment.id))
                .where(ranked.c.rank <= LAST_COMMENTS).order_by(Comment.task, *order))
    return family.statement("comments", build)


def relation_rows(family: Family) -> Statement:
    """``from`` (the tasks one waits for) then ``to`` (the tasks that wait for it):
    ``(side, task, relation id, type, other task's id, name, project, root, status,
    priority)``."""
    def side(number: int, mine, theirs):
        query = (TaskRelation.select(Value(number), mine, TaskRelation.id, TaskRelation.type,
                                     Task.id, Task.name, Task.project, Task.root, Task.status,
                                     Task.priority)
                 .join(Task, on=(Task.id == theirs)).where(mine.in_(family.ids())))
        return visible_tasks(query, slot("user"))

    return family.statement("relations", lambda: (
        side(0, TaskRelation.to_task, TaskRelation.from_task)
        + side(1, TaskRelation.from_task, TaskRelation.to_task)).order_by(SQL("1"), SQL("3")))


def subscriber_rows(family: Family) -> Statement:
    return family.statement("subscribers", lambda: (
        TaskSubscriber.select(TaskSubscriber.task, User.id, User.email, User.first_name,
                              User.last_name)
        .join(User).where(TaskSubscriber.task.in_(family.ids())).order_by(User.id)))


def custom_rows(family: Family) -> Statement:
    """``(task, field id, type, name, text, number, date, flag, user id, email, first,
    last)``, in field order."""
    def build():
        return (CustomValue.select(CustomValue.task, CustomField.id, CustomField.type,
                                   CustomField.name, CustomValue.value_text,
                                   CustomValue.value_number, CustomValue.value_date,
                                   CustomValue.value_flag, User.id, User.email,
                                   User.first_name, User.last_name)
                .join(CustomField).switch(CustomValue)
                .join(User, JOIN.LEFT_OUTER, on=(User.id == CustomValue.value_user))
                .where(CustomValue.task.in_(family.ids())).order_by(CustomField.id))
    return family.statement("custom_fields", build)
