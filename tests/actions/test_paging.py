"""Paging on every list action, checked over the registry: ``page`` and ``limit`` answer a
page and its ``total``, a cursor walks a list, limits are validated as get_users validates
them, and walks reach the end of a list with no row twice and none missed while rows are
inserted between pages. Unpaged answers are every row (streamed) and read in keyset batches
they are the same rows in the same order as the pages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from conftest import ok_data, post_task

import actions.timers
from actions.registry import ACTIONS
from models.base import now
from models.events import Event
from models.files import File
from models.mail import MailOut
from models.members import User
from models.tasks import Task
from models.timers import Timer
from models.webhooks import Webhook, WebhookDelivery
from schemas import paging
from schemas.keyset import packed
from schemas.paging import PagedIn

NOT_LISTS = {  # read actions whose answer is not a list of rows
    "get_task": "one task (with its subtasks)",
    "get_user": "one user", "get_user_group": "one team with its members",
    "get_project": "one project", "get_costs_total": "sums", "get_my_timer": "one timer",
    "get_tasks_by_uids": "the tasks asked for, in the order asked (bounded by the request)",
}


@pytest.fixture(autouse=True)
def timers_stand_still(monkeypatch):
    """A running timer's ``time`` grows with the clock: two reads of one list a second apart
    differ. The lists are compared across reads, so the timers' clock is held."""
    held = now()
    monkeypatch.setattr(actions.timers, "now", lambda: held)


class Lister(NamedTuple):
    """How to test one list: ``setup`` makes what it lists from (its parameters), ``add``
    inserts its ``n``-th row. ``appends``: new rows land at its end, so page numbers walk it
    steadily too (a cursor walks any list)."""

    setup: Callable[[Any], dict[str, Any]]
    add: Callable[[Any, dict[str, Any], int], Any] | None
    appends: bool = True
    streams: bool = True  # unpaged: every row, streamed (else a list held whole, or a page)
    count: str = "total"
    unpaged: dict[str, Any] = {}  # parameters an unpaged call needs besides ``setup``'s


def nothing(api) -> dict[str, Any]:
    return {}


def a_task(api) -> dict[str, Any]:
    project = int(ok_data(api.call("post_project", title="Paging"))["id"])
    return {"id_task": post_task(api, project)}


def call(action: str, **fixed: Any) -> Callable[[Any, dict[str, Any], int], Any]:
    """An inserter that runs ``action``; ``{n}`` in a value is the row's number."""
    def add(api, params: dict[str, Any], n: int) -> Any:
        values = {k: v.format(n=n, **params) if isinstance(v, str) else v
                  for k, v in fixed.items()}
        return ok_data(api.call(action, **values))
    return add


def a_file(api, params, n) -> None:
    File.create(name=f"f{n}.txt", size=n, sha256="0" * 64, author=User.owner(),
                task=params["id_task"])


def a_timer(api, params, n) -> None:
    user = User.create(email=f"timer{n}@ws.com", first_name="T")
    Timer.create(user=user, task=params["@task"])


def a_note(api, params, n) -> None:
    ok_data(api.call("post_comment", id_task=params["id_task"], text=f"n{n}",
                     hidden=User.owner().email))


def a_conversation(api, params, n) -> None:
    ok_data(api.call("add_user", email=f"{n}@chat.ws.com"))
    ok_data(api.call("post_message", email_user_from="frank@ws.com",
                     email_user_to=f"{n}@chat.ws.com", text="hi"))


def a_webhook(api, params, n) -> Webhook:
    return Webhook.create(url=f"https://hooks.example.com/{n}", events="post_task",
                          sealed_secret="-")


def a_delivery(api, params, n) -> None:
    WebhookDelivery.create(webhook=params["id"], message_id=f"msg_{n}", body="[]",
                           event_count=1)


def a_mail(api, params, n) -> None:
    MailOut.create(address="kate@ws.com", kind="change", subject=f"Mail {n}",
                   message_id=f"<m{n}@x>", message="")


def a_hook(api, params, n) -> dict:
    project = int(ok_data(api.call("post_project", title="Hooked"))["id"])
    return ok_data(api.post_json("add_inbound_hook", name=f"Hook {n}", target="post_task",
                                 fixed={"id_project": project}, mapping={"title": "{title}"}))


def a_hook_call(api, params, n) -> None:
    token = InboundHookToken.of(params["id"])
    api.client.post(f"/hooks/{token}", json={"title": f"Call {n}"})


class InboundHookToken:
    """Tokens are shown once: the tests keep them by hook id."""

    known: dict[str, str] = {}

    @classmethod
    def of(cls, hook_id: str) -> str:
        return cls.known[hook_id]


