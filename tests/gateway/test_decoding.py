"""Query strings and forms read into pairs: with nothing to decode (no ``%``, no ``+``) they are
split as written, and must give exactly what ``parse_qsl`` gives, limits and refusals included."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.gateway.decoding import MAX_PARAMS, parse_pairs
from schemas.envelope import BadRequest

PIECES = st.sampled_from(["a", "b", "=", "&", ";", "[", "]", "x", " ", "é", "\x00", "%41", "+"])


def as_parse_qsl(text: str) -> list[tuple[str, str]] | str:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                         max_num_fields=MAX_PARAMS)
    except ValueError:
        return "refused"


def read(text: str) -> list[tuple[str, str]] | str:
    try:
        return parse_pairs(text, "the query string")
    except BadRequest:
        return "refused"


@given(st.lists(PIECES, max_size=30).map("".join))
def test_the_pairs_are_parse_qsl_s(text):
    assert read(text) == as_parse_qsl(text)


@pytest.mark.parametrize("fields", [MAX_PARAMS - 1, MAX_PARAMS, MAX_PARAMS + 1])
@pytest.mark.parametrize("pair", ["a=1", "a", ""])
def test_the_field_limit_is_parse_qsl_s(fields, pair):
    text = "&".join([pair] * fields)
    assert read(text) == as_parse_qsl(text)
