"""Files (downloaded, stored by content), cost lines, running timers, webhooks (paused until
the operator enables them) and the events the source still keeps."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import tempfile
from dataclasses import dataclass
from typing import Any

from actions.attachments import clean_name
from actions.delivery.signing import new_secret
from actions.importer.ledger import Ledger
from actions.importer.rows import Spec, need, person
from actions.importer.shapes import (
    cents,
    day,
    digest,
    flatten_tasks,
    minutes,
    moment,
    page_ids,
    to_id,
    user_id,
)
from actions.importer.source import SourceClient
from actions.importer.tasks import task_items
from models.costs import Cost
from models.events import Event
from models.files import File
from models.keys import seal
from models.members import User
from models.storage import Storage
from models.timers import Timer
from models.webhooks import PAUSED, Webhook, last_event_id

PLACEHOLDER = "0" * 64  # a dry run downloads nothing
IN_MEMORY = 1024 * 1024  # a downloaded file larger than this is spooled to a temporary file


@dataclass
class Context:
    client: SourceClient
    storage: Storage
    master: str
    dry_run: bool = False


def file_items(account: dict[str, Any]) -> list[dict[str, Any]]:
    """Every file once, with where it is attached: a comment, a task's description, or else
    its project's description (``_unsure``: or a comment this run did not read). Its
    project's file list adds its author and date, which the other lists do not show."""
    found: dict[int | None, dict[str, Any]] = {}
    for task in task_items(account):
        for file in task.get("files") or []:
            found.setdefault(to_id(file.get("id")), {**file, **place(task=to_id(task["id"]))})
    for comments in account["comments"].values():
        for comment in comments:
            for file in comment.get("files") or []:
                found.setdefault(to_id(file.get("id")),
                                 {**file, **place(comment=to_id(comment.get("id")))})
    unsure = projects_with_comments_unread(account)
    for project_id, files in account["files"].items():
        for file in files:
            seen = found.get(to_id(file.get("id")))
            where = ({key: seen[key] for key in PLACES} if seen else
                     place(project=project_id, unsure=project_id in unsure))
            found[to_id(file.get("id"))] = {**file, **where}
    found.pop(None, None)
    return [found[key] for key in sorted(found)]


PLACES = ("_project", "_task", "_comment", "_unsure")


def place(project: int | None = None, task: int | None = None, comment: int | None = None,
          unsure: bool = False) -> dict[str, Any]:
    return {"_project": project, "_task": task, "_comment": comment, "_unsure": unsure}


def projects_with_comments_unread(account: dict[str, Any]) -> set[int | None]:
    """The projects whose file list may hold a comment's file that this run did not see
    attached: one of their tasks has comments not read whole (every project, when the task
    list was not whole: a task's own files may be missing from it too)."""
    if "tasks" not in account["complete"]:
        return set(account["files"])
    read = account.get("complete_comments", set())
    return {to_id((task.get("project") or {}).get("id"))
            for task, _ in flatten_tasks(account["tasks"])
            if str(task.get("has_comments", "1")) != "0" and to_id(task["id"]) not in read}


def file_form(obj: dict[str, Any]) -> dict[str, Any]:
    """What the ledger remembers of a file: what a task's, a comment's and a project's file
    list all show alike (not the author and date, which only the project's shows), and where
    it is attached."""
    return {"id": to_id(obj.get("id")), "name": str(obj.get("name") or ""),
            "size": to_id(obj.get("size")), "project": obj["_project"], "task": obj["_task"],
            "comment": obj["_comment"]}


