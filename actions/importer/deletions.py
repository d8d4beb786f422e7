"""Deletions: what came over from the source (it is in the ledger) and is no longer in the
source's whole list of its kind is deleted here too, with what depends on it, as the API's
delete actions delete it (a task's subtasks, comments, files, costs and timers; a project's
tasks; a team's users move to the main team): nothing dangles, and a cut-over keeps nothing
the source no longer has.

Only a whole answer shows a deletion (``snapshot.read_list``): a list the source failed to
answer, answered in part or may have cut at its most shows nothing gone. Comments count only
within the tasks whose comments this run read; files only where they are attached (a
project's, a task's, a comment's) when that was read whole.

Never deleted: users (people with logins) and webhooks (the operator turns them on here), both
reported instead; the events log (the source answers a window of it, not all of it); the main
team. A row whose deletion would take with it a row written here (one not in the ledger: a
comment posted here on a task deleted on the source) is kept, and reported. A row changed here
since it came over is deleted all the same (the source is the account until the switch), and
reported as such."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from actions.importer.cascade import Ids, above, below, chunks
from actions.importer.ledger import Ledger, present_ids
from actions.importer.rows import Spec
from actions.importer.shapes import flatten_tasks, to_id
from actions.importer.snapshot import LISTS
from models.base import BaseModel, db
from models.comments import Comment
from models.events import Event
from models.files import File
from models.imports import ImportedRow
from models.members import Team, User

# The lists that together are the whole of a kind: deletions apply only when all were whole.
LISTS_OF = {
    "team": ("teams",), "contact_folder": ("contact_groups",), "contact": ("contacts",),
    "project_folder": ("project_groups",),
    "tag_group": ("task_tag_groups", "project_tag_groups"),
    "tag": ("task_tags", "project_tags"), "field": ("task_fields", "project_fields"),
    "project": ("projects",), "task": ("tasks",), "relations": ("tasks",),
    "cost": ("costs",), "timer": ("timers",),
    "user": ("users",), "webhook": ("webhooks",),
}
LEFT = {"user": "users are never deleted by an import: disable or delete the login here",
        "webhook": "webhooks are turned on here by the operator: delete it here if it is "
                   "not wanted"}
SCOPED = ("comment", "file")  # read for some tasks and projects only
MAY_BE_EMPTY = ("timer",)  # no timer running is the usual answer; no task at all is not
ACTION_OF = {name: action for name, action, _ in LISTS}


def delete_gone(specs: list[Spec], account: dict[str, Any], ledger: Ledger,
                by_token: bool = False) -> None:
    """Delete here what the source no longer has (see above); call it after every kind was
    written, inside the transaction that records the run."""
    gone = absent_everywhere(specs, account, ledger)
    for kind, reason in LEFT.items():
        rows = gone.pop(kind, [])
        if rows:
            ledger.notes.append(f"left here, no longer on the source ({reason}): {kind} "
                                + ", ".join(row.source_id for row in rows))
    if not gone:
        return
    models = {spec.kind: spec.model for spec in specs if spec.model is not None}
    if by_token:
        ledger.notes.append(f"{sum(len(rows) for k, rows in gone.items() if k in models)} "
                            "objects the source no longer lists are not deleted here: a user's "
                            "token sees only what that user sees (run with --key to apply "
                            "deletions)")
        return
    gone = gone_here_too(gone, models, ledger)
    gone = without_rows_written_here(gone, models, ledger)
    cascaded = below({models[k]: {r.local_id for r in rows} for k, rows in gone.items()
                      if k in models}, set(models.values()))
    changed = changed_here(gone, ledger)
    for spec in specs:
        for row in gone.get(spec.kind, []):
            delete_one(spec, row, ledger)
    settle(cascaded, models, ledger)
    forget_links(gone, models, ledger)
    if changed:
        ledger.notes.append("deleted as on the source, though changed here since it came "
                            "over: " + "; ".join(f"{k} {', '.join(map(str, sorted(ids)))}"
                                                 for k, ids in changed.items()))


def absent_everywhere(specs: list[Spec], account: dict[str, Any],
                      ledger: Ledger) -> dict[str, list[ImportedRow]]:
    """For each kind, the ledger's rows the source's whole lists no longer have."""
    gone: dict[str, list[ImportedRow]] = {}
    for spec in specs:
        rows = absent(spec, account, ledger)
        if rows is None:
            if spec.model is not None and spec.kind not in LEFT and entries(ledger, spec.kind):
                actions = ", ".join(ACTION_OF[name] for name in LISTS_OF[spec.kind]
                                    if name not in account["complete"])
                ledger.notes.append(f"what was deleted on the source is not deleted here "
                                    f"this run for {spec.kind}: {actions} was not answered "
                                    "in full")
        elif rows:
            gone[spec.kind] = rows
    return gone


def absent(spec: Spec, account: dict[str, Any], ledger: Ledger) -> list[ImportedRow] | None:
    """The ledger's rows of ``spec`` the source no longer lists (None: it cannot tell)."""
    if spec.kind not in LISTS_OF and spec.kind not in SCOPED:
        return []  # the events (a window of the log), schedules (one per user)
    if spec.kind in LISTS_OF and not set(LISTS_OF[spec.kind]) <= account["complete"]:
        return None
    listed = {str(spec.source_id(obj)) for obj in spec.items(account)}
    rows = [row for row in entries(ledger, spec.kind) if row.source_id not in listed]
    if not listed and len(rows) > 1 and spec.kind in LISTS_OF and spec.kind not in MAY_BE_EMPTY:
        ledger.notes.append(f"the source answered no {spec.kind} at all, while {len(rows)} "
                            "came over: taken as a wrong answer, none deleted (if the source "
                            "really has none, delete them here)")
        return []
    if spec.kind == "comment":
        return within(rows, Comment, Comment.task, local_ids(
            ledger, "task", account.get("complete_comments", ())))
    if spec.kind == "file":
        return files_read_whole(rows, account, ledger)
    if spec.kind == "team" and rows:
        main = Team.main().id
        return [row for row in rows if row.local_id != main]
    return rows


