"""Account settings: the allow-list with kinds and defaults, update_setting's checks (code 11
naming the setting), and the settings the server reads taking effect at once (in another
process: within a quarter second)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import error, ok_data, post_task

from actions.delivery.passes import pause_after
from models import settings as settings_model
from models.settings import SETTINGS, Setting


def test_get_settings_lists_the_allow_list_with_defaults(api):
    settings = {s["name"]: s for s in ok_data(api.call("get_settings"))}
    assert list(settings) == list(SETTINGS)
    assert settings["timezone"] == {"name": "timezone", "value": "UTC", "type": "timezone",
                                    "read_only": 0, "default": "UTC",
                                    "doc": SETTINGS["timezone"].doc}
    assert settings["show_overdue"]["value"] == 1 and settings["version"]["read_only"] == 1
    assert settings["default_page_limit"]["min"] == 1
    assert ok_data(api.call("get_settings", name="site_title"))[0]["value"] == "Taskgate"


def test_the_version_setting_is_the_installs_version(api):
    """One source: pyproject.toml's version, the one /healthz and `flask version` show."""
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    answer = ok_data(api.call("get_settings", name="version"))[0]
    assert answer["value"] == answer["default"] == pyproject["project"]["version"]


@pytest.mark.parametrize(("name", "value", "stored"), [
    ("timezone", "Europe/Kyiv", "Europe/Kyiv"), ("site_title", "Acme desk", "Acme desk"),
    ("default_task_priority", "7", 7), ("show_overdue", "0", 0), ("show_overdue", True, 1),
    ("default_page_limit", 25, 25), ("webhook_pause_after", "3", 3)])
def test_update_setting(api, name, value, stored):
    assert ok_data(api.post_json("update_setting", name=name, value=value))["value"] == stored
    assert ok_data(api.call("get_settings", name=name))[0]["value"] == stored


@pytest.mark.parametrize(("name", "value", "message"), [
    ("colour", "red", "Setting is unknown"),
    ("version", "9", "Setting is read-only"),
    ("timezone", "Mars/Base", "Invalid timezone: must be an IANA time zone such as Europe/Kyiv"),
    ("timezone", "../etc/passwd", "Invalid timezone: must be an IANA time zone such as "
                                  "Europe/Kyiv"),
    ("default_task_priority", "abc", "Invalid default_task_priority: must be a whole number "
                                     "in range"),
    ("default_task_priority", "11", "Invalid default_task_priority: must be a whole number "
                                    "in range"),
    ("default_page_limit", True, "Invalid default_page_limit: must be a whole number in range"),
    ("show_overdue", "2", "Invalid show_overdue: must be 1 or 0"),
    ("default_task_type", "x", "Invalid default_task_type: must be a numeric id"),
    ("site_title", ["a"], "Invalid site_title: must be text of at most 500 characters"),
])
def test_bad_updates_name_the_setting_and_write_nothing(api, name, value, message):
    assert api.post_json("update_setting", name=name, value=value) == error(11, message, name)
    assert Setting.select().count() == 0


def test_the_default_task_type_must_exist_and_can_be_unset(api):
    assert api.call("update_setting", name="default_task_type", value="99") == error(
        11, "Invalid default_task_type: no such task type", "default_task_type")
    kind = ok_data(api.call("add_task_type", name="Issue"))
    ok_data(api.call("update_setting", name="default_task_type", value=kind["id"]))
    assert ok_data(api.call("update_setting", name="default_task_type", value="none"))[
        "value"] is None


def test_settings_the_server_reads_take_effect_at_once(app, api, website):
    ok_data(api.call("update_setting", name="default_task_priority", value="5"))
    assert ok_data(api.call("get_task", id_task=post_task(api, website)))["priority"] == "5"
    ok_data(api.call("update_setting", name="default_page_limit", value="2"))
    for n in range(3):
        ok_data(api.call("post_notice", name=f"N{n}", message="m"))
    assert len(ok_data(api.call("get_notices", page=1))) == 2
    ok_data(api.call("update_setting", name="webhook_pause_after", value="4"))
    with app.app_context():
        assert pause_after(app.config) == 4
    ok_data(api.call("update_setting", name="webhook_pause_after", value="null"))
    with app.app_context():
        assert pause_after(app.config) == app.config["WEBHOOK_PAUSE_AFTER"]


def test_a_change_by_another_process_is_seen_within_a_quarter_second(api, website,
                                                                      monkeypatch):
    monkeypatch.setattr(settings_model, "CHECK_EVERY", 3600)  # however slow this machine is
    post_task(api, website)  # the settings are read, and kept
    Setting.insert(name="default_task_priority", value="9").execute()  # another process's write
    kept = api.call("get_task", id_task=post_task(api, website))["data"]["priority"]
    monkeypatch.setattr(settings_model, "CHECK_EVERY", 0)  # a quarter second later
    seen = api.call("get_task", id_task=post_task(api, website))["data"]["priority"]
    assert (kept, seen) == ("1", "9")
