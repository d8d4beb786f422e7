"""The scale benchmark of issue #10, in one command and one run:

    python bench/bench_scale.py [--rounds 3] [--seconds 1.5] [--http-seconds 4]
                                [--skip-http] [--skip-postgres] [--skip-lists]
                                [--out bench/results.json] [--readme LABEL]

Seeds 1,000 users, 100 projects, 100,000 tasks, 300,000 comments and 100,000 events into a
temporary SQLite file and, when PostgreSQL answers on 127.0.0.1:5432 (user postgres), into a
temporary database dropped at the end. Then, every measurement in a fresh subprocess
(``scale_measure.py``): the three lists over everything against their bare-driver anchor,
once each; CPU per request in process in interleaved rounds (SQLite, PostgreSQL, SQLite...);
over HTTP on each database, gunicorn + wrk against a raw WSGI app (``http_bench.py``).
Writes ``--out`` (JSON), prints the markdown tables and the targets, and with ``--readme
LABEL`` puts the tables in bench/README.md's Results section under that label.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import http_bench  # noqa: E402
from bench.common import PIPELINE, REFUSED, ROOT, machine, signed  # noqa: E402
from bench.scale_anchor import postgres_driver  # noqa: E402
from bench.scale_measure import LISTS  # noqa: E402
from bench.scale_report import into_readme, report  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
MEASURE = str(ROOT / "bench" / "scale_measure.py")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="in-process and HTTP rounds")
    parser.add_argument("--seconds", type=float, default=1.5,
                        help="CPU seconds per action per in-process round")
    parser.add_argument("--http-seconds", type=int, default=4, help="wrk seconds per run")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-lists", action="store_true")
    parser.add_argument("--pg-admin", default=PG_ADMIN, help="where to create the temporary db")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--readme", metavar="LABEL",
                        help="also write the tables into bench/README.md under this label")
    return parser.parse_args()


@contextlib.contextmanager
def temporary_postgres(admin_url: str):
    """A fresh database's URL, dropped on the way out; None when PostgreSQL does not answer."""
    try:
        admin = postgres_driver().connect(admin_url, connect_timeout=3)
    except Exception as error:  # any failure means "no PostgreSQL here"
        print(f"PostgreSQL skipped: {str(error).strip()}", file=sys.stderr)
        yield None
        return
    admin.autocommit = True
    name = f"tg_bench_scale_{os.getpid()}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def run_json(command: list[str], log: Path, timeout: float = 900) -> dict:
    """Run a bench subprocess; its JSON answer, or {"error": ...} with its last log lines."""
    with open(log, "ab") as stderr:
        done = subprocess.run([sys.executable, *command], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=stderr, timeout=timeout, check=False)
    if done.returncode == 0:
        return json.loads(done.stdout)
    tail = log.read_text(errors="replace").splitlines()[-5:]
    print(f"failed: {' '.join(command[:3])}: {tail}", file=sys.stderr)
    return {"error": "\n".join(tail)}