def hook_calls_setup(api) -> dict[str, Any]:
    body = api.post_json("add_inbound_hook", name="Calls", target="post_task",
                         fixed={"id_project": project_of(api)}, mapping={"title": "{title}"})
    InboundHookToken.known[body["data"]["id"]] = body["token"]
    return {"id": body["data"]["id"]}


def project_of(api) -> int:
    return int(ok_data(api.call("post_project", title="Calls"))["id"])


def chat_setup(api) -> dict[str, Any]:
    for email in ("frank@ws.com", "kate@ws.com"):
        ok_data(api.call("add_user", email=email))
    return {"email_user_from": "frank@ws.com"}


def task_list(**fixed: Any) -> Callable[[Any], dict[str, Any]]:
    """A project to list the tasks of; ``total=1``: every page counts its total (by default
    only the first page does, ``test_task_lists_count_the_first_page_only``)."""
    def setup(api) -> dict[str, Any]:
        project = project_of(api)
        return {"total": 1, "@project": project,
                **{k: v.format(project=project) for k, v in fixed.items()}}
    return setup


def a_project_task(api, params, n) -> None:
    post_task(api, params["@project"], title=f"Task {n}")


def overdue_setup(api) -> dict[str, Any]:
    urgent = ok_data(api.call("add_task_priority", name="Urgent", overdue_in=60))
    ok_data(api.call("add_task_type", name="Issue", priorities=urgent["id"]))
    return {"@project": project_of(api)}


def an_overdue_task(api, params, n) -> None:
    task = post_task(api, params["@project"], title=f"Late {n}", type="Issue",
                     type_priority="Urgent")
    then = now() - dt.timedelta(minutes=61)
    Task.update(date_added=then).where(Task.id == task).execute()
    Event.update(date_added=then).where(Event.task_id == task).execute()


def tag_group(scope: str) -> Callable[[Any], dict[str, Any]]:
    def setup(api) -> dict[str, Any]:
        ok_data(api.call(f"add_{scope}_tag_groups", type="label", access="public",
                         title="Labels"))
        return {"group": "Labels"}
    return setup


def public_labels(api) -> dict[str, Any]:
    return {"type": "label", "access": "public"}


LISTS: dict[str, Lister] = {
    "get_comments": Lister(a_task, call("post_comment", id_task="{id_task}", text="c{n}"),
                           appends=False),
    "get_notes": Lister(a_task, a_note),
    "get_events": Lister(nothing, call("post_project", title="P{n}"), unpaged={"period": "1d"}),
    "get_costs": Lister(a_task, call("add_costs", id_task="{id_task}", time="0:30"),
                        count="count"),
    "get_files": Lister(a_task, a_file),
    "get_projects": Lister(nothing, call("post_project", title="P{n}")),
    "get_contacts": Lister(nothing, call("add_contact", email="c{n}@x.org", name="C {n}")),
    "get_contact_groups": Lister(nothing, call("add_contact_group", title="Folder {n}"),
                                 streams=False),
    "get_users": Lister(nothing, call("add_user", email="u{n}@ws.com")),
    "get_user_groups": Lister(nothing, call("add_user_group", title="Team {n}")),
    "get_users_schedule": Lister(nothing, call("add_user", email="s{n}@ws.com"), streams=False),
    "get_project_groups": Lister(nothing, call("add_project_group", title="Folder {n}"),
                                 appends=False, streams=False),
    "get_task_tags": Lister(tag_group("task"),
                            call("add_task_tags", group="Labels", title="t{n}")),
    "get_project_tags": Lister(tag_group("project"),
                               call("add_project_tags", group="Labels", title="t{n}")),
    "get_task_tag_groups": Lister(public_labels, call(
        "add_task_tag_groups", type="label", access="public", title="G{n}")),
    "get_project_tag_groups": Lister(public_labels, call(
        "add_project_tag_groups", type="label", access="public", title="G{n}")),
    "get_task_custom_fields": Lister(nothing, call("add_task_custom_field", name="F{n}")),
    "get_project_custom_fields": Lister(nothing, call("add_project_custom_field", name="F{n}")),
    "get_task_types": Lister(nothing, call("add_task_type", name="Type {n}")),
    "get_task_priorities": Lister(nothing, call("add_task_priority", name="P{n}")),
    "get_settings": Lister(nothing, None, streams=False),
    "get_timers": Lister(lambda api: {"@task": a_task(api)["id_task"]}, a_timer, appends=False),
    "get_webhooks": Lister(nothing, a_webhook),
    "get_webhook_deliveries": Lister(lambda api: {"id": a_webhook(api, {}, 0).id}, a_delivery,
                                     appends=False, streams=False),
    "get_inbound_hooks": Lister(nothing, a_hook),
    "get_mail_deliveries": Lister(nothing, a_mail, appends=False),
    "get_inbound_hook_calls": Lister(hook_calls_setup, a_hook_call, appends=False,
                                     streams=False),
    "get_notices": Lister(nothing, call("post_notice", name="N{n}", message="m"),
                          appends=False, streams=False),
    "get_conversations": Lister(chat_setup, a_conversation, appends=False, streams=False),
    "get_messages": Lister(lambda api: {**chat_setup(api), "email_user": "kate@ws.com"},
                           call("post_message", email_user_from="frank@ws.com",
                                email_user_to="kate@ws.com", text="m{n}"),
                           appends=False, streams=False),
    "get_overdue_tasks": Lister(overdue_setup, an_overdue_task, streams=False),
    "get_all_tasks": Lister(task_list(), a_project_task),
    "get_tasks": Lister(task_list(id_project="{project}"), a_project_task),
    "search_tasks": Lister(task_list(id_project="{project}", filter="name has 'task'"),
                           a_project_task),
}


