"""SQL statements per action, through the real route with real signatures, on SQLite and on
PostgreSQL (``TEST_DATABASE_URL``): a list costs as many statements for one row as for many, and
each action costs the number written in ``STATEMENTS`` or ``WRITES``.

A read action is called over one row, then over ``MANY`` rows of what it lists (each row with
every extra the action has); both calls must run ``STATEMENTS[action]`` statements. Every
statement that goes through Peewee counts (``count_queries`` in conftest: the key's
once-a-minute ``last_used`` aside), the signature check's included; transaction control does
not go through it. When a change makes an action cheaper (or dearer, for a reason), update its
number here: the failure message shows the statements run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from conftest import SECRET_KEY, md5_hash, ok_data, php_query

from actions.registry import ACTIONS
from models.base import db, now
from models.comments import Comment
from models.costs import Cost
from models.custom_fields import CustomField
from models.events import record
from models.files import File
from models.inbound_hooks import InboundHook, InboundHookCall
from models.keys import seal
from models.mail import MailOut
from models.members import Contact, ContactFolder, Team, User
from models.notices import Notice
from models.projects import Project, ProjectFolder, ProjectMember
from models.schedule import ScheduleDay
from models.tags import ProjectTag, Tag, TagGroup, TaskTag
from models.task_types import TaskPriority, TaskTicket, TaskType, TaskTypePriority
from models.tasks import Task, TaskRelation, TaskSubscriber
from models.timers import Timer
from models.usertasks import TaskAssignee, TaskUid
from models.webhooks import Webhook, WebhookAttempt, WebhookDelivery

MANY = 25
EVERY_EXTRA = "text,files,comments,relations,subtasks,subscribers"

# Each count includes the API key's SELECT of the signature check.
STATEMENTS = {  # statements per call of a read action, whatever the number of rows
    "get_all_tasks": 7,
    "get_comments": 3,
    "get_contact_groups": 1,
    "get_contacts": 1,
    "get_costs": 4,
    "get_costs_total": 3,
    "get_events": 1,
    "get_files": 2,
    "get_notes": 2,
    "get_notices": 1,
    "get_project": 5,
    "get_projects": 4,
    "get_project_tag_groups": 1,
    "get_project_tags": 1,
    "get_task": 6,
    "get_task_tag_groups": 1,
    "get_task_tags": 1,
    "get_tasks": 8,
    "get_tasks_by_uids": 9,
    "get_timers": 3,
    "get_user_groups": 1,
    "get_users": 1,
    "get_users_schedule": 2,
    "search_tasks": 8,
    "get_project_groups": 2,
    "get_user_group": 3,
    "get_webhooks": 1,
    "get_webhook_deliveries": 2,
    "get_mail_deliveries": 1,
    "get_inbound_hooks": 1,
    "get_inbound_hook_calls": 3,
    "get_task_custom_fields": 1,
    "get_project_custom_fields": 1,
    "get_task_types": 2,
    "get_task_priorities": 1,
    "get_overdue_tasks": 3,
}
WRITES = {  # statements per call of a write action
    "post_task": 7,
    "post_task with an Idempotency-Key": 9,  # + the claim and the stored answer
    "post_task, its retry": 2,  # the claim, the stored answer
    "post_comment": 3,
    "add_costs": 3,
    "update_task": 6,
}


class Seeded(NamedTuple):
    """A read action's case: what it is called with, and how many rows its answer holds."""

    params: dict[str, Any]
    rows: Callable[[Any], int]


class World:
    """What the seeds share: the owner, a user, a project and a tag; unique names."""

    def __init__(self) -> None:
        self.owner = User.owner()
        self.frank = User.create(email="frank.harper@ws.com", first_name="Frank",
                                 last_name="Harper")
        self.project = Project.create(name="Website", author=self.owner, text="<p>Site</p>")
        self.tag = Tag.create(group=TagGroup.create(scope="task", title="Kind"), title="bug")
        self.kind = TaskType.create(name="Incident")
        self.urgent = TaskPriority.create(name="Urgent", overdue_in=1)
        self.serial = itertools.count(1)
        self.task: Task | None = None  # get_task's task, made by its first seed

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self.serial)}"

    def user(self, **fields: Any) -> User:
        return User.create(email=f"{self.name('user')}@ws.com", first_name="Kate", **fields)


