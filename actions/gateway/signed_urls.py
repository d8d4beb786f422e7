"""Expiring, action-bound signed URLs for ops scripts (itsdangerous).

``flask sign-url get_tasks id_project=1 --expires 1h`` adds one parameter to the query,
``signature=<key id>.<lifetime>.<timestamp>.<mac>``. The MAC is an itsdangerous
``TimestampSigner`` signature, keyed with the API key's own secret, over the canonical request:
every other parameter (``action`` included) sorted as JSON, with the key id and the lifetime.
The request itself is the signed value, so the URL carries only what the server cannot
rebuild, and any parameter changed, added or removed breaks the signature. The URL works until
its lifetime has passed, only while its key is active (revoking the key kills its URLs; a
rotated key's URLs live through its grace), and only for the actions the key's scopes allow.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from actions.gateway.params import SignedRequest
from models.keys import ApiKey
from schemas.envelope import BadHash

PARAM = "signature"
SALT = "taskgate.signed-url"
DURATION = re.compile(r"(\d{1,9})([smhd]?)")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def signer(secret: str) -> TimestampSigner:
    return TimestampSigner(secret, salt=SALT, digest_method=hashlib.sha256)


def canonical(params: Mapping[str, Any], key_id: int, lifetime: int) -> str:
    """The signed text: the key, the lifetime and every parameter but the signature, sorted."""
    signed = {k: v for k, v in params.items() if k != PARAM}
    return json.dumps([key_id, lifetime, signed], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def sign(params: Mapping[str, Any], key: ApiKey, secret: str, lifetime: int) -> str:
    """The ``signature`` value that makes a request with exactly these parameters valid."""
    text = canonical(params, key.id, lifetime)
    stamp_and_mac = signer(secret).sign(text).decode()[len(text) + 1:]
    return f"{key.id}.{lifetime}.{stamp_and_mac}"


def signed_key(req: SignedRequest, master: str) -> ApiKey:
    """The active key whose signed URL this is, if it is intact and unexpired; else BadHash."""
    token = req.query.params.get(PARAM)
    parts = token.split(".", 2) if isinstance(token, str) else []
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        raise BadHash(details=PARAM)
    key_id, lifetime, stamp_and_mac = int(parts[0]), int(parts[1]), parts[2]
    key = next((key for key in ApiKey.active() if key.id == key_id), None)
    if key is None:
        raise BadHash(details=PARAM)
    try:
        text = canonical(req.query.params, key_id, lifetime)
        signer(key.secret(master)).unsign(f"{text}.{stamp_and_mac}", max_age=lifetime)
    except SignatureExpired:
        raise BadHash(details=f"{PARAM} has expired") from None
    except (BadSignature, TypeError):  # TypeError: a parameter JSON cannot hold (a file)
        raise BadHash(details=PARAM) from None
    return key


def seconds(duration: str) -> int:
    """``90``, ``90s``, ``15m``, ``1h`` or ``7d`` in seconds (ValueError otherwise)."""
    match = DURATION.fullmatch(duration.strip().lower())
    if match is None:
        raise ValueError(f"not a duration: {duration!r} (use 90s, 15m, 1h, 7d)")
    return int(match.group(1)) * UNITS[match.group(2)]
