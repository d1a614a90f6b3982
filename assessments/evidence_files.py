"""Checking and storing uploaded evidence files.

The type of a file is decided by its first bytes, never by its name or the browser's claim;
the name only has to agree. Files live under a storage folder outside ``static/`` with a random
name, so nothing a person uploads is ever served as a page or reachable by guessing a path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.errors import ValidationError

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
MAX_NAME_LENGTH = 150
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
# Control characters other than tab, newline, carriage return and form feed: not plain text.
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FileType:
    """An accepted kind of file: its content type and the name endings that go with it."""

    content_type: str
    label: str
    extensions: tuple[str, ...]


PDF = FileType("application/pdf", "PDF document", (".pdf",))
PNG = FileType("image/png", "PNG image", (".png",))
JPEG = FileType("image/jpeg", "JPEG image", (".jpg", ".jpeg"))
TEXT = FileType("text/plain", "plain text", (".txt",))
ALLOWED_TYPES: tuple[FileType, ...] = (PDF, PNG, JPEG, TEXT)
ALLOWED_EXTENSIONS: tuple[str, ...] = tuple(e for t in ALLOWED_TYPES for e in t.extensions)


def allowed_types_text() -> str:
    """A sentence naming the accepted file types, for forms and messages."""
    return "PDF, PNG, JPEG or plain text (.txt)"


def detect_file_type(data: bytes) -> FileType | None:
    """The accepted type whose signature the bytes carry, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _BINARY_CONTROL.search(text):
        return None
    return TEXT


def clean_upload_name(name: str) -> str:
    """The file name as given, if it is a plain name; raises ValidationError otherwise.

    Names with folders (``../x``, ``a/b``, ``C:\\x``) are refused rather than silently cut, so
    a crafted request never gets a name that means something to the file system.
    """
    name = unicodedata.normalize("NFC", name or "").strip()
    problems = []
    if not name:
        problems.append("The file has no name.")
    elif "/" in name or "\\" in name or name in {".", ".."} or ".." in name:
        problems.append("The file name must not contain folders or '..'.")
    elif any(unicodedata.category(ch).startswith("C") for ch in name):
        problems.append("The file name contains control characters.")
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(f"The file name is longer than {MAX_NAME_LENGTH} characters.")
    if problems:
        raise ValidationError("The file was not accepted.", problems=problems)
    return name


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, ready to be stored."""

    original_name: str
    file_type: FileType
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def check_upload(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedUpload:
    """Check name, size and content of an upload; raises ValidationError with the reason."""
    original = clean_upload_name(name)
    if not data:
        raise ValidationError("The file was not accepted.", problems=["The file is empty."])
    if len(data) > max_bytes:
        limit = f"{max_bytes / (1024 * 1024):.1f} MB"
        raise ValidationError(
            "The file was not accepted.", problems=[f"The file is larger than {limit}."]
        )
    file_type = detect_file_type(data)
    if file_type is None:
        raise ValidationError(
            "The file was not accepted.",
            problems=[f"Its content is not one of the accepted types: {allowed_types_text()}."],
        )
    extension = os.path.splitext(original)[1].lower()
    if extension not in file_type.extensions:
        raise ValidationError(
            "The file was not accepted.",
            problems=[
                f"The content is a {file_type.label}, but the name ends in "
                f"'{extension or '(nothing)'}'. Name it with {' or '.join(file_type.extensions)}."
            ],
        )
    return CheckedUpload(original, file_type, data, hashlib.sha256(data).hexdigest())


class EvidenceStore:
    """A folder holding evidence files under random names."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, upload: CheckedUpload) -> str:
        """Write the file under a new random name and return that name."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        stored_name = secrets.token_hex(16)
        path = self.root / stored_name
        # O_EXCL: never overwrite an existing file, even on a (practically impossible) collision.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(upload.data)
        return stored_name

    def delete(self, stored_name: str) -> bool:
        """Delete a stored file; False when it was not there."""
        try:
            self.path_for(stored_name).unlink()
        except FileNotFoundError:
            return False
        return True

    def delete_orphans(self, known: set[str], older_than_seconds: float) -> int:
        """Delete stored files that no evidence row names and that are older than
        ``older_than_seconds`` (younger ones may belong to an upload still being saved)."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.root.iterdir():
            if _STORED_NAME.fullmatch(path.name) and path.name not in known:
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
        return removed

    def path_for(self, stored_name: str) -> Path:
        """The path of a stored file; refuses anything that is not one of our random names."""
        if not _STORED_NAME.fullmatch(stored_name or ""):
            raise ValueError("not a stored evidence name")
        return self.root / stored_name
