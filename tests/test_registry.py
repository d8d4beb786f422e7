"""The registry and the Flask-free dispatcher, with throwaway action tables."""

from __future__ import annotations

import pytest
from marshmallow import fields

from actions.envelope import FieldRequired, InvalidEmail, InvalidValue, UnknownAction
from actions.registry import ACTIONS, Action, action, dispatch
from schemas.base import Email, Params, Text


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
