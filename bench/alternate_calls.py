"""PostgreSQL ÷ SQLite for a few calls, measured on a busy machine: one process holds both
seeded databases and alternates them call by call, so that both see the same load.

    python bench/alternate_calls.py SQLITE_URL POSTGRESQL_URL --task ID --project ID
           --post-project ID [--calls 300] [--out FILE.json]

Seed both first (``bench/scale_seed.py URL``, which prints the ids). Prints, per action, the
median wall and mean CPU µs per call on each database and their ratios; ``bench_scale.py``'s
rounds, a database per process one after the other, are fairer on a quiet machine.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import DATABASES, machine, on_both, seeded_pair_arguments, signed  # noqa: E402


def calls(args) -> dict[str, str]:
    return {
        "get_task": signed({"action": "get_task", "id_task": str(args.task)}),
        "get_tasks limit=100": signed({"action": "get_tasks", "id_project": str(args.project),
                                       "limit": "100"}),
        "post_task": signed({"action": "post_task", "id_project": str(args.post_project),
                             "title": "Bench"}),
    }


def main() -> None:
    parser = seeded_pair_arguments(calls=300)
    parser.add_argument("--project", type=int, required=True)
    args = parser.parse_args()
    ask = on_both(args.sqlite, args.postgresql)

    def one(name: str, path: str) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        ask(name, path)
        return time.perf_counter() - wall, time.process_time() - cpu

    results: dict = {"machine": machine(), "calls": args.calls, "actions": {}}
    for action, path in calls(args).items():
        for _ in range(20):  # warm-up: caches, pooled connections, prepared statements
            for name in DATABASES:
                one(name, path)
        seen: dict[str, list] = {name: [] for name in DATABASES}
        for index in range(args.calls):
            order = list(DATABASES) if index % 2 else list(DATABASES)[::-1]
            for name in order:
                seen[name].append(one(name, path))
        figures = {name: {"wall_us": round(statistics.median(w for w, _ in runs) * 1e6),
                          "cpu_us": round(statistics.mean(c for _, c in runs) * 1e6)}
                   for name, runs in seen.items()}
        sqlite, pg = figures["sqlite"], figures["postgresql"]
        figures["pg_over_sqlite"] = {"wall": round(pg["wall_us"] / sqlite["wall_us"], 2),
                                     "cpu": round(pg["cpu_us"] / sqlite["cpu_us"], 2)}
        results["actions"][action] = figures
    results["load_average_at_end"] = machine()["load_average"]
    print("| action | SQLite wall µs | PG wall µs | PG ÷ SQLite wall | SQLite CPU µs | PG CPU µs "
          "| PG ÷ SQLite CPU |\n|---|---:|---:|---:|---:|---:|---:|")
    for action, f in results["actions"].items():
        print(f"| {action} | {f['sqlite']['wall_us']:,} | {f['postgresql']['wall_us']:,} | "
              f"{f['pg_over_sqlite']['wall']:.2f} | {f['sqlite']['cpu_us']:,} | "
              f"{f['postgresql']['cpu_us']:,} | {f['pg_over_sqlite']['cpu']:.2f} |")
    print(f"load average {results['machine']['load_average']} at start, "
          f"{results['load_average_at_end']} at the end")
    if args.out:
        with open(args.out, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
