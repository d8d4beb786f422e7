"""Account settings, a Taskgate extension: a documented allow-list (``models.settings``).
An unknown or read-only name, or a value of the wrong kind, is code 11 naming the setting.
The server reads the settings per request: ``default_task_priority`` (post_task),
``default_page_limit`` (the paged lists), ``default_task_type`` (post_task), ``show_overdue``
(the ``overdue`` flag), ``webhook_pause_after`` (webhook delivery) take effect at once in the
process that changed them, within a quarter second in the others (``models.settings``)."""

from __future__ import annotations

import json

from actions.registry import action
from models.settings import SETTINGS, Setting, setting, store_setting
from models.task_types import TaskType
from schemas.envelope import InvalidValue
from schemas.paging import listed
from schemas.settings import (
    GetSettingsIn,
    UpdateSettingIn,
    checked_value,
    definition_of,
    setting_out,
)


@action(GetSettingsIn)
def get_settings(params):
    """Get the account settings (or one by name) with their kind, default and whether read-only."""
    if "name" in params:
        definition_of(params["name"])
        return [setting_out(params["name"], setting(params["name"]))]
    stored = {row.name: json.loads(row.value) for row in Setting.select()}
    return listed([setting_out(name, stored.get(name, definition.default))
                   for name, definition in SETTINGS.items()], params)


@action(UpdateSettingIn, writes=True)
def update_setting(params):
    """Change one setting; it takes effect at once."""
    name = params["name"]
    value = checked_value(name, params["value"])
    if name == "default_task_type" and value is not None and TaskType.get_or_none(
            TaskType.id == value) is None:
        raise InvalidValue("Invalid default_task_type: no such task type", details=name)
    store_setting(name, value)
    return setting_out(name, value)
