"""User authentication: OAuth2 clients, the tokens they obtain, and user passwords.

Unlike admin API keys, token secrets never need to be recovered (the server only compares
them), so only their SHA-256 digest is stored; a password is stored as a slow salted hash.
A token row is an authorization code (10 minutes), an access token (24 hours) or a refresh
token (1 month); ``grant`` ties a family together: every token obtained from one
authorization code (or from the first refresh token of a password grant) names it, so that
replaying the code or reusing a refresh token revokes them all.

Rules every token obeys, here rather than in the endpoints: a token minted by another
(``parent``) expires no later than it and has at most its scopes; changing a user's password
revokes every token of the user (:meth:`Token.revoke_user`, also called when a user is
disabled or their role changes), and a revoked token stays revoked.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets

from peewee import CharField, DateTimeField, ForeignKeyField, TextField
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import BaseModel, now
from models.ids import IdField
from models.members import User

SCOPES = ("projects_read", "projects_write", "tasks_read", "tasks_write", "costs_read",
          "costs_write", "tags_read", "tags_write", "comments_read", "comments_write",
          "files_read", "files_write", "users_read", "users_write", "contacts_read",
          "contacts_write", "administrative")
LIFETIMES = {"code": dt.timedelta(minutes=10), "access": dt.timedelta(hours=24),
             "refresh": dt.timedelta(days=30)}


def parse_scopes(text: str) -> list[str]:
    """Scope names from a comma- or space-separated list; ValueError names an unknown one."""
    names = [name for name in dict.fromkeys(re.split(r"[\s,]+", text)) if name]
    for name in names:
        if name not in SCOPES:
            raise ValueError(name)
    return names


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@functools.cache
def dummy_hash() -> str:
    """Checked when the email has no password, so that a stranger takes as long to refuse."""
    return generate_password_hash(secrets.token_hex(16))


class OAuthClient(BaseModel):
    """An application allowed to ask users for tokens."""

    id = IdField()
    name = CharField(max_length=200)
    client_id = CharField(max_length=64, unique=True)
    secret_digests = TextField()  # one per line: a rotation keeps the old one for a while
    redirect_uris = TextField()  # one per line, compared exactly
    created = DateTimeField(default=now)

    class Meta:
        table_name = "oauth_clients"

    @classmethod
    def register(cls, name: str, redirect_uris: list[str]) -> tuple[OAuthClient, str]:
        """Create a client; return it with its secret (shown once)."""
        secret = secrets.token_urlsafe(32)
        client = cls.create(name=name, client_id=secrets.token_hex(16),
                            secret_digests=digest(secret), redirect_uris="\n".join(redirect_uris))
        return client, secret

    @classmethod
    def authenticated(cls, client_id: str, secret: str) -> OAuthClient | None:
        client = cls.get_or_none(cls.client_id == client_id)
        if client is None:
            return None
        given = digest(secret)
        matched = False
        for known in client.secret_digests.split():
            matched |= secrets.compare_digest(given, known)
        return client if matched else None

    def allows_redirect(self, uri: str) -> bool:
        return uri in self.redirect_uris.split("\n")


class Token(BaseModel):
    """An authorization code, an access token or a refresh token (``kind``)."""

    id = IdField()
    kind = CharField(max_length=8)
    digest = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    client = ForeignKeyField(OAuthClient, null=True, backref="tokens", on_delete="CASCADE")
    scopes = CharField(max_length=500)
    redirect_uri = TextField(default="")  # of a code: the token request must repeat it
    grant = ForeignKeyField("self", null=True, backref="descendants", on_delete="CASCADE")
    created = DateTimeField(default=now)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    name = CharField(max_length=200, default="")  # a personal token's label (create_token)

    class Meta:
        table_name = "oauth_tokens"

    @classmethod
    def issue(cls, kind: str, user: User, scopes: list[str], lifetime: dt.timedelta | None = None,
              parent: Token | None = None, **fields) -> tuple[Token, str]:
        """Create a token; return it with its plaintext (never stored). Minted by ``parent``:
        expires no later than it; ValueError names a scope it does not have."""
        expires_at = now() + (lifetime or LIFETIMES[kind])
        if parent is not None:
            beyond = [scope for scope in scopes if scope not in parent.scope_list]
            if beyond or parent.user_id != user.id:
                raise ValueError(",".join(beyond) or "user")
            expires_at = min(expires_at, parent.expires_at)
        secret = secrets.token_urlsafe(32)
        token = cls.create(kind=kind, digest=digest(secret), user=user, scopes=" ".join(scopes),
                           expires_at=expires_at, **fields)
        return token, secret

    @classmethod
    def revoke_user(cls, user: User) -> None:
        """Revoke every token of this user (signed out everywhere)."""
        (cls.update(revoked_at=now())
         .where(cls.user == user, cls.revoked_at.is_null()).execute())

    @classmethod
    def find(cls, kind: str, secret: str) -> Token | None:
        """The token of this kind with this plaintext (revoked or expired ones too)."""
        query = (cls.select(cls, User).join(User)
                 .where(cls.digest == digest(secret), cls.kind == kind))
        return query.first()

    @property
    def expired(self) -> bool:
        return self.expires_at <= now()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def use_once(self) -> bool:
        """Revoke this code or refresh token; False when another request used it first."""
        return bool(Token.update(revoked_at=now())
                    .where(Token.id == self.id, Token.revoked_at.is_null()).execute())

    @property
    def family(self) -> int:
        """The id its family's tokens name in ``grant`` (the code, or the first refresh)."""
        return self.grant_id or self.id

    def revoke_family(self) -> None:
        """Revoke every token of this token's family (a replayed code, a reused refresh)."""
        (Token.update(revoked_at=now())
         .where((Token.grant == self.family) | (Token.id == self.family),
                Token.revoked_at.is_null()).execute())


class UserPassword(BaseModel):
    """A user's password (scrypt, salted), for the authorize endpoint and the password grant."""

    user = ForeignKeyField(User, primary_key=True, backref="+", on_delete="CASCADE")
    hash = CharField(max_length=300)
    changed = DateTimeField(default=now)

    class Meta:
        table_name = "user_passwords"

    @classmethod
    def set(cls, user: User, password: str) -> None:
        """Set the password; the user's tokens, obtained with the old one, are revoked."""
        (cls.insert(user=user, hash=generate_password_hash(password), changed=now())
         .on_conflict(conflict_target=[cls.user], preserve=[cls.hash, cls.changed]).execute())
        Token.revoke_user(user)

    @classmethod
    def check(cls, email: str, password: str) -> User | None:
        """The active user with this email and password, else None (in about the same time)."""
        user = User.by_email(email)
        row = cls.get_or_none(cls.user == user) if user is not None else None
        matched = check_password_hash(row.hash if row else dummy_hash(), password)
        return user if matched and row is not None and user.is_active else None
