"""The figures of ``bench_scale.py`` as ratios, targets with pass/miss, and markdown tables."""

from __future__ import annotations

import re
from pathlib import Path

from bench.common import PIPELINE

ACTIONS = ("flask hello", PIPELINE, "refused signature", "get_task", "post_task",
           "get_tasks (1,000)", "get_tasks limit=100", "get_tasks page=5", "search_tasks name",
           "get_events limit=100", "post_task bare SQL")
PG_WALL_GOALS = ("get_task", "get_tasks limit=100", "post_task")  # issue #22: PG ÷ SQLite wall
LIST_NAMES = {"get_all_tasks": "get_all_tasks", "get_all_tasks_comments": "… extra=comments",
              "get_events": "get_events period=30d"}
HTTP_GOALS = {  # issue #22: over HTTP ÷ raw WSGI under the same server, per database
    "sqlite": {"get_task": 0.40, "post_task": 0.10, "refused signature": 0.5},
    "postgresql": {"get_task": 0.30, "post_task": 0.10, "refused signature": 0.5}}
HTTP_RESULTS = {"sqlite": "http", "postgresql": "http_postgresql"}  # where each run is kept
ANCHOR_GOAL, MEMORY_GOAL_MB, PG_GOAL = 1.5, 64, 1.5
WRITE_GOAL = 4  # issue #22: post_task CPU ÷ the same writes in bare SQL
PIPELINE_GOAL = 1.5  # issue #22: the pipeline's cost per request ÷ a Flask hello's


def ratio(part: float | None, whole: float | None) -> float | None:
    return round(part / whole, 3) if part is not None and whole else None


def derive(results: dict) -> None:
    """Add the per-row costs and the ratios the targets read."""
    for lists in results.get("lists", {}).values():
        for figures in lists.values():
            app, anchor = figures["app"], figures["anchor"]
            rows = anchor.get("rows")
            if "error" in app or "error" in anchor or not rows:
                continue
            figures["rows"] = rows
            figures["app_us_per_row"] = round(app["cpu_s"] * 1e6 / rows, 1)
            figures["anchor_us_per_row"] = round(anchor["cpu_s"] * 1e6 / rows, 1)
            figures["cpu_vs_anchor"] = ratio(app["cpu_s"], anchor["cpu_s"])
    calls, lists = results.get("calls", {}), results.get("lists", {})
    if "postgresql" in calls:
        sqlite, pg = calls["sqlite"]["cpu_us"], calls["postgresql"]["cpu_us"]
        results["pg_vs_sqlite"] = {name: ratio(pg.get(name), sqlite.get(name)) for name in sqlite}
        sqlite_wall, pg_wall = calls["sqlite"].get("wall_us", {}), calls["postgresql"].get(
            "wall_us", {})
        results["pg_vs_sqlite_wall"] = {name: ratio(pg_wall.get(name), sqlite_wall.get(name))
                                        for name in sqlite_wall}
        for name, figures in lists.get("postgresql", {}).items():
            results["pg_vs_sqlite"][name] = ratio(figures["app"].get("cpu_s"),
                                                  lists["sqlite"][name]["app"].get("cpu_s"))
    results["targets"] = targets(results)


