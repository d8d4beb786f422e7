"""scripts/venv.sh, which ./serve and ./run-tests source: a .venv made by another Python, one
whose Python no longer runs, or one without pip is made again; a current one is kept. Run with
stand-ins for Python (shell scripts), so that no virtualenv is built and nothing installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A Python stand-in: reports its version, "makes" a virtualenv of itself, and takes pip and
# ranges.py calls as done (each call is appended to calls.log beside it).
PYTHON = """#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
echo "$0 $*" >> "{log}"
case "$1" in
  -c) echo "{version}" ;;
  -m) case "$2" in
        venv) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;
        pip) [ -n "{pip}" ] || exit 1 ;;
      esac ;;
esac
exit 0
"""


def stand_in(path: Path, version: str, log: Path, pip: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PYTHON.format(version=version, log=log, pip="yes" if pip else ""))
    path.chmod(0o755)
    return path


@pytest.fixture
def checkout(tmp_path):
    """A folder with what venv.sh reads: the script, pyproject.toml and the locks."""
    for name in ("scripts/venv.sh", "pyproject.toml", "requirements/server.txt",
                 "requirements/test.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def ensure_venv(folder: Path, python: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", ". scripts/venv.sh && ensure_venv"], cwd=folder,
                          env={"PATH": "/usr/bin:/bin", "PYTHON": str(python)},
                          capture_output=True, text=True, timeout=60)


def test_a_venv_of_another_python_is_made_again(checkout):
    log = checkout / "calls.log"
    stand_in(checkout / ".venv/bin/python", "3.9", log)
    run = ensure_venv(checkout, stand_in(checkout / "py311/python", "3.11", log))
    assert run.returncode == 0, run.stderr
    assert "rebuilding .venv: it was made with Python 3.9, not 3.11" in run.stderr
    assert "-m venv .venv" in log.read_text() and "-m pip install" in log.read_text()
    assert (checkout / ".venv/.installed").exists()


def test_a_venv_whose_python_no_longer_runs_is_made_again(checkout):
    (checkout / ".venv/bin").mkdir(parents=True)
    (checkout / ".venv/bin/python").symlink_to("/nonexistent/python3.10")
    run = ensure_venv(checkout, stand_in(checkout / "py311/python", "3.11",
                                         checkout / "calls.log"))
    assert run.returncode == 0, run.stderr
    assert "made with Python that no longer runs, not 3.11" in run.stderr
    assert (checkout / ".venv/.installed").exists()


def test_a_venv_without_pip_is_made_again(checkout):
    log = checkout / "calls.log"
    stand_in(checkout / ".venv/bin/python", "3.11", log, pip=False)
    run = ensure_venv(checkout, stand_in(checkout / "py311/python", "3.11", log))
    assert run.returncode == 0, run.stderr
    assert "rebuilding .venv: it has no pip" in run.stderr


def test_a_current_venv_is_kept_without_installing(checkout):
    log = checkout / "calls.log"
    stand_in(checkout / ".venv/bin/python", "3.11", log)
    (checkout / ".venv/.installed").touch()
    run = ensure_venv(checkout, stand_in(checkout / "py311/python", "3.11", log))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert "-m venv" not in log.read_text() and "-m pip install" not in log.read_text()
