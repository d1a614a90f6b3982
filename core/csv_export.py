"""CSV for spreadsheets, safe against formula injection (OWASP "CSV injection").

A cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
carriage return) gets a leading apostrophe, so it is shown as the text it is and never run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula."""
    return text.startswith(FORMULA_STARTS)


def restore_cell(cell: str) -> str:
    """Undo ``neutralise_cell`` on a cell read back: the quote in front of a formula goes."""
    return cell[1:] if cell.startswith("'") and looks_like_formula(cell[1:]) else cell


def neutralise_cell(value: object) -> str:
    """The cell as text; a would-be formula is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text (RFC 4180 line endings), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return buffer.getvalue()
