"""The packaging files name the commands the README uses, and those commands exist (no
container engine runs here, so the files themselves are not run)."""

from __future__ import annotations

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
    assert "## Unreleased" in (ROOT / "CHANGELOG.md").read_text()
