"""``flask call``: run an action locally, as the admin key (or as a user, ``--as``), and print
its envelope (JSON). It goes through the dispatcher, so the rights check applies as over the
API."""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlencode

import click
from flask import current_app
from flask.cli import with_appcontext

from actions.caller import Caller, calling_as
from actions.gateway import streaming
from actions.gateway.decoding import fold, parse_pairs
from actions.registry import ACTIONS, dispatch
from models.base import transaction
from models.install import ADMIN_KEY_NAME
from models.keys import ApiKey
from models.members import User
from schemas.envelope import ApiError, Download, fail, ok


@click.command("call")
@click.argument("action")
@click.argument("params", nargs=-1)
@click.option("--as", "as_email", metavar="EMAIL",
              help="Run as this active user, with their role's rights (default: the admin key).")
@with_appcontext
def call(action: str, params: tuple[str, ...], as_email: str | None) -> None:
    """Run ACTION with name=value parameters as the admin key; print the answer as JSON
    (exit status 1 on an error answer). Lists: name[]=a name[]=b; files: not here."""
    pairs = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in params]
    user = User.by_email(as_email) if as_email else None
    if as_email and (user is None or not user.is_active):
        raise click.BadParameter(f"no active user {as_email!r}", param_hint="--as")
    body = run_as_admin(action, fold(parse_pairs(urlencode(pairs), "the parameters")), user)
    click.echo(current_app.json.dumps(body))
    if body["status"] != "ok":
        sys.exit(1)


def run_as_admin(action: str, params: dict[str, Any],
                 user: User | None = None) -> dict[str, Any]:
    """The envelope of ACTION run in one transaction by the admin key (or as ``user``), as
    the API answers."""
    spec = ACTIONS.get(action)
    who = Caller(user=user) if user else Caller(key=ApiKey.get(ApiKey.name == ADMIN_KEY_NAME))
    try:
        with calling_as(who), transaction(writes=spec is None or spec.locks_at_start):
            result = streaming.whole(dispatch(action, params))  # read before the commit
    except ApiError as err:
        return fail(err)
    if isinstance(result, Download):
        return ok({"name": result.name, "path": str(result.path)})
    return ok(result)
