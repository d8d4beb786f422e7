"""Every ``flask`` command of Taskgate, added to the app's command group."""

from __future__ import annotations

from flask import Flask

from actions.cli import import_from, install, keys, users, webhooks

COMMANDS = (install.init_db, install.show_api_key, install.list_actions, keys.keys,
            keys.sign_url, users.create_client, users.create_token, users.set_password,
            webhooks.deliver_webhooks, import_from.import_from,
            import_from.enable_webhook)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