def targets(results: dict) -> list[dict]:
    found = []

    def check(target: str, value: float | None, goal: float, at_most: bool) -> None:
        met = value is not None and (value <= goal if at_most else value >= goal)
        found.append({"target": target, "value": value, "goal": goal,
                      "at_most": at_most, "result": "pass" if met else "miss"})

    for db_name, key in HTTP_RESULTS.items():
        http = results.get(key, {}).get("medians")
        if http:
            raw = http["raw WSGI"]["rps"]
            for name, goal in HTTP_GOALS[db_name].items():
                check(f"{name} over HTTP ({db_name}) ÷ raw WSGI",
                      ratio(http[name]["rps"], raw), goal, False)
            if PIPELINE in http:  # time per request: the hello's req/s ÷ the pipeline's
                check(f"{PIPELINE} over HTTP ({db_name}): time per request ÷ Flask hello's",
                      ratio(http["flask hello"]["rps"], http[PIPELINE]["rps"]),
                      PIPELINE_GOAL, True)
    for db_name, lists in results.get("lists", {}).items():
        for name, figures in lists.items():
            check(f"{LIST_NAMES[name]} ({db_name}) CPU per row ÷ anchor",
                  figures.get("cpu_vs_anchor"), ANCHOR_GOAL, True)
        comments = lists["get_all_tasks_comments"]["app"]
        check(f"get_all_tasks extra=comments ({db_name}) peak MB", comments.get("peak_mb"),
              MEMORY_GOAL_MB, True)
    for db_name, figures in results.get("calls", {}).items():
        cpu = figures.get("cpu_us", {})
        if PIPELINE in cpu:
            check(f"{PIPELINE} ({db_name}) CPU in process ÷ Flask hello",
                  ratio(cpu[PIPELINE], cpu.get("flask hello")), PIPELINE_GOAL, True)
        if "post_task bare SQL" in cpu:
            check(f"post_task ({db_name}) CPU ÷ the same writes in bare SQL",
                  ratio(cpu.get("post_task"), cpu["post_task bare SQL"]), WRITE_GOAL, True)
    for name in PG_WALL_GOALS:
        if name in results.get("pg_vs_sqlite_wall", {}):
            check(f"{name} PostgreSQL ÷ SQLite wall", results["pg_vs_sqlite_wall"][name],
                  PG_GOAL, True)
    for name, value in results.get("pg_vs_sqlite", {}).items():
        if name not in ("flask hello", PIPELINE, "post_task bare SQL"):
            check(f"{LIST_NAMES.get(name, name)} PostgreSQL ÷ SQLite CPU", value, PG_GOAL, True)
    return found


def statements(counts: dict | None) -> str:
    if not counts:
        return "–"
    data = ", ".join(f"{n} {verb}" for verb, n in counts.items() if verb != "other")
    return data or "–"


