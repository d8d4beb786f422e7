"""The request pipeline before and after a change, in one run: in process (CPU per call ÷ a
Flask hello, ``bench_api.py``) and over HTTP (gunicorn + wrk ÷ a raw WSGI app,
``http_bench.py``), the two versions in alternating rounds.

    python bench/bench_pipeline.py --before main [--rounds 3] [--seconds 1] [--http-seconds 5]
                                   [--skip-http] [--out bench/results-22b-pipeline.json]

``--before`` is any commit: its tree is exported to a temporary folder (``git archive``) and
measured with this checkout's bench scripts, so both sides are measured the same way. Every
round runs the in-process benchmark once per version in its own process (the versions
alternate), then, with ``--rounds`` HTTP rounds, each HTTP target of each version in turn.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import http_bench  # noqa: E402
from bench.common import REFUSED, ROOT, machine, signed  # noqa: E402

SCRIPTS = ("bench_api.py", "common.py", "http_bench.py", "scale_seed.py")


def export(commit: str, folder: Path, scripts: tuple[str, ...] = ()) -> Path:
    """The tree of ``commit`` in ``folder``, with this checkout's bench scripts (``SCRIPTS``
    and ``scripts``)."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT,
                             capture_output=True, check=True).stdout
    tree = folder / "before"
    tree.mkdir()
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(tree, filter="data")
    for name in SCRIPTS + scripts:
        shutil.copy(ROOT / "bench" / name, tree / "bench" / name)
    return tree


def in_process(tree: Path, seconds: float, out: Path) -> dict[str, float]:
    """One round of ``bench_api.py`` on the code of ``tree``: CPU µs per call."""
    subprocess.run([sys.executable, "bench/bench_api.py", "--rounds", "1", "--seconds",
                    str(seconds), "--json", str(out)], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads(out.read_text())["cpu_us"]


def http_targets(trees: dict[str, Path]) -> dict[str, tuple[str, str, Path]]:
    """The baselines once (this checkout), and each version's routes."""
    targets: dict[str, tuple[str, str, Path]] = {
        "raw WSGI": (http_bench.RAW, "/", ROOT), "flask hello": (http_bench.HELLO, "/", ROOT)}
    for version, tree in trees.items():
        targets |= {
            f"{version}: get_task": (http_bench.TASKGATE,
                                     signed({"action": "get_task", "id_task": "1"}), tree),
            f"{version}: post_task": (http_bench.TASKGATE, signed(
                {"action": "post_task", "id_project": "1", "title": "Bench"}), tree),
            f"{version}: refused signature": (http_bench.TASKGATE, REFUSED, tree),
        }
    return targets


def summary(runs: dict[str, list[float]]) -> dict[str, float]:
    return {name: round(statistics.median(values), 1) for name, values in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="main", help="the commit measured as 'before'")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per target")
    parser.add_argument("--http-seconds", type=int, default=5)
    parser.add_argument("--http-conf", action="store_true",
                        help="serve with gunicorn.conf.py (as ./serve: its workers, JSON "
                             "access log, multiprocess metrics) instead of -w 2 -k sync")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-22b-pipeline.json"))
    args = parser.parse_args()
    results: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "machine": machine(), "before": args.before,
                     "after": subprocess.run(["git", "describe", "--always", "--dirty"],
                                             cwd=ROOT, capture_output=True, text=True
                                             ).stdout.strip(),
                     "settings": vars(args)}
    with tempfile.TemporaryDirectory() as folder:
        trees = {"before": export(args.before, Path(folder)), "after": ROOT}
        cpu: dict[str, dict[str, list[float]]] = {version: {} for version in trees}
        for round_number in range(args.rounds):
            for version, tree in trees.items():
                found = in_process(tree, args.seconds, Path(folder, "round.json"))
                for name, micros in found.items():
                    cpu[version].setdefault(name, []).append(micros)
            print(f"in-process round {round_number + 1}/{args.rounds}", flush=True)
        results["cpu_us"] = {version: summary(runs) for version, runs in cpu.items()}
        results["cpu_runs"] = cpu
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")  # kept if HTTP fails
        if not args.skip_http:
            env = http_bench.server_env(f"sqlite:///{folder}/bench.sqlite")
            http_bench.seed(env)
            runs = http_bench.measure(http_targets(trees), env, args.rounds,
                                      args.http_seconds, conf=args.http_conf)
            results["http"] = {"medians": http_bench.medians(runs), "runs": runs,
                               "server": http_bench.server_line(args.http_conf)}
    results["load_average_at_end"] = machine()["load_average"]
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))


def report(results: dict) -> str:
    """The before/after table (markdown)."""
    lines = ["| in process (CPU µs per call) | before | after | before ÷ hello "
             "| after ÷ hello |", "|---|---:|---:|---:|---:|"]
    before, after = results["cpu_us"]["before"], results["cpu_us"]["after"]
    for name in after:
        lines.append(f"| {name} | {before.get(name, 0):.0f} | {after[name]:.0f} "
                     f"| {before.get(name, 0) / before['flask hello']:.2f} "
                     f"| {after[name] / after['flask hello']:.2f} |")
    http = results.get("http", {}).get("medians")
    if http:
        lines += ["", "| over HTTP | before req/s | after req/s | before ÷ raw | after ÷ raw "
                  "| before CPU µs/req | after CPU µs/req | before ÷ raw (CPU) "
                  "| after ÷ raw (CPU) | before p99 ms | after p99 ms |",
                  "|---|" + "---:|" * 10]
        raw = http["raw WSGI"]
        for name in ("raw WSGI", "flask hello"):
            found = http[name]
            lines.append(f"| {name} | {found['rps']:.0f} | | {found['rps'] / raw['rps']:.3f} | "
                         f"| {found.get('cpu_us', 0):.0f} | "
                         f"| {cpu_ratio(raw, found)} | | {found['p99_ms']:.1f} | |")
        for name in ("get_task", "post_task", "refused signature"):
            old, new = http[f"before: {name}"], http[f"after: {name}"]
            lines.append(f"| {name} | {old['rps']:.0f} | {new['rps']:.0f} "
                         f"| {old['rps'] / raw['rps']:.3f} | {new['rps'] / raw['rps']:.3f} "
                         f"| {old.get('cpu_us', 0):.0f} | {new.get('cpu_us', 0):.0f} "
                         f"| {cpu_ratio(raw, old)} | {cpu_ratio(raw, new)} "
                         f"| {old['p99_ms']:.1f} | {new['p99_ms']:.1f} |")
    load = results["machine"]["load_average"], results["load_average_at_end"]
    lines.append(f"\nLoad average at start {load[0]}, at end {load[1]} "
                 f"({results['machine']['cpus']} CPUs).")
    return "\n".join(lines)


def cpu_ratio(raw: dict, found: dict) -> str:
    """The raw app's server CPU per request ÷ this target's: what req/s ÷ raw would be with
    the CPUs to themselves."""
    return f"{raw['cpu_us'] / found['cpu_us']:.3f}" if found.get("cpu_us") else "–"


if __name__ == "__main__":
    main()
