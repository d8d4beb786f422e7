"""Expired idempotency keys, dropped by the background loops (the sender thread and
``flask deliver-webhooks --forever``) so that no request waits for the DELETE."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from flask import current_app

from models.base import db
from models.idempotency import StoredResponse

EVERY = 60.0  # seconds between two purges of one loop: a DELETE takes SQLite's write lock


class KeyPurge:
    """Drops the expired keys when called, at most once every ``EVERY`` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.due = clock()

    def __call__(self) -> int:
        """How many keys went (0 when the last purge is too recent); needs an app context."""
        if self.clock() < self.due:
            return 0
        self.due = self.clock() + EVERY
        ttl = dt.timedelta(seconds=int(current_app.config["IDEMPOTENCY_TTL"]))
        opened = db.is_closed()  # as a delivery pass does: a pooled connection, given back
        if opened:
            db.connect()
        try:
            return StoredResponse.purge(ttl)
        finally:
            if opened:
                db.close()
