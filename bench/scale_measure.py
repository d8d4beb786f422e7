"""One measurement in this process, printed as JSON: ``bench_scale.py`` runs each in a fresh
subprocess, so that no process holds two databases or another measurement's memory.

    python bench/scale_measure.py calls URL --task ID --project ID --post-project ID [--count]
    python bench/scale_measure.py list URL NAME --task ID --project ID
    python bench/scale_measure.py anchor URL NAME

``calls``: CPU µs per request through ``app.test_client()`` for Flask hello and each action,
and (``--count``) the SQL statements one warm call runs, counted by the driver (SQLite's
trace callback, a psycopg cursor factory), whatever builds them. ``list``: one list over
everything, read chunk by chunk and never kept, with its wall and CPU time, peak RSS above the
RSS just before the call, and answer size. ``anchor``: the same for ``scale_anchor``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sqlite3
import statistics
import sys
import time
from collections import Counter
from contextlib import contextmanager

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402
from bench.common import REFUSED, cpu_per_call, hello_app, installed_app, signed  # noqa: E402
from bench.scale_anchor import anchor, post_task_anchor  # noqa: E402

DATA_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE")
LISTS = {  # name → (the list over everything, a small call of the same code to warm up)
    "get_all_tasks": ({"action": "get_all_tasks"},
                      {"action": "get_tasks", "id_project": "{project}"}),
    "get_all_tasks_comments": ({"action": "get_all_tasks", "extra": "comments"},
                               {"action": "get_tasks", "id_project": "{project}",
                                "extra": "comments"}),
    "get_events": ({"action": "get_events", "period": "30d"},
                   {"action": "get_events", "id_task": "{task}"}),
}


def action_calls(client, args) -> dict[str, tuple]:
    """name → (call, expected status)"""
    hello = hello_app().test_client()

    def get(**params):
        return lambda: whole(client.get(signed(params)))

    return {
        "flask hello": (lambda: whole(hello.get("/")), "ok"),
        common.PIPELINE: (get(action="bench_noop"), "ok"),
        "refused signature": (lambda: whole(client.get(REFUSED)), "error"),
        "get_task": (get(action="get_task", id_task=args.task), "ok"),
        "post_task": (get(action="post_task", id_project=args.post_project, title="Bench"), "ok"),
        "get_tasks (1,000)": (get(action="get_tasks", id_project=args.project), "ok"),
        "get_tasks limit=100": (get(action="get_tasks", id_project=args.project, limit=100),
                                "ok"),
        "get_tasks page=5": (get(action="get_tasks", id_project=args.project, limit=100,
                                 page=5), "ok"),
        "search_tasks name": (get(action="search_tasks", id_project=args.project, limit=100,
                                  filter="name has 'Task'"), "ok"),
        "get_events limit=100": (get(action="get_events", limit=100), "ok"),
    }


def wall_per_call(call, calls: int = 31) -> float:
    """The median wall time of a call (the database server's work included)."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def whole(response):
    """The response read to its last byte and closed: a streamed list is made as it is read."""
    response.get_data()
    response.close()
    return response


def expect(status: str):
    def check(response):
        if response.get_json()["status"] != status:
            raise SystemExit(f"unexpected answer: {response.get_data(as_text=True)[:300]}")
    return check


def measure_calls(args) -> dict:
    from bench.bench_api import add_noop_action  # imports the models: only in this process

    app = installed_app(args.url)
    add_noop_action()
    calls = action_calls(app.test_client(), args)
    for call, status in calls.values():  # warm-up: imports, caches, connections
        for _ in range(3):
            expect(status)(call())
    # Wall times first: after seconds of commits a database server is still busy writing
    # for a while (a Flask hello measured then read 1.4-1.6x slower in PostgreSQL's process).
    wall = {name: round(wall_per_call(call) * 1e6) for name, (call, _) in calls.items()}
    cpu = {name: round(cpu_per_call(call, args.seconds, expect(status)) * 1e6)
           for name, (call, status) in calls.items()}
    bare = post_task_anchor(args.url, args.post_project)
    cpu["post_task bare SQL"] = round(cpu_per_call(bare, args.seconds) * 1e6)
    answer: dict = {"cpu_us": cpu, "wall_us": wall}
    if args.count:
        from models.base import db

        answer["statements"] = {}
        for name, (call, _) in calls.items():
            call()  # just before: the key cache's version check (every 0.25 s) is not counted
            with statements(db.obj) as seen:
                call()
            answer["statements"][name] = dict(seen)
    return answer


@contextmanager
def statements(database):
    """Count the statements run by the driver while inside, by verb (BEGIN, COMMIT, PRAGMA...
    as "other"). Pooled connections are closed first, so every one is hooked."""
    seen: Counter = Counter()
    hooked = []

    def count(sql: str) -> None:
        words = sql.lstrip(" \t\n(").split(None, 1)  # a UNION starts with "("
        verb = words[0].upper() if words else ""
        seen["SELECT" if verb == "WITH" else verb if verb in DATA_VERBS else "other"] += 1

    original = database._connect

    def connect(*args, **kwargs):
        connection = original(*args, **kwargs)
        hook(connection, count)
        hooked.append(connection)
        return connection

    database.close_all()
    database._connect = connect
    try:
        yield seen
    finally:
        del database._connect
        for connection in hooked:
            hook(connection, None)


def hook(connection, count) -> None:
    if isinstance(connection, sqlite3.Connection):
        connection.set_trace_callback(count)
        return
    base = type(connection.cursor())
    if count is None:
        connection.cursor_factory = None if base.__module__.startswith("psycopg2") else \
            getattr(base, "__counted_base__", base)
        return

    class Counting(base):
        __counted_base__ = base

        def execute(self, sql, *args, **kwargs):
            count(sql.decode() if isinstance(sql, bytes) else str(sql))
            return super().execute(sql, *args, **kwargs)

        def executemany(self, sql, args_list, *args, **kwargs):
            for values in args_list:
                self.execute(sql, values)

    connection.cursor_factory = Counting


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def measured(run) -> dict:
    """Wall, CPU, peak RSS above the RSS before (ru_maxrss, its high-water mark reset first
    where Linux allows) and what ``run`` returns (bytes, rows)."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass  # the peak is then the process's, an overestimate of the call's
    before = rss_kib()
    wall, cpu = time.perf_counter(), time.process_time()
    size, rows = run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "peak_mb": round(max(0, peak - before) / 1024, 1), "bytes": size, "rows": rows}


def streamed(client, path: str) -> tuple[int, None]:
    """Read the answer chunk by chunk without keeping it: its size."""
    response = client.get(path, buffered=False)
    size, first = 0, True
    for chunk in response.response:
        if first and not chunk.lstrip().startswith(b'{"status":"ok"'):
            raise SystemExit(f"unexpected answer: {chunk[:300]!r}")
        size, first = size + len(chunk), first and not chunk.strip()
    response.close()
    return size, None


def measure_list(args) -> dict:
    app = installed_app(args.url)
    client = app.test_client()
    whole, warm_up = LISTS[args.name]
    ids = {"{project}": str(args.project), "{task}": str(args.task)}
    streamed(client, signed({key: ids.get(value, value) for key, value in warm_up.items()}))
    return measured(lambda: streamed(client, signed(whole)))


def measure_anchor(args) -> dict:
    def run():
        body, rows = anchor(args.url, args.name)
        return len(body), rows
    return measured(run)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("calls", "list", "anchor"))
    parser.add_argument("url")
    parser.add_argument("name", nargs="?", choices=tuple(LISTS))
    parser.add_argument("--task", type=int)
    parser.add_argument("--project", type=int)
    parser.add_argument("--post-project", type=int)
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--count", action="store_true")
    args = parser.parse_args()
    run = {"calls": measure_calls, "list": measure_list, "anchor": measure_anchor}[args.mode]
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
