"""Ids and versions from a request: whole numbers in the databases' integer range, or None."""

import pytest

from webapp.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999", None),
        ("", None),
        (None, None),
        ("-1", None),
        ("1e3", None),
        (" 7", None),
        ("٣", None),  # an Arabic-Indic digit is decimal to Python, but not an id
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected
