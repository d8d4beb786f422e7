"""Every shell command of the README and of every guide page runs, in the page's order, on a
fresh install, as a new user would type it: ``flask --app app ...`` in this process (prompts
answered), everything else (variables, ``curl`` against a live server of the same install,
pipes) in bash. A command that cannot run here is either in a ```text block of its page or
named below with the test that runs it. And the guide builds with warnings as errors.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import API_KEY, SECRET_KEY
from werkzeug.serving import make_server

from actions.cli import docs

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FLASK = ["flask", "--app", "app"]
PASSWORD_INPUT = "correct horse\ncorrect horse\n"  # for the commands that prompt
# Commands a page shows that other tests run (servers, the suite itself, other machines).
RUN_ELSEWHERE = {
    "./serve": "tests/test_serve.py",
    "./run-tests": "the suite itself",
    "docker": "tests/containers/ (the container test)",
    "podman": "tests/containers/ (the container test)",
    "createdb": "the PostgreSQL run of .ci/run",
    "pip install": "./run-tests, which installs the extras",
    "TASKGATE_DATABASE_URL=postgresql": "the PostgreSQL run of .ci/run",
    "TEST_DATABASE_URL=": "the PostgreSQL run of .ci/run",
    "DOCS_EXAMPLES=write": "tests/gateway/test_docs_examples.py",
    ".venv/bin/python bench/": "bench/ (benchmarks are never run by tests)",
    "python bench/": "bench/ (benchmarks are never run by tests)",
    "flask --app app run": "tests/test_serve.py",
    "flask --app app import-from": "tests/cli/test_import_from.py",
    "flask --app app mail-fetch": "tests/mail/ (a real IMAP server)",
    "flask --app app deliver-mail --forever": "tests/mail/",
    "flask --app app deliver-webhooks --forever": "tests/cli/test_webhook_worker.py",
    "systemctl": "deploy/ (systemd-analyze verify in tests/test_packaging.py)",
    "sudo": "deploy/ (an operator's machine)",
}


def page_commands(page: Path) -> list[str]:
    """The page's ```sh lines in order, continuations joined, comments and blanks dropped."""
    blocks = re.findall(r"^```sh\n(.*?)^```", page.read_text(), re.S | re.M)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return [line for line in (strip_comment(x) for x in lines) if line]


def strip_comment(line: str) -> str:
    words = shlex.shlex(line, posix=True, punctuation_chars=False)
    words.whitespace_split, words.commenters = True, "#"
    try:
        list(words)
    except ValueError:
        return line.strip()
    # shlex cannot give the position back: cut at the first " #" outside quotes.
    quote, out = None, []
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            break
        out.append(ch)
    return "".join(out).strip()


def elsewhere(command: str) -> str | None:
    stripped = command.removeprefix("export ").strip()
    if stripped.split()[:3] == FLASK and ("--forever" in stripped or " run" in stripped[:20]):
        return RUN_ELSEWHERE.get("flask --app app run", "")
    return next((where for start, where in RUN_ELSEWHERE.items()
                 if stripped.startswith(start)), None)


@pytest.fixture
def live(app, tmp_path):
    """A real HTTP server for the install under test, on a free port; the bash side reaches
    the same database and secrets through the environment."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()


def shell_env(app, tmp_path: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT), "TASKGATE_DATABASE_URL": app.config["DATABASE_URL"],
            "TASKGATE_SECRET_KEY": SECRET_KEY, "TASKGATE_API_KEY": API_KEY,
            "TASKGATE_INSTANCE_PATH": str(tmp_path / "instance"),
            "TASKGATE_FILES_DIR": app.config["FILES_DIR"]}


def run_page(page: Path, app, live: str, tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    runner = app.test_cli_runner()
    env, state = shell_env(app, tmp_path), []  # state: the assignments made so far
    for command in page_commands(page):
        if elsewhere(command) is not None or command.startswith(". .venv/bin/activate"):
            continue
        where = f"{page.name}: {command}"
        words = shlex.split(command)
        if words[:3] == FLASK:
            result = runner.invoke(args=words[3:], input=PASSWORD_INPUT)
            assert result.exit_code == 0, f"{where}\n{result.output}"
            continue
        script = "\n".join(["set -euo pipefail", *state,
                            command.replace("127.0.0.1:5000", live)])
        done = subprocess.run(["bash", "-c", script], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{where}\n{done.stdout}\n{done.stderr}"
        if re.match(r"^(export )?[A-Za-z_]\w*=", command):
            state.append(command)
        elif command.startswith("curl"):
            assert '"status": "error"' not in done.stdout.replace('":"', '": "'), (
                f"{where}\n{done.stdout}")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_of_the_page_works_on_a_fresh_install(page, app, live, tmp_path,
                                                             monkeypatch):
    if not page_commands(page):
        pytest.skip(f"{page.name} shows no shell command")
    monkeypatch.chdir(tmp_path)  # files a command writes land here
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    run_page(page, app, live, tmp_path)


def test_commands_run_elsewhere_are_run_there():
    for where in set(RUN_ELSEWHERE.values()):
        path = where.split(" ")[0].rstrip(",")
        if "/" in path and not path.endswith("/"):
            assert (ROOT / path).exists(), where


def test_the_readme_opens_with_the_two_commands_and_stays_short():
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```sh\n(.*?)```", readme, re.S).group(1)
    assert [line.split()[0] for line in first.splitlines()] == ["./serve", "./run-tests"]
    assert len(readme.splitlines()) <= 200


def test_the_guide_builds_with_no_warning(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "moving-from-worksection" / "index.html").exists()


def test_the_configuration_page_lists_every_setting_the_code_reads():
    page = (ROOT / "docs" / "configuration.md").read_text()
    assert page == docs.with_table(page), "run: flask --app app docs settings --write"
    documented = {s.name for s in docs.settings()}
    read = set()
    for path in [*ROOT.glob("actions/**/*.py"), *ROOT.glob("models/**/*.py"), ROOT / "app.py"]:
        read |= set(re.findall(r"config(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    flask_own = {"TESTING", "DEBUG", "MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE",
                 "MAX_FORM_PARTS", "SECRET_KEY", "SERVER_NAME", "PREFERRED_URL_SCHEME",
                 "TRUSTED_HOSTS"}
    assert read - documented - flask_own == set(), "add them to DEFAULTS in app.py, commented"
    assert all(s.doc for s in docs.settings() if s.name not in flask_own), (
        [s.name for s in docs.settings() if not s.doc])
