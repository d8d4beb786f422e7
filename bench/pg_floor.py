"""What PostgreSQL costs a call at the least on this host, beside the same work on SQLite: the
floor under the PostgreSQL ÷ SQLite figures of ``alternate_calls.py``.

    python bench/pg_floor.py SQLITE_URL POSTGRESQL_URL --task ID --post-project ID
           [--calls 2000] [--rounds 3] [--out FILE]

On the two seeded databases (``bench/scale_seed.py``), one process measures, in rounds:

- ``SELECT 1`` on PostgreSQL: a round trip and nothing else;
- ``get_task``'s own statement (as the app renders it for ``--task``), prepared on a kept
  cursor as the app runs it, and the same statement on SQLite;
- ``get_task`` and ``post_task`` through the whole app on each database;
- a write's commit: on PostgreSQL BEGIN, one INSERT, COMMIT in one round trip, durable (the
  default) and with ``SET LOCAL synchronous_commit = off`` (this transaction only); on SQLite
  the same as the app runs it (WAL, ``synchronous=NORMAL``); into a table made for the run and
  dropped after it.

Each gives the median wall µs of a call, the mean CPU µs of this process, and the server
process's CPU µs per call when it runs on this host (``/proc``). Before each statement or commit
this process computes as long as the same action's whole call on SQLite took in the round (the
app's own work around it): the server's process idles that long and wakes slower than in a
tight loop (on this host type a statement waits 40–70 µs more after a 400 µs gap).

The floor of ``get_task``'s PostgreSQL ÷ SQLite wall is what its call would take on PostgreSQL
if PostgreSQL added nothing but its statement: (SQLite's call − SQLite's statement +
PostgreSQL's statement) ÷ SQLite's call; ``post_task``'s, the same with the durable commit in
place of SQLite's (its first round trip, the reads, left out).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import DATABASES, machine, on_both, seeded_pair_arguments, signed  # noqa: E402

SCRATCH = f"bench_floor_{os.getpid()}"


def server_cpu(pid: int) -> float | None:
    """CPU seconds the server process ``pid`` has used, if it runs on this host."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(call: Callable[[], object], calls: int, backend: int | None = None,
          gap_us: float = 0) -> dict:
    """Median wall and mean CPU µs of ``call`` (this process busy for ``gap_us`` before each,
    not counted); the server's CPU µs per call with ``backend``."""
    for _ in range(50):
        call()
    walls, busy = [], 0.0
    cpu, server = time.process_time(), server_cpu(backend) if backend else None
    for _ in range(calls):
        busy += compute(gap_us / 1e6)
        start = time.perf_counter()
        call()
        walls.append(time.perf_counter() - start)
    figures = {"wall_us": round(statistics.median(walls) * 1e6),
               "cpu_us": round((time.process_time() - cpu - busy) / calls * 1e6)}
    if server is not None:
        figures["server_cpu_us"] = round((server_cpu(backend) - server) / calls * 1e6)
    return figures


def compute(seconds: float) -> float:
    """Keep this process busy for ``seconds``; the CPU seconds that took."""
    cpu, end = time.process_time(), time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    return time.process_time() - cpu


def rendered(ask: Callable[[str, str], bytes], database: str, path: str) -> tuple[str, list]:
    """The SQL and parameters of the one statement a warm call of ``path`` runs on
    ``database`` (Peewee logs each statement)."""
    for _ in range(3):  # the key cache and the settings read, at first
        ask(database, path)
    seen: list = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.msg)
    logger = logging.getLogger("peewee")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        ask(database, path)
    finally:
        logger.removeHandler(handler)
    statements = [msg for msg in seen if isinstance(msg, tuple)]
    if len(statements) != 1:
        raise SystemExit(f"expected one statement, saw {len(statements)}: {statements}")
    return statements[0]


def postgres_measures(url: str, sql: str, params: list):
    """The PostgreSQL measures: name → (call, its server process's pid, the action whose SQLite
    call sets the gap before it); and a closer that drops the scratch table. Reads run on a
    connection in autocommit (the app sends no BEGIN before a read), the commits on another."""
    import psycopg

    reader = psycopg.connect(url, autocommit=True, prepare_threshold=0)
    writer = psycopg.connect(url, prepare_threshold=0)
    writer.execute(f"CREATE TABLE {SCRATCH} (id serial PRIMARY KEY, note text)")
    writer.commit()
    reads, writes = reader.cursor(), writer.cursor()

    def read(statement: str, values=None) -> Callable[[], None]:
        def call() -> None:
            reads.execute(statement, values)
            reads.fetchall()
        return call

    def commit(durable: bool) -> Callable[[], None]:
        def call() -> None:  # one round trip, as the app sends a write's last statements
            with writer.pipeline():
                if not durable:
                    writes.execute("SET LOCAL synchronous_commit = off")
                writes.execute(f"INSERT INTO {SCRATCH} (note) VALUES (%s)", ["x"])
                writer.commit()
        return call

    def close() -> None:
        writer.execute(f"DROP TABLE {SCRATCH}")
        writer.commit()
        reader.close()
        writer.close()

    read_pid, write_pid = reader.info.backend_pid, writer.info.backend_pid
    return {"PostgreSQL SELECT 1": (read("SELECT 1"), read_pid, "get_task"),
            "PostgreSQL get_task statement": (read(sql, params), read_pid, "get_task"),
            "PostgreSQL commit, durable": (commit(True), write_pid, "post_task"),
            "PostgreSQL commit, synchronous_commit off": (commit(False), write_pid,
                                                          "post_task")}, close


