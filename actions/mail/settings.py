"""The mail settings read from the app's configuration."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from flask import current_app


def config() -> Any:
    return current_app.config


def mail_on() -> bool:
    """Whether notifications go out at all: only with ``SMTP_URL``."""
    return bool(config().get("SMTP_URL"))


def from_header() -> str:
    return config()["MAIL_FROM"]


def from_address() -> str:
    return parseaddr(from_header())[1].lower()


def inbound_domain() -> str:
    """The domain of the reply and project addresses: ``MAIL_DOMAIN``, else MAIL_FROM's."""
    return (config().get("MAIL_DOMAIN") or from_address().rpartition("@")[2]).lower()


def reply_address(token: str) -> str:
    """``tasks+<token>@domain``: the local part of MAIL_FROM, tagged with the token."""
    local = from_address().partition("@")[0]
    return f"{local}+{token}@{inbound_domain()}"


def public_url() -> str:
    return (config().get("PUBLIC_URL") or "http://localhost:5000").rstrip("/")
