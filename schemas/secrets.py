"""The one list of what is secret in a request or an answer, and the masks that use it.

A parameter named in ``SECRET_NAMES`` carries a credential (a signature, a token, a password,
an OAuth code, a hook's or webhook's secret); a path under ``SECRET_PATHS`` has one as its
next segment (``/hooks/<token>``). The access logs, the JSON log, error logs and the calls
``get_inbound_hook_calls`` lists mask them all through :func:`redact` (text) and :func:`mask`
(decoded JSON). A test derives the registry's secret-looking parameters and checks that this
list names each one.
"""

from __future__ import annotations

import re
from typing import Any

SECRET_NAMES = (
    "hash", "signature",  # the admin key's signatures
    "access_token", "accesstoken", "refresh_token", "client_secret", "password", "code",  # OAuth
    "token", "secret", "http_pass",  # hooks (their token and secret), webhooks, create_token
)
SECRET_PATHS = ("/hooks/", "/mail/unsubscribe/")  # a hook's token; a one-click unsubscribe
MASK = "***"


def spelled_any_way(name: str) -> str:
    """A pattern for ``name`` with any of its characters percent-encoded (``h%61sh``)."""
    return "".join(f"(?:{re.escape(c)}|%{ord(c):02x})" for c in name)


NAMES = "|".join(spelled_any_way(name) for name in sorted(SECRET_NAMES, key=len, reverse=True))
IN_QUERY = re.compile(rf"(?<![\w\[%])({NAMES})=[^&\s\"'#]*", re.IGNORECASE)
IN_JSON = re.compile(rf"""(["'](?:{NAMES})["']\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^,}}\s]+)""",
                     re.IGNORECASE)
IN_PATH = re.compile(rf"({'|'.join(map(re.escape, SECRET_PATHS))})[^/?\s\"'#&]+")


def might_match(text: str) -> bool:
    """Whether ``text`` has what one of the patterns needs: ``=``, a quote and a ``:``, or a
    secret path (a caller's ``key:admin`` or a log line's time has none). Substring tests, not
    a regular expression: a log line asks this of each of its fields."""
    if "=" in text or (":" in text and ('"' in text or "'" in text)):
        return True
    if "/" in text:
        for path in SECRET_PATHS:  # a loop, not any(): no generator made for every field
            if path in text:
                return True
    return False


def redact(text: str) -> str:
    """``text`` with every secret value masked: ``name=value`` (a query or a form), ``"name":
    value`` (JSON or a Python repr) and ``/hooks/<token>``. Text none of them can match (most
    of a log line's fields) is handed back at once."""
    if not might_match(text):
        return text
    text = IN_QUERY.sub(rf"\1={MASK}", text)
    text = IN_JSON.sub(rf'\1"{MASK}"', text)
    return IN_PATH.sub(rf"\1{MASK}", text)


def is_secret(name: str) -> bool:
    return name.lower() in SECRET_NAMES


def mask(value: Any) -> Any:
    """Decoded JSON with the values of secret keys masked and every string redacted."""
    if isinstance(value, dict):
        return {key: MASK if is_secret(str(key)) else mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    return redact(value) if isinstance(value, str) else value