def prepared(api, name: str, rows: int = 5) -> dict[str, Any]:
    """The list's parameters, with ``rows`` rows in it."""
    lister = LISTS[name]
    params = lister.setup(api)
    for n in range(rows if lister.add else 0):
        lister.add(api, params, n)
    return params


def sent(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of the call (``@`` names what the inserters need only)."""
    return {k: v for k, v in params.items() if not k.startswith("@")}


def identities(data: Any) -> list[str]:
    if isinstance(data, dict):  # get_users_schedule: users keyed by id
        return list(data)
    return [f"{row.get('type', '')}:{row['id']}" if isinstance(row, dict) and "id" in row
            else json.dumps(row, sort_keys=True) for row in data]


def list_names() -> list[str]:
    return sorted(LISTS)


def test_every_list_action_is_checked_here():
    paged = {spec.canonical for spec in ACTIONS.values() if isinstance(spec.schema, PagedIn)}
    assert paged == set(LISTS)
    reads = {spec.canonical for spec in ACTIONS.values()
             if spec.canonical.startswith(("get_", "search_")) and spec.canonical != "get_"}
    assert reads == set(LISTS) | set(NOT_LISTS)


@pytest.mark.parametrize("name", list_names())
def test_a_page_and_its_total(api, name):
    params = sent(prepared(api, name))
    lister = LISTS[name]
    everything = api.call(name, **params, limit=500)
    total = everything[lister.count]
    assert total == len(everything["data"]) >= (5 if lister.add else 3)
    first = api.call(name, **params, limit=2)
    assert (first["status"], first[lister.count]) == ("ok", total)
    rows = identities(everything["data"])
    newest = name == "get_messages"  # the newest page first, oldest first within
    assert identities(first["data"]) == (rows[-2:] if newest else rows[:2])
    beyond = api.call(name, **{**params, "total": 1}, page=1000, limit=2)
    assert (beyond["data"], beyond[lister.count]) == ([] if not isinstance(
        everything["data"], dict) else {}, total)


@pytest.mark.parametrize("name", list_names())
@pytest.mark.parametrize("by", ["page", "cursor"])
def test_a_walk_sees_every_row_once_while_rows_are_inserted(api, name, by):
    lister = LISTS[name]
    if by == "page" and not lister.appends:
        pytest.skip("new rows land before the walk: only a cursor walks it steadily")
    params = prepared(api, name)
    before = identities(api.call(name, **sent(params), limit=500)["data"])
    seen, page, cursor, n = [], 1, "", 100
    while True:
        where = {"page": page} if by == "page" else {"cursor": cursor}
        body = api.call(name, **sent(params), limit=2, **where)
        seen += identities(body["data"])
        if lister.add:
            lister.add(api, params, n)
            n += 1
        if by == "page" and len(body["data"]) < 2 or by == "cursor" and (
                "next_cursor" not in body):
            break
        page, cursor = page + 1, body.get("next_cursor")
    assert len(seen) == len(set(seen)), "a row came twice"
    assert set(before) <= set(seen), "a row was missed"


@pytest.mark.parametrize("name", [name for name in list_names() if LISTS[name].streams])
def test_unpaged_is_every_row_streamed_in_the_pages_order(api, name, monkeypatch):
    params = prepared(api, name)
    walked, cursor = [], ""
    while cursor is not None:
        body = api.call(name, **sent(params), limit=2, cursor=cursor)
        walked += body["data"]
        cursor = body.get("next_cursor")
    monkeypatch.setattr(paging, "BATCH", 2)  # batches read after the last keys of the last one
    response = api.get(name, {**sent(params), **LISTS[name].unpaged})
    assert response.is_streamed
    assert response.get_json() == {"status": "ok", "data": walked, **(
        {"total": api.call(name, **sent(params), limit=1)["total"]} if name == "get_costs"
        else {})}


@pytest.mark.parametrize("name", list_names())
@pytest.mark.parametrize("bad, key", [
    ({"limit": 0}, "limit"), ({"limit": 100_000}, "limit"), ({"limit": "ten"}, "limit"),
    ({"page": 0}, "page"), ({"page": 10**10}, "page"), ({"cursor": "not a cursor"}, "cursor"),
    ({"cursor": packed(("x",) * 7)}, "cursor"), ({"cursor": packed(("x",))}, "cursor"),
    ({"cursor": packed((2**70,))}, "cursor"), ({"page": 2, "cursor": ""}, "cursor"),
])
def test_bad_paging_is_code_11(api, name, bad, key):
    params = sent(prepared(api, name, rows=1))
    body = api.call(name, **params, **bad)
    assert (body["status"], body["status_code"], body["message_details"]) == (
        "error", 11, key), body


@pytest.mark.parametrize("name", list_names())
def test_a_deep_page_runs_the_statements_of_the_first(api, name, count_queries):
    params = {**sent(prepared(api, name, rows=6)), "total": 1}  # both pages count
    statements = []
    for page in (1, 4):
        count_queries.clear()
        ok_data(api.call(name, **params, page=page, limit=1))
        statements.append(len(count_queries))
    assert statements[0] == statements[1]


def test_paged_events_need_no_period_and_reach_past_30_days(api):
    old = ok_data(api.call("post_project", title="Old"))
    ok_data(api.call("post_project", title="New"))
    Event.update(date_added=now() - dt.timedelta(days=400)).where(
        Event.object_id == int(old["id"])).execute()
    titles = [event["new"]["title"] for event in ok_data(api.call("get_events", limit=10))]
    assert titles == ["Old", "New"]
    assert len(ok_data(api.call("get_events", period="30d"))) == 1
    assert len(ok_data(api.call("get_events", period="500d", page=1))) == 2
    assert len(ok_data(api.call("get_events", period="90d", limit=10))) == 1
    for unpaged in ({}, {"period": "31d"}):  # Worksection's rules, unpaged
        assert api.call("get_events", **unpaged)["message_details"] == "period"


def test_paged_costs_count_their_lines_and_keep_the_sums_in_total(api):
    params = prepared(api, "get_costs", rows=3)
    body = api.call("get_costs", **params, limit=2)
    assert list(body) == ["status", "data", "total", "count"]
    assert (len(body["data"]), body["total"], body["count"]) == (
        2, {"time": "1:30", "money": "0.00"}, 3)
    assert list(api.call("get_costs", **params)) == ["status", "data", "total"]


def test_a_cursor_walk_answers_next_cursor_until_the_last_page(api):
    params = prepared(api, "get_users", rows=2)  # and the owner: 3 users
    first = api.call("get_users", **params, limit=2, cursor="")
    assert list(first) == ["status", "data", "total", "next_cursor"]
    last = api.call("get_users", **params, limit=2, cursor=first["next_cursor"])
    assert (len(last["data"]), "total" in last, "next_cursor" in last) == (1, False, False)


HELD_WHOLE = {"get_settings", "get_contact_groups", "get_overdue_tasks",  # listed(): in memory
              "get_project_groups"}


@pytest.mark.parametrize("name", list_names())
def test_lists_count_the_first_page_only(api, name, count_queries):
    key = LISTS[name].count
    params = {k: v for k, v in sent(prepared(api, name)).items() if k != "total"}
    everything = len(api.call(name, **params, limit=500)["data"])
    first = api.call(name, **params, limit=2)
    walked = api.call(name, **params, limit=2, cursor="")
    assert first[key] == walked[key] == everything and "next_cursor" not in first
    count_queries.clear()
    later = api.call(name, **params, limit=2, cursor=walked["next_cursor"])
    uncounted = len(count_queries)
    assert key not in later and len(later["data"]) == min(2, everything - 2)
    count_queries.clear()
    counted = api.call(name, **params, limit=2, cursor=walked["next_cursor"], total=1)
    assert counted[key] == everything
    assert uncounted == len(count_queries) - (0 if name in HELD_WHOLE else 1)
    assert key not in api.call(name, **params, limit=2, page=2)
    assert api.call(name, **params, limit=2, page=2, total=1)[key] == everything
    assert key not in api.call(name, **params, limit=2, total=0)
