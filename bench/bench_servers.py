"""Gunicorn against granian, serving the same app side by side, in one run.

    python -m venv /tmp/granian-venv && /tmp/granian-venv/bin/pip install granian   # once
    echo "$PWD/.venv/lib/python3.11/site-packages" \\
        > /tmp/granian-venv/lib/python3.11/site-packages/taskgate-deps.pth
    python bench/bench_servers.py [--granian /tmp/granian-venv/bin/granian] [--rounds 3]
                                  [--seconds 5] [--workers 2] [--out FILE]

Each server runs the same app with the same number of worker processes, each answering one
request at a time, on a free loopback port: gunicorn with the checkout's gunicorn.conf.py (its
JSON access log) and ``-k sync`` (./serve's worker: one connection per request) or ``-k
gthread --threads 1`` (keeps connections alive); granian ``--interface wsgi
--blocking-threads 1 --access-log``. wrk as in ``http_bench.py`` asks for a raw WSGI app,
Taskgate's ``get_task``, ``post_task`` and a refused signature. Rounds are interleaved; the
medians are reported with each route's ratio to the raw app under the same server, and the
server's CPU per request. Granian is not a dependency: it runs from its own venv, which sees
this checkout's packages through a .pth file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import http_bench  # noqa: E402
from bench.common import REFUSED, ROOT, machine, signed  # noqa: E402

ROUTES = {
    "raw WSGI": (http_bench.RAW, "/"),
    "get_task": (http_bench.TASKGATE, signed({"action": "get_task", "id_task": "1"})),
    "post_task": (http_bench.TASKGATE,
                  signed({"action": "post_task", "id_project": "1", "title": "Bench"})),
    "refused signature": (http_bench.TASKGATE, REFUSED),
}


def command(server: str, app: str, port: int, workers: int, granian: str) -> list[str]:
    if server.startswith("gunicorn"):  # "gunicorn" (sync) or "gunicorn-gthread"
        worker = ["-k", "gthread", "--threads", "1"] if server.endswith("gthread") else [
            "-k", "sync"]
        return [sys.executable, "-m", "gunicorn", "-w", str(workers), *worker,
                "--log-level", "warning", "-b", f"127.0.0.1:{port}", app]
    factory = app.endswith("()")
    return [granian, "--interface", "wsgi", "--workers", str(workers),
            "--blocking-threads", "1", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--access-log", *(["--factory"] if factory else []),
            app.removesuffix("()")]


def measure(servers: list[str], env: dict[str, str], args) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "baselines.py").write_text(http_bench.BASELINES)
        Path(tmp, "errors.lua").write_text(http_bench.LUA)
        served = {**env, "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}"}
        for _ in range(args.rounds):
            for server in servers:
                for name, (app, path) in ROUTES.items():
                    port = http_bench.free_port()
                    argv = command(server, app, port, args.workers, args.granian)
                    process = http_bench.started(argv, port, served, Path(tmp, f"{server}.log"))
                    try:
                        url = f"http://127.0.0.1:{port}{path}"
                        http_bench.wrk(url, 2, f"{tmp}/errors.lua")  # warm-up
                        runs.setdefault(f"{server}: {name}", []).append(
                            http_bench.wrk(url, args.seconds, f"{tmp}/errors.lua",
                                           process.pid))
                    finally:
                        process.terminate()
                        process.wait(timeout=35)
    return runs


def report(middle: dict[str, dict], servers: list[str]) -> str:
    """req/s and its ratio to the raw app under the same server; the server's CPU per request
    and the raw app's CPU ÷ the route's (steadier than req/s on a busy machine)."""
    lines = ["| route | " + " | ".join(
        f"{s} req/s | ÷ raw | {s} CPU µs/req | ÷ raw (CPU) | p99 ms" for s in servers) + " |",
        "|---|" + "---:|" * (5 * len(servers))]
    for name in ROUTES:
        cells = []
        for server in servers:
            found, raw = middle[f"{server}: {name}"], middle[f"{server}: raw WSGI"]
            cells += [f"{found['rps']:.0f}", f"{found['rps'] / raw['rps']:.3f}",
                      f"{found.get('cpu_us', 0):.0f}",
                      f"{raw.get('cpu_us', 0) / found['cpu_us']:.3f}" if found.get("cpu_us")
                      else "–", f"{found['p99_ms']:.1f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--granian", default="/tmp/granian-venv/bin/granian")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--servers", default="gunicorn,gunicorn-gthread,granian",
                        help="of gunicorn (sync worker), gunicorn-gthread, granian")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-22b-servers.json"))
    args = parser.parse_args()
    servers = args.servers.split(",")
    results = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "machine": machine(), "settings": vars(args)}
    version = subprocess.run([args.granian, "--version"], capture_output=True, text=True)
    results["granian"] = version.stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        env = http_bench.server_env(f"sqlite:///{tmp}/bench.sqlite")
        http_bench.seed(env)
        runs = measure(servers, env, args)
    results["medians"] = middle = http_bench.medians(runs)
    results["runs"] = runs
    results["load_average_at_end"] = machine()["load_average"]
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(report(middle, servers))
    print(f"\nLoad average at start {results['machine']['load_average']}, at end "
          f"{results['load_average_at_end']}.")


if __name__ == "__main__":
    main()
