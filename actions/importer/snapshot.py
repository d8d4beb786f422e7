"""Reading the whole account from the source, list by list, into one dictionary. An action
the source does not serve (an older generation, a user token without the right) is reported
and read as empty; a source that goes away stops the import (it resumes from the journal)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from actions.importer.shapes import flatten_tasks, to_id
from actions.importer.source import SourceClient, SourceDown, SourceError

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
    ("events", "get_events", {"period": "30d"}),
)

Progress = Callable[[str, Iterable[Any]], Iterable[Any]]


def plain(_label: str, items: Iterable[Any]) -> Iterable[Any]:
    return items


def read_account(client: SourceClient, unreadable: list[str],
                 progress: Progress = plain) -> dict[str, Any]:
    """Every list of the account; ``comments`` by task id and ``files`` by project id."""
    account: dict[str, Any] = {}
    for name, action, params in progress("reading lists", LISTS):
        account[name] = as_list(read(client, unreadable, action, **params), action, unreadable)
    tasks = [task for task, _ in flatten_tasks(account["tasks"])]
    with_comments = [t for t in tasks if str(t.get("has_comments", "1")) != "0"]
    account["comments"] = {
        to_id(task["id"]): as_list(read(client, unreadable, "get_comments", id_task=task["id"],
                                        extra="files"), "get_comments", unreadable)
        for task in progress("reading comments", with_comments)}
    account["files"] = {
        to_id(project["id"]): as_list(read(client, unreadable, "get_files",
                                           id_project=project["id"]), "get_files", unreadable)
        for project in progress("reading files", account["projects"])
        if to_id(project.get("id")) is not None}
    return account


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
