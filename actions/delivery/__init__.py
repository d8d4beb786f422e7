"""Webhooks going out, in the background: the sender thread of a server process.

A daemon thread per process runs delivery passes (:mod:`actions.delivery.passes`) when a write
action commits (:func:`wake`) and every ``WEBHOOK_POLL`` seconds, and drops the expired
idempotency keys once a minute (:mod:`actions.delivery.purge`); ``flask --app app
deliver-webhooks`` runs the passes from the command line.
"""

from __future__ import annotations

import threading

import click
from flask import Flask

from actions.delivery.passes import run_once
from actions.delivery.purge import KeyPurge


class Sender(threading.Thread):
    """Runs delivery passes for one app: at once after a wake-up, else every poll interval."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="taskgate-webhooks", daemon=True)
        self.app = app
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        self.purge = KeyPurge()

    def run(self) -> None:
        while not self.stopping.is_set():
            busy = False
            try:
                with self.app.app_context():
                    busy = run_once().busy
                    busy = run_extra_passes(self.app) or busy
                    self.purge()
            except Exception:  # a bad pass must not end the thread; the next one retries
                self.app.logger.exception("webhook delivery pass failed")
            if not busy:
                self.wakeup.wait(self.app.config["WEBHOOK_POLL"])
                self.wakeup.clear()


def run_extra_passes(app: Flask) -> bool:
    """The other outboxes' passes (mail's), registered in ``app.extensions``; True when one
    did something. Each one's failure is its own: the others still run."""
    busy = False
    for extra in app.extensions.get("taskgate.passes", ()):
        try:
            busy = bool(extra()) or busy
        except Exception:
            app.logger.exception("%s failed", getattr(extra, "__name__", "a delivery pass"))
    return busy


_sender: Sender | None = None
_starting = threading.Lock()


def start_sender(app: Flask) -> None:
    """Make sure this process runs a sender for ``app`` (a forked worker starts its own)."""
    global _sender
    if _sender is not None and _sender.app is app and _sender.is_alive():
        return
    with _starting:
        if _sender is None or _sender.app is not app or not _sender.is_alive():
            stop_sender()
            _sender = Sender(app)
            _sender.start()


def stop_sender(timeout: float = 10) -> None:
    global _sender
    if _sender is not None:
        _sender.stopping.set()
        _sender.wakeup.set()
        _sender.join(timeout)
        _sender = None


def wake() -> None:
    """A write action committed: let the sender look for new events now."""
    if _sender is not None:
        _sender.wakeup.set()


def sender_wanted(app: Flask) -> bool:
    """``WEBHOOK_WORKER``: True/False; unset means on, except in tests and in CLI commands
    other than ``flask run`` (``init-db`` must not start sending)."""
    setting = app.config["WEBHOOK_WORKER"]
    if setting is not None:
        return bool(setting)
    if app.testing:
        return False
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


def init_app(app: Flask) -> None:
    """Start the sender (now, and again in a forked worker)."""
    if sender_wanted(app):
        start_sender(app)
        app.before_request(lambda: start_sender(app))
