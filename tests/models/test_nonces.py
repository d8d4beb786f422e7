"""The strict scheme's nonces: each recorded once, in one statement, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

import models.keys
from models.base import now
from models.keys import RequestNonce

KEEP = dt.timedelta(seconds=600)


@pytest.fixture
def database(app):
    with app.app_context():
        yield


def test_a_nonce_is_recorded_once(database):
    assert RequestNonce.use(1, "n-1", KEEP)
    assert not RequestNonce.use(1, "n-1", KEEP)
    assert RequestNonce.use(2, "n-1", KEEP)  # another key's


def test_an_expired_nonce_is_taken_over(database, monkeypatch):
    RequestNonce.create(id="1:old", expires=now() - dt.timedelta(seconds=1))
    monkeypatch.setattr(models.keys, "_nonces_purged", now())  # not purged yet
    assert RequestNonce.use(1, "old", KEEP)
    assert RequestNonce.get_by_id("1:old").expires > now()
    assert not RequestNonce.use(1, "old", KEEP)


def test_expired_nonces_are_purged_at_most_once_a_minute(database, count_queries, monkeypatch):
    RequestNonce.create(id="1:gone", expires=now() - dt.timedelta(seconds=1))
    monkeypatch.setattr(models.keys, "_nonces_purged", dt.datetime.min)
    RequestNonce.use(1, "a", KEEP)
    assert not RequestNonce.select().where(RequestNonce.id == "1:gone").exists()
    RequestNonce.create(id="1:gone", expires=now() - dt.timedelta(seconds=1))
    count_queries.clear()
    RequestNonce.use(1, "b", KEEP)
    assert [sql.split()[0] for sql in count_queries] == ["INSERT"]  # one statement
    assert RequestNonce.select().where(RequestNonce.id == "1:gone").exists()
