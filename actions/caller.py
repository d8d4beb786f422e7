"""Who is calling: set by the view for the duration of one action, read by handlers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from models.keys import ApiKey
from models.members import User
from models.tokens import Token
from schemas.envelope import InvalidEmail, UserOnly


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


def acting_user(email: str | None = None) -> User:
    """The author of a change: the token's user, else ``email_user_from``, else the owner."""
    current = caller().user
    if current is not None:
        return current
    if email:
        user = User.by_email(email)
        if user is None or not user.is_active:
            raise InvalidEmail(details=email)
        return user
    return User.owner()
