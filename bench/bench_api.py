"""In-process benchmark of the API route against a Flask "hello" baseline, in one run.

    python bench/bench_api.py [--seconds 1] [--rounds 3] [--json FILE]

Prints the CPU time per call of each target and its ratio to the baseline (a bare Flask JSON
route served through the same test client), the medians of interleaved rounds: absolute
numbers vary by ±20 % between runs on this machine type, ratios measured in the same run do
not. Every answer is read to its last byte (a streamed list is made only as it is read).

Targets: the pipeline alone (a signed call of an action that does nothing: reading, signature,
rate limit, transaction, envelope, log line, metrics), reads (get_users, get_task by id,
get_tasks of a project of 1,000 tasks), writes (post_task, add_user_group, post_comment), and
a rejected signature (the auth path must stay cheap). ``bench/bench_pipeline.py`` runs this
against another commit too, in alternating processes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import (  # noqa: E402
    PIPELINE,
    REFUSED,
    cpu_per_call,
    hello_app,
    installed_app,
    signed,
)
from models.base import db  # noqa: E402
from models.members import User  # noqa: E402
from models.projects import Project  # noqa: E402
from models.tasks import Task  # noqa: E402

BASELINE = "flask hello"


def seed_tasks(count: int) -> None:
    owner = User.owner()
    project = Project.create(name="Bench", author=owner)
    with db.atomic():
        Task.insert_many([{"project": project.id, "name": f"Task {n}", "author": owner.id}
                          for n in range(count)]).execute()


def add_noop_action() -> None:
    """``bench_noop``: an action that reads nothing and answers an empty object, so that a
    call of it costs the pipeline around an action and nothing else."""
    from actions.registry import ACTIONS, Action
    from schemas.base import Params

    ACTIONS["bench_noop"] = Action("bench_noop", lambda _params: {}, Params(),
                                   "Nothing.", False, "bench_noop")


def read(response) -> None:
    """Read the answer to its last byte, and check it is an envelope."""
    body = response.get_data()
    response.close()
    if response.status_code != 200 or b'"status":' not in body[:40]:
        raise RuntimeError(f"unexpected answer {response.status_code}: {body[:200]!r}")


def targets(client, baseline) -> dict:
    titles = (f"Item {i}" for i in itertools.count())
    return {
        BASELINE: lambda: baseline.get("/"),
        PIPELINE: lambda: client.get(signed({"action": "bench_noop"})),
        "bad hash (rejected)": lambda: client.get(REFUSED),
        "get_task (read by id)": lambda: client.get(
            signed({"action": "get_task", "id_task": "500"})),
        "get_users (read)": lambda: client.get(signed({"action": "get_users"})),
        "get_tasks, 1,000 tasks": lambda: client.get(
            signed({"action": "get_tasks", "id_project": "1"})),
        "post_task (write)": lambda: client.get(
            signed({"action": "post_task", "id_project": "1", "title": next(titles)})),
        "post_comment (write)": lambda: client.get(
            signed({"action": "post_comment", "id_task": "500", "text": "Noted"})),
        "add_user_group (write)": lambda: client.get(
            signed({"action": "add_user_group", "title": next(titles)})),
    }


def measure(seconds: float, rounds: int) -> dict[str, list[float]]:
    """Microseconds of CPU per call of each target, one figure per round."""
    runs: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = installed_app(f"sqlite:///{tmp}/bench.sqlite")
        with app.app_context():
            seed_tasks(1000)
            db.close()
        add_noop_action()
        calls = targets(app.test_client(), hello_app().test_client())
        for call in calls.values():  # warm-up, and a wrong answer stops the run
            for _ in range(30):
                read(call())
        for _ in range(rounds):
            for name, call in calls.items():
                micros = cpu_per_call(lambda call=call: read(call()), seconds) * 1e6
                runs.setdefault(name, []).append(micros)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures of every round to this file")
    args = parser.parse_args()
    runs = measure(args.seconds, args.rounds)
    middle = {name: statistics.median(values) for name, values in runs.items()}
    base = middle[BASELINE]
    print(f"{'target':28} {'CPU µs':>10} {'÷ hello':>8}")
    for name, micros in middle.items():
        print(f"{name:28} {micros:10.0f} {micros / base:8.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"cpu_us": middle, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
