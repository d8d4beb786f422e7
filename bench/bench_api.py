"""In-process benchmark of the API route against a Flask "hello" baseline, in one run.

    python bench/bench_api.py [--seconds 2]

Prints calls/s for each target and its ratio to the baseline (a bare Flask JSON route served
through the same test client): absolute numbers vary by ±20 % between runs on this machine
type, ratios measured in the same run do not. Targets: reads (get_users, get_task by id,
get_tasks of a project of 1,000 tasks), writes (add_user_group, post_comment), and a rejected
signature (the auth path must stay cheap).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import REFUSED, hello_app, installed_app, signed  # noqa: E402
from models.base import db  # noqa: E402
from models.members import User  # noqa: E402
from models.projects import Project  # noqa: E402
from models.tasks import Task  # noqa: E402


def seed_tasks(count: int) -> None:
    owner = User.owner()
    project = Project.create(name="Bench", author=owner)
    with db.atomic():
        Task.insert_many([{"project": project.id, "name": f"Task {n}", "author": owner.id}
                          for n in range(count)]).execute()


def rate(call, seconds: float) -> float:
    for _ in range(50):  # warm-up
        read(call())
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        read(call())
        count += 1
    return count / (time.perf_counter() - start)


def read(response) -> None:
    """Read the answer to its last byte: a streamed list is made only as it is read."""
    response.get_data()
    response.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds

    baseline = hello_app().test_client()

    with tempfile.TemporaryDirectory() as tmp:
        app = installed_app(f"sqlite:///{tmp}/bench.sqlite")
        with app.app_context():
            seed_tasks(1000)
            db.close()
        client = app.test_client()
        titles = (f"Team {i}" for i in itertools.count())
        targets = {
            "baseline: flask hello": lambda: baseline.get("/"),
            "get_users (read)": lambda: client.get(signed({"action": "get_users"})),
            "add_user_group (write)": lambda: client.get(
                signed({"action": "add_user_group", "title": next(titles)})),
            "get_task (read by id)": lambda: client.get(
                signed({"action": "get_task", "id_task": "500"})),
            "post_comment (write)": lambda: client.get(
                signed({"action": "post_comment", "id_task": "500", "text": "Noted"})),
            "get_tasks, 1,000 tasks": lambda: client.get(
                signed({"action": "get_tasks", "id_project": "1"})),
            "bad hash (rejected)": lambda: client.get(REFUSED),
        }
        results = {name: rate(call, seconds) for name, call in targets.items()}

    base = results["baseline: flask hello"]
    print(f"{'target':28} {'calls/s':>10} {'ratio':>7}")
    for name, value in results.items():
        print(f"{name:28} {value:10.0f} {value / base:7.2f}")


if __name__ == "__main__":
    main()
