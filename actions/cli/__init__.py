"""Every ``flask`` command of Taskgate, added to the app's command group."""

from __future__ import annotations

from flask import Flask

from actions.cli import (
    call,
    data,
    databases,
    docs,
    files,
    import_from,
    install,
    keys,
    mail,
    openapi,
    users,
    webhooks,
)

COMMANDS = (install.init_db, install.show_api_key, install.list_actions, install.show_version,
            keys.keys, keys.sign_url, users.create_client, users.create_token,
            users.set_password, users.users, webhooks.deliver_webhooks, openapi.write_openapi,
            files.files, call.call, import_from.import_from, import_from.enable_webhook,
            data.backup_command, data.restore_command, data.export_command,
            data.import_command, data.db_group, mail.deliver_mail, mail.mail_receive,
            mail.mail_fetch, docs.docs)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        databases.explain_errors(command)  # an unreachable database: one line, no traceback
        app.cli.add_command(command)