def sqlite_measures(url: str, sql: str, params: list):
    """get_task's statement and a write's commit on the SQLite file, as the app runs them
    (WAL, ``synchronous=NORMAL``, the write lock taken at BEGIN)."""
    lite = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    lite.execute("PRAGMA synchronous = NORMAL")
    lite.execute(f"CREATE TABLE {SCRATCH} (id INTEGER PRIMARY KEY, note TEXT)")

    def commit() -> None:
        lite.execute("BEGIN IMMEDIATE")
        lite.execute(f"INSERT INTO {SCRATCH} (note) VALUES (?)", ["x"])
        lite.execute("COMMIT")

    def close() -> None:
        lite.execute(f"DROP TABLE {SCRATCH}")
        lite.close()

    return {"SQLite get_task statement": (lambda: lite.execute(sql, params).fetchall(), None,
                                          "get_task"),
            "SQLite commit": (commit, None, "post_task")}, close


def main() -> None:
    parser = seeded_pair_arguments(calls=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    read = signed({"action": "get_task", "id_task": str(args.task)})
    write = signed({"action": "post_task", "id_project": str(args.post_project), "title": "B"})
    ask = on_both(args.sqlite, args.postgresql)
    postgres, close_postgres = postgres_measures(args.postgresql,
                                                 *rendered(ask, "postgresql", read))
    lite, close_sqlite = sqlite_measures(args.sqlite, *rendered(ask, "sqlite", read))
    results = {"machine": machine(), "calls": args.calls, "rounds": []}
    try:
        for _ in range(args.rounds):
            found = {f"{action} call, {label}": timed(partial(ask, name, path), args.calls)
                     for action, path in (("get_task", read), ("post_task", write))
                     for name, label in zip(DATABASES, ("SQLite", "PostgreSQL"), strict=True)}
            for name, (one, pid, within) in {**postgres, **lite}.items():
                gap = found[f"{within} call, SQLite"]["wall_us"]  # the app's work around it
                found[name] = timed(one, args.calls, pid, gap)
            results["rounds"].append(found)
    finally:
        close_postgres()
        close_sqlite()
    results["load_average_at_end"] = machine()["load_average"]
    results["medians"] = medians(results["rounds"])
    results["floors"] = floors(results["medians"])
    print(report(results))
    if args.out:
        with open(args.out, "w") as out:
            json.dump(results, out, indent=2)


def medians(rounds: list[dict]) -> dict:
    return {name: {figure: statistics.median(r[name][figure] for r in rounds)
                   for figure in rounds[0][name]} for name in rounds[0]}


def floors(figures: dict) -> dict:
    """PostgreSQL ÷ SQLite wall, measured and at the least: ``get_task`` if PostgreSQL added
    only its statement; ``post_task`` if it added only a durable commit (its first round
    trip left out)."""
    def wall(name: str) -> float:
        return figures[name]["wall_us"]

    def least(action: str, sqlite_part: str, postgres_part: str) -> dict:
        call = wall(f"{action} call, SQLite")
        return {"measured": round(wall(f"{action} call, PostgreSQL") / call, 2),
                "floor": round((call - wall(sqlite_part) + wall(postgres_part)) / call, 2)}

    return {"get_task": least("get_task", "SQLite get_task statement",
                              "PostgreSQL get_task statement"),
            "post_task": least("post_task", "SQLite commit", "PostgreSQL commit, durable"),
            "durable commit over one that is not, wall µs": round(
                wall("PostgreSQL commit, durable")
                - wall("PostgreSQL commit, synchronous_commit off"))}


def report(results: dict) -> str:
    lines = ["| measure | wall µs | this process's CPU µs | server's CPU µs |",
             "|---|---:|---:|---:|"]
    for name, figures in results["medians"].items():
        lines.append(f"| {name} | {figures['wall_us']:,.0f} | {figures['cpu_us']:,.0f} | "
                     f"{figures.get('server_cpu_us', '')} |")
    found = results["floors"]
    for action in ("get_task", "post_task"):
        lines.append(f"{action} PostgreSQL ÷ SQLite wall: {found[action]['measured']} measured, "
                     f"{found[action]['floor']} at the least")
    lines.append(f"a durable commit waits {found['durable commit over one that is not, wall µs']}"
                 " µs more than one with synchronous_commit off")
    lines.append(f"load average {results['machine']['load_average']} at start, "
                 f"{results['load_average_at_end']} at the end")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
