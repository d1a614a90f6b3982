"""JSON from uploads: parsed as usual, refused with a message when nested absurdly deep."""

import pytest

from competencies.interchange.bounded_json import (
    TooDeeplyNestedError,
    loads_bounded,
    nesting_depth,
)


def test_depth_counts_brackets_outside_strings_only():
    assert nesting_depth('{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert nesting_depth('"\\"[[["') == 0
    assert nesting_depth("[]") == 1


def test_ordinary_json_loads_as_usual():
    assert loads_bounded('{"a": [1, 2, {"b": null}]}') == {"a": [1, 2, {"b": None}]}


@pytest.mark.parametrize("depth", [65, 5_000, 200_000])
def test_json_nested_past_the_limit_is_refused_with_a_message(depth):
    with pytest.raises(TooDeeplyNestedError, match="nests deeper than 64 levels"):
        loads_bounded("[" * depth + "]" * depth)
