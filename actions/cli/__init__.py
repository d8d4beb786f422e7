"""Every ``flask`` command of Taskgate, added to the app's command group."""

from __future__ import annotations

from flask import Flask

from actions.cli import call, databases, files, install, keys, openapi, users, webhooks

COMMANDS = (install.init_db, install.show_api_key, install.list_actions, keys.keys,
            keys.sign_url, users.create_client, users.create_token, users.set_password,
            webhooks.deliver_webhooks, openapi.write_openapi, files.files)
COMMANDS += (call.call, users.users, install.show_version)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        databases.explain_errors(command)  # an unreachable database: one line, no traceback
        app.cli.add_command(command)
