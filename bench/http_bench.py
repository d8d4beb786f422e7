"""Over-HTTP benchmark: gunicorn (2 sync workers) and wrk on this machine, in one run.

    pip install gunicorn && apt-get install wrk      # once
    python bench/http_bench.py [--rounds 3] [--seconds 5] [--postgres]

Every target runs under the same gunicorn settings on a free loopback port (``--conf``:
gunicorn.conf.py, as ./serve runs it): two baselines (a raw WSGI app, a Flask "hello") and
Taskgate's route (a read by id, a task and a comment write, a project's 1,000 tasks, a rejected
signature). Rounds are interleaved and the medians reported with their ratio to Flask hello
and to raw WSGI, since absolute numbers on a 2-core machine move by ±20 %
between runs while ratios measured together do not. wrk's Lua hook counts answers that are
not HTTP 200 or carry "status":"error" (Worksection's errors are HTTP 200, so wrk's own
non-2xx counter would miss them). ``--postgres``: Taskgate on a temporary PostgreSQL database
(``bench_scale.py --pg-admin``'s default server) instead of SQLite. Results also go to
bench/results-http.json (``--out``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import PIPELINE, REFUSED, ROOT, SECRET, machine, signed  # noqa: E402

LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) errors = 0 end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"status":"error"', 1, true) then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("errors") end
  io.write(string.format("ERRORS %d\\n", total))
end
"""
BASELINES = '''
from flask import Flask

def raw(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"status":"ok","data":[]}']

hello = Flask("hello")
hello.add_url_rule("/", "hello", lambda: {"status": "ok", "data": []})


def taskgate_noop():
    """Taskgate with ``bench_noop``, an action that does nothing: its calls cost the pipeline."""
    from app import create_app
    from bench.bench_api import add_noop_action

    add_noop_action()
    return create_app()
'''
RAW, HELLO, TASKGATE = "baselines:raw", "baselines:hello", "app:create_app()"
NOOP = "baselines:taskgate_noop()"
TARGETS = {  # name → (gunicorn app, path); "bad hash" answers errors by design
    "raw WSGI": (RAW, "/"),
    "flask hello": (HELLO, "/"),
    PIPELINE: (NOOP, signed({"action": "bench_noop"})),
    "get_task": (TASKGATE, signed({"action": "get_task", "id_task": "1"})),
    "post_task": (TASKGATE,
                  signed({"action": "post_task", "id_project": "1", "title": "Bench"})),
    "post_comment": (TASKGATE,
                     signed({"action": "post_comment", "id_task": "1", "text": "Noted"})),
    "get_tasks (1,000)": (TASKGATE, signed({"action": "get_tasks", "id_project": "1"})),
    "bad hash": (TASKGATE, REFUSED),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(env: dict[str, str]) -> None:
    """The owner, the key, and one project of 1,000 tasks (task 1 is read and commented)."""
    subprocess.run([sys.executable, "bench/scale_seed.py", env["TASKGATE_DATABASE_URL"],
                    "--tasks", "1000", "--projects", "1"],
                   env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def server_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "TASKGATE_DATABASE_URL": database_url, "TASKGATE_SECRET_KEY": SECRET,
            "TASKGATE_WEBHOOK_WORKER": "false"}


def serve(app: str, port: int, env: dict[str, str], pythonpath: str,
          log: Path, root: Path = ROOT, conf: bool = False) -> subprocess.Popen:
    """gunicorn on the port, running the code of ``root``; its output (the app's request log
    too) appended to ``log``. ``conf``: with ``root``'s gunicorn.conf.py, as ./serve runs it."""
    settings = (["-c", "gunicorn.conf.py"] if conf
                else ["-w", "2", "-k", "sync", "--log-level", "warning"])
    return started([sys.executable, "-m", "gunicorn", *settings, "-b", f"127.0.0.1:{port}", app],
                   port, {**env, "PYTHONPATH": f"{pythonpath}{os.pathsep}{root}"}, log, root)


def started(argv: list[str], port: int, env: dict[str, str], log: Path,
            root: Path = ROOT) -> subprocess.Popen:
    """A server run by ``argv`` (output appended to ``log``), once it answers on ``port``."""
    with open(log, "ab") as output:
        server = subprocess.Popen(argv, cwd=root, env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except urllib.error.HTTPError:
            return server  # it answers (404 on / for Taskgate): it is up
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{argv} did not start: {log.read_text()[-2000:]}")


def server_line(conf: bool, database: str = "SQLite") -> str:
    server = ("gunicorn -c gunicorn.conf.py (as ./serve: 2 x CPUs + 1 sync workers, JSON "
              "access log, multiprocess metrics)" if conf else "gunicorn -w 2 -k sync")
    return f"{server}, wrk -t1 -c16, {database}"


def wrk(url: str, seconds: int, script: str, server: int | None = None) -> dict[str, float]:
    """wrk's figures; with the server's pid, also the CPU its processes spent per request
    (``cpu_us``): on a busy machine, throughput moves with the other jobs, CPU far less."""
    before = server_cpu(server) if server else 0.0
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    spent = server_cpu(server) - before if server else 0.0
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    answered = int(re.search(r"(\d+) requests in", out).group(1))
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
             "p99_ms": float(p99.group(1)) * scale,
             "errors": int(re.search(r"ERRORS (\d+)", out).group(1))}
    if server and answered:
        found["cpu_us"] = round(spent / answered * 1e6, 1)
    return found


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def server_cpu(pid: int) -> float:
    """CPU seconds (user and system) of a server process and its children (the workers)."""
    total = 0.0
    for process in (pid, *children(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def measure(targets: dict[str, tuple], env: dict[str, str], rounds: int,
            seconds: int, conf: bool = False) -> dict[str, list[dict[str, float]]]:
    """Each target under its own gunicorn, in interleaved rounds: every run of wrk. A target
    is ``(app, path)``, or ``(app, path, root)`` for the code of another checkout."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "baselines.py").write_text(BASELINES)
        Path(tmp, "errors.lua").write_text(LUA)
        for _ in range(rounds):
            for name, (app, path, *root) in targets.items():
                port = free_port()
                server = serve(app, port, env, tmp, Path(tmp, "gunicorn.log"),
                               root[0] if root else ROOT, conf)
                try:
                    wrk(f"http://127.0.0.1:{port}{path}", 2, f"{tmp}/errors.lua")  # warm-up
                    runs[name].append(wrk(f"http://127.0.0.1:{port}{path}", seconds,
                                          f"{tmp}/errors.lua", server.pid))
                finally:
                    server.terminate()
                    server.wait(timeout=35)
    return runs


def medians(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {name: {"rps": statistics.median(r["rps"] for r in results),
                   "p99_ms": statistics.median(r["p99_ms"] for r in results),
                   "errors": sum(r["errors"] for r in results),
                   **({"cpu_us": statistics.median(r["cpu_us"] for r in results)}
                      if all("cpu_us" in r for r in results) else {})}
            for name, results in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--conf", action="store_true",
                        help="serve with gunicorn.conf.py, as ./serve does")
    parser.add_argument("--postgres", action="store_true",
                        help="Taskgate on a temporary PostgreSQL database, not SQLite")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-http.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp, database(args.postgres, tmp) as url:
        env = server_env(url)
        seed(env)
        runs = measure(TARGETS, env, args.rounds, args.seconds, args.conf)
    report(runs, Path(args.out), server_line(args.conf, "PostgreSQL" if args.postgres
                                             else "SQLite"))


@contextlib.contextmanager
def database(postgres: bool, folder: str) -> Iterator[str]:
    """The URL Taskgate is served on: a temporary PostgreSQL database, or SQLite in
    ``folder``."""
    if not postgres:
        yield f"sqlite:///{folder}/bench.sqlite"
        return
    from bench.bench_scale import PG_ADMIN, temporary_postgres

    with temporary_postgres(PG_ADMIN) as url:
        if url is None:
            sys.exit("PostgreSQL does not answer at " + PG_ADMIN)
        yield url


def report(runs: dict[str, list[dict[str, float]]], out: Path, server: str) -> None:
    middle = medians(runs)
    base, raw = middle["flask hello"]["rps"], middle["raw WSGI"]["rps"]
    print(f"{'target':20} {'req/s':>9} {'p99 ms':>8} {'error answers':>14} {'vs hello':>9} "
          f"{'vs raw':>7}")
    for name, m in middle.items():
        print(f"{name:20} {m['rps']:9.0f} {m['p99_ms']:8.1f} {m['errors']:14d} "
              f"{m['rps'] / base:9.2f} {m['rps'] / raw:7.3f}")
    out.write_text(json.dumps({"machine": machine(), "server": server, "medians": middle,
                               "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
