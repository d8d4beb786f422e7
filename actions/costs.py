"""Cost lines: time and money spent on tasks, listed, totalled, added, changed and deleted.

Time is kept in whole minutes and money in whole cents, so every sum is exact integer
arithmetic; money from an hourly rate is rounded half-up to the cent once, per line.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from peewee import fn

from actions.caller import acting_user
from actions.lookups import project_or_fail, task_or_fail, visible_tasks
from actions.registry import action
from actions.task_dump import load_refs, task_brief
from models.base import now
from models.costs import Cost
from models.members import User
from models.projects import Project
from models.tasks import Task
from schemas.costs import (
    AddCostsIn,
    CostIdIn,
    GetCostsIn,
    GetCostsTotalIn,
    UpdateCostsIn,
    cost_row,
    total_out,
)
from schemas.envelope import ApiError, FieldRequired, Reply
from schemas.filters import compile_filter
from schemas.paging import listing
from schemas.tasks import task_ref

CENT = decimal.Decimal("0.01")
# ``dateadd`` is the cost line's date: the FAQ describes it and the ``date`` of get_costs with
# the same words ("the date the costs were entered"), and it is the only date a client sees.
COST_COLUMNS = {"task": Cost.task, "project": Task.project, "comment": Cost.comment,
                "dateadd": Cost.date}


class CostInvalid(ApiError):
    status_code, message = 10, "Cost line not found"


@action(GetCostsIn, aliases=("get_timemoney",))
def get_costs(params):
    """Get the cost lines of all tasks, of a project or of a task, with their total."""
    costs = matching(Cost.select().join(Task), params)
    minutes, cents = costs.select(fn.SUM(Cost.minutes), fn.SUM(Cost.cents)).scalar(as_tuple=True)
    return listing(costs, params, (Cost.date, Cost.id), cost_rows, count="count",
                   rows=lambda query: query.select(Cost, Task, User).join_from(Cost, User),
                   total=total_out(int(minutes or 0), int(cents or 0)))


@action(GetCostsTotalIn)
def get_costs_total(params):
    """Get the total time and money of the selected cost lines (per project: extra=projects)."""
    if "projects" in params["extra"] and "id_task" not in params:
        return projects_reply(params)
    query = Cost.select(fn.SUM(Cost.minutes), fn.SUM(Cost.cents)).join(Task)
    minutes, cents = matching(query, params).scalar(as_tuple=True)
    return Reply(total=total_out(int(minutes or 0), int(cents or 0)))


@action(AddCostsIn, writes=True, aliases=("post_timemoney",))
def add_costs(params):
    """Add a cost line (time and/or money) to a task."""
    user = acting_user(params.get("email_user_from"))  # Postman: the owner when not given
    cost = Cost(task=task_or_fail(params["id_task"]), user=user, date=now().date())
    set_values(cost, params)
    cost.save()
    return Reply(id=cost.id)


@action(UpdateCostsIn, writes=True, aliases=("update_timemoney",))
def update_costs(params):
    """Change the time, money, comment or date of a cost line (not its author)."""
    cost = cost_or_fail(params["id_costs"])
    set_values(cost, params)
    cost.save()


@action(CostIdIn, writes=True, aliases=("delete_timemoney",))
def delete_costs(params):
    """Delete a cost line."""
    cost_or_fail(params["id_costs"]).delete_instance()


def cost_or_fail(id_costs: int) -> Cost:
    """The cost line, if the caller may see its task."""
    cost = visible_tasks(Cost.select().join(Task).where(Cost.id == id_costs)).first()
    if cost is None:
        raise CostInvalid(details=str(id_costs))
    return cost


def set_values(cost: Cost, params: dict[str, Any]) -> None:
    """Apply time, money (or ``is_rate``: the author's hourly rate), comment and date."""
    cost.minutes = params.get("time", cost.minutes)
    if params["is_rate"]:
        cost.cents = rate_cents(cost.user, cost.minutes)
    elif "money" in params:
        cost.cents = int(params["money"] * 100)
    cost.comment = params.get("comment", cost.comment)
    cost.date = params.get("date", cost.date)
    if not cost.minutes and not cost.cents:
        raise FieldRequired(details="time or money")


def rate_cents(user: User, minutes: int) -> int:
    """Money for ``minutes`` at the user's hourly rate, in cents rounded half-up."""
    money = decimal.Decimal(minutes) * decimal.Decimal(str(user.rate)) / 60
    return int(money.quantize(CENT, rounding=decimal.ROUND_HALF_UP) * 100)


def matching(query, params: dict[str, Any]):
    """Restrict a cost query joined to ``Task`` to the filters of get_costs (and to the tasks
    a user token may see)."""
    query = visible_tasks(query)
    if "id_project" in params:
        query = query.where(Task.project == project_or_fail(params["id_project"]).id)
    if "id_task" in params:
        query = query.where(Cost.task == task_or_fail(params["id_task"]).id)
    if "datestart" in params:
        query = query.where(Cost.date >= params["datestart"])
    if "dateend" in params:
        query = query.where(Cost.date <= params["dateend"])
    if "is_timer" in params:
        query = query.where(Cost.is_timer == params["is_timer"])
    if "filter" in params:
        query = query.where(compile_filter(params["filter"], COST_COLUMNS))
    return query


def cost_rows(costs: list[Cost]) -> list[dict[str, Any]]:
    """A batch of cost lines as get_costs writes them (their tasks in a few queries)."""
    briefs = task_briefs(cost.task for cost in costs)
    return [cost_row(cost, briefs[cost.task_id]) for cost in costs]


def task_briefs(tasks: Iterable[Task]) -> dict[int, dict[str, Any]]:
    """The short form of each task, by id, in a fixed number of queries."""
    unique = list({task.id: task for task in tasks}.values())
    return {task.id: task_brief(task) for task in load_refs(unique)}


def projects_reply(params: dict[str, Any]) -> Reply:
    """extra=projects: totals per project and per month, and per task with extra=tasks
    (each task and subtask on its own) or extra=tasks_top_level (subtasks in their task)."""
    per_task = ("own" if "tasks" in params["extra"] else
                "top" if "tasks_top_level" in params["extra"] else None)
    query = (Cost.select(Task.project, Cost.task, Task.root, Cost.date, fn.SUM(Cost.minutes),
                         fn.SUM(Cost.cents)).join(Task)
             .group_by(Task.project, Cost.task, Task.root, Cost.date))
    total, sums = Sum(), defaultdict(ProjectSums)
    for project_id, task_id, root_id, day, minutes, cents in matching(query, params).tuples():
        found = sums[project_id]
        buckets = [total, found.total, found.monthly[day.strftime("%Y-%m")]]
        if per_task:
            buckets.append(found.tasks[root_id or task_id if per_task == "top" else task_id])
        for bucket in buckets:
            bucket.add(minutes, cents)
    projects = Project.select().where(Project.id.in_(list(sums))).order_by(Project.id)
    tasks = {t.id: t for t in Task.select().where(
        Task.id.in_([task_id for found in sums.values() for task_id in found.tasks]))}
    out = {str(p.id): project_out(p, sums[p.id], tasks, per_task) for p in projects}
    return Reply(projects=out, total=total.out())


class Sum:
    """Minutes and cents added up exactly."""

    def __init__(self) -> None:
        self.minutes = self.cents = 0

    def add(self, minutes: Any, cents: Any) -> None:
        self.minutes += int(minutes)  # PostgreSQL's SUM of a bigint is a Decimal
        self.cents += int(cents)

    def out(self) -> dict[str, str]:
        return total_out(self.minutes, self.cents)


class ProjectSums:
    def __init__(self) -> None:
        self.total = Sum()
        self.monthly: dict[str, Sum] = defaultdict(Sum)
        self.tasks: dict[int, Sum] = defaultdict(Sum)


def project_out(project: Project, sums: ProjectSums, tasks: dict[int, Task],
                per_task: str | None) -> dict[str, Any]:
    """One project of extra=projects, months newest first (as the FAQ's example)."""
    out = {**sums.total.out(),
           "monthly": {month: sums.monthly[month].out()
                       for month in sorted(sums.monthly, reverse=True)}}
    if per_task:
        out["tasks"] = {str(task_id): {**task_ref(tasks[task_id]), **sums.tasks[task_id].out()}
                        for task_id in sorted(sums.tasks)}
    return {**out, "id": str(project.id), "name": project.name, "page": project.page}
