"""``deliver-webhooks``: run delivery passes from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from actions.delivery.passes import Stats, run_once


@click.command("deliver-webhooks")
@click.option("--passes", default=100, help="Stop after this many passes.")
@with_appcontext
def deliver_webhooks(passes: int) -> None:
    """Send the pending webhook deliveries now (retries that are due included)."""
    total = Stats(0, 0, 0)
    for _ in range(passes):
        stats = run_once()
        total = Stats(*(a + b for a, b in zip(total, stats, strict=True)))
        if not stats.busy:
            break
    click.echo(f"queued {total.queued}, delivered {total.delivered}, failed {total.failed}")
