"""The curl, Python and PHP examples of ``/docs``: every one parses, and those of a read run
against a live server, with the address and the key put where the page puts them."""

from __future__ import annotations

import ast
import contextlib
import io
import shutil
import subprocess

import pytest
from conftest import API_KEY, OWNER_EMAIL

from actions.gateway import snippets
from actions.gateway.examples import examples
from actions.gateway.roles import TOKEN_ONLY
from actions.registry import ACTIONS


def made(name: str) -> list[tuple[str, str]]:
    recorded = examples()[name]
    params = {k: v for k, v in recorded["request"]["params"].items() if k != "action"}
    kind = ("bearer" if name in TOKEN_ONLY else
            "upload" if name == "upload_files" else "query")
    return snippets.snippets(name, params, kind)


def live(code: str, server: str) -> str:
    return code.replace(snippets.BASE, server).replace(snippets.KEY, API_KEY)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_has_each_language_and_the_python_parses(name):
    shown = dict(made(name))
    assert list(shown) == ["curl", "Python (worksection)", "Python (requests)", "PHP"]
    for language in ("Python (worksection)", "Python (requests)"):
        ast.parse(shown[language])
    assert shown["PHP"].startswith("<?php\n")


def test_the_shell_examples_parse():
    script = "\n".join(f"f{i}() {{\n{dict(made(name))['curl']}}}"
                       for i, name in enumerate(sorted(ACTIONS)))
    assert subprocess.run(["bash", "-n"], input=script, text=True, check=False).returncode == 0


@pytest.mark.skipif(not shutil.which("php"), reason="php is not installed")
def test_the_php_examples_parse(tmp_path):
    for name in sorted(ACTIONS):
        source = tmp_path / f"{name}.php"
        source.write_text(dict(made(name))["PHP"])
        lint = subprocess.run(["php", "-l", str(source)], capture_output=True, check=False)
        assert lint.returncode == 0, (name, lint.stdout)


def run_python(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docs example>", "exec"), {})  # noqa: S102 - our own examples
    return out.getvalue()


def test_the_python_examples_of_a_read_run(live_server):
    pytest.importorskip("requests", reason="requests is not installed")
    shown = dict(made("get_users"))
    assert OWNER_EMAIL in run_python(live(shown["Python (requests)"], live_server))
    assert OWNER_EMAIL in run_python(live(shown["Python (worksection)"], live_server))


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("md5sum")),
                    reason="curl or md5sum is not installed")
def test_the_curl_example_of_a_read_runs(live_server):
    script = live(dict(made("get_users"))["curl"], live_server).replace("curl ", "curl -s ", 1)
    ran = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=20,
                         check=False)
    assert '"status":"ok"' in ran.stdout.replace(" ", "") and OWNER_EMAIL in ran.stdout


@pytest.mark.skipif(not shutil.which("php"), reason="php is not installed")
def test_the_php_example_of_a_read_runs(live_server, tmp_path):
    """The page's PHP, as an integration would paste it: md5 of the query and the key, then
    ``file_get_contents`` of the signed URL (no extension beyond php-cli)."""
    source = tmp_path / "get_users.php"
    source.write_text(live(dict(made("get_users"))["PHP"], live_server))
    ran = subprocess.run(["php", str(source)], capture_output=True, text=True, timeout=30,
                         check=False)
    assert ran.returncode == 0, ran.stderr
    assert "[status] => ok" in ran.stdout and OWNER_EMAIL in ran.stdout
