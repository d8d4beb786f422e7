"""An unreachable database (server down, a database or file that does not exist) ends a
command with one line that says so, not with a traceback; so does a secret key that cannot
decrypt the stored API keys, for the commands that need them."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo
from peewee import InterfaceError, OperationalError

from actions.cli.install import db_location
from models.install import secret_problem

UNREACHABLE = ("connection to server", "could not connect", "could not translate host name",
               "unable to open database file", "connection refused", "timeout expired")
NEEDS_SECRET = {"deliver-webhooks", "api-key"}  # init-db checks it itself


def explain_errors(command: click.Command) -> None:
    """Wrap ``command`` (a group: its subcommands too) once."""
    if getattr(command, "explains_database_errors", False):
        return
    invoke = command.invoke

    def guarded(ctx: click.Context):
        try:
            if command.name in NEEDS_SECRET:
                check_secret(ctx)
            return invoke(ctx)
        except (OperationalError, InterfaceError) as err:
            if not unreachable(err):
                raise
            raise click.ClickException(
                f"cannot reach the database at {location(ctx)}: {first_line(err)}") from None

    command.invoke = guarded  # type: ignore[method-assign]
    command.explains_database_errors = True  # type: ignore[attr-defined]


def check_secret(ctx: click.Context) -> None:
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        problem = secret_problem(app.config["SECRET_KEY"])
    if problem:
        raise click.ClickException(problem)


def unreachable(err: Exception) -> bool:
    text = str(err).lower()
    return any(sign in text for sign in UNREACHABLE)


def first_line(err: Exception) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0].removeprefix("connection failed: ") if lines else type(err).__name__


def location(ctx: click.Context) -> str:
    info = ctx.find_object(ScriptInfo)
    url = info.load_app().config["DATABASE_URL"] if info is not None else "?"
    return db_location(url)
