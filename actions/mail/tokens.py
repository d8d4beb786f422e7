"""Signed tokens a mail carries: the reply address (task and recipient, expiring) and the
one-click unsubscribe link (itsdangerous, keyed by the instance secret)."""

from __future__ import annotations

import hashlib
import re

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeSerializer
from itsdangerous.encoding import base64_decode, base64_encode

REPLY_SALT, UNSUBSCRIBE_SALT = "taskgate-mail-reply", "taskgate-mail-unsubscribe"
PAIR = re.compile(r"(\d{1,18})\.(\d{1,18})")


def reply_signer() -> TimestampSigner:
    # sha1 keeps the token short enough for an address's local part (64 characters at most).
    return TimestampSigner(current_app.config["SECRET_KEY"], salt=REPLY_SALT,
                           digest_method=hashlib.sha1)


def reply_token(task_id: int, user_id: int) -> str:
    return reply_signer().sign(f"{task_id}.{user_id}").decode()


def read_reply_token(token: str) -> tuple[int, int] | None:
    """(task id, user id), or None for a forged, altered or expired token."""
    days = current_app.config["REPLY_TOKEN_DAYS"]
    try:
        if not canonical(token):
            return None
        value = reply_signer().unsign(token, max_age=days * 86400).decode()
    except (BadData, UnicodeError):
        return None
    match = PAIR.fullmatch(value)
    return (int(match.group(1)), int(match.group(2))) if match else None


def canonical(token: str) -> bool:
    """Base64 leaves a few bits of the last character unused: a token whose stamp or
    signature is not written the one way it encodes is an altered token."""
    parts = token.rsplit(".", 2)
    return len(parts) == 3 and all(base64_encode(base64_decode(p)).decode() == p
                                   for p in parts[1:])


def unsubscribe_token(task_id: int, user_id: int) -> str:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)
    return serializer.dumps([task_id, user_id])


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)
    try:
        task_id, user_id = serializer.loads(token)
    except (BadData, ValueError, TypeError):
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (task_id, user_id)):
        return None
    return task_id, user_id
