"""A read's transaction, on either database: no BEGIN until its first statement that is not a
plain read, so that a read alone sends neither BEGIN nor COMMIT and takes no lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peewee import _transaction


class DeferredTransaction(_transaction):
    """A transaction whose BEGIN waits for :meth:`begin_now` (the database's ``execute_sql``
    calls it, through :meth:`DefersReads.begin_before`, before the first statement that could
    lock, set or write anything); one that never began has nothing to commit or roll back."""

    begun = False

    def _begin(self):
        self.begun = False

    def begin_now(self):
        self.db.begin()
        self.begun = True

    def commit(self, begin=True):
        self.end(self.db.commit, self.db._run_commit_callbacks, begin)

    def rollback(self, begin=True):
        self.end(self.db.rollback, self.db._clear_commit_callbacks, begin)

    def end(self, finish, callbacks, begin: bool) -> None:
        if self.begun:
            finish()
        callbacks()
        if begin:
            self._begin()


class DefersReads:
    """A database whose reads run in a :class:`DeferredTransaction`; its ``execute_sql`` calls
    :meth:`begin_before` first, and it says what a plain read is (``is_plain_read``)."""

    is_plain_read: Callable[[str], bool]

    def deferred_transaction(self):
        """A read's transaction: BEGIN only before its first statement that is not a plain
        read; inside another transaction, or where the connection cannot defer, a plain one."""
        connection = self.connection()  # opened first: opening one empties the stack
        if self.in_transaction() or not self.defers_on(connection):
            return self.atomic()
        return DeferredTransaction(self)

    def defers_on(self, connection: Any) -> bool:
        return True

    def begin_before(self, sql: str) -> None:
        """Begin the open deferred transaction before ``sql``, unless ``sql`` is a plain read."""
        transactions = self._state.transactions
        if not transactions:
            return
        outermost = transactions[0]
        if type(outermost) is DeferredTransaction and not outermost.begun \
                and not self.is_plain_read(sql):
            outermost.begin_now()
