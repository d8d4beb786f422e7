"""The registry and the Flask-free dispatcher, with throwaway action tables."""

from __future__ import annotations

import pytest
from marshmallow import fields

from actions.registry import ACTIONS, Action, action, dispatch
from schemas.base import Email, Params, Text
from schemas.envelope import FieldRequired, InvalidEmail, InvalidValue, UnknownAction


class GreetIn(Params):
    name = Text(required=True)
    email = Email()
    times = fields.Integer()


def greet(params):
    return f"hello {params['name']}" * params.get("times", 1)


TABLE = {"greet": Action("greet", greet, GreetIn(), "Greet.", False, "greet")}


def test_dispatch_runs_the_handler_with_loaded_params():
    assert dispatch("greet", {"name": "Ann", "action": "greet", "hash": "x"}, TABLE) == "hello Ann"


def test_unknown_action():
    with pytest.raises(UnknownAction):
        dispatch("nope", {}, TABLE)


def test_missing_field_names_it():
    with pytest.raises(FieldRequired) as err:
        dispatch("greet", {}, TABLE)
    assert err.value.details == "name"


def test_empty_value_counts_as_missing():
    with pytest.raises(FieldRequired):
        dispatch("greet", {"name": ""}, TABLE)


def test_bad_email_is_invalid_email_with_the_value():
    with pytest.raises(InvalidEmail) as err:
        dispatch("greet", {"name": "a", "email": "a@b.c,d@e.f"}, TABLE)
    assert err.value.details == "a@b.c,d@e.f"


def test_other_invalid_values_say_what_is_wrong():
    with pytest.raises(InvalidValue) as err:
        dispatch("greet", {"name": "a", "times": "many"}, TABLE)
    assert err.value.message == "Invalid times: Not a valid integer"
    assert err.value.details == "times"


def test_decorator_returns_the_function_and_rejects_duplicates(monkeypatch):
    monkeypatch.setattr("actions.registry.ACTIONS", {})
    from actions import registry

    @action(GreetIn, name="hello", aliases=("hi",))
    def hello(params):
        """Say hello."""

    assert registry.ACTIONS["hello"].handler is hello
    assert registry.ACTIONS["hi"].canonical == "hello"
    assert registry.ACTIONS["hi"].doc == "Say hello."
    with pytest.raises(RuntimeError, match="duplicate action 'hello'"):
        action(GreetIn, name="hello")(hello)


def test_every_action_has_a_one_line_doc():
    assert all(spec.doc for spec in ACTIONS.values())


# The Worksection catalogue (spec README §2) as served, with the legacy aliases (§9) and the
# Taskgate extensions.
WORKSECTION = """
    me get_users add_user get_user_groups add_user_group get_contacts add_contact
    get_contact_groups add_contact_group subscribe unsubscribe get_users_schedule
    update_users_schedule
    get_projects get_project post_project update_project close_project activate_project
    add_project_members delete_project_members get_project_groups add_project_group get_events
    get_project_custom_fields
    get_all_tasks get_tasks get_task post_task update_task complete_task reopen_task search_tasks
    get_task_custom_fields
    get_comments post_comment
    get_task_tags add_task_tags update_task_tags get_task_tag_groups add_task_tag_groups
    get_project_tags add_project_tags update_project_tags get_project_tag_groups
    add_project_tag_groups
    get_costs get_costs_total add_costs update_costs delete_costs
    get_timers stop_timer get_my_timer start_my_timer stop_my_timer delete_my_timer
    get_files download upload_files
    get_webhooks add_webhook delete_webhook
""".split()
LEGACY = """
    add_project_groups post_subtask update_subtask complete_subtask reopen_subtask
    get_timemoney post_timemoney update_timemoney delete_timemoney get_tags get_tag_groups
    update_tags get_priority get_subtasks add_tags add_tag_groups
""".split()
EXTENSIONS = """
    get_webhook_deliveries get_user update_user enable_user disable_user update_user_group
    delete_user_group delete_task update_comment delete_comment
    add_task_custom_field update_task_custom_field delete_task_custom_field
    add_project_custom_field update_project_custom_field delete_project_custom_field
""".split() + """
    get_notices post_notice update_notice delete_notice activate_notice clear_notice
    get_conversations get_messages post_message get_settings update_setting
    get_task_types add_task_type update_task_type delete_task_type get_task_priorities
    add_task_priority update_task_priority delete_task_priority get_notes get_overdue_tasks
    get_tasks_by_uids get_user_group create_token
""".split() + """
    add_inbound_hook get_inbound_hooks update_inbound_hook delete_inbound_hook
    get_inbound_hook_calls test_inbound_hook
""".split() + """
    get_mail_deliveries
""".split()  # the peers' extensions, inbound hooks, mail


def test_registry_is_complete():
    assert sorted(ACTIONS) == sorted(WORKSECTION + LEGACY + EXTENSIONS)
    assert all(ACTIONS[name].canonical != name for name in LEGACY)
