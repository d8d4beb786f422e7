"""Counters kept in the database, for the metrics that must never go down: a count of stored
rows drops when rows are deleted (a webhook removed, a restore of fewer rows), a row here only
grows. Each is bumped in the transaction that records what it counts, so that every process
and host adds to the same number."""

from __future__ import annotations

from collections.abc import Callable

from peewee import BigIntegerField, CharField

from models.base import BaseModel

WEBHOOK_FAILURES = "webhook_delivery_failures"
MAILS_SENT = "mails_sent"
MAILS_FAILED = "mails_failed"


class Counter(BaseModel):
    name = CharField(max_length=64, primary_key=True)
    value = BigIntegerField(default=0)

    class Meta:
        table_name = "counters"


def bump(name: str, seed: Callable[[], int]) -> None:
    """Add one to ``name``. The first bump of a database made before the counter starts it
    from ``seed()``: the rows it counts so far, this one included."""
    if Counter.update(value=Counter.value + 1).where(Counter.name == name).execute():
        return
    Counter.insert(name=name, value=seed() - 1).on_conflict_ignore().execute()
    Counter.update(value=Counter.value + 1).where(Counter.name == name).execute()


def read(name: str, seed: Callable[[], int]) -> int:
    """The counter; ``seed()`` until its first bump."""
    value = Counter.select(Counter.value).where(Counter.name == name).scalar()
    return seed() if value is None else int(value)
