"""Every ``flask --app app ...`` command the README shows runs, in the README's order, on a
fresh install (no data but the owner and the admin key), and succeeds. The servers (``run``,
``--forever``) are left out: tests/test_serve.py and tests/cli/test_webhook_worker.py run
them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ["flask", "--app", "app"]
# Servers, and import-from (it needs a source server: tests/cli/test_import_from.py runs it).
LEFT_OUT = ({"run"}, {"--forever"}, {"import-from"})
PASSWORD_INPUT = "correct horse\ncorrect horse\n"  # for the commands that prompt


def readme_commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    commands = [shlex.split(line, comments=True) for block in blocks
                for line in block.replace("\\\n", " ").splitlines()]
    return [words[len(PREFIX):] for words in commands
            if words[:len(PREFIX)] == PREFIX
            and not any(words_left_out <= set(words) for words_left_out in LEFT_OUT)]


def test_the_readme_shows_the_operator_commands():
    names = {args[0] for args in readme_commands()}
    assert {"init-db", "api-key", "users", "create-token", "call", "keys", "version"} <= names


def test_every_readme_command_works_on_a_fresh_install(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files a command writes land here
    runner = app.test_cli_runner()
    for args in readme_commands():
        result = runner.invoke(args=args, input=PASSWORD_INPUT)
        assert result.exit_code == 0, f"flask --app app {shlex.join(args)}: {result.output}"
