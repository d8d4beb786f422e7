"""What is shipped for containers, built and run: the image alone, compose.yaml (PostgreSQL,
Redis, the webhook worker) and compose.scale.yaml (two replicas, an object store, a proxy).

Marked ``containers`` (not in the default run; CI runs ``./run-tests -m containers`` once).
Skipped, with the reason, where podman or the local images are missing: on these machines
the base images are stand-ins built by scripts/container-images.sh, not the official ones.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import pytest
import requests
from container_kit import (
    IMAGE,
    ROOT,
    Stack,
    free_port,
    ok,
    podman,
    signed,
    wait_for,
    why_not,
)

from models.install import WRONG_SECRET

pytestmark = pytest.mark.containers
REASON = why_not()
if REASON:
    pytest.skip(REASON, allow_module_level=True)


@pytest.fixture(scope="module")
def image():
    """The image, built from the checkout (a cached build takes seconds)."""
    podman("build", "-q", "-t", IMAGE, ".", timeout=900)
    return IMAGE


@pytest.fixture
def env_file(tmp_path):
    """The .env ``./serve --init-env`` writes, made in a temporary folder."""
    path = tmp_path / ".env"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "init-env.py"), str(path)],
                   check=True, capture_output=True, timeout=30)
    return path


@pytest.fixture
def stack_name():
    return f"tgtest{os.getpid()}{secrets.token_hex(2)}"


def test_the_image_alone_answers_health_readiness_and_a_signed_call(image, stack_name):
    key, port = secrets.token_hex(16), free_port()
    name = f"{stack_name}_alone"
    config = podman("image", "inspect", image, "--format",
                    "{{.Config.User}} {{json .Config.Healthcheck.Test}}").stdout
    assert config.startswith("10001:10001 ") and "PORT" in config  # numeric user, $PORT
    volume = f"{name}_instance"
    podman("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8000", "-e", "PORT=8000",
           "-v", f"{volume}:/app/instance", "-e", f"TASKGATE_SECRET_KEY={secrets.token_hex(32)}",
           "-e", f"TASKGATE_API_KEY={key}", image)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: requests.get(f"{base}/readyz", timeout=5).ok, 90, "/readyz",
                 lambda: podman("logs", name, check=False).stderr)
        assert requests.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
        [owner] = ok(requests.get(signed(base, key, "get_users"), timeout=10))
        assert owner["email"] == "owner@example.com"
        assert podman("healthcheck", "run", name, check=False).returncode == 0  # on PORT=8000
        podman("rm", "-f", "-t", "5", name)
        wrong = podman("run", "--rm", "-v", f"{volume}:/app/instance",
                       "-e", "TASKGATE_SECRET_KEY=another", image, check=False, timeout=120)
        assert wrong.returncode == 1  # a changed secret stops the start, in one line
        assert f"Error: {WRONG_SECRET}" in wrong.stdout + wrong.stderr
    finally:
        podman("rm", "-f", "-v", "-t", "5", name, check=False)
        podman("volume", "rm", "-f", volume, check=False)


def test_compose_reaches_postgres_and_redis_and_the_worker_delivers(image, env_file,
                                                                     stack_name):
    stack = Stack(stack_name, ["compose.yaml"], env_file, free_port())
    try:
        stack.up("postgres", "redis")  # podman-compose ignores health conditions: in stages
        stack.healthy("postgres")
        stack.up("taskgate")
        wait_for(lambda: requests.get(f"{stack.base}/readyz", timeout=5).ok, 120, "/readyz",
                 lambda: stack.logs("taskgate"))
        with stack.explained("taskgate", "webhooks"):
            deliver_through_compose(stack)
    finally:
        podman("rm", "-f", "-t", "2", f"{stack.name}_receiver", check=False)
        stack.down()


def deliver_through_compose(stack: Stack) -> None:
    """The app writes to the compose PostgreSQL, counts in its Redis, and the webhook worker
    delivers to a receiver on the compose network."""
    stack.up("webhooks")
    key = stack.api_key()
    receiver = f"{stack.name}_receiver"
    podman("run", "-d", "--name", receiver, "--network", f"{stack.name}_default",
           "-v", f"{ROOT / 'tests/containers/receiver.py'}:/receiver.py:ro",
           "python:3.11-slim", "python3", "/receiver.py")
    wait_for(lambda: "OK" in stack.exec("taskgate", "python", "-c", POST % receiver), 120,
             "the receiver", lambda: podman("logs", receiver, check=False).stderr)
    # (add_webhook calls it at once; the network's DNS may take a while to know its name)
    # A container joining the network has its firewall rules rewritten: the published port
    # may refuse a connection for a moment (seen once in CI), so wait until it answers again;
    # a server that died meanwhile shows in its restart count, checked at the end.
    wait_for(lambda: requests.get(f"{stack.base}/readyz", timeout=5).ok, 60, "/readyz again")
    call = lambda action, **params: ok(  # noqa: E731
        requests.post(signed(stack.base, key, action, **params), timeout=30))
    call("add_webhook", url=f"http://{receiver}:8000/hook", events="post_task")
    project = call("post_project", title="Launch")["id"]
    call("post_task", id_project=project, title="Shipped in a container")

    users = stack.exec("postgres", "psql", "-U", "taskgate", "-tAc",
                       "SELECT count(*) FROM projects")
    assert users.strip() == "1"  # the row is in the compose PostgreSQL
    requests.get(f"{stack.base}/api/admin/v2/?action=get_users&hash=bad", timeout=10)
    keys = stack.exec("redis", "redis-cli", "--scan", "--pattern", "*taskgate*")
    assert keys.strip(), "no rate-limit key in Redis"  # the failed signature was counted
    wait_for(lambda: "Shipped in a container" in podman("logs", receiver).stdout, 60,
             "the webhook worker to deliver")
    restarts = podman("inspect", "--format", "{{.RestartCount}}", stack.container("taskgate"))
    assert restarts.stdout.strip() == "0", "the app's container restarted"


def test_scaled_replicas_share_files_and_the_proxy_spreads_requests(image, env_file,
                                                                      stack_name):
    stack = Stack(stack_name, ["compose.yaml", "compose.scale.yaml"], env_file, free_port())
    try:
        stack.up("postgres", "redis", "minio")
        stack.healthy("postgres")
        stack.compose("up", "--no-deps", "bucket")  # runs until the bucket exists
        stack.up("taskgate")
        for n in (1, 2):
            wait_for(lambda n=n: stack.exec("taskgate", "python", "-c", READY, n=n) == "200",
                     120, f"replica {n}", lambda n=n: stack.logs("taskgate", n))
        stack.up("proxy")
        wait_for(lambda: requests.get(f"{stack.base}/readyz", timeout=5).ok, 60, "the proxy")
        key = stack.api_key()

        answered = [requests.get(signed(stack.base, key, "get_projects"), timeout=10)
                    for _ in range(20)]
        ids = {response.headers["X-Request-Id"] for response in answered}
        served = [len(ids & stack.request_ids("taskgate", n)) for n in (1, 2)]
        assert sum(served) == 20 and min(served) >= 5, served  # both replicas take requests

        blob = os.urandom(256 * 1024)
        upload = requests.post(signed(stack.base, key, "upload_files"), timeout=30,
                               files={"files[]": ("plan.bin", blob)})
        [uploaded] = ok(upload)
        by = 1 if upload.headers["X-Request-Id"] in stack.request_ids("taskgate", 1) else 2
        for _ in range(10):  # round robin: the other replica answers within a few tries
            download = requests.get(signed(stack.base, key, "download", id_file=uploaded["id"]),
                                    timeout=30)
            assert download.status_code == 200 and download.content == blob
            if download.headers["X-Request-Id"] in stack.request_ids("taskgate", 3 - by):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("no download went through the other replica")
    finally:
        stack.down()


POST = ("import urllib.request as u; print(u.urlopen(u.Request('http://%s:8000/', data=b'{}'),"
        " timeout=3).read().decode())")
READY = ("import urllib.request as u;"
         "print(u.urlopen('http://127.0.0.1:5000/readyz', timeout=3).status, end='')")
