"""The cut-over from Worksection: a later ``flask import-from`` run deletes here what was
deleted on the source since it came over (a task, a comment, a project, a cost line...), with
what depends on it, and nothing else: not a row created here, not a row a row created here
depends on, never a user or a webhook, and nothing at all from a list the source did not answer
whole (an error, a cut answer, a source that went away half way)."""

from __future__ import annotations

import json

import pytest
from conftest import Api, ok_data
from import_kit import KEY, FakeSource
from werkzeug.wrappers import Response

import actions.importer.snapshot as snapshot
from models.backup import bound_to
from models.base import connect_database
from models.comments import Comment
from models.costs import Cost
from models.custom_fields import CustomField
from models.files import File
from models.imports import ImportedRow
from models.members import Contact, ContactFolder, Team, User
from models.projects import Project, ProjectFolder
from models.tags import Tag, TagGroup
from models.tasks import Task, TaskRelation
from models.timers import Timer
from models.webhooks import Webhook


def import_from(app, url, tmp_path, *extra, key=KEY):
    summary_file = tmp_path / "summary.json"
    summary_file.unlink(missing_ok=True)
    result = app.test_cli_runner().invoke(args=[
        "import-from", url, *(["--key", key] if key else []), "--rate", "1000", "--backoff", "0",
        "--journal", str(tmp_path / "journal"), "--summary", str(summary_file), *extra])
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else None
    return result, summary


def deleted(summary) -> dict[str, int]:
    return {kind: counts["deleted"] for kind, counts in summary["counts"].items()
            if counts["deleted"]}


def by_name(server, action, **params) -> dict[str, str]:
    items = server.call(action, **params)
    found = {item.get("name") or item.get("title") or item.get("text") or item.get("comment"):
             str(item["id"]) for item in items}
    for item in items:
        for child in item.get("child") or []:
            found[child["name"]] = str(child["id"])
    return found


