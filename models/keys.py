"""Admin API keys.

Worksection's signatures (md5 of the query plus the key, HMAC-SHA256 keyed with it) can only be
checked by someone who holds the key itself, so a key cannot be stored as a one-way hash. It is
stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under the install's ``SECRET_KEY``, which
lives outside the database (``instance/secret_key`` or ``TASKGATE_SECRET_KEY``): a copy of the
database alone does not reveal any key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from peewee import AutoField, CharField, DateTimeField, TextField

from models.base import BaseModel, now

ALL_SCOPES = "*"


class ApiKey(BaseModel):
    id = AutoField()
    name = CharField(max_length=200, unique=True)
    sealed_secret = TextField()
    scopes = CharField(max_length=2000, default=ALL_SCOPES)
    created = DateTimeField(default=now)
    last_used = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "api_keys"

    @classmethod
    def active(cls) -> list[ApiKey]:
        """The keys not revoked, read on every request so that revocation is immediate (the
        statement is built once: Peewee spends more building SQL than SQLite running it)."""
        database = cls._meta.database
        return [cls(**row) for row in _rows(database.execute_sql(_active_sql(type(database.obj))))]

    @classmethod
    def issue(cls, name: str, master: str, secret: str | None = None,
              scopes: str = ALL_SCOPES) -> tuple[ApiKey, str]:
        """Create a key; return it with its plaintext (shown once)."""
        secret = secret or new_secret()
        return cls.create(name=name, sealed_secret=seal(secret, master), scopes=scopes), secret

    def secret(self, master: str) -> str:
        return unseal(self.sealed_secret, master)

    def allows(self, action: str) -> bool:
        scopes = {scope.strip() for scope in self.scopes.split(",")}
        return ALL_SCOPES in scopes or action in scopes


@functools.cache
def _active_sql(_dialect: type) -> str:
    query = ApiKey.select().where(ApiKey.revoked_at.is_null()).order_by(ApiKey.id)
    sql, params = query.sql()
    assert not params
    return sql


def _rows(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def new_secret() -> str:
    """A fresh key in Worksection's format: 32 hex digits."""
    return secrets.token_hex(16)


def fernet(master: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(master.encode()).digest()))


def seal(secret: str, master: str) -> str:
    return fernet(master).encrypt(secret.encode()).decode()


@functools.lru_cache(maxsize=256)
def unseal(sealed: str, master: str) -> str:
    try:
        return fernet(master).decrypt(sealed.encode()).decode()
    except InvalidToken as err:
        raise RuntimeError("an API key cannot be decrypted: SECRET_KEY has changed") from err
