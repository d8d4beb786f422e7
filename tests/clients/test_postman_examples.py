"""Every success example of Worksection's Postman collection, replayed through the real route:
the answer has the example's keys, with the same JSON types, all the way down.

Each request is sent as saved, on a world made through the API that has what the example's
account had (users, a project with tasks, a comment with a file, cost lines, tags, timers, a
webhook); only the ids (which differ on every install) are swapped for the world's, and the
webhook URL for a local receiver. The user-token actions go to /api/oauth2 with a token.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import OWNER_EMAIL, md5_hash, ok_data, php_query, post_task

from models.members import User
from models.timers import Timer
from models.tokens import SCOPES, Token

COLLECTION = next((p for p in (
    folder / "shared" / "spec" / "postman" / "ws_client_api_postman_collection.json"
    for folder in Path(__file__).resolve().parents[3:5]) if p.exists()), Path("absent.json"))
USER_TOKEN = {"me", "get_my_timer", "start_my_timer", "stop_my_timer"}
NOT_JSON = {"download"}  # answers the file's bytes
TRAILING_COMMA = re.compile(r",(\s*[\]}])")
CONTACT_DETAILS = {"phone": "+1 345 234 23 67", "phone2": "486 09 77", "phone3": "(8984) 345",
                   "phone4": "389 87 35", "address": "Apt. 406", "address2": "59064 Robby"}
PLANNED = {"datestart": "16.01.2021", "dateend": "16.02.2021", "max_time": "15",
           "max_money": "165"}
HOURS = {"time_start": "08:00", "time_end": "18:00"}


def examples() -> list[tuple[str, str, list[tuple[str, str]], Any]]:
    if not COLLECTION.exists():
        return []
    found = []
    stack = list(json.loads(COLLECTION.read_text())["item"])
    while stack:
        item = stack.pop(0)
        stack[:0] = item.get("item", [])
        for response in item.get("response", []):
            body = parsed(response.get("body") or "null")
            query = [(p["key"], p.get("value") or "")
                     for p in response["originalRequest"]["url"].get("query", [])
                     if not p.get("disabled")]
            if isinstance(body, dict) and body.get("status") == "ok":
                found.append((item["name"], response["name"], query, body))
    return found


def parsed(text: str) -> Any:
    try:
        return json.loads(TRAILING_COMMA.sub(r"\1", text))
    except json.JSONDecodeError:
        return None  # the file bytes download answers


EXAMPLES = examples()
pytestmark = pytest.mark.skipif(not EXAMPLES, reason=f"{COLLECTION} is not there")


def test_every_action_with_a_success_example_is_replayed():
    names = {name for name, *_ in EXAMPLES}
    assert len(names) >= 45 and not names & NOT_JSON


@pytest.fixture
def world(hooks_app, api, receiver, request):
    """The example account: Frank and Kate (Kate unless add_user makes her), a project with a
    task, its subtask, a done task, a comment with a file, costs, tags, a timer, a webhook."""
    adding_kate = request.node.callspec.params["action"] == "add_user"
    for email in ("frank.harper@ws.com", "kate.greenway@ws.com")[:1 if adding_kate else 2]:
        first, last = email.split("@")[0].split(".")
        ok_data(api.call("add_user", email=email, first_name=first.title(),
                         last_name=last.title()))
    for email in (OWNER_EMAIL, "frank.harper@ws.com"):
        ok_data(api.call("update_user", email=email, **CONTACT_DETAILS))
    ok_data(api.call("add_contact", email="brian.dragonfly@gmail.com", name="Brian Dragonfly",
                     **CONTACT_DETAILS))
    project = int(ok_data(api.call("post_project", title="Performance improvement",
                                   members="frank.harper@ws.com, kate.greenway@ws.com",
                                   **PLANNED))["id"])
    closed = int(ok_data(api.call("post_project", title="Old site"))["id"])
    ok_data(api.call("close_project", id_project=closed))
    spec = {"attach[0]": (io.BytesIO(b"spec"), "Spec.pdf")}
    task = int(ok_data(api.post_form("post_task", files=spec, id_project=project,
                                     title="Worksection implementation",
                                     email_user_to="frank.harper@ws.com", **PLANNED,
                                     **HOURS))["id"])
    sub = post_task(api, project, title="Template creation", id_parent=task)
    post_task(api, project, title="Header", id_parent=sub)
    done = post_task(api, project, title="Workflow revision", **PLANNED, **HOURS)
    ok_data(api.call("add_costs", id_task=done, time="0:30", email_user_from=OWNER_EMAIL))
    ok_data(api.call("complete_task", id_task=done))
    loose = post_task(api, project, title="Prototype")
    ok_data(api.call("update_task", id_task=task, relations_from=f"finish-to-start:{done}",
                     relations_to=f"start-to-start:{loose}"))
    files = {"attach[0]": (io.BytesIO(b"report"), "Report.pdf")}
    comment = api.post_form("post_comment", files=files, id_task=task, text="See the report")
    costs = [api.call("add_costs", id_task=task, time="1:00", email_user_from=OWNER_EMAIL)["id"]
             for _ in range(2)]
    for scope, groups in (("task", {"Basic workflow": ("status", "doing"),
                                    "Development": ("label", "deployed,feature,design")}),
                          ("project", {"Project status": ("label", "app,active"),
                                       "Finance": ("label", "paid,bill,contract")})):
        for title, (kind, tags) in groups.items():
            ok_data(api.call(f"add_{scope}_tag_groups", title=title, type=kind, access="public"))
            ok_data(api.call(f"add_{scope}_tags", group=title, title=tags))
    ok_data(api.call("update_task_tags", id_task=task, plus="doing"))
    ok_data(api.call("update_project_tags", id_project=project, plus="bill"))
    frank = User.by_email("frank.harper@ws.com")
    timer = Timer.create(user=frank, task=task)
    hook = api.call("add_webhook", url=receiver.url, events="post_task",
                    projects=str(project))["id"]
    file_id = ok_data(api.call("get_files", id_project=project))[0]["id"]
    return {"id_project": project, "id_task": task, "id_parent": sub, "done": done,
            "closed": closed, "loose": loose,
            "id_costs": costs[0], "timer": timer.id, "id": hook, "id_file": file_id,
            "projects": str(project), "url": receiver.url, "comment": comment}


def replayed(action: str, query: list[tuple[str, str]], world: dict) -> list[tuple[str, str]]:
    """The request as saved, with the world's ids (and receiver) in place of the example's."""
    swapped = []
    for key, value in query:
        if key == "id_task" and action == "reopen_task":
            value = world["done"]
        elif key == "id_task" and action == "complete_task":
            value = world["loose"]
        elif key == "id_project" and action == "activate_project":
            value = world["closed"]
        elif key == "id_task" and action == "post_task":
            value = world["id_parent"]
        elif key in world and key != "action":
            value = world[key]
        swapped.append((key, str(value)))
    if action == "post_task":  # the example's subtask is made under an existing task
        swapped = [(k, v) for k, v in swapped if k != "id_parent"] + [
            ("id_parent", str(world["id_task"]))]
    return swapped


def send(client, action: str, pairs: list[tuple[str, str]]) -> dict:
    query = "&".join(php_query({k: v}) for k, v in pairs)
    if action not in USER_TOKEN:
        return client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query)}").get_json()
    user = User.by_email("kate.greenway@ws.com" if action == "start_my_timer"
                         else "frank.harper@ws.com")
    _, token = Token.issue("access", user, list(SCOPES))
    return client.get(f"/api/oauth2?{query}",
                      headers={"Authorization": f"Bearer {token}"}).get_json()


def differences(example: Any, answer: Any, path: str = "") -> list[str]:
    """Where ``answer`` lacks a key of ``example`` or has another JSON type there."""
    if example is None:
        return []
    if type(example) is not type(answer) and not (
            isinstance(example, (int, float)) and isinstance(answer, (int, float))
            and not isinstance(answer, bool)):
        return [f"{path or '.'}: {type(answer).__name__}, example {type(example).__name__}"]
    if isinstance(example, dict) and example and all(key.isdigit() for key in example):
        return differences(next(iter(example.values())), next(iter(answer.values()), None),
                           f"{path}.<id>") if answer else [f"{path}: empty"]
    if isinstance(example, dict):
        found = [f"{path}.{key}: missing" for key in example if key not in answer]
        for key in example.keys() & answer.keys():
            found += differences(example[key], answer[key], f"{path}.{key}")
        return found
    if isinstance(example, list) and example:
        if not answer:
            return [f"{path}: empty, the example has items"]
        return differences(example[0], answer[0], f"{path}[0]")
    return []


@pytest.mark.parametrize(("action", "name", "query", "example"), EXAMPLES,
                         ids=[f"{a}:{n}" for a, n, *_ in EXAMPLES])
def test_postman_success_examples_answer_the_same_shape(client, world, action, name, query,
                                                        example):
    answer = send(client, action, replayed(action, query, world))
    assert answer["status"] == "ok", answer
    assert differences(example, answer) == [], differences(example, answer)