def test_a_delta_deletes_what_the_source_deleted_and_nothing_written_here(app, client, source,
                                                                           tmp_path):
    server, proxy = source
    result, summary = import_from(app, proxy.url, tmp_path)
    assert result.exit_code == 0, result.output
    assert deleted(summary) == {}
    projects = by_name(server, "get_projects")
    tasks = by_name(server, "get_all_tasks", extra="subtasks,archive")
    comments = by_name(server, "get_comments", id_task=tasks["Home page"])
    raise_id = by_name(server, "get_comments", id_task=tasks["Salaries"])["Raise"]
    notes_file = next(str(c["files"][0]["id"]) for c in server.call(
        "get_comments", id_task=tasks["Home page"], extra="files") if c["text"] == "See the notes")
    costs = by_name(server, "get_costs")

    api = Api(client)  # written here: a project with a task, a comment on an imported task
    here_project = ok_data(api.call("post_project", title="Made here"))["id"]
    here_task = ok_data(api.call("post_task", id_project=here_project, title="Here"))["id"]
    ok_data(api.call("post_comment", id_task=tasks["Splash screen"], text="Said here"))
    api.call("update_task", id_task=tasks["Salaries"], title="Salaries (renamed here)")

    # On the source: a task (its comment and relation go with it), a comment (with its file),
    # a cost line, a project (with its task: straight in its database, as the API has no
    # delete_project), and a task this side commented on.
    server.call("delete_task", id_task=tasks["Salaries"])
    server.call("delete_comment", id_comment=comments["See the notes"])
    server.call("delete_costs", id_costs=costs["Sketches"])
    server.call("delete_task", id_task=tasks["Splash screen"])
    with bound_to(connect_database(f"sqlite:///{server.db}")):
        Project.delete().where(Project.id == int(projects["Old site"])).execute()

    with app.app_context():
        before = {m.__name__: m.select().count() for m in (Project, Task, Comment, Cost, File,
                                                             ImportedRow)}
    result, summary = import_from(app, proxy.url, tmp_path, "--dry-run")
    assert result.exit_code == 0, result.output
    # A dry run reads no comments: only those that go with a deleted task are counted.
    assert deleted(summary) == {"project": 1, "task": 2, "comment": 1, "cost": 1}
    assert f"would delete (no longer on the source): task {tasks['Salaries']}" in result.output
    with app.app_context():  # a dry run writes nothing, deletes nothing
        assert {m.__name__: m.select().count() for m in (
            Project, Task, Comment, Cost, File, ImportedRow)} == before

    result, summary = import_from(app, proxy.url, tmp_path)
    assert result.exit_code == 0, result.output
    assert deleted(summary) == {"project": 1, "task": 2, "comment": 2, "cost": 1, "file": 1}
    assert {(row["kind"], row["id"]) for row in summary["deleted"]} == {
        ("project", projects["Old site"]), ("task", tasks["Salaries"]),
        ("task", tasks["Old page"]), ("comment", comments["See the notes"]),
        ("comment", raise_id), ("cost", costs["Sketches"]), ("file", notes_file)}
    note = " ".join(summary["notes"])
    assert f"rows written here depend on it: task {tasks['Splash screen']}" in note
    assert f"changed here since it came over: task {tasks['Salaries']}" in note
    with app.app_context():
        assert not Task.select().where(Task.id.in_(
            [int(tasks["Salaries"]), int(tasks["Old page"])])).exists()
        assert not Project.select().where(Project.id == int(projects["Old site"])).exists()
        assert not Comment.select().where(Comment.id == int(comments["See the notes"])).exists()
        assert not Comment.select().where(Comment.text == "Raise").exists()
        assert not Cost.select().where(Cost.id == int(costs["Sketches"])).exists()
        assert not File.select().where(File.name == "notes.txt").exists()
        assert not TaskRelation.select().exists()
        # What was written here stays, and so does the task it commented on.
        assert Project.get_by_id(int(here_project)).name == "Made here"
        assert Task.get_by_id(int(here_task)).name == "Here"
        assert Task.get_by_id(int(tasks["Splash screen"])).name == "Splash screen"
        assert Comment.select().where(Comment.text == "Said here").exists()
        # The ledger forgot every deleted row (and what went with it).
        for row in summary["deleted"]:
            assert not ImportedRow.select().where(ImportedRow.kind == row["kind"],
                                                  ImportedRow.source_id == row["id"]).exists()
        assert Task.select().count() == before["Task"] - 2

    result, summary = import_from(app, proxy.url, tmp_path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert deleted(summary) == {}  # the check before the switch: nothing left to delete
    assert {(kind, o, n) for kind, counts in summary["counts"].items()
            for o, n in counts.items() if o != "skipped" and n} == set()


def test_a_source_that_goes_away_half_way_deletes_nothing_until_a_run_completes(app, source,
                                                                                tmp_path):
    server, proxy = source
    result, _ = import_from(app, proxy.url, tmp_path)
    assert result.exit_code == 0, result.output
    tasks = by_name(server, "get_all_tasks", extra="subtasks,archive")
    server.call("delete_task", id_task=tasks["Salaries"])
    proxy.fail_at = ("get_costs", 1)  # after the task list, before the rest of the lists
    result, summary = import_from(app, proxy.url, tmp_path)
    assert result.exit_code == 1 and summary is None
    with app.app_context():
        assert Task.select().where(Task.id == int(tasks["Salaries"])).exists()
    proxy.fail_at, proxy.down = None, False
    result, summary = import_from(app, proxy.url, tmp_path)  # continues from the journal
    assert result.exit_code == 0, result.output
    assert deleted(summary) == {"task": 1, "comment": 1}
    with app.app_context():
        assert not Task.select().where(Task.id == int(tasks["Salaries"])).exists()


ANN = {"id": 101, "email": "ann@old.example", "name": "Ann Old"}
BOB = {"id": 102, "email": "bob@old.example", "name": "Bob"}
HOOK = "https://hooks.example/in"
# Two of everything: the second goes when the source deletes all but the first (EMPTIED).
FULL = {
    "get_users": [{**ANN, "first_name": "Ann", "role": "Owner", "group": "Main team"},
                  {**BOB, "first_name": "Bob", "role": "User", "group": "Design"}],
    "get_user_groups": [{"id": 1, "title": "Main team"}, {"id": 2, "title": "Design"}],
    "get_users_schedule": [],
    "get_contact_groups": [{"id": 4, "title": "Partners", "type": "folder"},
                           {"id": 5, "title": "Suppliers", "type": "folder"}],
    "get_contacts": [{"id": 26, "name": "Lee Ink", "group": "Partners"},
                     {"id": 6, "name": "Sam Paper", "group": "Suppliers"}],
    "get_project_groups": [{"id": 17, "title": "Internal", "type": "folder"},
                           {"id": 7, "title": "Clients", "type": "folder"}],
    "get_task_tag_groups": [{"id": 18, "title": "Kind", "type": "label", "access": "public"},
                            {"id": 8, "title": "Stage", "type": "status", "access": "public"}],
    "get_task_tags": [{"id": 19, "title": "urgent", "group": {"id": 18}},
                      {"id": 9, "title": "Open", "group": {"id": 8}}],
    "get_project_tag_groups": [], "get_project_tags": [],
    "get_task_custom_fields": [{"id": 20, "name": "Colour", "type": "string"},
                               {"id": 10, "name": "Size", "type": "string"}],
    "get_project_custom_fields": [],
    "get_projects": [{"id": 1, "name": "Kept", "user_from": ANN, "company": "Internal"},
                     {"id": 2, "name": "Gone", "user_from": ANN, "company": "Clients"}],
    "get_all_tasks": [{"id": 11, "name": "Kept", "project": {"id": 1}, "user_from": ANN},
                      {"id": 12, "name": "Gone", "project": {"id": 1}, "user_from": ANN,
                       "tags": {"9": "Open"}}],
    "get_comments": [], "get_files": [],
    "get_costs": [{"id": 13, "time": "1:00", "date": "2026-01-05", "user_from": ANN,
                   "task": {"id": 11}},
                  {"id": 14, "time": "0:30", "date": "2026-01-05", "user_from": BOB,
                   "task": {"id": 11}}],
    "get_timers": [{"id": 21, "user_from": ANN, "task": {"id": 11},
                    "date_started": "2026-01-05 08:00"},
                   {"id": 15, "user_from": BOB, "task": {"id": 11},
                    "date_started": "2026-01-05 09:00"}],
    "get_webhooks": [{"id": 22, "url": HOOK, "events": "post_task"},
                     {"id": 16, "url": HOOK + "2", "events": "post_comment"}],
    "get_events": [],
}
EMPTIED = {action: answer[:1] if isinstance(answer, list) else answer
           for action, answer in FULL.items()}


@pytest.fixture
def serve():
    servers = []

    def start(answers):
        servers.append(FakeSource(dict(answers)))  # a test changes its answers
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def counts_here() -> dict[str, int]:
    return {model.__name__: model.select().count() for model in (
        Team, ContactFolder, Contact, ProjectFolder, TagGroup, Tag, CustomField, Project, Task,
        Cost, Timer, Webhook, User)}


def test_every_kind_whose_whole_list_was_read_is_deleted_but_users_and_webhooks(app, serve,
                                                                                tmp_path):
    first = serve(FULL)
    result, summary = import_from(app, first.url, tmp_path)
    assert result.exit_code == 0, result.output
    assert summary["failed"] == [], summary["failed"]
    with app.app_context():
        before = counts_here()
    first.answers.clear()
    first.answers.update(EMPTIED)
    result, summary = import_from(app, first.url, tmp_path)
    assert result.exit_code == 0, result.output
    assert deleted(summary) == {"team": 1, "contact_folder": 1, "contact": 1,
                                "project_folder": 1, "tag_group": 1, "tag": 1, "field": 1,
                                "project": 1, "task": 1, "cost": 1, "timer": 1}
    notes = " ".join(summary["notes"])
    assert "(users are never deleted by an import" in notes and "user 102" in notes
    assert "webhook 16" in notes
    with app.app_context():
        less = ("Team", "ContactFolder", "Contact", "ProjectFolder", "TagGroup", "Tag",
                "CustomField", "Project", "Task", "Cost", "Timer")
        assert counts_here() == {name: n - (name in less) for name, n in before.items()}
        bob = User.by_email(BOB["email"])  # left, in the main team as delete_user_group does
        assert bob.team_id == Team.main().id
        assert Webhook.select().where(Webhook.url == HOOK).exists()


def cut(answer):
    """A JSON answer that stops half way."""
    return Response(json.dumps({"status": "ok", "data": answer})[:-20],
                    content_type="application/json")


@pytest.mark.parametrize("how", ["error", "cut", "not objects", "at the most", "empty",
                                 "token"])
def test_a_list_not_answered_whole_deletes_nothing(app, serve, tmp_path, monkeypatch, how):
    first = serve(FULL)
    result, _ = import_from(app, first.url, tmp_path)
    assert result.exit_code == 0, result.output
    with app.app_context():
        before = counts_here()
    tasks = EMPTIED["get_all_tasks"]
    answers = {**FULL, "get_all_tasks": tasks, "get_costs": EMPTIED["get_costs"]}
    extra = []
    if how == "error":
        answers = {**answers, "get_all_tasks": None, "get_costs": None}  # "Action is invalid"
    elif how == "cut":
        answers = {**answers, "get_all_tasks": lambda args: cut(tasks),
                   "get_costs": lambda args: cut(EMPTIED["get_costs"])}
    elif how == "not objects":
        answers = {**answers, "get_all_tasks": [*tasks, "?"],
                   "get_costs": [*EMPTIED["get_costs"], 7]}
    elif how == "at the most":
        monkeypatch.setattr(snapshot, "LIST_CAP", 1)
    elif how == "empty":  # "no task at all" is more likely a wrong answer than the truth
        answers = {**answers, "get_all_tasks": [], "get_costs": []}
    else:
        extra = ["--oauth-token", "a-user-token"]
    first.answers.clear()
    first.answers.update(answers)
    result, summary = import_from(app, first.url, tmp_path, *extra,
                                  key=None if how == "token" else KEY)
    assert result.exit_code == 0, result.output
    assert deleted(summary) == {}
    with app.app_context():
        assert counts_here() == before
    notes = " ".join(summary["notes"])
    if how == "token":
        assert "a user's token sees only what that user sees" in notes
    elif how == "empty":
        assert "the source answered no task at all, while 2 came over" in notes
        assert "the source answered no cost at all, while 2 came over" in notes
    else:
        assert ("not deleted here this run for task: get_all_tasks was not answered in full"
                in notes)
        assert "for cost: get_costs was not answered in full" in notes


def file_ref(file):
    """A file as a task's or a comment's ``files`` show it: no author, no date."""
    return {key: file[key] for key in ("id", "page", "name", "size")}


BRIEF, LOGO, NOTES = ({"id": i, "page": f"/download/{i}/", "name": name, "size": "4",
                       "date_added": "2026-01-05 09:00", "user_from": BOB}
                      for i, name in ((31, "brief.pdf"), (32, "logo.png"), (33, "notes.txt")))
WITH_FILES = {
    **FULL,
    "get_all_tasks": [{**FULL["get_all_tasks"][0], "has_comments": 1, "files": [file_ref(LOGO)]},
                      {**FULL["get_all_tasks"][1], "has_comments": 0}],
    "get_comments": lambda args: [{"id": 41, "text": "See the notes", "user_from": ANN,
                                   "files": [file_ref(NOTES)]}] if args["id_task"] == "11" else [],
    "get_files": lambda args: [BRIEF, LOGO, NOTES] if args["id_project"] == "1" else [],
    "download": lambda args: Response(b"data", headers={
        "Content-Disposition": "attachment; filename=f"}),
}
PROJECT_EVENT = {"action": "update", "date_added": "2026-01-06 10:00", "user_from": ANN,
                 "object": {"type": "project", "id": "1", "page": "/project/1/"}}
COMMENT_EVENT = {"action": "post", "date_added": "2026-01-06 10:05", "user_from": ANN,
                 "object": {"type": "comment", "id": "41", "page": "/project/1/11/"}}


def files_here() -> list[tuple]:
    return sorted(File.select(File.id, File.name, File.size, File.sha256, File.author,
                              File.date_added, File.project, File.task, File.comment).tuples())


@pytest.mark.parametrize("events", [[PROJECT_EVENT], [], [COMMENT_EVENT]],
                         ids=["project files read", "none read", "comments read"])
def test_a_file_seen_through_any_list_is_unchanged_and_the_dry_run_after_is_all_skips(
        app, serve, tmp_path, events):
    """A delta reads a project's files, a task's comments or neither: each list shows
    a file otherwise (only the project's shows its author and date; it does not say which
    comment holds a file), and none of it is a change."""
    first = serve(WITH_FILES)
    result, summary = import_from(app, first.url, tmp_path)
    assert result.exit_code == 0, result.output
    assert summary["counts"]["file"]["created"] == 3 and summary["failed"] == []
    with app.app_context():
        before = files_here()
        bob = User.by_email(BOB["email"]).id
        assert {(row[1], row[4], row[6], row[7], row[8]) for row in before} == {
            ("brief.pdf", bob, 1, None, None), ("logo.png", bob, None, 11, None),
            ("notes.txt", bob, None, None, 41)}
    first.answers["get_events"] = events
    for extra in ((), (), ("--dry-run",)):  # two deltas, then the check before the switch
        del first.calls[:]
        result, summary = import_from(app, first.url, tmp_path, *extra)
        assert result.exit_code == 0, result.output
        assert {(kind, o, n) for kind, counts in summary["counts"].items() if kind != "event"
                for o, n in counts.items() if o != "skipped" and n} == set(), extra
        assert "download" not in first.calls
        with app.app_context():
            assert files_here() == before


def test_a_new_file_in_a_project_read_without_its_comments_comes_over_as_the_projects(
        app, serve, tmp_path):
    first = serve(WITH_FILES)
    result, _ = import_from(app, first.url, tmp_path)
    assert result.exit_code == 0, result.output
    plan = {**BRIEF, "id": 34, "page": "/download/34/", "name": "plan.pdf"}
    first.answers.update(get_events=[PROJECT_EVENT], get_files=lambda args: [
        BRIEF, LOGO, NOTES, plan] if args["id_project"] == "1" else [])
    del first.calls[:]
    result, summary = import_from(app, first.url, tmp_path)
    assert result.exit_code == 0, result.output
    assert "get_comments" not in first.calls and first.calls.count("download") == 1
    assert {o: n for o, n in summary["counts"]["file"].items() if n} == {
        "created": 1, "skipped": 3}
    with app.app_context():
        added = File.get_by_id(34)
        assert (added.project_id, added.task_id, added.comment_id) == (1, None, None)
        assert added.author_id == User.by_email(BOB["email"]).id
    result, summary = import_from(app, first.url, tmp_path, "--dry-run")
    assert result.exit_code == 0, result.output  # it reads no files: the task's file only
    assert {o: n for o, n in summary["counts"]["file"].items() if n} == {"skipped": 1}
