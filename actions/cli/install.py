"""Install commands: ``init-db``, ``api-key``, ``actions`` and ``version``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from actions.registry import ACTIONS
from models.base import db
from models.install import ADMIN_KEY_NAME, ensure_install, secret_problem
from models.keys import ApiKey
from models.version import version


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the tables, the owner and the admin key (safe to run again)."""
    config = current_app.config
    stop_on_wrong_secret()
    if not db.get_tables():
        click.echo("creating the database…")
    secret = ensure_install(config["SECRET_KEY"], config["OWNER_EMAIL"], config["API_KEY"])
    click.echo(f"Database ready: {db_location(config['DATABASE_URL'])}")
    if secret:
        click.echo(f"Admin API key (shown once): {secret}")


def stop_on_wrong_secret() -> None:
    """One line and a failed command when the secret cannot decrypt the stored keys."""
    problem = secret_problem(current_app.config["SECRET_KEY"])
    if problem:
        raise click.ClickException(problem)


@click.command("api-key")
@with_appcontext
def show_api_key() -> None:
    """Print the admin API key (it is stored encrypted; this decrypts it)."""
    key = ApiKey.get(ApiKey.name == ADMIN_KEY_NAME)
    click.echo(key.secret(current_app.config["SECRET_KEY"]))


@click.command("actions")
@with_appcontext
def list_actions() -> None:
    """List every action with its one-line description."""
    for name in sorted(ACTIONS):
        spec = ACTIONS[name]
        alias = f" (alias of {spec.canonical})" if spec.canonical != name else ""
        click.echo(f"{name:28} {spec.doc}{alias}")


def db_location(url: str) -> str:
    """The database URL without its credentials."""
    return url.split("@")[-1] if "@" in url else url


@click.command("version")
def show_version() -> None:
    """Print the version of Taskgate."""
    click.echo(f"Taskgate {version()}")
