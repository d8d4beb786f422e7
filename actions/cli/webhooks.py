"""``deliver-webhooks``: run delivery passes from the command line, or for ever as the
webhook worker (then set ``WEBHOOK_WORKER = False`` on the web processes), which also drops
the expired idempotency keys."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from actions.delivery import run_extra_passes
from actions.delivery.passes import Stats, run_once
from actions.delivery.purge import KeyPurge


@click.command("deliver-webhooks")
@click.option("--passes", default=100, help="Stop after this many passes.")
@click.option("--forever", is_flag=True,
              help="Keep sending until SIGTERM or Ctrl-C: the webhook worker process.")
@with_appcontext
def deliver_webhooks(passes: int, forever: bool) -> None:
    """Send the pending webhook deliveries now (retries that are due included)."""
    if forever:
        run_forever()
        return
    total = Stats(0, 0, 0)
    for _ in range(passes):
        stats = run_once()
        total = Stats(*(a + b for a, b in zip(total, stats, strict=True)))
        if not run_extra_passes(current_app) and not stats.busy:
            break
    click.echo(f"queued {total.queued}, delivered {total.delivered}, failed {total.failed}")


def run_forever() -> None:
    """Passes back to back while there is work, else one every ``WEBHOOK_POLL`` seconds."""
    stopping, purge = threading.Event(), KeyPurge()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    app = current_app._get_current_object()
    app.logger.warning("webhook worker started (every %ss)", app.config["WEBHOOK_POLL"])
    while not stopping.is_set():
        busy = False
        try:
            busy = run_once().busy
            busy = run_extra_passes(app) or busy
            purge()
        except Exception:  # a bad pass (database down) must not end the worker
            app.logger.exception("webhook delivery pass failed")
        if not busy:
            stopping.wait(app.config["WEBHOOK_POLL"])
    app.logger.warning("webhook worker stopped")
