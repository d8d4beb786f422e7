"""The packaging files: the image, compose, the lock, the systemd units (checked by
systemd-analyze) and the worker count. The container test (tests/containers/) runs them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from actions.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]


def test_compose_runs_taskgate_postgresql_redis_and_the_webhook_worker():
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert set(services) == {"taskgate", "postgres", "redis", "webhooks"}
    assert services["webhooks"]["command"][-2:] == ["deliver-webhooks", "--forever"]
    assert services["taskgate"]["environment"]["TASKGATE_WEBHOOK_WORKER"] == "false"
    assert services["taskgate"]["environment"]["TASKGATE_DATABASE_URL"].startswith(
        "postgresql://")


def test_the_image_and_the_units_run_init_db_then_gunicorn_with_the_repos_config():
    dockerfile = (ROOT / "Dockerfile").read_text()
    unit = (ROOT / "deploy" / "taskgate.service").read_text()
    for text in (dockerfile, unit):
        assert "flask --app app init-db" in text and "gunicorn -c gunicorn.conf.py" in text
    worker = (ROOT / "deploy" / "taskgate-webhooks.service").read_text()
    assert "flask --app app deliver-webhooks --forever" in worker
    names = {command.name for command in COMMANDS}
    assert {"init-db", "deliver-webhooks"} <= names


def test_license_and_changelog():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    headings = [line for line in (ROOT / "CHANGELOG.md").read_text().splitlines()
                if line.startswith("## ")]
    assert headings[0].split()[1] == version  # each release has its section, newest first
    assert "## 0.1.0" in headings


def test_the_image_installs_the_locked_dependencies_before_the_code_as_a_numeric_user():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    install = next(n for n, line in enumerate(lines) if "--require-hashes" in line)
    first_code = next(n for n, line in enumerate(lines) if line.startswith("COPY actions"))
    assert install < first_code  # a code change rebuilds the layers after the dependencies
    assert "requirements/server.txt" in lines[install]
    assert "USER 10001:10001" in lines
    healthcheck = "\n".join(lines[n] for n, line in enumerate(lines)
                            if line.startswith("HEALTHCHECK")) + lines[
        next(n for n, line in enumerate(lines) if line.startswith("HEALTHCHECK")) + 1]
    assert "os.environ.get('PORT'" in healthcheck and ":5000/" not in healthcheck


def test_the_lock_pins_every_dependency_with_hashes():
    """scripts/lock.sh regenerates the lock after a dependency is added to pyproject.toml."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {"server.txt": [*project["dependencies"],
                             *project["optional-dependencies"]["s3"],
                             *project["optional-dependencies"]["redis"]]}
    wanted["test.txt"] = wanted["server.txt"] + project["optional-dependencies"]["test"]
    for lock, requirements in wanted.items():
        text = (ROOT / "requirements" / lock).read_text().lower().replace("_", "-")
        pinned = {line.split("==")[0].split("[")[0] for line in text.splitlines()
                  if "==" in line and not line.startswith((" ", "#"))}
        names = {name_of(requirement) for requirement in requirements}
        assert names <= pinned, f"run scripts/lock.sh: {sorted(names - pinned)} not in {lock}"
        assert "--hash=sha256:" in text


def name_of(requirement: str) -> str:
    for stop in "[<>=!~; ":
        requirement = requirement.split(stop)[0]
    return requirement.lower().replace("_", "-")


def test_compose_stops_slower_than_the_graceful_timeout_and_keeps_secrets_in_env():
    yaml = pytest.importorskip("yaml")
    dockerfile = (ROOT / "Dockerfile").read_text()
    graceful = int(dockerfile.split("TASKGATE_GRACEFUL_TIMEOUT=")[1].split()[0])
    assert graceful < 10  # docker stop's default timeout
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    for name in ("taskgate", "webhooks"):
        assert int(services[name]["stop_grace_period"].rstrip("s")) > graceful
    settings = services["taskgate"]["environment"]
    assert settings["TASKGATE_SECRET_KEY"].startswith("${TASKGATE_SECRET_KEY:?")
    assert "${TASKGATE_DB_PASSWORD:?" in settings["TASKGATE_DATABASE_URL"]
    for service in services.values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:")


def test_the_scale_proxy_resolves_every_replica():
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "dynamic a taskgate 5000" in caddyfile and "lb_policy round_robin" in caddyfile


