"""Admin API keys.

Worksection's signatures (md5 of the query plus the key, HMAC-SHA256 keyed with it) can only be
checked by someone who holds the key itself, so a key cannot be stored as a one-way hash. It is
stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under the install's ``SECRET_KEY``, which
lives outside the database (``instance/secret_key`` or ``TASKGATE_SECRET_KEY``): a copy of the
database alone does not reveal any key.

Every process caches the active keys (``actions/gateway/key_cache.py``) and reads one number,
``ApiKeyVersion``, to know when its copy is stale. Every insert or update of ``api_keys``
through the model (``create``, ``save``, ``update``: issue, rotate, revoke, scheme flags,
the installer) draws a new number in its own transaction, so no code path can forget to; only
``last_used``, which signs nothing, is written without one. Keys are never deleted: only an
import empties the table, and it brings back the number of the keys it loads (the number is
random, not counted, so it never names other keys that this database had).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import itertools
import secrets
import time

from cryptography.fernet import Fernet, InvalidToken
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    IntegerField,
    ModelInsert,
    ModelUpdate,
    TextField,
)

from models.base import BaseModel, now
from models.ids import IdField

ALL_SCOPES = "*"
READ_SCOPE = "read"  # every action that writes nothing
RETIRED = "~"  # a rotated key's old secret is kept, until its grace ends, as NAME~<id>
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used is written at most this often per key
BOOKKEEPING = {"last_used"}  # the columns whose change no cached key needs to see
VERSION_ROW = 1


class ApiKeyVersion(BaseModel):
    """One row: a random number drawn anew at every change of a key. No row (a database
    imported from an export made before it existed) means "unknown": caches reload."""

    id = IntegerField(primary_key=True)
    version = BigIntegerField()

    class Meta:
        table_name = "api_key_version"

    @classmethod
    def bump(cls) -> None:
        """Draw a new version (in the caller's transaction) and tell this process's caches."""
        version = secrets.randbits(63)
        cls.insert(id=VERSION_ROW, version=version).on_conflict(
            conflict_target=[cls.id], update={cls.version: version}).execute()
        _note_change()

    @classmethod
    def current(cls) -> int | None:
        """The version now, in one statement built once; None when there is no row."""
        database = cls._meta.database
        row = database.execute_sql(_version_sql(type(database.obj)), [VERSION_ROW]).fetchone()
        return None if row is None else row[0]


_changes = itertools.count(1)
_changed_here = 0  # how many writes to api_keys this process made: its caches reload at once


def _note_change() -> None:
    global _changed_here
    _changed_here = next(_changes)  # next() is atomic: concurrent changes never share a count


def changed_here() -> int:
    return _changed_here


class VersionedWrite:
    """A write to ``api_keys`` that draws a new ``ApiKeyVersion`` in the same transaction."""

    def _execute(self, database):
        with database.atomic():
            result = super()._execute(database)
            ApiKeyVersion.bump()
        return result


class KeyInsert(VersionedWrite, ModelInsert):
    pass


class KeyUpdate(VersionedWrite, ModelUpdate):
    pass


class BookkeepingUpdate(ModelUpdate):
    """A write of ``last_used`` only: no new version, but this process's caches reload."""

    def _execute(self, database):
        result = super()._execute(database)
        _note_change()
        return result


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
    touch_due = 0.0  # not a column: the time.time() from which touch() writes last_used again

    class Meta:
        table_name = "api_keys"

    @classmethod
    def insert(cls, __data=None, **insert) -> ModelInsert:
        return KeyInsert(cls, cls._normalize_data(__data, insert))

    @classmethod
    def insert_many(cls, rows, fields=None) -> ModelInsert:
        return KeyInsert(cls, insert=rows, columns=fields)

    @classmethod
    def update(cls, __data=None, **update) -> ModelUpdate:
        data = cls._normalize_data(__data, update)
        changed = {getattr(field, "name", field) for field in data}
        return (BookkeepingUpdate if changed <= BOOKKEEPING else KeyUpdate)(cls, data)

    @classmethod
    def active(cls) -> list[ApiKey]:
        """The keys not revoked (or whose revocation is still to come: a rotated key's grace)."""
        later = cls.revoked_at.is_null() | (cls.revoked_at > now())
        return list(cls.select().where(later).order_by(cls.id))

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
        scopes = scope_set(self.scopes)
        return (ALL_SCOPES in scopes or action in scopes
                or (READ_SCOPE in scopes and not writes))

    @property
    def family(self) -> str:
        """The name the key goes by: a rotated secret's ``NAME~<id>`` is still ``NAME``."""
        return self.name.split(RETIRED, 1)[0]

    def touch(self) -> ApiKey:
        """Record that the key was used: at most one write a minute, never one per request."""
        if time.time() < self.touch_due:  # most requests: one clock read
            return self
        moment = now()
        last = ApiKey.last_used.python_value(self.last_used)
        if last is None or last <= moment - TOUCH_EVERY:
            stale = ApiKey.last_used.is_null() | (ApiKey.last_used <= moment - TOUCH_EVERY)
            ApiKey.update(last_used=moment).where((ApiKey.id == self.id) & stale).execute()
            self.last_used = last = moment  # for the threads that use this cached key
        self.touch_due = (last + TOUCH_EVERY).replace(tzinfo=dt.UTC).timestamp()
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


@functools.lru_cache(maxsize=256)
def scope_set(scopes: str) -> frozenset[str]:
    """A key's comma-separated scopes as a set (read once per distinct list, not per call)."""
    return frozenset(scope.strip() for scope in scopes.split(","))


class RequestNonce(BaseModel):
    """A nonce of the strict scheme, kept while its request could still be replayed."""

    id = CharField(max_length=100, primary_key=True)  # <key id>:<nonce>
    expires = DateTimeField(index=True)

    class Meta:
        table_name = "request_nonces"

    @classmethod
    def use(cls, key_id: int, nonce: str, keep: dt.timedelta) -> bool:
        """Record the nonce in one statement (no transaction of its own: one round trip on
        PostgreSQL); False when it is recorded and not expired. One that expired is taken
        over; the expired ones are purged at most every ``PURGE_NONCES_EVERY`` per process."""
        moment = now()
        purge_expired_nonces(moment)
        expires = moment + keep
        recorded = (cls.insert(id=f"{key_id}:{nonce}", expires=expires)
                    .on_conflict(conflict_target=[cls.id], update={cls.expires: expires},
                                 where=(cls.expires < moment))
                    .as_rowcount().execute())
        return recorded == 1


PURGE_NONCES_EVERY = dt.timedelta(minutes=1)
_nonces_purged = dt.datetime.min


def purge_expired_nonces(moment: dt.datetime) -> None:
    """Delete the expired nonces, unless this process did less than a minute ago: a replay
    is refused by the time in its signature (and the nonce's own expiry) long before."""
    global _nonces_purged
    if moment - _nonces_purged < PURGE_NONCES_EVERY:
        return
    _nonces_purged = moment
    RequestNonce.delete().where(RequestNonce.expires < moment).execute()


@functools.cache
def _version_sql(_dialect: type) -> str:
    """Built once per database kind: Peewee spends more building SQL than SQLite running it."""
    query = ApiKeyVersion.select(ApiKeyVersion.version).where(ApiKeyVersion.id == 0)
    return query.sql()[0]


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
