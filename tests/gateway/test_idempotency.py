"""Idempotent writes: ``Idempotency-Key`` (or ``idempotency_key`` / ``uid``) on write actions."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.request

import pytest
from conftest import admin_header, md5_hash, php_query

from models.base import now
from models.events import Event
from models.idempotency import StoredResponse
from models.keys import ApiKey
from models.members import User
from models.projects import Project
from models.tasks import Task
from models.tokens import SCOPES, Token

THREADS = 8


@pytest.fixture
def project(app):
    return Project.create(name="Owl brand launch", author=User.owner())


def signed_get(client, params, headers=None):
    query = php_query(params)
    return client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query)}", headers=headers or {})


def post_task(client, project, key="retry-1", title="Design"):
    return signed_get(client, {"action": "post_task", "id_project": project.id, "title": title},
                      {"Idempotency-Key": key})


def mismatch(key="retry-1"):
    return {"status": "error", "status_code": 11,
            "message": "Idempotency key was already used with other parameters",
            "message_details": key}


def test_a_retry_returns_the_first_answer_byte_for_byte_and_writes_nothing(client, project):
    first = post_task(client, project)
    assert first.get_json()["status"] == "ok" and "Idempotent-Replayed" not in first.headers
    events = Event.select().count()
    retry = post_task(client, project)
    assert retry.get_data() == first.get_data()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.mimetype == "application/json"
    assert Task.select().count() == 1 and Event.select().count() == events


def test_the_first_answer_is_the_normal_answer(client, project):
    keyed = post_task(client, project, title="A").get_json()
    plain = signed_get(client, {"action": "post_task", "id_project": project.id, "title": "A"})
    assert keyed.keys() == plain.get_json().keys()
    assert keyed["data"]["name"] == "A"


@pytest.mark.parametrize("name", ["idempotency_key", "uid"])
def test_get_only_clients_send_the_key_as_a_parameter(client, project, name):
    params = {"action": "post_task", "id_project": project.id, "title": "Design", name: "k-7"}
    first, retry = signed_get(client, params), signed_get(client, params)
    assert retry.get_data() == first.get_data() and Task.select().count() == 1


def test_the_2026_clients_retry_with_a_new_timestamp(client, project):
    def send(at):
        return client.post("/api/admin/v2?action=post_task",
                           data=json.dumps({"id_project": project.id, "title": "Design"}),
                           headers={"Authorization": admin_header("post_task", at=at),
                                    "Content-Type": "application/json",
                                    "Idempotency-Key": "8f14e45f-ceea-467f-a0c6-1c0a4c4e5e4f"})
    stamp = int(now().replace(tzinfo=dt.UTC).timestamp())
    first, retry = send(stamp), send(stamp + 3)
    assert retry.get_data() == first.get_data() and Task.select().count() == 1


def test_the_same_key_with_other_parameters_is_an_error(client, project):
    post_task(client, project, title="Design")
    assert post_task(client, project, title="Print").get_json() == mismatch()
    other_action = signed_get(client, {"action": "add_user_group", "title": "Design"},
                              {"Idempotency-Key": "retry-1"})
    assert other_action.get_json() == mismatch()
    assert Task.select().count() == 1


def test_errors_are_not_stored(client, project):
    missing = signed_get(client, {"action": "post_task", "id_project": 999, "title": "Design"},
                         {"Idempotency-Key": "retry-1"})
    assert missing.get_json()["status_code"] == 4
    assert StoredResponse.select().count() == 0
    assert post_task(client, project).get_json()["status"] == "ok"  # the key is still free


def test_keys_expire(app, client, project):
    first = post_task(client, project)
    StoredResponse.update(created=now() - dt.timedelta(hours=24, seconds=1)).execute()
    again = post_task(client, project)
    assert again.get_data() != first.get_data() and "Idempotent-Replayed" not in again.headers
    assert Task.select().count() == 2 and StoredResponse.select().count() == 1


def test_the_lifetime_is_configurable(app, client, project):
    app.config["IDEMPOTENCY_TTL"] = 60
    post_task(client, project)
    StoredResponse.update(created=now() - dt.timedelta(seconds=61)).execute()
    post_task(client, project)
    assert Task.select().count() == 2


def test_read_actions_ignore_the_key(client):
    signed_get(client, {"action": "get_users"}, {"Idempotency-Key": "retry-1"})
    assert StoredResponse.select().count() == 0


def test_keys_belong_to_one_api_key(app, client, project):
    other = "1" * 32
    ApiKey.issue("other", app.config["SECRET_KEY"], secret=other)
    post_task(client, project)
    query = php_query({"action": "post_task", "id_project": project.id, "title": "Design"})
    response = client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query, other)}",
                          headers={"Idempotency-Key": "retry-1"})
    assert "Idempotent-Replayed" not in response.headers
    assert Task.select().count() == 2


@pytest.mark.parametrize("key", ["x" * 256, "   "])
def test_a_bad_key_is_refused(client, project, key):
    body = post_task(client, project, key=key).get_json()
    assert (body["status"], body["status_code"], body["message"]) == (
        "error", 11, "Invalid Idempotency-Key: 1 to 255 printable characters")
    assert Task.select().count() == 0


@pytest.mark.parametrize(("value", "code"), [(["a", "b"], 11), ("tab\there", 11),
                                           ("a\u0000b", 10)])  # no NUL in any parameter
def test_a_bad_key_parameter_is_refused(client, project, value, code):
    body = client.post("/api/admin/v2?action=post_task",
                       json={"id_project": project.id, "title": "T", "uid": value},
                       headers={"Authorization": admin_header("post_task")}).get_json()
    assert (body["status"], body["status_code"]) == ("error", code)
    assert Task.select().count() == 0


def test_concurrent_identical_requests_write_once(live_server, project):
    query = php_query({"action": "post_task", "id_project": project.id, "title": "Race"})
    url = f"{live_server}/api/admin/v2/?{query}&hash={md5_hash(query)}"
    start, bodies, replays = threading.Barrier(THREADS), [], []

    def send():
        start.wait()
        request = urllib.request.Request(url, headers={"Idempotency-Key": "race-1"})
        with urllib.request.urlopen(request, timeout=30) as response:
            bodies.append(response.read())
            replays.append(response.headers.get("Idempotent-Replayed"))

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(bodies) == THREADS and len(set(bodies)) == 1, bodies
    assert json.loads(bodies[0])["status"] == "ok"
    assert sorted(replays, key=str) == [None] + ["true"] * (THREADS - 1)
    assert Task.select().where(Task.name == "Race").count() == 1
    assert StoredResponse.select().count() == 1


def test_user_tokens_have_their_own_keys(client, project):
    token = Token.issue("access", User.owner(), list(SCOPES))[1]

    def send():
        return client.post("/api/oauth2?action=post_task",
                           json={"id_project": project.id, "title": "Design"},
                           headers={"Authorization": f"Bearer {token}",
                                    "Idempotency-Key": "retry-1"})

    first, retry = send(), send()
    assert first.get_json()["status"] == "ok" and retry.get_data() == first.get_data()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert post_task(client, project).get_json()["status"] == "ok"  # the admin key's own
    assert Task.select().count() == 2
    callers = {row.caller for row in StoredResponse.select()}
    assert callers == {f"user:{User.owner().id}", "key:admin"}


# bookkeeping: two statements a write, expired keys dropped in the background


def bookkeeping(queries: list[str]) -> list[str]:
    """The statements on the stored answers, each by its first word."""
    return [sql.split()[0] for sql in queries if '"stored_responses"' in sql]


def test_a_keyed_write_costs_two_statements_more_than_a_plain_one(client, project,
                                                                 count_queries):
    signed_get(client, {"action": "post_task", "id_project": project.id, "title": "Warm"})
    count_queries.clear()
    signed_get(client, {"action": "post_task", "id_project": project.id, "title": "Plain"})
    plain = len(count_queries)
    count_queries.clear()
    post_task(client, project)
    assert bookkeeping(count_queries) == ["INSERT", "UPDATE"]
    assert len(count_queries) == plain + 2
    count_queries.clear()
    post_task(client, project)
    assert bookkeeping(count_queries) == ["INSERT", "SELECT"]
    assert len(count_queries) <= plain + 2


def test_an_expired_key_is_taken_over_in_the_same_two_statements(client, project,
                                                                 count_queries):
    post_task(client, project)
    StoredResponse.update(created=now() - dt.timedelta(hours=25)).execute()
    count_queries.clear()
    assert "Idempotent-Replayed" not in post_task(client, project).headers
    assert bookkeeping(count_queries) == ["INSERT", "UPDATE"]
    assert post_task(client, project).headers["Idempotent-Replayed"] == "true"
    assert Task.select().count() == 2


def test_a_request_leaves_other_expired_keys_to_the_background(client, project):
    post_task(client, project, key="old")
    StoredResponse.update(created=now() - dt.timedelta(hours=25)).execute()
    post_task(client, project, key="new")
    assert sorted(row.key for row in StoredResponse.select()) == ["new", "old"]