def file_fields(obj: dict[str, Any], ledger: Ledger, context: Context,
                new: bool) -> dict[str, Any]:
    """A new file is downloaded; one here already keeps its content (a file's content never
    changes on the source), and its author unless this run read it."""
    name = clean_name(str(obj.get("name") or f"file-{obj['id']}"))
    values = {
        "name": name,
        "mimetype": (mimetypes.guess_type(name)[0] or "application/octet-stream")[:200],
        "project": need(ledger, "project", obj["_project"], optional=True),
        "task": need(ledger, "task", obj["_task"], optional=True),
        "comment": need(ledger, "comment", obj["_comment"], optional=True),
    }
    if new:
        sha256, size = ((PLACEHOLDER, to_id(obj.get("size")) or 0) if context.dry_run
                        else stored(context, obj["id"]))
        values.update(sha256=sha256, size=size)
    author = person(ledger, obj.get("user_from"))
    if new or author:
        values["author"] = author or User.owner().id
    added = moment(obj.get("date_added"))
    return {**values, "date_added": added} if added else values


def stored(context: Context, file_id: Any) -> tuple[str, int]:
    """Download a file as a stream (never whole in memory) and store it by content."""
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as spool:
        context.client.download(file_id, spool)
        sha256, size, _ = context.storage.save(spool)
    return sha256, size


def cost_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    return {"task": need(ledger, "task", to_id((obj.get("task") or {}).get("id"))),
            "user": person(ledger, obj.get("user_from")) or User.owner().id,
            "minutes": minutes(obj.get("time")), "cents": cents(obj.get("money")),
            "comment": str(obj.get("comment") or ""),
            "date": day(obj.get("date")) or dt.date.today(),
            "is_timer": str(obj.get("is_timer")).lower() in ("1", "true")}


def timer_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    values = {"user": need(ledger, "user", user_id(obj.get("user_from"))),
              "task": need(ledger, "task", to_id((obj.get("task") or {}).get("id")))}
    started = moment(obj.get("date_started"))
    return {**values, "started_at": started} if started else values


def without_clock(timer: dict[str, Any]) -> dict[str, Any]:
    """A running timer as its start, not its ever-growing value."""
    return {k: v for k, v in timer.items() if k != "time"}


def webhook_fields(obj: dict[str, Any], ledger: Ledger, context: Context,
                   new: bool) -> dict[str, Any]:
    projects = [ledger.local("project", to_id(p)) or to_id(p)
                for p in str(obj.get("projects") or "").split(",") if to_id(p)]
    values = {"url": str(obj.get("url")), "events": str(obj.get("events") or ""),
              "projects": ",".join(str(p) for p in projects)}
    if new:  # paused, with a secret of its own: the source's cannot be read
        values.update(status=PAUSED, sealed_secret=seal(new_secret(), context.master),
                      cursor=last_event_id())
    return values


def event_fields(obj: dict[str, Any], ledger: Ledger, new: bool) -> dict[str, Any]:
    target = obj.get("object") or {}
    kind = str(target.get("type") or "task")
    project, task = page_ids(target.get("page"))
    source_id = to_id(target.get("id")) or 0
    return {
        "date_added": moment(obj.get("date_added")) or dt.datetime(1970, 1, 1),
        "user": person(ledger, obj.get("user_from")), "action": str(obj.get("action")),
        "object_type": kind, "object_id": ledger.local(kind, source_id) or source_id,
        "page": str(target.get("page") or ""),
        "project_id": ledger.local("project", project) or project,
        "task_id": ledger.local("task", task) or task if kind != "project" else None,
        "new": dumped(obj.get("new")), "old": dumped(obj.get("old")),
    }


def dumped(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def specs(account: dict[str, Any], context: Context) -> list[Spec]:
    return [
        Spec("file", File, file_items,
             lambda o, ledger, new: file_fields(o, ledger, context, new), form=file_form,
             partial=lambda o: o["_unsure"],
             batch=1),  # a download can take minutes: no transaction stays open that long
        Spec("cost", Cost, lambda a: a["costs"], cost_fields),
        Spec("timer", Timer, lambda a: [without_clock(t) for t in a["timers"]], timer_fields,
             natural=lambda o, ledger: Timer.get_or_none(
                 Timer.user == ledger.local("user", user_id(o.get("user_from"))))),
        Spec("event", Event, lambda a: a["events"], event_fields, source_id=digest,
             plans_ids=False),
        Spec("webhook", Webhook, lambda a: a["webhooks"],
             lambda o, ledger, new: webhook_fields(o, ledger, context, new)),
    ]