def full_task(world: World, parent: Task | None = None, root: Task | None = None) -> Task:
    """A task with text, a tag, a type and priority, an assignee, a file, a comment with a
    file and a subscriber."""
    task = Task.create(project=world.project, name=world.name("Task "), text="<p>Brief</p>",
                       author=world.owner, user_to=world.frank, parent=parent, root=root,
                       depth=0 if parent is None else parent.depth + 1)
    TaskTag.create(task=task, tag=world.tag)
    TaskTicket.create(task=task, type=world.kind, priority=world.urgent)
    TaskAssignee.create(task=task, user=world.frank)
    attach(world, task=task)
    attach(world, comment=Comment.create(task=task, author=world.frank, text="Done"))
    TaskSubscriber.create(task=task, user=world.frank)
    return task


def attach(world: World, **where: Any) -> File:
    return File.create(name=f"{world.name('file')}.pdf", size=1, sha256="0" * 64,
                       author=world.owner, **where)


def seed_tasks(world: World, count: int) -> None:
    """``count`` top tasks, each with a subtask and a sub-subtask (all three full tasks) and
    a relation from the top task before it."""
    before = Task.select().where(Task.parent.is_null()).order_by(Task.id.desc()).first()
    for _ in range(count):
        top = full_task(world)
        full_task(world, full_task(world, top, top), top)
        if before is not None:
            TaskRelation.create(from_task=before, to_task=top)
        before = top


def all_tasks(world: World, count: int) -> Seeded:
    seed_tasks(world, count)
    return Seeded({"extra": EVERY_EXTRA + ",archive"}, len)


def project_tasks(world: World, count: int) -> Seeded:
    seed_tasks(world, count)
    return Seeded({"id_project": world.project.id, "extra": EVERY_EXTRA}, len)


