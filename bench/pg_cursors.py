"""PostgreSQL: the connection's kept cursors (``models.postgres.own_cursor``) against a new
cursor for every statement, in one process, alternating the two action by action:

    python bench/pg_cursors.py postgresql://... --task ID --project ID --post-project ID
           [--rounds 8] [--calls 250] [--out FILE.json]

The database must be seeded (``bench/scale_seed.py``). Prints, per action, the median CPU and
wall µs per call of each way, then the CPU of a task's row read by id through psycopg alone on
a new cursor each time and on one kept cursor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.alternate_calls import calls  # noqa: E402
from bench.common import installed_app, machine  # noqa: E402


def per_call(client, url: str, count: int) -> tuple[float, float]:
    """CPU and wall µs per call of ``url``, over ``count`` calls."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        response = client.get(url)
        body = response.get_data()
        if response.status_code != 200 or b'"status":"ok"' not in body[:20]:
            raise RuntimeError(f"unexpected answer: {body[:200]!r}")
    return ((time.process_time() - cpu) / count * 1e6, (time.perf_counter() - wall) / count * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("postgresql")
    for name in ("--task", "--project", "--post-project"):
        parser.add_argument(name, required=True)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=250)
    parser.add_argument("--out")
    args = parser.parse_args()
    logging_off()
    from models import postgres

    kept = postgres.own_cursor
    ways = {"new cursor per statement": lambda connection, _name: connection.cursor(),
            "kept cursors": kept}
    client = installed_app(args.postgresql).test_client()
    runs: dict[str, dict[str, list]] = {}
    started = machine()
    for _ in range(args.rounds):
        for action, url in calls(args).items():
            for way, cursor_of in ways.items():
                postgres.own_cursor = cursor_of
                per_call(client, url, 10)  # warm: the way's cursors exist
                runs.setdefault(action, {}).setdefault(way, []).append(
                    per_call(client, url, args.calls))
    postgres.own_cursor = kept
    bare = bare_statement(args)
    report(runs, started, args, bare)


def bare_statement(args) -> dict[str, float]:
    """A task's row by id (every column) through psycopg alone, on a new cursor each time and
    on one kept cursor: CPU µs per statement, the median of the rounds."""
    import psycopg

    from models.base import db
    from models.compiled import Statement, slot
    from models.tasks import Task

    sql = Statement(Task.select().where(Task.id == slot("id"))).sql
    db.close()
    with psycopg.connect(args.postgresql, autocommit=True, prepare_threshold=0) as connection:
        kept = connection.cursor()
        ways = {"new cursor": connection.cursor, "kept cursor": lambda: kept}
        figures: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for way, cursor_of in ways.items():
                start = time.process_time()
                for _ in range(args.calls * 4):
                    cursor_of().execute(sql, (int(args.task),)).fetchall()
                figures.setdefault(way, []).append(
                    (time.process_time() - start) / (args.calls * 4) * 1e6)
    return {way: round(statistics.median(values), 1) for way, values in figures.items()}


def report(runs: dict[str, dict[str, list]], started: dict, args,
           bare: dict[str, float]) -> None:
    print("| action | way | CPU µs | wall µs |\n|---|---|---:|---:|")
    medians: dict[str, dict[str, dict[str, float]]] = {}
    for action, ways in runs.items():
        for way, figures in ways.items():
            cpu = statistics.median(c for c, _ in figures)
            wall = statistics.median(w for _, w in figures)
            medians.setdefault(action, {})[way] = {"cpu_us": round(cpu), "wall_us": round(wall)}
            print(f"| {action} | {way} | {cpu:,.0f} | {wall:,.0f} |")
    print(f"a task's row by id, psycopg alone, CPU µs: {bare}")
    print(f"load average {started['load_average']} at start, "
          f"{machine()['load_average']} at the end")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"machine": started, "rounds": args.rounds, "calls": args.calls,
                       "medians": medians, "runs": runs, "bare_statement_cpu_us": bare,
                       "load_average_at_end": machine()["load_average"]}, handle, indent=2)


def logging_off() -> None:
    import logging

    logging.disable(logging.CRITICAL)


if __name__ == "__main__":
    main()
