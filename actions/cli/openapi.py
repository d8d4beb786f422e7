"""``flask openapi FILE``: the OpenAPI document, written for publishing."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from actions.gateway.openapi import describe


@click.command("openapi")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@with_appcontext
def write_openapi(path: str) -> None:
    """Write the OpenAPI document (/openapi.json) to a file (- for standard output); its server
    is the PUBLIC_URL setting, when set."""
    document = describe()
    if current_app.config.get("PUBLIC_URL"):
        document = {**document, "servers": [{"url": current_app.config["PUBLIC_URL"]}]}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    with click.open_file(path, "w", encoding="utf-8") as out:
        out.write(text)
    if path != "-":
        click.echo(f"OpenAPI {describe()['openapi']} document written to {path}")
