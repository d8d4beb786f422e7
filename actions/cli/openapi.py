"""``flask openapi FILE``: the OpenAPI document, written for publishing."""

from __future__ import annotations

import json

import click

from actions.gateway.openapi import describe


@click.command("openapi")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
def write_openapi(path: str) -> None:
    """Write the OpenAPI document (/openapi.json) to a file (- for standard output)."""
    text = json.dumps(describe(), indent=2, ensure_ascii=False) + "\n"
    with click.open_file(path, "w", encoding="utf-8") as out:
        out.write(text)
    if path != "-":
        click.echo(f"OpenAPI {describe()['openapi']} document written to {path}")
