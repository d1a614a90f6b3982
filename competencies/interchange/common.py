"""What both formats share: decoding uploaded bytes, and the preview an import produces."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from competencies.spec import FrameworkSpec

CSV, CASE = "csv", "case"
FORMATS = (CSV, CASE)
FORMAT_LABELS = {CSV: "CSV (Moodle competency framework layout)", CASE: "CASE 1.0 JSON package"}


@dataclass
class ImportPreview:
    """A parsed file: the framework it describes, or the problems that stop it being imported.

    ``problems`` name a line or an item each; while there is one, nothing may be written.
    ``notes`` report what was understood but is not kept (e.g. Moodle completion rules).
    """

    format: str
    filename: str
    spec: FrameworkSpec | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.spec is not None and not self.problems

    @property
    def counts(self) -> dict[str, int]:
        """How many of each kind of object the import would create."""
        if self.spec is None:
            return {}
        spec = self.spec
        return {
            "scale levels": len(spec.scale_levels),
            "areas": len(spec.areas),
            "competencies": len(spec.competencies),
            "sub-competencies": sum(1 for c in spec.competencies if c.parent_code),
            "level indicators": sum(len(c.descriptors) for c in spec.competencies),
            "crosswalk codes": sum(len(c.crosswalk) for c in spec.competencies),
            "relations": sum(len(c.related) for c in spec.competencies) // 2,
        }


def decode_upload(content: bytes) -> tuple[str | None, str | None]:
    """The text of an uploaded file (UTF-8, with or without BOM, or UTF-16 with BOM).

    Returns (text, None), or (None, a problem a person can act on).
    """
    if not content.strip():
        return None, "The file is empty."
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), None
        except UnicodeDecodeError as error:
            return None, f"The file says it is UTF-16 but is not readable as such: {error.reason}."
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        byte = content[error.start : error.start + 1].hex()
        return None, (
            f"The file is not UTF-8 encoded (line {line} has the byte 0x{byte}, e.g. from "
            "Latin-1 or Windows-1252). Save it as UTF-8 and upload it again."
        )
    if "\x00" in text:
        return None, "The file contains NUL bytes; it is not a text file."
    return text, None


def guess_format(filename: str, content: bytes) -> str:
    """``case`` for JSON packages, ``csv`` otherwise: by extension first, then by content."""
    name = filename.lower()
    if name.endswith(".json"):
        return CASE
    if name.endswith((".csv", ".txt")):
        return CSV
    head = content.lstrip(codecs.BOM_UTF8).lstrip()[:1]
    return CASE if head in (b"{", b"[") else CSV
