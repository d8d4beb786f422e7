"""The services of the multi-host test: a fresh PostgreSQL database, a Redis prefix, moto's S3
server, and Taskgate servers run as real processes (``flask run``), each with its own instance
folder. Each is skipped with the reason when it cannot be had here."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import requests
from s3_kit import CREDENTIALS, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> str:
    """The server of TEST_DATABASE_URL (else 127.0.0.1:5432), as a URL to its postgres db."""
    url = urlsplit(os.environ.get("TEST_DATABASE_URL") or POSTGRES)
    return urlunsplit(url._replace(path="/postgres"))


def create_database(server: str) -> tuple[str, object]:
    """A new empty database; returns its URL and a function that drops it."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    name = f"taskgate_multihost_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(server, connect_timeout=5)
    except psycopg.Error as err:
        pytest.skip(f"the multi-host test needs PostgreSQL at {server}: {err}".strip())
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return urlunsplit(urlsplit(server)._replace(path=f"/{name}")), drop


def host_environment(instance: Path, settings: dict[str, str]) -> dict[str, str]:
    """The environment of one host: nothing of ours inherited, its own instance folder."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TASKGATE_", "AWS_", "FLASK_"))}
    return {**env, **CREDENTIALS, **settings, "TASKGATE_INSTANCE_PATH": str(instance)}


def flask(env: dict[str, str], *args: str) -> str:
    """Run a ``flask --app app`` command as the host whose environment this is."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class Host:
    """One Taskgate server process on a free loopback port, signing calls with a key."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "wb")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-reload", "--no-debugger"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process)

    def url(self, key: str, action: str, **params: object) -> str:
        query = urlencode({"action": action, **params})
        signature = hashlib.md5((query + key).encode()).hexdigest()
        return f"{self.base}/api/admin/v2/?{query}&hash={signature}"

    def call(self, key: str, action: str, headers: dict | None = None, files: dict | None = None,
             **params: object) -> requests.Response:
        return requests.post(self.url(key, action, **params), headers=headers, files=files,
                             timeout=60)

    def as_user(self, token: str, action: str, **params: object) -> requests.Response:
        return requests.post(f"{self.base}/api/oauth2", data={"action": action, **params},
                             headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.log.close()