def files_read_whole(rows: list[ImportedRow], account: dict[str, Any],
                     ledger: Ledger) -> list[ImportedRow]:
    """The files whose place was read whole this run: a project's files (get_files), a
    task's description (the task list, when it gives the task's ``files``), a comment's (its
    task's comments)."""
    projects = local_ids(ledger, "project", account.get("complete_files", ()))
    tasks = local_ids(ledger, "task", [to_id(task.get("id")) for task, _ in flatten_tasks(
        account["tasks"]) if isinstance(task.get("files"), list)]
        if "tasks" in account["complete"] else [])
    commented = local_ids(ledger, "task", account.get("complete_comments", ()))
    comments = set()
    for chunk in chunks(commented):
        comments.update(Comment.select(Comment.id).where(Comment.task.in_(chunk)).scalars())
    found = {}
    for chunk in chunks([row.local_id for row in rows]):
        for file in File.select(File.id, File.project, File.task, File.comment).where(
                File.id.in_(chunk)):
            found[file.id] = (file.project_id in projects or file.task_id in tasks
                              or file.comment_id in comments)
    return [row for row in rows if found.get(row.local_id)]


def within(rows: list[ImportedRow], model: type[BaseModel], owner: Any,
           owners: set[int]) -> list[ImportedRow]:
    """The rows whose row here belongs to one of ``owners``."""
    if not owners:
        return []
    inside = set()
    for chunk in chunks([row.local_id for row in rows]):
        inside.update(model.select(model.id).where(model.id.in_(chunk), owner.in_(
            list(owners))).scalars())
    return [row for row in rows if row.local_id in inside]


def gone_here_too(gone: dict[str, list[ImportedRow]], models: dict[str, type[BaseModel]],
                  ledger: Ledger) -> dict[str, list[ImportedRow]]:
    """Forget the entries whose row was already deleted here; the rest is to delete."""
    left = {}
    for kind, rows in gone.items():
        if kind not in models:
            left[kind] = rows
            continue
        here = present_ids(models[kind], [row.local_id for row in rows])
        ledger.forget([row for row in rows if row.local_id not in here])
        left[kind] = [row for row in rows if row.local_id in here]
    return {kind: rows for kind, rows in left.items() if rows}