def seed_all(databases: dict[str, str], tasks: int) -> dict[str, dict]:
    """Seed every database at once (one per core)."""
    started = {name: subprocess.Popen(
        [sys.executable, "bench/scale_seed.py", url, "--tasks", str(tasks)], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name, url in databases.items()}
    seeds = {}
    for name, process in started.items():
        out, errors = process.communicate()
        if process.returncode:
            sys.exit(f"seeding {name} failed: {errors.decode(errors='replace')[-2000:]}")
        seeds[name] = json.loads(out)
        print(f"seeded {name}: {seeds[name]['rows']} in {seeds[name]['seconds']} s", flush=True)
    return seeds


def ids(seed: dict) -> list[str]:
    return ["--task", str(seed["task"]), "--project", str(seed["project"]),
            "--post-project", str(seed["last_project"])]


def measure_lists(databases: dict[str, str], seeds: dict, tmp: Path) -> dict:
    lists: dict[str, dict] = {}
    for db_name, url in databases.items():
        for name in LISTS:
            app = run_json(["bench/scale_measure.py", "list", url, name, *ids(seeds[db_name])],
                           tmp / f"list-{db_name}.log")
            anchor = run_json(["bench/scale_measure.py", "anchor", url, name],
                              tmp / f"anchor-{db_name}.log")
            lists.setdefault(db_name, {})[name] = {"app": app, "anchor": anchor}
            print(f"{db_name} {name}: {app} / anchor {anchor}", flush=True)
    return lists


def measure_calls(databases: dict[str, str], seeds: dict, args, tmp: Path) -> dict:
    """Interleaved rounds: each round measures every database in turn, in a fresh process."""
    calls: dict[str, dict] = {name: {"rounds": {}} for name in databases}
    for round_number in range(args.rounds):
        for db_name, url in databases.items():
            command = ["bench/scale_measure.py", "calls", url, *ids(seeds[db_name]),
                       "--seconds", str(args.seconds)] + (["--count"] if round_number == 0 else [])
            answer = run_json(command, tmp / f"calls-{db_name}.log")
            if "error" in answer:
                continue
            calls[db_name]["statements"] = answer.get("statements",
                                                      calls[db_name].get("statements"))
            for action, micros in answer["cpu_us"].items():
                calls[db_name]["rounds"].setdefault(action, []).append(micros)
            for action, micros in answer.get("wall_us", {}).items():
                calls[db_name].setdefault("wall_rounds", {}).setdefault(action, []).append(
                    micros)
        print(f"in-process round {round_number + 1}/{args.rounds} done", flush=True)
    for result in calls.values():
        result["cpu_us"] = {action: statistics.median(values)
                            for action, values in result["rounds"].items()}
        result["wall_us"] = {action: statistics.median(values)
                             for action, values in result.get("wall_rounds", {}).items()}
    return calls


def measure_http(url: str, seed: dict, args, database: str = "SQLite") -> dict:
    if shutil.which("wrk") is None:
        print("HTTP skipped: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return {"skipped": "wrk is not installed"}
    targets = {
        "raw WSGI": (http_bench.RAW, "/"),
        "flask hello": (http_bench.HELLO, "/"),
        PIPELINE: (http_bench.NOOP, signed({"action": "bench_noop"})),
        "get_task": (http_bench.TASKGATE, signed({"action": "get_task",
                                                  "id_task": seed["task"]})),
        "post_task": (http_bench.TASKGATE, signed({"action": "post_task", "title": "Bench",
                                                   "id_project": seed["last_project"]})),
        "refused signature": (http_bench.TASKGATE, REFUSED),
    }
    runs = http_bench.measure(targets, http_bench.server_env(url), args.rounds,
                              args.http_seconds)
    return {"medians": http_bench.medians(runs), "runs": runs,
            "server": http_bench.server_line(False, database)}


def git_commit() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    return done.stdout.strip()


def main() -> None:
    args = arguments()
    started = time.monotonic()
    results: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "machine": machine(), "commit": git_commit(),
                     "settings": {k: v for k, v in vars(args).items() if k != "readme"}}
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        tmp = Path(folder)
        databases = {"sqlite": f"sqlite:///{tmp}/scale.sqlite"}
        if not args.skip_postgres and (pg := stack.enter_context(
                temporary_postgres(args.pg_admin))):
            databases["postgresql"] = pg
        results["seed"] = seeds = seed_all(databases, args.tasks)
        if not args.skip_lists:
            results["lists"] = measure_lists(databases, seeds, tmp)
        results["calls"] = measure_calls(databases, seeds, args, tmp)
        if not args.skip_http:
            results["http"] = measure_http(databases["sqlite"], seeds["sqlite"], args)
            if "postgresql" in databases:
                results["http_postgresql"] = measure_http(
                    databases["postgresql"], seeds["postgresql"], args, "PostgreSQL")
    results["seconds"] = round(time.monotonic() - started)
    results["load_average_at_end"] = machine()["load_average"]
    tables = report(results)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(tables)
    print(f"written to {args.out} ({results['seconds']} s in all)")
    if args.readme:
        into_readme(ROOT / "bench" / "README.md", args.readme, tables)


if __name__ == "__main__":
    main()
