"""The PostgreSQL round trips one warm call of each action makes, counted in libpq's own trace
(each ``ReadyForQuery`` the server sends ends one round trip), with the commands each one
completed:

    python bench/pg_round_trips.py postgresql://... --task ID --project ID --post-project ID
           [--calls 20] [--out FILE.json]

The database must be seeded (``bench/scale_seed.py``). Prints a markdown table: per action, the
mean round trips of ``--calls`` warm calls and what they were (SELECT, BEGIN, COMMIT...).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import KEY, installed_app, signed  # noqa: E402

CALLS = {
    "get_task": lambda a: {"action": "get_task", "id_task": a.task},
    "get_tasks limit=100": lambda a: {"action": "get_tasks", "id_project": a.project,
                                      "limit": 100},
    "post_task": lambda a: {"action": "post_task", "id_project": a.post_project,
                            "title": "Bench"},
    "update_task": lambda a: {"action": "update_task", "id_task": a.task,
                              "title": f"Bench {secrets.token_hex(4)}"},
    "post_comment": lambda a: {"action": "post_comment", "id_task": a.task, "text": "Bench"},
    "get_events limit=100": lambda a: {"action": "get_events", "limit": 100},
    "get_task, strict scheme": lambda a: {"action": "get_task", "id_task": a.task},
}
STRICT = "get_task, strict scheme"  # signed with Taskgate-HMAC-SHA256: a nonce per call
DONE = re.compile(r'^B\t\d+\tCommandComplete\t "(\w+)')
READY = re.compile(r"^B\t\d+\tReadyForQuery\b")


@contextmanager
def traced(database, path: str):
    """The pool's connections, idle and in use, write libpq's trace to ``path`` while inside
    (the warm-up before leaves them as a busy server finds them: pooled, statements
    prepared)."""
    from psycopg.pq import Trace

    connections = [conn for _, _, conn in database._connections]
    if database._state.conn is not None and database._state.conn not in connections:
        connections.append(database._state.conn)
    with open(path, "w") as out:
        for connection in connections:
            connection.pgconn.trace(out.fileno())
            connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
        try:
            yield
        finally:
            for connection in connections:
                connection.pgconn.untrace()  # flushes libpq's buffer


def round_trips(lines: list[str]) -> list[str]:
    """One entry per round trip (each ReadyForQuery): the commands it completed."""
    trips, current = [], []
    for line in lines:
        if (match := DONE.match(line)):
            current.append(match.group(1))
        elif READY.match(line):
            trips.append("+".join(current) or "(nothing)")
            current = []
    return trips


def caller(client, name: str, params: Callable[[], dict[str, str]]):
    """A call of the action with the parameters ``params()`` gives for it: md5-signed, or with
    a fresh strict-scheme header each time."""
    if name != STRICT:
        return lambda: client.get(signed(params()))
    from actions.gateway.strict import header_for

    def call():
        query = urlencode(params())
        return client.get(f"/api/admin/v2/?{query}", headers={
            "Authorization": header_for("admin", KEY, "GET", "/api/admin/v2/", query,
                                        nonce=secrets.token_hex(16))})
    return call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--task", type=int, required=True)
    parser.add_argument("--project", type=int, required=True)
    parser.add_argument("--post-project", type=int, required=True)
    parser.add_argument("--warm", type=int, default=5, help="calls before the one counted")
    parser.add_argument("--calls", type=int, default=20, help="calls counted (mean)")
    parser.add_argument("--out")
    args = parser.parse_args()
    app = installed_app(args.url)
    client = app.test_client()
    from models.base import db

    results = {}
    for name, params in CALLS.items():
        call = caller(client, name, lambda params=params: {
            key: str(value) for key, value in params(args).items()})
        for _ in range(args.warm):  # prepares what the connection repeats
            call().close()
        with tempfile.NamedTemporaryFile("r", suffix=".trace") as trace:
            with traced(db.obj, trace.name):
                for _ in range(args.calls):
                    response = call()
                    response.get_data()
                    response.close()
                    assert response.get_json()["status"] == "ok", response.get_data()[:300]
            lines = open(trace.name).read().splitlines()
        trips = round_trips(lines)
        results[name] = {"round_trips": len(trips) / args.calls,
                         "per_call": dict(Counter(trips)), "calls": args.calls}
    print("| action | round trips per call | what (over all calls) |\n|---|---:|---|")
    for name, found in results.items():
        what = ", ".join(f"{kind} {count / args.calls:g}" for kind, count in
                         found["per_call"].items())
        print(f"| {name} | {found['round_trips']:g} | {what} |")
    if args.out:
        with open(args.out, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
