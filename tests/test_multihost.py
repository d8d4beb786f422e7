"""Two Taskgate hosts, one account: what one host does, the other sees at once.

Two server processes (``flask run``), each with its own instance folder and no shared disk,
share one PostgreSQL database, one Redis (rate limits) and one S3 server (files: moto's, run
locally). Both run a webhook sender, and a third sender runs from the command line. Skipped,
with the reason, where PostgreSQL, Redis or moto is missing.
"""

from __future__ import annotations

import os
import secrets
import time

import pytest
from multihost_kit import (
    Host,
    create_database,
    flask,
    host_environment,
    postgres_server,
)
from redis_kit import REDIS_URL
from webhook_kit import Receiver

pytestmark = pytest.mark.multihost

API_KEY = secrets.token_hex(16)
LIMIT = 30  # requests per minute per key, counted in Redis by both hosts together
BAD_HASH = {"status": "error", "status_code": 2, "message": "Action hash is missed or invalid"}


@pytest.fixture
def cluster(tmp_path, s3_url, redis_prefix):
    """Hosts A and B (started), their environments, and the webhook receiver."""
    database, drop_database = create_database(postgres_server())
    settings = {
        "TASKGATE_DATABASE_URL": database, "TASKGATE_SECRET_KEY": secrets.token_urlsafe(32),
        "TASKGATE_API_KEY": API_KEY, "TASKGATE_FILES_URL": s3_url,
        "AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"],
        "TASKGATE_RATE_LIMIT": f"{LIMIT}/minute", "TASKGATE_RATE_LIMIT_PREFIX": redis_prefix,
        "TASKGATE_RATE_LIMIT_STORAGE": REDIS_URL,
        "TASKGATE_WEBHOOK_ALLOW_PRIVATE": "true", "TASKGATE_WEBHOOK_POLL": "1",
    }
    envs = {name: host_environment(tmp_path / f"host-{name}", settings) for name in "ab"}
    flask(envs["a"], "init-db")
    hosts, receiver = {}, Receiver()
    try:
        for name, env in envs.items():
            hosts[name] = Host(env, tmp_path / f"host-{name}.log")
        yield hosts["a"], hosts["b"], envs, receiver, tmp_path
    finally:
        for host in hosts.values():
            host.stop()
        receiver.close()
        drop_database()


def data(response) -> object:
    body = response.json()
    assert body["status"] == "ok", body
    return body.get("data", body)


def new_key(env, name: str) -> str:
    return flask(env, "keys", "create", name).rsplit(" ", 1)[1].strip()


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_two_hosts_share_files_data_keys_idempotency_rate_limits_and_webhooks(cluster):
    a, b, envs, receiver, tmp_path = cluster
    data(a.call(API_KEY, "add_webhook", url=receiver.url, events="post_task"))
    project = data(a.call(API_KEY, "post_project", title="Launch"))["id"]

    blob = os.urandom(6 * 1024 * 1024 + 1)  # more than one multipart part
    [uploaded] = data(a.call(API_KEY, "upload_files", files={"files[]": ("plan.bin", blob)}))
    with b.call(API_KEY, "download", id_file=uploaded["id"]) as response:
        assert response.status_code == 200
        assert response.content == blob
    assert not (tmp_path / "host-b" / "files").exists()
    assert not (tmp_path / "host-a" / "files").exists()

    titles = [f"Task {n}" for n in range(5)]
    for title in titles:
        data(a.call(API_KEY, "post_task", id_project=project, title=title))
    seen = data(b.call(API_KEY, "get_tasks", id_project=project))
    assert sorted(task["name"] for task in seen) == titles

    first = a.call(API_KEY, "post_task", headers={"Idempotency-Key": "retry-1"},
                   id_project=project, title="Once")
    again = b.call(API_KEY, "post_task", headers={"Idempotency-Key": "retry-1"},
                   id_project=project, title="Once")
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    titles.append("Once")
    assert len(data(b.call(API_KEY, "get_tasks", id_project=project))) == len(titles)

    spare = new_key(envs["a"], "spare")  # each host caches the keys: a change reaches it
    assert wait_for(lambda: b.call(spare, "get_projects").json()["status"] == "ok", 1)
    flask(envs["a"], "keys", "revoke", "spare")  # within a second
    assert wait_for(lambda: b.call(spare, "get_projects").json() == BAD_HASH, 1)
    assert wait_for(lambda: a.call(spare, "get_projects").json() == BAD_HASH, 1)

    data(a.call(API_KEY, "add_user", email="kate@example.com"))
    token = flask(envs["a"], "create-token", "kate@example.com").strip()
    assert data(b.as_user(token, "me"))["email"] == "kate@example.com"
    data(a.call(API_KEY, "disable_user", email="kate@example.com"))
    assert b.as_user(token, "me").json()["message"] == "Access token is missed or invalid"

    counted = new_key(envs["a"], "counted")
    for host in (a, b):  # each counts one: a refused signature is not counted for the key
        assert wait_for(lambda h=host: h.call(counted, "get_projects").json()["status"] == "ok", 1)
    answers = [(a if n % 2 else b).call(counted, "get_projects").status_code
               for n in range(LIMIT - 1)]
    assert answers == [200] * (LIMIT - 2) + [429]  # each host alone would have allowed them

    flask(envs["b"], "deliver-webhooks")  # a third sender, beside the hosts' own threads
    assert wait_for(lambda: len(receiver.events()) >= len(titles))
    time.sleep(2)  # two more poll intervals: a duplicate would arrive now
    delivered = [event["new"]["title"] for event in receiver.events()]
    assert sorted(delivered) == sorted(titles)
    ids = [headers["webhook-id"] for headers, _ in receiver.deliveries]
    assert len(ids) == len(set(ids))
