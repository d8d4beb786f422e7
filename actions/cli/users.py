"""User commands: ``users add``/``users set-role``/``users list``, OAuth2 clients, personal
access tokens and passwords."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup, with_appcontext

from actions.cli.call import run_as_admin
from actions.gateway.oauth import redirect_uri_ok
from models.members import INVITABLE_ROLES, User
from models.tokens import SCOPES, OAuthClient, Token, UserPassword, parse_scopes


@click.command("create-client")
@click.argument("name")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True,
              help="Where codes are sent (repeatable): https://, or http:// to localhost.")
@with_appcontext
def create_client(name: str, redirect_uris: tuple[str, ...]) -> None:
    """Register an OAuth2 client application; print its client_id and secret."""
    for uri in redirect_uris:
        if not redirect_uri_ok(uri):
            raise click.BadParameter(f"{uri!r} is not https:// (or http:// to localhost)",
                                     param_hint="--redirect-uri")
    client, secret = OAuthClient.register(name, list(redirect_uris))
    click.echo(f"client_id: {client.client_id}")
    click.echo(f"client_secret (shown once): {secret}")


@click.command("create-token")
@click.argument("email")
@click.option("--scopes", default=",".join(SCOPES), show_default="all",
              help="Comma- or space-separated scopes.")
@click.option("--days", default=30, type=click.IntRange(1, 3650), show_default=True,
              help="Days until the token expires.")
@with_appcontext
def create_token(email: str, scopes: str, days: int) -> None:
    """Print a personal access token for a user (Authorization: Bearer <token>)."""
    user = active_user(email)
    try:
        names = parse_scopes(scopes)
    except ValueError as err:
        raise click.BadParameter(f"unknown scope {err}", param_hint="--scopes") from None
    token, secret = Token.issue("access", user, names or list(SCOPES),
                                lifetime=dt.timedelta(days=days))
    click.echo(secret)
    click.echo(f"for {user.email}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC", err=True)


@click.command("set-password")
@click.argument("email")
@click.password_option(help="The new password (asked for when not given).")
@with_appcontext
def set_password(email: str, password: str) -> None:
    """Set a user's password (for /oauth2/authorize and grant_type=password)."""
    check_password(password)
    UserPassword.set(active_user(email), password)
    click.echo(f"Password set for {email.lower()}")


def check_password(password: str) -> None:
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="password")


def active_user(email: str) -> User:
    user = User.by_email(email)
    if user is None or not user.is_active:
        raise click.BadParameter(f"no active user {email!r}", param_hint="EMAIL")
    return user


users = AppGroup("users", help="Add and list the account's users.")


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(INVITABLE_ROLES), default="user", show_default=True,
              help="What the user may do.")
@click.option("--first-name", help="Default: from the email address.")
@click.option("--last-name", help="Default: from the email address.")
@click.option("--password", "ask_password", is_flag=True,
              help="Ask for a password (for /oauth2/authorize and grant_type=password).")
def add_user(email: str, role: str, first_name: str | None, last_name: str | None,
             ask_password: bool) -> None:
    """Add a user to the account (as the add_user action does: main team, an event)."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True) \
        if ask_password else None
    if password is not None:
        check_password(password)
    given = {"first_name": first_name, "last_name": last_name, "password": password}
    body = run_as_admin("add_user", {"email": email, "role": role,
                                     **{k: v for k, v in given.items() if v}})
    if body["status"] != "ok":
        raise click.ClickException(f"{body['message']}: {body.get('message_details', '')}")
    user = body["data"]
    click.echo(f"Added {user['email']} (id {user['id']}, {role})"
               + (", with a password" if password else ""))


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(INVITABLE_ROLES, case_sensitive=False))
def set_role(email: str, role: str) -> None:
    """Give a user a role (update_user role=, as the admin key): any role but the owner's."""
    body = run_as_admin("update_user", {"email": email, "role": role})
    if body["status"] != "ok":
        raise click.ClickException(f"{body['message']}: {body.get('message_details', '')}")
    click.echo(f"{email.lower()} is now {role.lower()}")


@users.command("list")
def list_users() -> None:
    """List the users: id, email, name, role, active."""
    for user in User.select().order_by(User.id):
        state = "active" if user.is_active else "disabled"
        click.echo(f"{user.id:<6} {user.email:40} {user.name:30} {user.role:16} {state}")
