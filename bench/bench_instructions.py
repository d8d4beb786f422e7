"""Instructions per request, counted by valgrind's callgrind: a count that does not move with
the other jobs on the host, so a change of a few percent shows where CPU time cannot show it.

    python bench/bench_instructions.py [--calls 400] [--before REV] [--out FILE]
    python bench/bench_instructions.py --steps [--out FILE]
    python bench/bench_instructions.py --postgres [--out FILE]

Each target is called straight through WSGI (a prepared environ, the answer read to its last
byte; no test client, no server), so the count is the app's own work. Every run is one process
under ``valgrind --tool=callgrind`` with ``PYTHONHASHSEED=0`` that installs Taskgate on a new
SQLite database (a project of 100 tasks), warms every target up, then calls one target
``--calls`` times; a run that calls none is the baseline, and a target's instructions per call
are (its run − the baseline) ÷ calls. Repeated runs of the same code agree within 1 % at
400 calls (the log line's time and random id vary a little from run to run, a spread that
fewer calls share: ±2.5 % at 50).
``--before REV``: the same for that commit's tree, in the same run. About 40 s per run.

``--postgres``: each target on SQLite and on PostgreSQL (a new database per run, on
``127.0.0.1:5432`` as ``postgres``): this process's instructions only; the kernel's, the
server's and the wait are ``pg_floor.py``'s to measure.

``--steps``: what each step of the pipeline costs, as the instructions a call of the no-op
action saves when that step alone is replaced by one that does nothing (its answer, its
caller or its request read once and handed back). The steps are named by the functions they
replace (:data:`STEPS`), so this mode follows the code of this checkout only.

Instructions are not time: Python's interpreter runs fewer instructions per cycle than
SQLite's C code, so read these as a ratio between versions of the same target, or between the
pipeline and the Flask hello (both Python), not as CPU time. ``bench_api.py`` and
``bench_scale.py`` measure time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask import Response  # noqa: E402

from bench.common import PIPELINE, REFUSED, ROOT, machine, signed  # noqa: E402

HELLO = "flask hello"
TARGETS = {  # name → path and query; every call answers HTTP 200
    HELLO: "/",
    PIPELINE: signed({"action": "bench_noop"}),
    "refused signature": REFUSED,
    "get_task": signed({"action": "get_task", "id_task": "50"}),
    "post_task": signed({"action": "post_task", "id_project": "1", "title": "Bench"}),
}
BASELINE = "none"
WHOLE = "whole pipeline"


def once(function):
    """``function``, run at its first call only: later calls get the first call's result."""
    kept = []

    def first(*args, **kwargs):
        if not kept:
            kept.append(function(*args, **kwargs))
        return kept[0]

    return first


def envelope_only(_body):
    return Response(b'{"status":"ok","data":{}}', mimetype="application/json")


def no_connection(m) -> None:
    """Both halves at once: a connection not given back is still open at the next request,
    which then takes none (skipping either half alone skips both)."""
    m.views.transaction = lambda writes=True: contextlib.nullcontext()
    m.gateway.close_db.__code__ = (lambda _exc: None).__code__  # registered as a hook


# --steps: each step of the pipeline, and how to replace it by one that does nothing (``m``:
# the gateway's modules); the first replaces nothing.
STEPS = {
    WHOLE: lambda m: None,
    "read the request (query, headers)": lambda m: setattr(
        m.views, "read_request", once(m.views.read_request)),
    "check the signature (key cache, md5)": lambda m: setattr(
        m.views, "authenticated", once(m.views.authenticated)),
    "request id and start time": lambda m: setattr(  # sets what the log line and metrics read
        m.logs, "start", lambda: m.logs.g._get_current_object().__dict__.update(
            started=0.0, request_id="0" * 32)),
    "the log line": lambda m: setattr(m.logs, "finish", lambda response: response),
    "metrics": lambda m: setattr(m.metrics, "record", lambda response: response),
    "hardening headers": lambda m: setattr(m.headers, "harden", lambda response: response),
    "pooled connection and the read's transaction (taken, given back)": no_connection,
    "schema, rights check, handler": lambda m: setattr(
        m.idempotency, "dispatch_once", lambda *args: {}),
    "the envelope (jsonify)": lambda m: setattr(m.views, "jsonify", envelope_only),
}


def skip_step(step: str) -> None:
    """Replace one step of the pipeline by one that does nothing (``--steps``)."""
    from actions import gateway
    from actions.gateway import headers, idempotency, logs, metrics, views

    STEPS[step](SimpleNamespace(gateway=gateway, headers=headers, idempotency=idempotency,
                                logs=logs, metrics=metrics, views=views))


COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def wsgi_call(app, path_and_query: str):
    """A call of ``app`` through WSGI with a prepared environ, reading the whole answer."""
    from werkzeug.test import EnvironBuilder

    path, _, query = path_and_query.partition("?")
    environ = EnvironBuilder(path=path, query_string=query).get_environ()
    environ["REMOTE_ADDR"] = "127.0.0.1"

    def call() -> None:
        statuses = []
        answer = app({**environ, "wsgi.input": io.BytesIO(b"")},
                     lambda status, headers, exc_info=None: statuses.append(status))
        try:
            body = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        if not statuses[0].startswith("200") or b'"status":' not in body[:40]:
            raise SystemExit(f"unexpected answer {statuses[0]}: {body[:200]!r}")

    return call