def found_tasks(world: World, count: int) -> Seeded:
    """search_tasks lists subtasks beside their tasks: three a top task."""
    seed_tasks(world, count)
    return Seeded({"id_project": world.project.id, "extra": EVERY_EXTRA},
                  lambda data: len(data) // 3)


def seed_one_task(world: World, count: int) -> Seeded:
    """One task with ``count`` subtasks, comments, files, subscribers and relations (its
    answer shows only the latest comments)."""
    if world.task is None:
        world.task = Task.create(project=world.project, name="Brand book", author=world.owner)
    task = world.task
    for _ in range(count):
        sub = full_task(world, task, task)
        Comment.create(task=task, author=world.frank, text="Note")
        attach(world, task=task)
        TaskSubscriber.create(task=task, user=world.user())
        TaskRelation.create(from_task=task, to_task=sub)

    def rows(data: dict[str, Any]) -> int:
        return min(len(data["child"]), len(data["files"]), len(data["subscribers"]),
                   len(data["relations"]["to"]))
    return Seeded({"id_task": task.id, "extra": EVERY_EXTRA}, rows)


def seed_comments(world: World, count: int, hidden: bool = False) -> Seeded:
    task = world.task = world.task or Task.create(project=world.project, name="Brand book",
                                                  author=world.owner)
    for _ in range(count):
        author = world.user()
        attach(world, comment=Comment.create(task=task, author=author, text="Looks good",
                                             hidden=hidden))
    return Seeded({"id_task": task.id, "extra": "files"}, len)


def seed_events(world: World, count: int) -> Seeded:
    for _ in range(count):
        task = Task.create(project=world.project, name=world.name("Task "), author=world.owner)
        record("post", "task", task.id, task.page, user=world.user(), project_id=task.project_id,
               task_id=task.id, new={"name": task.name})
    return Seeded({"period": "1d"}, len)


def seed_costs(world: World, count: int) -> Seeded:
    """Cost lines on tasks of their own projects, by users of their own."""
    for _ in range(count):
        user = world.user()
        project = Project.create(name=world.name("Project "), author=user)
        task = Task.create(project=project, name=world.name("Task "), author=user, user_to=user)
        Cost.create(task=task, user=user, minutes=30, cents=1250, date=now().date())
    return Seeded({}, len)


def cost_totals(world: World, count: int) -> Seeded:
    seed_costs(world, count)
    return Seeded({"extra": "projects,tasks"}, lambda body: len(body["projects"]))


def seed_files(world: World, count: int) -> Seeded:
    task = world.task = world.task or Task.create(project=world.project, name="Brand book",
                                                  author=world.owner)
    for _ in range(count):
        attach(world, project=world.project)
        attach(world, task=task)
        attach(world, comment=Comment.create(task=task, author=world.user(), text="See"))
    return Seeded({"id_project": world.project.id}, lambda data: len(data) // 3)


def seed_projects(world: World, count: int) -> Seeded:
    group = TagGroup.get_or_create(scope="project", title="Area")[0]
    for _ in range(count):
        project = Project.create(name=world.name("Project "), author=world.user(),
                                 manager=world.user(), text="<p>Plan</p>")
        ProjectMember.create(project=project, user=world.user())
        ProjectTag.create(project=project, tag=Tag.create(group=group, title=world.name("t")))
    return Seeded({"extra": "text,options,users"}, len)


def seed_project_members(world: World, count: int) -> Seeded:
    for _ in range(count):
        ProjectMember.create(project=world.project, user=world.user())
    return Seeded({"id_project": world.project.id, "extra": "text,options,users"},
                  lambda data: len(data["users"]))


def seed_tag_groups(scope: str, rows: Callable[[Any], int]) -> Callable[[World, int], Seeded]:
    """``count`` tag groups with two tags each; ``rows``: groups in the answer."""
    def seed(world: World, count: int) -> Seeded:
        for _ in range(count):
            group = TagGroup.create(scope=scope, title=world.name("Group "))
            Tag.create(group=group, title="a")
            Tag.create(group=group, title="b")
        return Seeded({}, rows)
    return seed


def seed_users(world: World, count: int) -> Seeded:
    for _ in range(count):
        user = world.user(team=Team.create(title=world.name("Team ")))
        ScheduleDay.create(user=user, day=now().date(), kind="vacation")
    return Seeded({}, len)


def seed_contacts(world: World, count: int) -> Seeded:
    for _ in range(count):
        folder = ContactFolder.create(title=world.name("Folder "))
        Contact.create(first_name="Ann", email=f"{world.name('c')}@x.com", folder=folder)
    return Seeded({}, len)


def seed_timers(world: World, count: int) -> Seeded:
    for _ in range(count):
        user = world.user()
        task = Task.create(project=Project.create(name=world.name("P"), author=user),
                           name=world.name("Task "), author=user, user_to=user)
        Timer.create(user=user, task=task, started_at=now() - dt.timedelta(minutes=5))
    return Seeded({}, len)


def seed_uids(world: World, count: int) -> Seeded:
    for _ in range(count):
        TaskUid.create(uid=str(uuid.uuid4()), task=full_task(world))
    uids = [row.uid for row in TaskUid.select()]
    return Seeded({"task_uids": uids, "extra": EVERY_EXTRA.split(",")}, len)


def seed_notices(world: World, count: int) -> Seeded:
    for _ in range(count):
        Notice.create(name=world.name("Notice "), message="Maintenance tonight")
    return Seeded({}, len)


def seed_overdue(world: World, count: int) -> Seeded:
    """Tasks of a day ago whose priority is overdue after a minute."""
    for _ in range(count):
        task = full_task(world)
        Task.update(date_added=now() - dt.timedelta(days=1)).where(Task.id == task.id).execute()
    return Seeded({"limit": MANY}, len)


def seed_folders(world: World, count: int) -> Seeded:
    for _ in range(count):
        ProjectFolder.create(title=world.name("Folder "))
    return Seeded({}, len)


def seed_team_members(world: World, count: int) -> Seeded:
    team = Team.get_or_create(title="Design")[0]
    for _ in range(count):
        world.user(team=team)
    return Seeded({"id": team.id}, lambda data: len(data["users"]))


def seed_webhooks(world: World, count: int) -> Seeded:
    """Webhooks, each with a delivery tried once."""
    for _ in range(count):
        hook = Webhook.create(url=f"https://{world.name('h')}.example.com/", events="post_task",
                              sealed_secret=seal("whsec", SECRET_KEY))
        delivery = WebhookDelivery.create(webhook=hook, message_id=world.name("msg_"),
                                          body="[]", event_count=1, attempts=1)
        WebhookAttempt.create(delivery=delivery, response_code=500)
    return Seeded({}, len)


def seed_mail(world: World, count: int) -> Seeded:
    """Notification mails, sent."""
    for _ in range(count):
        MailOut.create(address="kate@ws.com", kind="change", subject="[Website] Logo",
                       message_id=world.name("<m") + "@x>", message="", status="sent")
    return Seeded({}, len)


def seed_inbound_hooks(world: World, count: int) -> Seeded:
    for _ in range(count):
        InboundHook.create(name=world.name("Hook "), action="post_task",
                           token_hash=world.name("token"))
    return Seeded({}, len)


def seed_hook_calls(world: World, count: int) -> Seeded:
    hook = InboundHook.get_or_create(name="Alerts", action="post_task", token_hash="0")[0]
    for _ in range(count):
        InboundHookCall.create(hook=hook, outcome="ok", http_status=200)
    return Seeded({"id": hook.id, "limit": MANY}, len)


def seed_custom_fields(scope: str) -> Callable[[World, int], Seeded]:
    def seed(world: World, count: int) -> Seeded:
        for _ in range(count):
            CustomField.create(scope=scope, name=world.name("Field "), type="string")
        return Seeded({}, len)
    return seed


def seed_task_types(world: World, count: int) -> Seeded:
    """Types, each allowing a priority of its own and the default one."""
    default = TaskPriority.get_or_create(name="Normal", defaults={"is_default": True})[0]
    for _ in range(count):
        kind = TaskType.create(name=world.name("Type "))
        for priority in (default, TaskPriority.create(name=world.name("Priority "))):
            TaskTypePriority.create(type=kind, priority=priority)
    return Seeded({}, len)


READS: dict[str, Callable[[World, int], Seeded]] = {
    "get_all_tasks": all_tasks,
    "get_tasks": project_tasks,
    "search_tasks": found_tasks,
    "get_task": seed_one_task,
    "get_tasks_by_uids": seed_uids,
    "get_comments": seed_comments,
    "get_notes": lambda world, count: seed_comments(world, count, hidden=True),
    "get_events": seed_events,
    "get_costs": seed_costs,
    "get_costs_total": cost_totals,
    "get_files": seed_files,
    "get_projects": seed_projects,
    "get_project": seed_project_members,
    "get_task_tags": seed_tag_groups("task", lambda tags: len(tags) // 2),
    "get_task_tag_groups": seed_tag_groups("task", len),
    "get_project_tags": seed_tag_groups("project", lambda tags: len(tags) // 2),
    "get_project_tag_groups": seed_tag_groups("project", len),
    "get_users": seed_users,
    "get_user_groups": seed_users,
    "get_users_schedule": seed_users,
    "get_contacts": seed_contacts,
    "get_contact_groups": seed_contacts,
    "get_timers": seed_timers,
    "get_notices": seed_notices,
    "get_project_groups": seed_folders,
    "get_user_group": seed_team_members,
    "get_webhooks": seed_webhooks,
    "get_webhook_deliveries": seed_webhooks,
    "get_mail_deliveries": seed_mail,
    "get_inbound_hooks": seed_inbound_hooks,
    "get_inbound_hook_calls": seed_hook_calls,
    "get_task_custom_fields": seed_custom_fields("task"),
    "get_project_custom_fields": seed_custom_fields("project"),
    "get_task_types": seed_task_types,
    "get_task_priorities": seed_task_types,
    "get_overdue_tasks": seed_overdue,
}
NOT_COUNTED = {  # read actions that list nothing that grows
    "download": "one file's bytes",
    "get_user": "one user",
    "get_settings": "the fixed list of settings",
    "me": "the token's own user (user tokens only)",
    "get_my_timer": "the token user's one timer (user tokens only)",
    "get_conversations": "user tokens only",
}


@pytest.fixture
def world(app) -> World:
    return World()


def counted(api, count_queries: list[str], action: str, params: dict[str, Any],
            headers: dict[str, str] | None = None) -> tuple[Any, list[str]]:
    """The answer's data (the envelope when it has none) and the statements the call ran
    (the body read to its end)."""
    query = php_query({"action": action, **params})
    count_queries.clear()
    response = api.client.get(f"{api.path}?{query}&hash={md5_hash(query)}",
                              headers=headers or {})
    body = response.get_json()
    data = ok_data(body)
    return body if data is None else data, list(count_queries)


def shown(statements: list[str]) -> str:
    return "\n".join(sql[:140] for sql in statements)


def test_every_read_action_is_counted_or_said_why():
    reads = {name for name, spec in ACTIONS.items() if name == spec.canonical and not spec.writes}
    assert reads - NOT_COUNTED.keys() == READS.keys() == STATEMENTS.keys()


@pytest.mark.parametrize("action", sorted(READS))
def test_a_read_costs_the_same_statements_for_one_row_and_for_many(api, world, count_queries,
                                                                  action):
    with db.atomic():
        case = READS[action](world, 1)
    counted(api, count_queries, action, case.params)  # once before: per-process caches
    few, few_sql = counted(api, count_queries, action, case.params)
    with db.atomic():
        case = READS[action](world, MANY - 1)
    many, many_sql = counted(api, count_queries, action, case.params)
    assert case.rows(many) - case.rows(few) == MANY - 1, (case.rows(few), case.rows(many))
    assert (len(few_sql), len(many_sql)) == (STATEMENTS[action],) * 2, (
        f"{action}: {len(few_sql)} statements over 1 row, {len(many_sql)} over {MANY} "
        f"(STATEMENTS says {STATEMENTS[action]}); over {MANY}:\n{shown(many_sql)}")


def test_the_counted_task_lists_carry_every_extra(api, world):
    seed_tasks(world, 3)
    listed = ok_data(api.call("get_tasks", id_project=world.project.id, extra=EVERY_EXTRA))
    assert ok_data(api.call("get_all_tasks", extra=EVERY_EXTRA + ",archive")) == listed
    assert len(listed) == 3 and listed[0]["child"][0]["child"][0]["comments"][0]["text"] == "Done"
    assert [len(listed[0][name]) for name in ("files", "subscribers", "tags")] == [1, 1, 1]

    def brief(task: dict[str, Any]) -> dict[str, Any]:
        return {k: task[k] for k in ("id", "name", "page", "status", "priority")}
    assert listed[1]["relations"] == {
        "from": [{"type": "finish-to-start", "task": brief(listed[0])}],
        "to": [{"type": "finish-to-start", "task": brief(listed[2])}]}


@pytest.fixture
def task(api, world) -> Task:
    return Task.create(project=world.project, name="Brand book", author=world.owner)


WRITE_CALLS: dict[str, Callable[[World, Task], tuple[str, dict[str, Any]]]] = {
    "post_task": lambda world, task: ("post_task", {
        "id_project": world.project.id, "title": world.name("Design "), "text": "<p>Brief</p>",
        "email_user_to": world.frank.email, "priority": 5, "tags": "bug"}),
    "post_comment": lambda world, task: ("post_comment", {"id_task": task.id, "text": "Done"}),
    "add_costs": lambda world, task: ("add_costs", {"id_task": task.id, "time": "1:30"}),
    "update_task": lambda world, task: ("update_task", {
        "id_task": task.id, "title": world.name("Design v"), "priority": next(world.serial),
        "email_user_to": world.frank.email}),
}


@pytest.mark.parametrize("name", sorted(WRITE_CALLS))
def test_a_write_costs_its_statements(api, world, task, count_queries, name):
    counted(api, count_queries, *WRITE_CALLS[name](world, task))  # once before: caches
    _, statements = counted(api, count_queries, *WRITE_CALLS[name](world, task))
    assert len(statements) == WRITES[name], f"{name}: {len(statements)}\n{shown(statements)}"


def test_an_idempotency_key_costs_two_statements(api, world, task, count_queries):
    counted(api, count_queries, *WRITE_CALLS["post_task"](world, task), {"Idempotency-Key": "0"})
    action, params = WRITE_CALLS["post_task"](world, task)
    _, first = counted(api, count_queries, action, params, {"Idempotency-Key": "k-1"})
    _, retry = counted(api, count_queries, action, params, {"Idempotency-Key": "k-1"})
    assert (len(first), len(retry)) == (WRITES["post_task with an Idempotency-Key"],
                                        WRITES["post_task, its retry"]), shown(first + retry)


def test_an_event_is_one_insert(world, count_queries):
    count_queries.clear()
    record("update", "task", 1, "/project/1/1/", user=world.frank, project_id=1, task_id=1,
           new={"name": "Ünïcode"}, old={"name": "Before"})
    assert [sql.split()[0] for sql in count_queries] == ["INSERT"]
