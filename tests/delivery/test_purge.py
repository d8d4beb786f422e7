"""Expired idempotency keys are dropped by the background loops, at most once a minute."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from actions import delivery
from actions.delivery.purge import EVERY, KeyPurge
from models.base import now
from models.idempotency import StoredResponse

WAIT = 10  # seconds at most for the sender thread


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stored(key: str, age: dt.timedelta) -> None:
    StoredResponse.create(caller="key:admin", key=key, fingerprint="0" * 64, body="{}",
                          created=now() - age)


def keys() -> list[str]:
    return sorted(row.key for row in StoredResponse.select())


@pytest.fixture
def aged(app):
    stored("expired", dt.timedelta(hours=24, seconds=1))
    stored("fresh", dt.timedelta(hours=23))
    with app.app_context():
        yield


def test_the_purge_drops_only_the_expired_keys(aged):
    assert KeyPurge()() == 1
    assert keys() == ["fresh"]


def test_the_purge_follows_the_configured_lifetime(app, aged):
    app.config["IDEMPOTENCY_TTL"] = 3600
    assert KeyPurge()() == 2


def test_the_purge_runs_at_most_once_a_minute(aged):
    clock = Ticks()
    purge = KeyPurge(clock)
    assert purge() == 1
    stored("later", dt.timedelta(days=2))
    clock.now += EVERY - 1
    assert purge() == 0 and "later" in keys()
    clock.now += 1
    assert purge() == 1 and keys() == ["fresh"]


def test_the_sender_thread_purges(app, aged):
    delivery.start_sender(app)
    try:
        deadline = time.monotonic() + WAIT
        while "expired" in keys() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        delivery.stop_sender()
    assert keys() == ["fresh"]
