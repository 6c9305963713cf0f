"""Storable text: NUL and unpaired surrogates are refused with a message naming the rule."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.text import (
    TEXT_HOLDS_NUL,
    TEXT_HOLDS_SURROGATE,
    json_unstorable_reason,
    unstorable_reason,
    validate_storable_text,
)

# Every code point except the surrogates and NUL: what any database stores.
storable_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | storable_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(storable_text, children, max_size=4),
    max_leaves=12,
)


@given(storable_text)
def test_text_without_nul_or_surrogates_is_storable(value):
    assert unstorable_reason(value) is None
    value.encode("utf-8")


@given(storable_text, storable_text)
def test_a_nul_anywhere_is_refused(before, after):
    assert unstorable_reason(before + "\x00" + after) == TEXT_HOLDS_NUL


@given(storable_text, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), storable_text)
def test_an_unpaired_surrogate_anywhere_is_refused(before, surrogate, after):
    assert unstorable_reason(before + surrogate + after) == TEXT_HOLDS_SURROGATE


def test_a_surrogate_pair_escape_decodes_to_storable_text():
    assert unstorable_reason(json.loads('"\\ud83d\\ude00"')) is None


def test_a_lone_surrogate_escape_decodes_to_unstorable_text():
    assert unstorable_reason(json.loads('"\\ud800"')) == TEXT_HOLDS_SURROGATE


@given(json_values)
def test_json_built_from_storable_text_is_storable(value):
    assert json_unstorable_reason(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"a": ["b", {"c": "\x00"}]}, TEXT_HOLDS_NUL),
        ({"\ud800": 1}, TEXT_HOLDS_SURROGATE),
        (["ok", ["\udfff"]], TEXT_HOLDS_SURROGATE),
    ],
)
def test_json_is_judged_to_its_deepest_string_and_its_keys(value, reason):
    assert json_unstorable_reason(value) == reason


def test_the_validator_raises_the_rule():
    with pytest.raises(ValidationError) as raised:
        validate_storable_text("a\x00b")
    assert raised.value.messages == [TEXT_HOLDS_NUL]


def test_the_validator_passes_storable_json():
    validate_storable_text({"name": "Ærø ✓"})
