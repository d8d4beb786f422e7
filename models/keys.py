"""Admin API keys.

Worksection's signatures (md5 of the query plus the key, HMAC-SHA256 keyed with it) can only be
checked by someone who holds the key itself, so a key cannot be stored as a one-way hash. It is
stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under the install's ``SECRET_KEY``, which
lives outside the database (``instance/secret_key`` or ``TASKGATE_SECRET_KEY``): a copy of the
database alone does not reveal any key.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from peewee import BooleanField, CharField, DateTimeField, IntegrityError, TextField

from models.base import BaseModel, now
from models.ids import IdField

ALL_SCOPES = "*"
READ_SCOPE = "read"  # every action that writes nothing
RETIRED = "~"  # a rotated key's old secret is kept, until its grace ends, as NAME~<id>
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used is written at most this often per key


class ApiKey(BaseModel):
    id = IdField()
    name = CharField(max_length=200, unique=True)
    sealed_secret = TextField()
    scopes = CharField(max_length=2000, default=ALL_SCOPES)
    created = DateTimeField(default=now)
    last_used = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    require_strict = BooleanField(default=False)  # only the Taskgate-HMAC-SHA256 scheme
    allow_legacy = BooleanField(default=True)  # md5(page + action + key), which signs no params

    class Meta:
        table_name = "api_keys"

    @classmethod
    def active(cls) -> list[ApiKey]:
        """The keys not revoked (or whose revocation is still to come: a rotated key's grace),
        read on every request so that revocation is immediate (the statement is built once:
        Peewee spends more building SQL than SQLite running it)."""
        database = cls._meta.database
        cursor = database.execute_sql(_active_sql(type(database.obj)),
                                      [cls.revoked_at.db_value(now())])
        return [cls(**row) for row in _rows(cursor)]

    @classmethod
    def issue(cls, name: str, master: str, secret: str | None = None, scopes: str = ALL_SCOPES,
              **options: bool) -> tuple[ApiKey, str]:
        """Create a key; return it with its plaintext (shown once)."""
        secret = secret or new_secret()
        key = cls.create(name=name, sealed_secret=seal(secret, master), scopes=scopes, **options)
        return key, secret

    def secret(self, master: str) -> str:
        return unseal(self.sealed_secret, master)

    def allows(self, action: str, writes: bool = True) -> bool:
        scopes = {scope.strip() for scope in self.scopes.split(",")}
        return (ALL_SCOPES in scopes or action in scopes
                or (READ_SCOPE in scopes and not writes))

    @property
    def family(self) -> str:
        """The name the key goes by: a rotated secret's ``NAME~<id>`` is still ``NAME``."""
        return self.name.split(RETIRED, 1)[0]

    def touch(self) -> ApiKey:
        """Record that the key was used: at most one write a minute, never one per request."""
        moment = now()
        last = ApiKey.last_used.python_value(self.last_used)
        if last is None or last <= moment - TOUCH_EVERY:
            stale = ApiKey.last_used.is_null() | (ApiKey.last_used <= moment - TOUCH_EVERY)
            ApiKey.update(last_used=moment).where((ApiKey.id == self.id) & stale).execute()
        return self

    def rotate(self, master: str, grace: dt.timedelta) -> tuple[ApiKey, str]:
        """A new secret under this name; the old one stays valid for ``grace``, renamed."""
        self.name, self.revoked_at = f"{self.name}{RETIRED}{self.id}", now() + grace
        self.save()
        return ApiKey.issue(self.family, master, scopes=self.scopes,
                            require_strict=self.require_strict, allow_legacy=self.allow_legacy)

    @classmethod
    def revoke(cls, name: str) -> int:
        """Revoke a key now, with the rotated secrets still in their grace; how many."""
        family = [key.id for key in cls.active() if name in (key.name, key.family)]
        return cls.update(revoked_at=now()).where(cls.id.in_(family)).execute() if family else 0


class RequestNonce(BaseModel):
    """A nonce of the strict scheme, kept while its request could still be replayed."""

    id = CharField(max_length=100, primary_key=True)  # <key id>:<nonce>
    expires = DateTimeField(index=True)

    class Meta:
        table_name = "request_nonces"

    @classmethod
    def use(cls, key_id: int, nonce: str, keep: dt.timedelta) -> bool:
        """Record the nonce; False when it was seen already. Expired ones are purged."""
        moment = now()
        cls.delete().where(cls.expires < moment).execute()
        try:
            with cls._meta.database.atomic():
                cls.insert(id=f"{key_id}:{nonce}", expires=moment + keep).execute()
        except IntegrityError:
            return False
        return True


@functools.cache
def _active_sql(_dialect: type) -> str:
    later = ApiKey.revoked_at.is_null() | (ApiKey.revoked_at > dt.datetime(2000, 1, 1))
    sql, params = ApiKey.select().where(later).order_by(ApiKey.id).sql()
    assert len(params) == 1  # the moment, given on each execution
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
