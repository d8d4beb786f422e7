"""Stored answers of write actions sent with an idempotency key (Stripe's model).

A row is claimed at the start of the write's transaction and filled with the response body
before it commits, so the row exists exactly when the write does. A concurrent request with the
same key waits on the unique index (PostgreSQL) or on the write lock (SQLite) and then finds
the committed answer; a failed action rolls its claim back with everything else.
"""

from __future__ import annotations

import datetime as dt

from peewee import AutoField, CharField, DateTimeField, TextField

from models.base import BaseModel, now


class StoredResponse(BaseModel):
    id = AutoField()
    caller = CharField(max_length=210)  # "key:<name>" or "user:<id>": keys are per caller
    key = CharField(max_length=255)
    fingerprint = CharField(max_length=64)  # sha256 of the action and its parameters
    body = TextField(null=True)  # None only inside the claiming transaction
    created = DateTimeField(default=now, index=True)

    class Meta:
        table_name = "stored_responses"
        indexes = ((("caller", "key"), True),)

    @classmethod
    def claim(cls, caller: str, key: str, fingerprint: str, ttl: dt.timedelta) -> StoredResponse:
        """The row for this key: a fresh one (``body`` None) for the caller to fill, or the
        answer committed by an earlier request. Expired rows are dropped on the way."""
        moment = now()
        cls.delete().where(cls.created < moment - ttl).execute()
        cls.insert(caller=caller, key=key, fingerprint=fingerprint,
                   created=moment).on_conflict_ignore().execute()
        return cls.get((cls.caller == caller) & (cls.key == key))
