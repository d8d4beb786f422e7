"""podman and podman-compose as the container test drives them: the settings these machines
need (scripts/containers.conf), bounded waits, and the reason to skip when no engine runs."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/taskgate:latest"
STAND_INS = ("python:3.11-slim", "postgres:15", "redis:7", "caddy:2", "minio/minio", "minio/mc")
ENV = {**os.environ, "BUILDAH_FORMAT": "docker",  # OCI images would drop HEALTHCHECK
       "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF",
                                         str(ROOT / "scripts" / "containers.conf"))}


def why_not() -> str | None:
    """Why no container can run here, or None."""
    if shutil.which("podman") is None:
        return "podman is not installed (apt-get install podman runc; see .ci/run)"
    info = podman("info", check=False, timeout=60)
    if info.returncode != 0:
        return f"podman cannot run here: {(info.stderr or info.stdout).strip()[:200]}"
    missing = [name for name in STAND_INS
               if podman("image", "exists", name, check=False).returncode != 0]
    if missing:
        return f"images missing ({', '.join(missing)}): run scripts/container-images.sh"
    if compose_command() is None:
        return "podman-compose is not installed (the test extra has it)"
    return None


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(["podman", *args], env=ENV, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {done.stdout}{done.stderr}")
    return done


def compose_command() -> list[str] | None:
    found = shutil.which("podman-compose") or shutil.which("podman-compose",
                                                           path=str(Path(sys.executable).parent))
    return [found] if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float, what: str, logs=None) -> None:
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (requests.RequestException, AssertionError, ValueError) as err:
            last = err
        time.sleep(0.5)
    tail = f":\n{logs()[-3000:]}" if logs else ""
    raise AssertionError(f"gave up after {seconds} s waiting for {what} (last: {last!r}){tail}")


def signed(base: str, key: str, action: str, **params: object) -> str:
    query = urlencode({"action": action, **params})
    return f"{base}/api/admin/v2/?{query}&hash={hashlib.md5((query + key).encode()).hexdigest()}"


def ok(response: requests.Response):
    body = response.json()
    assert body["status"] == "ok", body
    return body.get("data", body)


def ends(log: str) -> str:
    """A log's first and last lines: a container that restarted wrote why in its first run."""
    return log if len(log) <= 7000 else f"{log[:3000]}\n[...]\n{log[-4000:]}"


class Stack:
    """One compose project (its own name, ports on 127.0.0.1), taken down with ``down -v``."""

    def __init__(self, name: str, files: list[str], env_file: Path, port: int) -> None:
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.args = [*compose_command(), "-p", name, "--env-file", str(env_file)]
        for file in files:
            self.args += ["-f", file]
        self.env = {**ENV, "TASKGATE_PORT": str(port), "TASKGATE_WEBHOOK_ALLOW_PRIVATE": "true"}

    def compose(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([*self.args, *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"compose {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def up(self, *services: str) -> None:
        self.compose("up", "-d", "--no-deps", *services)

    def container(self, service: str, n: int = 1) -> str:
        return f"{self.name}_{service}_{n}"

    def exec(self, service: str, *command: str, n: int = 1) -> str:
        return podman("exec", self.container(service, n), *command).stdout

    def api_key(self, service: str = "taskgate") -> str:
        """The admin key, as an operator reads it: printed once in the service's log by its
        first start (`podman exec ... flask api-key` right after a start can fail without a
        word under podman)."""
        found: list[str] = []

        def printed() -> bool:
            logs = self.logs(service, 1) + self.logs(service, 2)  # whichever replica made it
            found[:] = re.findall(r"Admin API key \(shown once\): (\w+)", logs)
            return bool(found)

        wait_for(printed, 60, "the admin key in the log", lambda: self.logs(service))
        return found[0]

    def healthy(self, service: str) -> None:
        wait_for(lambda: podman("healthcheck", "run", self.container(service),
                                check=False).returncode == 0, 90, f"{service} to be healthy")

    def logs(self, service: str, n: int = 1) -> str:
        done = podman("logs", self.container(service, n), check=False)
        return done.stdout + done.stderr

    @contextlib.contextmanager
    def explained(self, *services: str):
        """A failure inside names each container's state (restarts, exit code) and the
        services' last log lines: a refused connection says why the server was not there."""
        try:
            yield
        except Exception as err:
            states = podman("ps", "-a", "--filter", f"label=io.podman.compose.project={self.name}",
                            "--format", "{{.Names}} {{.Status}} restarts={{.Restarts}}",
                            check=False).stdout
            logs = "\n".join(f"--- {service}\n{ends(self.logs(service))}" for service in services)
            raise AssertionError(f"{err}\ncontainers:\n{states}{logs}") from err

    def request_ids(self, service: str, n: int) -> set[str]:
        ids = set()
        for line in self.logs(service, n).splitlines():
            if line.startswith("{") and '"request_id"' in line:
                ids.add(json.loads(line).get("request_id"))
        return ids

    def down(self) -> None:
        subprocess.run([*self.args, "down", "-v", "-t", "5"], env=self.env, cwd=ROOT,
                       capture_output=True, timeout=180)
        # podman-compose may leave a scaled replica behind; remove what remains by label.
        left = podman("ps", "-aq", "--filter", f"label=io.podman.compose.project={self.name}",
                      check=False).stdout.split()
        if left:
            podman("rm", "-f", "-t", "2", *left, check=False)
        volumes = podman("volume", "ls", "-q", "--filter",
                         f"label=io.podman.compose.project={self.name}", check=False).stdout.split()
        if volumes:
            podman("volume", "rm", "-f", *volumes, check=False)
        podman("network", "rm", "-f", f"{self.name}_default", check=False)