def test_init_env_writes_the_secrets_once_at_0600(tmp_path):
    import sys

    env = tmp_path / ".env"
    script = str(ROOT / "scripts" / "init-env.py")
    subprocess.run([sys.executable, script, str(env)], check=True, capture_output=True)
    first = env.read_text()
    assert {line.split("=")[0] for line in first.splitlines()} == {
        "TASKGATE_SECRET_KEY", "TASKGATE_DB_PASSWORD", "MINIO_ROOT_PASSWORD"}
    assert env.stat().st_mode & 0o777 == 0o600
    done = subprocess.run([sys.executable, script, str(env)], capture_output=True, text=True)
    assert env.read_text() == first and "kept" in done.stdout


@pytest.fixture
def gunicorn_settings(tmp_path, monkeypatch):
    """gunicorn.conf.py read in this process, its metrics folder in tmp_path: left to itself it
    sets PROMETHEUS_MULTIPROC_DIR for the rest of the run (every later /metrics then reads an
    empty folder instead of this process's counters) and leaves a temporary folder behind."""
    import runpy

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.delenv("TASKGATE_OWN_METRICS_DIR", raising=False)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize(("cpu_max", "affinity", "cap", "workers"), [
    ("max 100000", 4, 8, 8),  # 2 x 4 + 1, capped
    ("200000 100000", 32, 8, 5),  # a 2-CPU quota on a 32-CPU host
    ("50000 100000", 2, 8, 3),  # half a CPU: one CPU's worth
    (None, 1, 8, 3),
    ("max 100000", 32, 4, 4),
])
def test_workers_follow_the_cpus_the_process_may_use(tmp_path, gunicorn_settings, cpu_max,
                                                     affinity, cap, workers):
    settings = gunicorn_settings
    own = tmp_path / "cgroup"
    own.write_text("0::/system.slice/taskgate.service\n")
    if cpu_max:
        (tmp_path / "system.slice" / "taskgate.service").mkdir(parents=True)
        (tmp_path / "system.slice" / "taskgate.service" / "cpu.max").write_text(cpu_max)
    quota = settings["cgroup_cpus"](str(tmp_path), str(own))
    cpus = min(affinity, quota) if quota else affinity
    assert settings["default_workers"](cpus, cap) == workers


@pytest.fixture
def units(tmp_path):
    """deploy/*.service installed in a throwaway root with stand-in executables."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    units = tmp_path / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr/lib/systemd/system",
                    symlinks=True)
    bin_dir = tmp_path / "opt" / "taskgate" / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("flask", "gunicorn", "python"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    (tmp_path / "bin").mkdir()
    shutil.copy("/bin/kill", tmp_path / "bin" / "kill")
    for unit in UNITS:
        shutil.copy(ROOT / "deploy" / unit, units / unit)
    return tmp_path


UNITS = ("taskgate.service", "taskgate-webhooks.service")


def test_the_units_pass_systemd_analyze_verify(units):
    done = subprocess.run(["systemd-analyze", "verify", f"--root={units}", *UNITS],
                          capture_output=True, text=True, timeout=60)
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "taskgate" in line]
    assert done.returncode == 0 and ours == [], ours  # an unknown key is only a warning


@pytest.mark.parametrize("unit", UNITS)
def test_the_units_are_rated_ok_by_systemd_analyze_security(unit):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    done = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                           str(ROOT / "deploy" / unit)], capture_output=True, text=True,
                          timeout=60)
    verdict = done.stdout.strip().splitlines()[-1]
    exposure = float(verdict.split(":")[1].split()[0])
    assert exposure < 4 and ("OK" in verdict or "SAFE" in verdict), verdict


def test_a_wheel_builds_without_setuptools_warnings(tmp_path):
    """The docs page's data folders are declared: setuptools has nothing to warn about."""
    import sys

    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stdout + done.stderr


def test_the_dashboard_and_the_alerts_name_only_exported_metrics():
    import json
    import re

    yaml = pytest.importorskip("yaml")
    documented = set(re.findall(r"`(taskgate_\w+)", (ROOT / "docs" / "metrics.md").read_text()))
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus-alerts.yml").read_text())
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    used = {re.sub(r"_bucket$", "", name) for e in exprs
            for name in re.findall(r"taskgate_\w+", e)}
    assert used <= documented, used - documented
