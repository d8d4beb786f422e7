"""Comparing two accounts the way an integration sees them: every read action on both, with
only the documented differences left out (docs/moving-from-worksection.md, "What does not
come over")."""

from __future__ import annotations

from collections.abc import Iterable

from conftest import Api
from import_kit import Source

TASK_EXTRAS = "text,files,comments,relations,subtasks,subscribers,custom_fields,archive"


def snapshot(call, download, only: Iterable[str] | None = None) -> dict:
    """Everything an integration can read, action by action (what may differ left out);
    ``get_task`` and ``get_comments`` of the tasks ``only`` names (default: all of them)."""
    tasks = call("get_all_tasks", extra=TASK_EXTRAS)
    ids = [t["id"] for t in tasks] + [c["id"] for t in tasks for c in t.get("child") or []]
    ids += [g["id"] for t in tasks for c in t.get("child") or [] for g in c.get("child") or []]
    if only is not None:
        wanted = set(only)
        ids = [i for i in ids if i in wanted]
    projects = call("get_projects", extra="text,options,users,custom_fields")
    files = {p["id"]: call("get_files", id_project=p["id"]) for p in projects}
    found = {action: call(action) for action in (
        "get_users", "get_user_groups", "get_users_schedule", "get_contacts", "get_contact_groups",
        "get_project_groups", "get_task_tags", "get_task_tag_groups", "get_project_tags",
        "get_project_tag_groups", "get_task_custom_fields", "get_project_custom_fields",
        "get_costs")}
    found.update(
        get_all_tasks=tasks, get_projects=projects, get_files=files,
        get_comments={i: call("get_comments", id_task=i, extra="files") for i in ids},
        get_task={i: call("get_task", id_task=i, extra=TASK_EXTRAS) for i in ids},
        get_events=call("get_events", period="30d"),
        download={f["id"]: download(f["id"]) for fs in files.values() for f in fs},
        # docs/moving-from-worksection.md says why: timers keep running (their value moves
        # on), webhooks come over paused.
        get_timers=[{k: v for k, v in t.items() if k != "time"} for t in call("get_timers")],
        get_webhooks=[{**w, "status": "active"} for w in call("get_webhooks")])
    return found


def source_snapshot(server: Source, token: str = "", only: Iterable[str] | None = None) -> dict:
    def call(action, **params):
        try:
            return server.call(action, token=token, **params)
        except AssertionError:  # an error envelope: a user token may not read everything
            if not token:
                raise
            return []
    return snapshot(call, lambda file_id: server.download(file_id, token), only)


def target_snapshot(client, only: Iterable[str] | None = None) -> dict:
    api = Api(client)

    def call(action, **params):
        body = api.call(action, **params)
        assert body["status"] == "ok", (action, body)
        return body.get("data", body)
    def download(file_id):
        response = api.get("download", {"id_file": file_id})
        data = response.data
        response.close()
        return data
    return snapshot(call, download, only)


def assert_same_account(server, client, only: Iterable[str] | None = None):
    expected, found = source_snapshot(server, only=only), target_snapshot(client, only)
    for action in expected:
        assert found[action] == expected[action], action
