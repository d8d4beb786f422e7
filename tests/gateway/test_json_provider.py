"""The orjson provider writes, byte for byte, what Flask's standard provider wrote:
``json.dumps(ensure_ascii=True, separators=(",", ":"))`` with Flask's ``default``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid
from collections import namedtuple
from typing import Any

import pytest
from conftest import ok_data
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.gateway.json_provider import OrjsonProvider
from actions.gateway.streaming import chunk_writer

COMPACT = (",", ":")
HOSTILE_TEXT = ["", "\x00", "\x1f", "\x7f", "\x80", "é", "Привіт", "\u2028", "\ud800", "\udfff",
                "😀", "\U0010ffff", '"', "\\", "/", "null", "0.00001", "1e-06", "</script>"]
Pair = namedtuple("Pair", "left right")


@dataclasses.dataclass
class Point:
    x: int
    label: str


def standard(value: Any, **kwargs: Any) -> str:
    """What the standard provider wrote (json.dumps with Flask's default), compact unless
    indented or given other separators."""
    if kwargs.get("indent") is None:
        kwargs.setdefault("separators", COMPACT)
    kwargs.setdefault("ensure_ascii", True)
    return json.dumps(value, default=DefaultJSONProvider.default, **kwargs)


APP = Flask(__name__)  # a provider holds a weak reference to its app


@pytest.fixture(scope="module")
def provider() -> OrjsonProvider:
    return OrjsonProvider(APP)


texts = st.text(st.characters(exclude_categories=())) | st.sampled_from(HOSTILE_TEXT)
numbers = (st.integers() | st.floats() | st.integers(min_value=2**63 - 2, max_value=2**64 + 2)
           | st.sampled_from([1e-5, -2.5e-7, 1e16, 1e-4, 0.0001234, -0.0, 5e-324]))
objects = st.builds(
    lambda n, text, when: [dt.datetime(2024, 1, 2, 3, 4, 5), when, decimal.Decimal(n),
                           uuid.UUID(int=abs(n) % 2**128), Point(n, text), Pair(n, text)],
    st.integers(), texts, st.dates())
scalars = st.none() | st.booleans() | numbers | texts | objects
keys = texts | st.integers() | st.floats() | st.booleans() | st.none()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                      | st.tuples(inner, inner)
                      | st.dictionaries(keys, inner, max_size=5), max_leaves=30)


@settings(max_examples=500)
@given(values)
def test_hostile_values_are_written_as_json_wrote_them(provider, value):
    assert provider.dumps(value) == standard(value)


@settings(max_examples=200)
@given(st.dictionaries(texts, texts | st.integers() | st.none(), max_size=8))
def test_answers_are_the_bytes_of_the_standard_provider(provider, value):
    app = Flask(__name__)
    app.json.sort_keys = False
    assert provider.response(value).get_data() == app.json.response(value).get_data()


@pytest.mark.parametrize("value", [
    {"name": "Café 😀", "tags": {"12": "Ünïcode"}, "n": 2**70, "f": 1e-7},
    [[[[["deep"]]]]] * 3,
    {"nested": [{"x": None}, 0.1, float("nan"), float("inf"), -float("inf")]},
])
@pytest.mark.parametrize("kwargs", [{}, {"indent": 2}, {"separators": (", ", ": ")},
                                    {"ensure_ascii": False}, {"indent": None}])
def test_callers_options_are_kept(provider, value, kwargs):
    assert provider.dumps(value, **kwargs) == standard(value, **kwargs)


def test_nesting_past_orjsons_limit():
    deep: Any = "x"
    for _ in range(300):
        deep = [deep]
    assert OrjsonProvider(APP).dumps(deep) == standard(deep)


@pytest.mark.parametrize("value", [{1, 2}, object(), b"bytes", dt.time(1, 2)])
def test_what_json_refuses_is_refused(provider, value):
    with pytest.raises(TypeError):
        standard([value])
    with pytest.raises(TypeError):
        provider.dumps([value])


def test_a_circular_value_is_refused_as_json_refuses_it(provider):
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        provider.dumps(loop)


def test_debug_answers_are_indented_as_before():
    ours, theirs = Flask(__name__), Flask(__name__)
    ours.json = OrjsonProvider(ours)
    for app in (ours, theirs):
        app.debug, app.json.sort_keys = True, False
    value = {"b": [1, {"é": None}], "a": "x"}
    assert ours.json.response(value).get_data() == theirs.json.response(value).get_data()


def test_the_api_answers_through_the_provider(app, api, client):
    assert isinstance(app.json, OrjsonProvider)
    project = ok_data(api.call("post_project", title="Café 😀"))
    raw = api.get("get_project", {"id_project": project["id"]}).get_data()
    assert b'"name":"Caf\\u00e9 \\ud83d\\ude00"' in raw and raw.endswith(b"}\n")


@settings(max_examples=300)
@given(st.lists(values, min_size=1, max_size=6))
def test_a_streamed_chunk_is_the_rows_written_one_by_one(provider, rows):
    """A streamed list writes a chunk of rows in one call: the bytes of the rows each written
    as the standard provider wrote them, joined by commas (jsonify's list without brackets)."""
    try:
        expected = ",".join(standard(row) for row in rows)
    except (TypeError, ValueError):  # what json refuses, the stream refuses too
        with pytest.raises((TypeError, ValueError)):
            chunk_writer(provider)(rows)
        return
    assert chunk_writer(provider)(rows) == expected
