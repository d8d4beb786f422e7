"""API key commands: ``flask keys`` (create, list, rotate, revoke) and ``flask sign-url``.

Rotation without downtime: ``keys rotate NAME`` gives NAME a new secret at once and keeps the
old secret working for a grace period (24 h by default) under the name ``NAME~<id>``, after
which it is revoked by itself. Clients switch to the new secret whenever they like within the
grace; ``keys list`` shows when the old secret was last used, so the switch can be checked,
and ``keys revoke NAME~<id>`` ends the grace early. Nothing that refers to a key by name
(``sign-url --key``, scripts) has to change, and idempotency keys stay valid across it.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from actions.gateway.decoding import fold, parse_pairs
from actions.gateway.signatures import md5_hex
from actions.gateway.signed_urls import PARAM, seconds, sign
from actions.registry import ACTIONS
from models.base import db
from models.install import ADMIN_KEY_NAME
from models.keys import ALL_SCOPES, READ_SCOPE, RETIRED, ApiKey

KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

keys = AppGroup("keys", help="Create, list, rotate and revoke API keys.")


def duration(allow_zero: bool):
    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
        try:
            amount = None if value is None else seconds(value)
        except ValueError as err:
            raise click.BadParameter(str(err)) from None
        if amount == 0 and not allow_zero:
            raise click.BadParameter("must be longer than 0s")
        return amount
    return convert


@keys.command("create")
@click.argument("name")
@click.option("--scopes", default=ALL_SCOPES, show_default=True,
              help="'*' (everything), 'read' (every action that writes nothing) and/or "
                   "action names, comma-separated.")
@click.option("--require-strict", is_flag=True,
              help="Accept only the Taskgate-HMAC-SHA256 scheme, which signs everything.")
@click.option("--no-legacy", is_flag=True,
              help="Refuse the legacy md5(page + action + key), which signs no parameter.")
def create_key(name: str, scopes: str, require_strict: bool, no_legacy: bool) -> None:
    """Create the API key NAME and print its secret (shown once)."""
    if not KEY_NAME.fullmatch(name):
        raise click.BadParameter("letters, digits, '_', '.', '-' (at most 100)", param_hint="NAME")
    if ApiKey.get_or_none(ApiKey.name == name) is not None:
        raise click.UsageError(f"a key named {name!r} exists (revoked names are not reused)")
    with db.atomic():
        _, secret = ApiKey.issue(name, master(), scopes=scope_list(scopes),
                                 require_strict=require_strict, allow_legacy=not no_legacy)
    click.echo(f"API key {name} (shown once): {secret}")


@keys.command("list")
def list_keys() -> None:
    """List the keys: name, scopes, created, last used, revoked (never the secret)."""
    moment = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [("NAME", "SCOPES", "SCHEMES", "CREATED (UTC)", "LAST USED", "STATE")]
    for key in ApiKey.select().order_by(ApiKey.id):
        rows.append((key.name, key.scopes, schemes(key), when(key.created),
                     when(key.last_used) or "never", state(key, moment)))
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(5)]
    for row in rows:
        click.echo("".join(row[i].ljust(widths[i]) for i in range(5)) + row[5])


@keys.command("set")
@click.argument("name")
@click.option("--require-strict/--any-scheme", default=None,
              help="Accept only the Taskgate-HMAC-SHA256 scheme, or every scheme again.")
@click.option("--legacy/--no-legacy", default=None,
              help="Accept or refuse the legacy md5(page + action + key).")
def set_key(name: str, require_strict: bool | None, legacy: bool | None) -> None:
    """Change which signature schemes the key NAME accepts (its old secrets too)."""
    changes = {field: value for field, value in (("require_strict", require_strict),
                                                  ("allow_legacy", legacy)) if value is not None}
    if not changes:
        raise click.UsageError("nothing to change: give --require-strict/--any-scheme or "
                               "--legacy/--no-legacy")
    family = [key.id for key in ApiKey.active() if name in (key.name, key.family)]
    if not family:
        raise click.UsageError(f"no active key named {name!r}")
    with db.atomic():
        ApiKey.update(**changes).where(ApiKey.id.in_(family)).execute()
    click.echo(f"{name}: {schemes(ApiKey.get_by_id(family[-1]))}")


@keys.command("rotate")
@click.argument("name")
@click.option("--grace", default="24h", show_default=True, callback=duration(allow_zero=True),
              help="How long the old secret keeps working (0 ends it now).")
def rotate_key(name: str, grace: int) -> None:
    """Give NAME a new secret; the old one works for the grace period, as NAME~<id>."""
    key = current_key(name)
    with db.atomic():
        _, secret = key.rotate(master(), dt.timedelta(seconds=grace))
    click.echo(f"New secret for {name} (shown once): {secret}")
    if grace:
        click.echo(f"The old secret works until {when(key.revoked_at)} UTC as {key.name}; "
                   f"'flask keys revoke {key.name}' ends it sooner.")


@keys.command("revoke")
@click.argument("name")
def revoke_key(name: str) -> None:
    """Revoke NAME now (with its old secrets still in their grace period)."""
    with db.atomic():
        count = ApiKey.revoke(name)
    if not count:
        raise click.UsageError(f"no active key named {name!r}")
    click.echo(f"Revoked {name}" + (f" and {count - 1} old secret(s)" if count > 1 else ""))


@click.command("sign-url")
@click.argument("action")
@click.argument("params", nargs=-1)
@click.option("--base", help="Where the server listens (default: PUBLIC_URL, else "
                               "http://127.0.0.1:5000).")
@click.option("--key", "key_name", default=ADMIN_KEY_NAME, show_default=True,
              help="The API key to sign with.")
@click.option("--expires", callback=duration(allow_zero=False),
              help="Lifetime (90s, 15m, 1h, 7d): the URL then works only for these exact "
                   "parameters, until it expires.")
@with_appcontext
def sign_url(action: str, params: tuple[str, ...], base: str | None, key_name: str,
             expires: int | None) -> None:
    """Print a ready-to-paste curl command for ACTION [name=value ...]: signed with
    hash = md5(query + key), or, with --expires, with an expiring signature."""
    key = current_key(key_name)
    secret = key.secret(master())
    base = (base or current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000").rstrip("/")
    query = urlencode([("action", action)] + [tuple(p.split("=", 1)) for p in params if "=" in p])
    if expires is None:
        signed = f"hash={md5_hex(query + secret)}"
    else:
        token = sign(fold(parse_pairs(query, "the parameters")), key, secret, expires)
        signed = urlencode({PARAM: token})
    click.echo(f"curl '{base}/api/admin/v2/?{query}&{signed}'")


def current_key(name: str) -> ApiKey:
    """The active key NAME (not an old secret of a rotated one)."""
    key = next((key for key in ApiKey.active() if key.name == name), None)
    if key is None or RETIRED in name:
        raise click.UsageError(f"no active key named {name!r} (see 'flask keys list')")
    return ApiKey.get_by_id(key.id)


def scope_list(text: str) -> str:
    """Scopes as stored: '*', 'read' and canonical action names, checked."""
    scopes = [scope.strip() for scope in text.split(",") if scope.strip()]
    unknown = [s for s in scopes if s not in (ALL_SCOPES, READ_SCOPE) and s not in ACTIONS]
    if not scopes or unknown:
        raise click.BadParameter(f"unknown scope(s): {', '.join(unknown) or '(none)'}",
                                 param_hint="--scopes")
    names = [s if s in (ALL_SCOPES, READ_SCOPE) else ACTIONS[s].canonical for s in scopes]
    return ",".join(dict.fromkeys(names))


def schemes(key: ApiKey) -> str:
    if key.require_strict:
        return "strict only"
    return "all" if key.allow_legacy else "all but legacy"


def state(key: ApiKey, moment: dt.datetime) -> str:
    if key.revoked_at is None:
        return "active"
    return f"{'expires' if key.revoked_at > moment else 'revoked'} {when(key.revoked_at)}"


def when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def master() -> str:
    return current_app.config["SECRET_KEY"]
