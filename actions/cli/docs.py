"""``flask docs``: the guide site (``docs/`` built by MkDocs, served at ``/guide/``) and the
settings table of its Configuration page, generated from ``app.DEFAULTS`` so that it cannot
drift from the code."""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

ROOT = Path(__file__).resolve().parents[2]  # the checkout: app.py, mkdocs.yml, docs/
TABLE_START, TABLE_END = "<!-- settings:start -->", "<!-- settings:end -->"
# Set in create_app beside DEFAULTS, where the instance folder is known.
PER_INSTANCE = {"DATABASE_URL": "`sqlite:///instance/taskgate.sqlite`",
                "FILES_DIR": "`instance/files`", "SECRET_KEY": "`instance/secret_key`"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    doc: str


def settings(app_py: Path = ROOT / "app.py") -> list[Setting]:
    """Every key of ``DEFAULTS`` and of the instance defaults in ``create_app``, with its
    default as written and the comment written beside it."""
    source = app_py.read_text()
    comments = line_comments(source)
    found: list[Setting] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            pairs = [(k.value, v, k.lineno) for k, v in zip(node.keys, node.values, strict=True)
                     if isinstance(k, ast.Constant) and str(k.value).isupper()]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "from_mapping":
            pairs = [(kw.arg, kw.value, kw.lineno) for kw in node.keywords if kw.arg]
        else:
            continue
        for name, value, line in pairs:
            written = ast.unparse(value)
            default = PER_INSTANCE.get(name) or ("unset" if written == "None" else f"`{written}`")
            found.append(Setting(name, default, comments.get(line, "")))
    return sorted(found, key=lambda s: s.name)


def line_comments(source: str) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {tok.start[0]: tok.string.lstrip("# ").strip()
            for tok in tokens if tok.type == tokenize.COMMENT}


def settings_table() -> str:
    rows = ["| setting (environment) | default | what it does |", "|---|---|---|"]
    rows += [f"| `TASKGATE_{s.name}` | {s.default.replace('|', '&#124;')} | "
             f"{s.doc.replace('|', '&#124;')} |" for s in settings()]
    return "\n".join(rows)


def with_table(page: str) -> str:
    """The Configuration page with its generated table put in between the markers."""
    head, _, rest = page.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    return f"{head}{TABLE_START}\n{settings_table()}\n{TABLE_END}{tail}"


@click.group("docs")
def docs() -> None:
    """The guide: build it for /guide/, or print the settings table."""


@docs.command("build")
@click.option("--site-dir", type=click.Path(file_okay=False),
              help="Where to write the site (default: the instance folder's guide/).")
@click.option("--if-stale", is_flag=True, help="Only when docs/ changed since the last build.")
@with_appcontext
def build(site_dir: str | None, if_stale: bool) -> None:
    """Build the guide (warnings are errors) where /guide/ serves it."""
    target = site_dir or os.path.join(current_app.instance_path, "guide")
    if if_stale and built_after_sources(Path(target) / "index.html"):
        click.echo(f"The guide in {target} is up to date.")
        return
    command = [sys.executable, "-m", "mkdocs", "build", "--strict",
               "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", os.path.abspath(target)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if done.returncode != 0:
        problems = [line for line in done.stderr.splitlines()
                    if line.startswith(("WARNING", "ERROR", "Error", "Aborted"))]
        raise click.ClickException("the guide did not build:\n" + "\n".join(problems))
    click.echo(f"The guide is in {target}; /guide/ serves it.")


def built_after_sources(index: Path) -> bool:
    sources = [ROOT / "mkdocs.yml", *(ROOT / "docs").rglob("*")]
    return index.exists() and all(s.stat().st_mtime <= index.stat().st_mtime for s in sources)


@docs.command("settings")
@click.option("--write", is_flag=True, help="Rewrite the table in docs/configuration.md.")
def print_settings(write: bool) -> None:
    """Print the settings table of docs/configuration.md (generated from app.DEFAULTS)."""
    if not write:
        click.echo(settings_table())
        return
    page = ROOT / "docs" / "configuration.md"
    page.write_text(with_table(page.read_text()))
    click.echo(f"{page} updated")
