"""The active API keys of one app (one per process), decrypted once, so that checking a
signature reads no key from the database.

The cache reads ``ApiKeyVersion`` (one row, one statement) at most every ``CHECK_EVERY``
seconds and reloads the keys when the number changed: a key revoked by another process or
host stops working here within ``CHECK_EVERY`` (well under the promised second). After this
process wrote to ``api_keys`` (a change, or ``last_used`` at most once a minute per key) it
reloads at the next request. A rotated key's old secret leaves the cache by itself when its
grace ends: each request filters by the time.

Threads read one immutable snapshot without a lock; one lock keeps two threads from checking
the version at the same moment.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from flask import current_app

from models.base import now
from models.keys import ApiKey, ApiKeyVersion, changed_here

CHECK_EVERY = 0.25  # seconds between two reads of the version
EXTENSION = "taskgate.api_keys"


class LiveKey(NamedTuple):
    """A key with its secret decrypted, as text (HMAC) and bytes (appended to an md5)."""

    key: ApiKey
    secret: str
    material: bytes
    until: dt.datetime | None  # a rotated key's old secret works until then


class Snapshot(NamedTuple):
    version: int | None  # None: unknown, the keys are reloaded at every check
    keys: tuple[LiveKey, ...]
    checked: float  # the clock when the version was read
    changes: int  # this process's key changes seen by then


NEVER = Snapshot(version=None, keys=(), checked=float("-inf"), changes=-1)


class KeyCache:
    """The keys of one app, decrypted with its ``SECRET_KEY``."""

    def __init__(self, master: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.master = master
        self.clock = clock
        self.snapshot = NEVER
        self.lock = threading.Lock()

    def keys(self) -> tuple[LiveKey, ...]:
        """The keys that work now, in id order."""
        snapshot = self.snapshot
        if self.is_stale(snapshot):
            snapshot = self.refresh()
        if not any(live.until is not None for live in snapshot.keys):
            return snapshot.keys  # no rotated secret ends its grace: no clock to read
        moment = now()
        return tuple(live for live in snapshot.keys if live.until is None or live.until > moment)

    def is_stale(self, snapshot: Snapshot) -> bool:
        return (snapshot.changes != changed_here()
                or self.clock() - snapshot.checked >= CHECK_EVERY)

    def refresh(self) -> Snapshot:
        with self.lock:
            snapshot = self.snapshot
            if not self.is_stale(snapshot):
                return snapshot  # another thread checked while this one waited
            # Both read before the version: a change committed after it is seen next time.
            changes, checked = changed_here(), self.clock()
            version = ApiKeyVersion.current()
            keys = snapshot.keys
            if version is None or version != snapshot.version or changes != snapshot.changes:
                keys = tuple(self.live(key) for key in ApiKey.active())
            self.snapshot = Snapshot(version, keys, checked, changes)
            return self.snapshot

    def live(self, key: ApiKey) -> LiveKey:
        secret = key.secret(self.master)
        return LiveKey(key, secret, secret.encode(), key.revoked_at)


def live_keys() -> tuple[LiveKey, ...]:
    """The current app's keys that work now."""
    return app_cache().keys()


def app_cache() -> KeyCache:
    app = current_app._get_current_object()  # one lookup through the proxy, not three
    master = app.config["SECRET_KEY"]
    cache = app.extensions.get(EXTENSION)
    if cache is None or cache.master != master:
        cache = app.extensions[EXTENSION] = KeyCache(master)
    return cache
