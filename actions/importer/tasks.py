"""Tasks and subtasks (parents first) with subscribers, tags and custom field values; their
relations once every task is here; and comments."""

from __future__ import annotations

from typing import Any

from actions.importer.ledger import Ledger
from actions.importer.rows import Spec, need, person, replace_custom_values, replace_links
from actions.importer.shapes import (
    amount,
    clock,
    day,
    flatten_tasks,
    is_anyone,
    moment,
    tag_ids,
    to_id,
    user_id,
)
from models.comments import Comment
from models.members import User
from models.tags import TaskTag
from models.tasks import TASK_STATUSES, Task, TaskRelation, TaskSubscriber

NOT_OF_THE_TASK = ("child", "comments", "has_comments", "parent")  # each comes over on its own


def task_items(account: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**{k: v for k, v in task.items() if k not in NOT_OF_THE_TASK}, "_parent": parent}
            for task, parent in flatten_tasks(account["tasks"])]


def task_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    project = need(ledger, "project", to_id((obj.get("project") or {}).get("id")))
    parent = Task.get_by_id(need(ledger, "task", obj["_parent"])) if obj["_parent"] else None
    status = str(obj.get("status") or "active")
    values = {
        "project": project, "parent": parent,
        "root": (parent.root_id or parent.id) if parent else None,
        "depth": parent.depth + 1 if parent else 0,
        "name": str(obj.get("name") or obj.get("title") or ""),
        "text": str(obj.get("text") or ""),
        "status": status if status in TASK_STATUSES else "active",
        "priority": to_id(obj.get("priority")) or 0,
        "author": person(ledger, obj.get("user_from")) or User.owner().id,
        "user_to": person(ledger, obj.get("user_to")), "user_to_any": is_anyone(obj.get("user_to")),
        "date_start": day(obj.get("date_start")), "date_end": day(obj.get("date_end")),
        "time_start": clock(obj.get("time_start")), "time_end": clock(obj.get("time_end")),
        "date_closed": moment(obj.get("date_closed")),
        "max_time": amount(obj.get("max_time")), "max_money": amount(obj.get("max_money")),
    }
    added = moment(obj.get("date_added"))
    return {**values, "date_added": added} if added else values


def task_links(obj: dict[str, Any], local_id: int, ledger: Ledger) -> None:
    if "subscribers" in obj:
        subscribers = [ledger.local("user", user_id(u)) for u in obj["subscribers"] or []]
        replace_links(TaskSubscriber, TaskSubscriber.task, local_id, TaskSubscriber.user,
                      subscribers, ledger.fresh)
    tags = [ledger.local("tag", t) for t in tag_ids(obj.get("tags"))]
    replace_links(TaskTag, TaskTag.task, local_id, TaskTag.tag, tags, ledger.fresh)
    if "custom_fields" in obj:
        replace_custom_values("task", local_id, obj["custom_fields"], ledger)


def relation_items(account: dict[str, Any]) -> list[dict[str, Any]]:
    """Each task's ``from`` relations (the tasks it waits for), which is every relation once."""
    return [{"id": task["id"], "from": relations_of(task).get("from") or []}
            for task in task_items(account)]


def relations_of(task: dict[str, Any]) -> dict[str, Any]:
    return task["relations"] if isinstance(task.get("relations"), dict) else {}


def relation_links(obj: dict[str, Any], local_id: int, ledger: Ledger) -> None:
    task = need(ledger, "task", to_id(obj["id"]))
    TaskRelation.delete().where(TaskRelation.to_task == task).execute()
    for relation in obj["from"]:
        other = need(ledger, "task", to_id((relation.get("task") or {}).get("id")))
        kind = relation.get("type")
        TaskRelation.create(from_task=other, to_task=task, type=kind if kind in (
            "finish-to-start", "start-to-start") else "finish-to-start")


def comment_items(account: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**comment, "_task": task_id} for task_id, comments in account["comments"].items()
            for comment in comments]


def comment_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    values = {"task": need(ledger, "task", obj["_task"]), "text": str(obj.get("text") or ""),
              "author": person(ledger, obj.get("user_from")) or User.owner().id}
    added = moment(obj.get("date_added"))
    return {**values, "date_added": added} if added else values


def specs(account: dict[str, Any]) -> list[Spec]:
    return [
        Spec("task", Task, task_items, task_fields, task_links),
        Spec("relations", None, relation_items, links=relation_links, plans_ids=False,
             empty=lambda o: not o["from"]),
        Spec("comment", Comment, comment_items, comment_fields),
    ]