def figure(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def calls_table(results: dict) -> list[str]:
    calls = results["calls"]
    sqlite, pg = calls["sqlite"], calls.get("postgresql", {})
    hello = sqlite["cpu_us"].get("flask hello")
    http = results.get("http", {}).get("medians") or {}
    raw = http.get("raw WSGI", {}).get("rps")
    pg_http = results.get("http_postgresql", {}).get("medians") or {}
    pg_raw = pg_http.get("raw WSGI", {}).get("rps")
    lines = ["| action | CPU µs | wall µs | ÷ hello | SQL statements | HTTP req/s | p99 ms "
             "| ÷ raw WSGI | PG CPU µs | PG ÷ SQLite | PG wall µs | PG ÷ SQLite wall "
             "| PG statements | PG HTTP req/s | PG HTTP ÷ raw WSGI |", "|---|" + "---:|" * 14]
    for name in ACTIONS:
        cpu, pg_cpu = sqlite["cpu_us"].get(name), pg.get("cpu_us", {}).get(name)
        if cpu is None:
            continue
        wall, pg_wall = sqlite.get("wall_us", {}).get(name), pg.get("wall_us", {}).get(name)
        over_http = http.get(name, {})
        lines.append(
            f"| {name} | {figure(cpu)} | {figure(wall)} | {figure(ratio(cpu, hello), 2)} "
            f"| {statements((sqlite.get('statements') or {}).get(name))} "
            f"| {figure(over_http.get('rps'))} | {figure(over_http.get('p99_ms'), 1)} "
            f"| {figure(ratio(over_http.get('rps'), raw), 3)} | {figure(pg_cpu)} "
            f"| {figure(ratio(pg_cpu, cpu), 2)} | {figure(pg_wall)} "
            f"| {figure(ratio(pg_wall, wall), 2)} "
            f"| {statements((pg.get('statements') or {}).get(name))} "
            f"| {figure(pg_http.get(name, {}).get('rps'))} "
            f"| {figure(ratio(pg_http.get(name, {}).get('rps'), pg_raw), 3)} |")
    if raw or pg_raw:
        lines.append(f"| raw WSGI | – | – | – | – | {figure(raw)} "
                     f"| {figure(http.get('raw WSGI', {}).get('p99_ms'), 1)} "
                     f"| {1 if raw else '–'} | – | – | – | – | – | {figure(pg_raw)} "
                     f"| {1 if pg_raw else '–'} |")
    return lines


def lists_table(results: dict) -> list[str]:
    lines = ["| list | database | rows | wall s | CPU s | peak MB | answer MB | µs/row "
             "| anchor µs/row | ÷ anchor | anchor wall s | anchor peak MB |",
             "|---|---|" + "---:|" * 10]
    for db_name, lists in results.get("lists", {}).items():
        for name, f in lists.items():
            app, anchor = f["app"], f["anchor"]
            lines.append(
                f"| {LIST_NAMES[name]} | {db_name} | {figure(f.get('rows'))} "
                f"| {figure(app.get('wall_s'), 1)} | {figure(app.get('cpu_s'), 1)} "
                f"| {figure(app.get('peak_mb'))} | {figure(megabytes(app.get('bytes')), 1)} "
                f"| {figure(f.get('app_us_per_row'), 1)} | {figure(f.get('anchor_us_per_row'), 1)} "
                f"| {figure(f.get('cpu_vs_anchor'), 2)} | {figure(anchor.get('wall_s'), 1)} "
                f"| {figure(anchor.get('peak_mb'))} |")
    return lines


def megabytes(size: int | None) -> float | None:
    return None if size is None else size / 1e6


def targets_table(results: dict) -> list[str]:
    lines = ["| target | measured | goal | result |", "|---|---:|---:|---|"]
    for t in results["targets"]:
        goal = f"{'≤' if t['at_most'] else '≥'} {t['goal']:g}"
        digits = 2 if t["value"] is not None and abs(t["value"]) < 100 else 0
        lines.append(f"| {t['target']} | {figure(t['value'], digits)} | {goal} "
                     f"| {t['result']} |")
    return lines


def report(results: dict) -> str:
    """Derive the ratios into ``results``; the markdown tables."""
    derive(results)
    seeds = "; ".join(f"{name} {seed['seconds']} s" for name, seed in results["seed"].items())
    where = results["machine"]
    loads = (where.get("load_average", [None])[0], results.get("load_average_at_end", [None])[0])
    parts = [f"Run of {results['date']} on {where['cpus']} CPUs, Python {where['python']}, "
             f"commit {results['commit']}, load average {loads[0]} at start and {loads[1]} at "
             f"the end; seeding: {seeds}; {results['seconds']} s in all.", "",
             "Per request (in process: median CPU of "
             f"{results['settings']['rounds']} interleaved rounds; HTTP on SQLite, and on "
             "PostgreSQL in the last two columns):", "",
             *calls_table(results)]
    if results.get("lists"):
        parts += ["", "Lists over everything (once each, fresh process, answer streamed "
                  "to nowhere; anchor: bare driver + json.dumps of the same rows):", "",
                  *lists_table(results)]
    return "\n".join([*parts, "", "Targets (ratios in this run):", "", *targets_table(results)])


def into_readme(readme: Path, label: str, tables: str) -> None:
    """Replace (or add, at the end) the block of this label in the README's Results."""
    begin, end = f"<!-- results:{label}:begin -->", f"<!-- results:{label}:end -->"
    block = f"{begin}\n#### {label}\n\n{tables}\n{end}"
    text = readme.read_text()
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else \
        text.rstrip("\n") + f"\n\n{block}\n"
    readme.write_text(text)
