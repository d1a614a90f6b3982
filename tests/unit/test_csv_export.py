"""CSV cells that a spreadsheet would run as formulas are neutralised (security case 12)."""

import csv
import io

import pytest

from core.csv_export import neutralise_cell, to_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ann O'Neil", "Ann O'Neil"),
        ("a=b", "a=b"),
        (3, "3"),
        (None, ""),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_to_csv_quotes_and_neutralises_every_cell():
    text = to_csv([["name", "note"], ["=cmd|' /C calc'!A0", 'say "hi", then go']])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "note"], ["'=cmd|' /C calc'!A0", 'say "hi", then go']]
    assert text.endswith("\r\n")


def test_a_restored_cell_is_the_text_that_was_neutralised():
    from core.csv_export import restore_cell

    for text in ("=SUM(A1)", "+1", "plain", "'quoted", "@home"):
        assert restore_cell(neutralise_cell(text)) == text
