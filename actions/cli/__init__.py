"""Every ``flask`` command of Taskgate, added to the app's command group."""

from __future__ import annotations

from flask import Flask

from actions.cli import data, install, keys, users, webhooks

COMMANDS = (install.init_db, install.show_api_key, install.list_actions, keys.keys,
            keys.sign_url, users.create_client, users.create_token, users.set_password,
            webhooks.deliver_webhooks)
COMMANDS += (data.backup_command, data.restore_command, data.export_command,
             data.import_command, data.db_group)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
