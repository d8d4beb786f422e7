"""Standard Webhooks signing: the secret, the signature and the headers of a delivery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

USER_AGENT = "Taskgate-Webhooks/1"


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>``; the key is the secret decoded."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers_for(secret: str, message_id: str, body: str, user: str = "",
                password: str = "") -> dict[str, str]:
    stamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "webhook-id": message_id, "webhook-timestamp": str(stamp),
               "webhook-signature": sign(secret, message_id, stamp, body)}
    if user or password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return headers