def run_target(target: str, calls: int, folder: str, step: str = WHOLE,
               database: str = "sqlite") -> None:
    """Inside valgrind: install on a new database, warm every target up, then call ``target``
    ``calls`` times (with ``step`` skipped)."""
    if database == "sqlite":
        run_on(f"sqlite:///{folder}/instructions.sqlite", target, calls, step)
        return
    from bench.bench_scale import PG_ADMIN, temporary_postgres

    with temporary_postgres(PG_ADMIN) as url:
        if url is None:
            raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432 as user postgres")
        run_on(url, target, calls, step)


def run_on(url: str, target: str, calls: int, step: str) -> None:
    from bench.bench_api import add_noop_action, seed_tasks
    from bench.common import hello_app, installed_app
    from models.base import db

    app = installed_app(url)
    with app.app_context():
        seed_tasks(100)
        db.close()
    add_noop_action()
    skip_step(step)
    hello = hello_app()
    prepared = {name: wsgi_call(hello if name == HELLO else app, path)
                for name, path in TARGETS.items()}
    for call in prepared.values():
        for _ in range(30):
            call()
    if target != BASELINE:
        for _ in range(calls):
            prepared[target]()


def count(tree: Path, target: str, calls: int, step: str = WHOLE, database="sqlite") -> int:
    """Instructions of one run of ``run_target`` on the code of ``tree``."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder, "valgrind.log")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
             f"--log-file={log}", sys.executable, "bench/bench_instructions.py", "--run",
             target, "--calls", str(calls), "--folder", folder, "--step", step,
             "--database", database],
            cwd=tree, env={**os.environ, "PYTHONHASHSEED": "0"}, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = COLLECTED.search(log.read_text())
        if found is None:
            raise SystemExit(f"callgrind printed no count: {log.read_text()[-1000:]}")
        return int(found.group(1))


def per_call(version: str, tree: Path, calls: int, database: str = "sqlite") -> dict[str, int]:
    """Instructions per call of each target, on the code of ``tree``."""
    baseline = count(tree, BASELINE, calls, database=database)
    found = {}
    for target in TARGETS:
        found[target] = above(baseline, tree, target, calls, database=database)
        print(f"  {version}: {target}: {found[target]:,} instructions per call", flush=True)
    return found


def above(baseline: int, tree: Path, target: str, calls: int, step: str = WHOLE,
          database: str = "sqlite") -> int:
    """Instructions per call of ``target``: its run's over the baseline run's."""
    return round((count(tree, target, calls, step, database) - baseline) / calls)


def steps(calls: int) -> dict[str, int]:
    """Instructions per no-op call with each step skipped, two runs at a time (a count does
    not depend on what else runs)."""
    from concurrent.futures import ThreadPoolExecutor

    def per_call_without(step: str) -> int:
        return above(count(ROOT, BASELINE, calls, step), ROOT, PIPELINE, calls, step)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(STEPS, pool.map(per_call_without, STEPS), strict=True))


def steps_report(found: dict[str, int]) -> str:
    whole = found[WHOLE]
    lines = ["| step skipped | instructions per no-op call | the step's cost | share |",
             "|---|---:|---:|---:|"]
    for step, instructions in found.items():
        saved = whole - instructions
        lines.append(f"| {step} | {instructions:,} | {saved:,} | {saved / whole:.1%} |")
    return "\n".join(lines)


def report(results: dict) -> str:
    versions = list(results["instructions"])
    lines = ["| target | " + " | ".join(f"{v} instructions | {v} ÷ hello" for v in versions)
             + (f" | {versions[1]} ÷ {versions[0]} |" if len(versions) == 2 else " |"),
             "|---|" + "---:|" * (2 * len(versions) + (len(versions) == 2))]
    for target in TARGETS:
        cells = []
        for version in versions:
            figures = results["instructions"][version]
            cells += [f"{figures[target]:,}", f"{figures[target] / figures[HELLO]:.2f}"]
        if len(versions) == 2:
            before, after = (results["instructions"][v][target] for v in versions)
            cells.append(f"{after / before:.3f}")
        lines.append(f"| {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--before", help="also count the code of this commit")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-instructions.json"))
    parser.add_argument("--steps", action="store_true",
                        help="what each step of the pipeline costs (the no-op action)")
    parser.add_argument("--postgres", action="store_true",
                        help="count each target on SQLite and on PostgreSQL")
    parser.add_argument("--run", help=argparse.SUPPRESS)  # inside valgrind: one run
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--step", default=WHOLE, choices=list(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_target(args.run, args.calls, args.folder, args.step, args.database)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    results: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "machine": machine(), "calls": args.calls, "instructions": {}}
    if args.steps:
        results["steps"] = steps(args.calls)
        del results["instructions"]
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
        print(steps_report(results["steps"]))
        return
    with tempfile.TemporaryDirectory() as folder:
        versions = {"after": (ROOT, "sqlite")}  # name → the code's tree and the database
        if args.postgres:
            versions = {"sqlite": (ROOT, "sqlite"), "postgresql": (ROOT, "postgresql")}
        elif args.before:
            from bench.bench_pipeline import export

            before = export(args.before, Path(folder), ("bench_instructions.py",))
            versions = {"before": (before, "sqlite"), "after": (ROOT, "sqlite")}
            results["before"] = args.before
        for version, (tree, database) in versions.items():
            results["instructions"][version] = per_call(version, tree, args.calls, database)
    results["commit"] = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                                       capture_output=True, text=True).stdout.strip()
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))

if __name__ == "__main__":
    main()
