"""The strict scheme, for new integrations: one signature over everything, used once.

``Authorization: Taskgate-HMAC-SHA256 key=<key name>, ts=<unix time>, nonce=<random>,
sig=<hex>`` where ``sig`` is HMAC-SHA256, keyed with the API key's secret, of::

    TASKGATE-HMAC-SHA256
    <METHOD>
    <path>
    <canonical query>
    <hex sha256 of the body>
    <ts>
    <nonce>

(seven lines joined by "\\n", no newline at the end).

The canonical query is every ``name=value`` pair of the query string, decoded, encoded again
as RFC 3986 (``quote(s, safe="-_.~")``), sorted by name, joined by ``&``; pairs of one name
keep their wire order (``title=A&title=B`` is not ``title=B&title=A``: the last one wins). The
timestamp must be within ``AUTH_CLOCK_SKEW`` of the server's clock and the nonce (16 to 64 of
``A-Za-z0-9_-``) is kept as long: a request replayed, to any process or host sharing the
database, is refused. Modelled on AWS Signature V4 and Standard Webhooks.

The header is read, and its key, time and nonce checked, before any byte of the body is read;
then at most ``MAX_BODY_BEFORE_AUTH`` bytes of it are hashed, and they are parsed only once the
signature matched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Sequence
from operator import itemgetter
from urllib.parse import parse_qsl, quote

from actions.gateway.key_cache import LiveKey
from actions.gateway.params import SignedRequest
from models.base import now
from models.keys import ApiKey, RequestNonce
from schemas.envelope import BadHash

SCHEME = "Taskgate-HMAC-SHA256"
HEADER = re.compile(rf"{SCHEME}\s+key=([A-Za-z0-9_.~-]{{1,200}}),\s*ts=(\d{{1,12}}),\s*"
                    r"nonce=([A-Za-z0-9_-]{16,64}),\s*sig=([0-9a-fA-F]{64})")


def is_strict(req: SignedRequest) -> bool:
    return req.authorization.startswith(SCHEME)


def canonical_query(raw: str) -> str:
    pairs = sorted(parse_qsl(raw, keep_blank_values=True), key=itemgetter(0))
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def string_to_sign(method: str, path: str, raw_query: str, body: bytes, ts: str,
                   nonce: str) -> str:
    return "\n".join([SCHEME.upper(), method.upper(), path, canonical_query(raw_query),
                      hashlib.sha256(body).hexdigest(), ts, nonce])


def sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def header_for(name: str, secret: str, method: str, path: str, raw_query: str = "",
               body: bytes = b"", ts: int | None = None, nonce: str = "") -> str:
    """The Authorization header a client sends (what tests and scripts use to sign)."""
    stamp = str(int(time.time()) if ts is None else ts)
    nonce = nonce or hashlib.sha256(f"{time.time_ns()}{path}".encode()).hexdigest()[:32]
    text = string_to_sign(method, path, raw_query, body, stamp, nonce)
    return f"{SCHEME} key={name}, ts={stamp}, nonce={nonce}, sig={sign(secret, text)}"


def signed_key(req: SignedRequest, keys: Sequence[LiveKey], skew: int,
               read_body: Callable[[SignedRequest], SignedRequest]
               ) -> tuple[ApiKey, SignedRequest]:
    """The active key (of ``keys``) that signed this request, once, and the request with the
    bytes of its body (``read_body``, called only once the header passed); else ``BadHash``
    saying why."""
    match = HEADER.fullmatch(req.authorization.strip())
    if match is None:
        raise BadHash(details=f"{SCHEME}: expected key=, ts=, nonce=, sig=")
    name, ts, nonce, given = match.groups()
    if abs(time.time() - int(ts)) > skew:
        raise BadHash(details=f"{SCHEME}: ts is more than {skew} s from the server's clock")
    live = next((live for live in keys if live.key.name == name), None)
    if live is None:
        raise BadHash(details=SCHEME)
    if used(live.key.id, nonce):
        raise BadHash(details=f"{SCHEME}: this nonce was used already (a replay)")
    req = read_body(req)
    text = string_to_sign(req.method, req.path, req.wire_query, req.body_bytes or b"",
                          ts, nonce)
    if not hmac.compare_digest(given.lower(), sign(live.secret, text)):
        raise BadHash(details=SCHEME)
    if not RequestNonce.use(live.key.id, nonce, dt.timedelta(seconds=2 * skew)):
        raise BadHash(details=f"{SCHEME}: this nonce was used already (a replay)")
    return live.key, req


def used(key_id: int, nonce: str) -> bool:
    """Whether this nonce was seen already (checked again as it is recorded)."""
    return RequestNonce.select().where((RequestNonce.id == f"{key_id}:{nonce}")
                                       & (RequestNonce.expires >= now())).exists()