def without_rows_written_here(gone: dict[str, list[ImportedRow]],
                              models: dict[str, type[BaseModel]],
                              ledger: Ledger) -> dict[str, list[ImportedRow]]:
    """Keep (and report) the rows whose deletion would take a row written here with it."""
    tracked = set(models.values())
    doomed = {models[k]: {r.local_id for r in rows} for k, rows in gone.items() if k in models}
    mine = {models[k]: {r.local_id for r in entries(ledger, k)} for k in models}
    written_here = {model: ids - mine.get(model, set())
                    for model, ids in below(doomed, tracked).items()}
    kept = above({m: ids for m, ids in written_here.items() if ids}, tracked)
    left = {}
    for kind, rows in gone.items():
        spared = [r for r in rows if kind in models and r.local_id in kept.get(models[kind], ())]
        if spared:
            ledger.notes.append(f"not deleted though the source deleted it, as rows written "
                                f"here depend on it: {kind} "
                                + ", ".join(str(r.local_id) for r in spared))
        left[kind] = [r for r in rows if r.source_id not in {s.source_id for s in spared}]
    return {kind: rows for kind, rows in left.items() if rows}


def changed_here(gone: dict[str, list[ImportedRow]], ledger: Ledger) -> dict[str, set[int]]:
    """The projects, tasks and comments about to be deleted that were changed here since they
    came over: an event here names them (one not brought from the source)."""
    imported = {row.local_id for row in entries(ledger, "event")}
    changed: dict[str, set[int]] = defaultdict(set)
    for kind in ("project", "task", "comment"):
        for chunk in chunks([row.local_id for row in gone.get(kind, [])]):
            for event in Event.select(Event.id, Event.object_id).where(
                    Event.object_type == kind, Event.object_id.in_(chunk)):
                if event.id not in imported:
                    changed[kind].add(event.object_id)
    return dict(changed)


def delete_one(spec: Spec, row: ImportedRow, ledger: Ledger) -> None:
    """Delete one row here, with what the database deletes with it; its own savepoint."""
    model = spec.model
    if model is None:
        return
    try:
        with db.atomic():
            if model is Team:  # as delete_user_group: its users move to the main team
                User.update(team=Team.main()).where(User.team == row.local_id).execute()
            model.delete().where(model._meta.primary_key == row.local_id).execute()
    except Exception as err:  # one row that cannot be deleted is reported, not fatal
        ledger.fail(spec.kind, row.source_id, f"not deleted: {err.__class__.__name__}: {err}")


def settle(cascaded: Ids, models: dict[str, type[BaseModel]], ledger: Ledger) -> None:
    """Count and forget every ledger entry whose row is gone now, deleted or taken along."""
    kinds = {model: kind for kind, model in models.items()}
    for model, ids in cascaded.items():
        kind = kinds[model]
        gone = ids - present_ids(model, list(ids))
        rows = sorted((r for r in entries(ledger, kind) if r.local_id in gone),
                      key=lambda r: r.local_id)
        ledger.forget(rows)
        for row in rows:
            ledger.count(kind, "deleted")
            ledger.deleted.append({"kind": kind, "id": row.source_id, "here": row.local_id})


def forget_links(gone: dict[str, list[ImportedRow]], models: dict[str, type[BaseModel]],
                 ledger: Ledger) -> None:
    """Entries that stand for no row of their own (a task's relations) go with the source's."""
    ledger.forget([row for kind, rows in gone.items() if kind not in models for row in rows])


def entries(ledger: Ledger, kind: str) -> list[ImportedRow]:
    return [row for (k, _), row in ledger.rows.items() if k == kind]


def local_ids(ledger: Ledger, kind: str, source_ids: Iterable[Any]) -> set[int]:
    return {i for i in (ledger.local(kind, to_id(s)) for s in source_ids) if i is not None}
