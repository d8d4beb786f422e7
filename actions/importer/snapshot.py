"""Reading the account from the source into one dictionary: every list (one request each),
then the comments of each task and the files of each project, or on a delta run only those
the source's events since the last run name. An action the source does not serve (an older
generation, a user token without the right) is reported and read as empty; a source that goes
away stops the import (it resumes from the journal)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from actions.importer.shapes import flatten_tasks, page_ids, to_id
from actions.importer.source import SourceClient, SourceDown, SourceError, SourceUnsafe

TASK_EXTRAS = "text,files,comments,relations,subtasks,subscribers,custom_fields,archive"
LISTS = (
    ("users", "get_users", {}),
    ("teams", "get_user_groups", {}),
    ("schedules", "get_users_schedule", {}),
    ("contact_groups", "get_contact_groups", {}),
    ("contacts", "get_contacts", {}),
    ("project_groups", "get_project_groups", {}),
    ("task_tag_groups", "get_task_tag_groups", {}),
    ("task_tags", "get_task_tags", {}),
    ("project_tag_groups", "get_project_tag_groups", {}),
    ("project_tags", "get_project_tags", {}),
    ("task_fields", "get_task_custom_fields", {}),
    ("project_fields", "get_project_custom_fields", {}),
    ("projects", "get_projects", {"extra": "text,options,users,custom_fields"}),
    ("tasks", "get_all_tasks", {"extra": TASK_EXTRAS}),
    ("costs", "get_costs", {}),
    ("timers", "get_timers", {}),
    ("webhooks", "get_webhooks", {}),
    ("events", "get_events", {}),  # the period: 30d on a full run, else since the last run
)

Progress = Callable[[str, Iterable[Any]], Iterable[Any]]
EVENTS_CAP = 10_000  # Worksection answers at most this many records: more may be missing
LIST_CAP = EVENTS_CAP  # a list this long may have been cut: it does not count as complete
COMMENT_KINDS = ("comment",)


@dataclass
class Reads:
    """The requests after the lists: each task's comments, each project's files."""

    tasks: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)


def plain(_label: str, items: Iterable[Any]) -> Iterable[Any]:
    return items


def read_lists(client: SourceClient, unreadable: list[str], period: str,
               progress: Progress = plain) -> dict[str, Any]:
    """Every list of the account (one request each), the events of the last ``period``."""
    account: dict[str, Any] = {"complete": set()}
    for name, action, params in progress("reading lists", LISTS):
        params = {"period": period} if action == "get_events" else params
        account[name], whole = read_list(client, unreadable, action, **params)
        if whole:
            account["complete"].add(name)
    if len(unreadable) >= len(LISTS):
        raise SourceUnsafe(f"the source answered no list ({unreadable[0]}): check the URL and "
                           "the key or token")
    return account


def reads_needed(account: dict[str, Any], delta: bool,
                 known: Callable[[str, Any], Any]) -> Reads:
    """Whose comments and files to read: all of them on a full run; on a delta run only those
    the events name and those not imported yet."""
    tasks = [task for task, _ in flatten_tasks(account["tasks"])
             if str(task.get("has_comments", "1")) != "0"]
    projects = [p for p in account["projects"] if to_id(p.get("id")) is not None]
    if not delta:
        return Reads(tasks, projects)
    named = touched(account["events"])
    return Reads([t for t in tasks if to_id(t["id"]) in named["task"] or not known(
                      "task", to_id(t["id"]))],
                 [p for p in projects if to_id(p["id"]) in named["project"] or not known(
                     "project", to_id(p["id"]))])


def touched(events: list[dict[str, Any]]) -> dict[str, set[int]]:
    """The tasks whose comments and the projects whose files an event may have changed."""
    named: dict[str, set[int]] = {"task": set(), "project": set()}
    for event in events:
        target = event.get("object") if isinstance(event.get("object"), dict) else {}
        kind, page = target.get("type"), str(target.get("page") or "")
        project, task = page_ids(page)
        task = task or to_id(page.removeprefix("/task/").strip("/") or None)
        if kind in COMMENT_KINDS and task is not None:
            named["task"].add(task)
        elif kind == "project" and to_id(target.get("id")) is not None:
            named["project"].add(to_id(target.get("id")))
    return named


def read_rest(client: SourceClient, account: dict[str, Any], reads: Reads,
              unreadable: list[str], progress: Progress = plain) -> None:
    """``comments`` by task id and ``files`` by project id, for what ``reads`` names; and
    which of them the source answered in full (``complete_comments``, ``complete_files``)."""
    account["comments"], account["complete_comments"] = {}, set()
    for task in progress("reading comments", reads.tasks):
        comments, whole = read_list(client, unreadable, "get_comments", id_task=task["id"],
                                    extra="files")
        store_answer(account, "comments", to_id(task["id"]), comments, whole)
    account["files"], account["complete_files"] = {}, set()
    for project in progress("reading files", reads.projects):
        files, whole = read_list(client, unreadable, "get_files", id_project=project["id"])
        store_answer(account, "files", to_id(project["id"]), files, whole)


def store_answer(account: dict[str, Any], name: str, owner: int | None, items: list[Any],
         whole: bool) -> None:
    account[name][owner] = items
    if whole and owner is not None:
        account[f"complete_{name}"].add(owner)


def read_list(client: SourceClient, unreadable: list[str], action: str,
              **params: Any) -> tuple[list[Any], bool]:
    """A list answer, and whether it is the whole list: answered without an error, every
    item an object, and shorter than the most the source may answer (``LIST_CAP``). Only a
    whole list may show that something was deleted."""
    before = len(unreadable)
    items = as_list(read(client, unreadable, action, **params), action, unreadable)
    return items, len(unreadable) == before and len(items) < LIST_CAP


def read(client: SourceClient, unreadable: list[str], action: str, **params: Any) -> Any:
    try:
        return client.call(action, **params)
    except SourceDown:
        raise
    except SourceError as err:
        unreadable.append(str(err))
    except ValueError as err:  # not JSON: an answer this importer cannot read
        unreadable.append(f"{action}: the answer is not JSON ({err})")
    return []


def as_list(data: Any, action: str, unreadable: list[str]) -> list[Any]:
    """A list answer; an object keyed by id (seen in older answers) counts as its values."""
    if isinstance(data, dict):
        data = list(data.values())
    if not isinstance(data, list):
        unreadable.append(f"{action}: expected a list, got {type(data).__name__}")
        return []
    kept = [item for item in data if isinstance(item, dict)]
    if len(kept) < len(data):
        unreadable.append(f"{action}: {len(data) - len(kept)} items are not objects")
    return kept
