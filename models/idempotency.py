"""Stored answers of write actions sent with an idempotency key (Stripe's model).

A row is claimed at the start of the write's transaction and filled with the response body
before it commits, so the row exists exactly when the write does. A concurrent request with the
same key waits on the unique index (PostgreSQL) or on the write lock (SQLite) and then finds
the committed answer; a failed action rolls its claim back with everything else.

Two statements per keyed write: the claim (one upsert) and the answer (one UPDATE); a retry
costs the claim and one SELECT. Expired rows are taken over by the claim, and dropped in the
background by :meth:`StoredResponse.purge` (``actions.delivery.purge``), never on a request.
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
        answer committed by an earlier request that has not expired."""
        moment = now()
        claimed = (cls.insert(caller=caller, key=key, fingerprint=fingerprint, created=moment)
                   .on_conflict(conflict_target=[cls.caller, cls.key],
                                update={cls.fingerprint: fingerprint, cls.body: None,
                                        cls.created: moment},
                                where=cls.created < moment - ttl)  # an expired key, taken over
                   .returning(cls.id).tuples().execute())
        for (row_id,) in claimed:
            return cls(id=row_id, caller=caller, key=key, fingerprint=fingerprint, created=moment)
        stored = cls.get_or_none((cls.caller == caller) & (cls.key == key))
        # None: expired and purged between the two statements; claim it again.
        return stored if stored is not None else cls.claim(caller, key, fingerprint, ttl)

    @classmethod
    def purge(cls, ttl: dt.timedelta) -> int:
        """Drop the rows older than ``ttl``; how many went."""
        return cls.delete().where(cls.created < now() - ttl).execute()
