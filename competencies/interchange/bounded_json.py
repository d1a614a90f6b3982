"""JSON from uploads, refused with a message when it nests deeper than any real file does.

Python's parser recurses once per level: a few thousand brackets raise RecursionError, and
a depth just below that can still exhaust the stack in whatever walks the result next.
"""

from __future__ import annotations

import json
import re
from typing import Any

# CASE packages and Moodle's scale configuration nest a handful of levels.
MAX_DEPTH = 64
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeeplyNestedError(ValueError):
    """The JSON nests deeper than ``MAX_DEPTH``."""

    def __init__(self, depth_limit: int) -> None:
        super().__init__(
            f"The JSON nests deeper than {depth_limit} levels, which no framework file does. "
            "Check that this is the file you meant to upload."
        )


def nesting_depth(text: str) -> int:
    """How deep brackets nest in ``text``, ignoring brackets inside strings."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_bounded(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads(text)``, refused with TooDeeplyNestedError past ``max_depth`` levels."""
    if nesting_depth(text) > max_depth:
        raise TooDeeplyNestedError(max_depth)
    try:
        return json.loads(text)
    except RecursionError:  # only reachable with a max_depth beyond the interpreter's limit
        raise TooDeeplyNestedError(max_depth) from None
