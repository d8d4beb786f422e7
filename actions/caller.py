"""Who is calling: set by the view for the duration of one action, read by handlers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple

from peewee import JOIN

from models.compiled import compiled, loaded, slot
from models.ids import next_id
from models.keys import ApiKey
from models.members import User
from models.tokens import Token
from schemas.envelope import ApiError, InvalidEmail, UserOnly


@dataclass(frozen=True)
class Caller:
    key: ApiKey | None = None
    user: User | None = None  # set for user tokens; None for the admin key
    scopes: tuple[str, ...] = ()  # a user token's scopes
    token: Token | None = None  # the access token of the request, when one authenticated it


_caller: ContextVar[Caller | None] = ContextVar("caller", default=None)


@contextmanager
def calling_as(caller: Caller) -> Iterator[Caller]:
    token = _caller.set(caller)
    try:
        yield caller
    finally:
        _caller.reset(token)


def caller() -> Caller:
    return _caller.get() or Caller()


def token_user() -> User:
    """The user of the access token, or ``UserOnly`` for the admin key."""
    user = caller().user
    if user is None:
        raise UserOnly()
    return user


def acts_as_owner(email: str | None = None) -> bool:
    """Whether :func:`acting_user` is the owner: the admin key without ``email_user_from``
    (its row can then be read with others)."""
    return caller().user is None and not email


def acting_user(email: str | None = None, owner: User | None = None) -> User:
    """The author of a change: the token's user, else ``email_user_from``, else the owner
    (``owner``, when its row was read already)."""
    current = caller().user
    if current is not None:
        return current
    if email:
        user = User.by_email(email)
        if user is None or not user.is_active:
            raise InvalidEmail(details=email)
        return user
    return owner or User.owner()


class WithOwner(NamedTuple):
    """A row read with the account's owner, for the admin key acting as the owner."""

    row: Any  # None: no row of that id
    owner: User | None
    id_ahead: int | None  # the next id of the row the action inserts, where taken ahead


def read_as(model, ahead, pk: int, email: str | None, or_fail: Callable[[int], Any],
            missing: type[ApiError]) -> WithOwner:
    """The row of ``model`` with this id as the caller may see it (``or_fail`` raises when it
    cannot); for the admin key acting as the owner, :func:`with_owner`'s one statement
    (``missing`` when no row has this id)."""
    if not acts_as_owner(email):
        return WithOwner(or_fail(pk), None, None)
    found = with_owner(model, ahead, pk)
    if found.row is None:
        raise missing()
    return found


def with_owner(model, ahead, pk: int) -> WithOwner:
    """The row of ``model`` with this id, the owner and, where the database gives it ahead,
    the next id of ``ahead`` (``models.ids.next_id``): one statement, for the admin key (it
    sees every row) acting as the owner, whose insert of ``ahead`` can then wait."""
    row = compiled(("with owner", model.__name__, ahead.__name__),
                   lambda: with_owner_query(model, ahead)).one(id=pk)
    if row is None:
        return WithOwner(None, None, None)
    width = len(model._meta.sorted_fields)
    owner_end = width + len(User._meta.sorted_fields)
    owner = User.owner_of([row[width:owner_end]] if row[width] is not None else [])
    return WithOwner(loaded(model, row[:width]), owner,
                     row[-1] if len(row) > owner_end else None)


def with_owner_query(model, ahead):
    owner = User.alias()
    return model.select(model, owner, *next_id(ahead)).join(
        owner, JOIN.LEFT_OUTER, on=(owner.id == User.first_owner().select(User.id))).where(
        model.id == slot("id"))
