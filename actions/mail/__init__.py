"""Mail: notifications going out (an outbox beside the webhooks'), replies and project
addresses coming in. :func:`init_app` hooks the outbox into event recording and the sender
thread, and adds the one-click unsubscribe route."""

from __future__ import annotations

from flask import Flask

from actions.mail import deliveries, outbox, web  # noqa: F401 - deliveries registers its action
from models.events import AFTER_RECORD


def init_app(app: Flask) -> None:
    if outbox.NOTE_DUE not in AFTER_RECORD:
        AFTER_RECORD.append(outbox.NOTE_DUE)
    app.extensions.setdefault("taskgate.passes", []).append(outbox.mail_pass)
    web.init_app(app)
