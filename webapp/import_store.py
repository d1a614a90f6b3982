"""Uploaded framework files kept on the server between preview and confirmation.

The browser only ever holds a random token; the file itself stays in the instance folder,
bound to the person who uploaded it, so nothing parsed can be altered between the preview and
the write. Files older than an hour are removed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class StoredUpload:
    token: str
    content: bytes
    filename: str
    file_format: str | None


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def purge_expired(now: float | None = None) -> None:
    """Remove uploads nobody confirmed within the hour."""
    limit = (now or time.time()) - MAX_AGE_SECONDS
    for path in _folder().glob("*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            continue


def store_upload(content: bytes, filename: str, file_format: str | None, user_id: int) -> str:
    """Keep an upload for ``user_id``; returns the token that names it."""
    purge_expired()
    token = secrets.token_urlsafe(24)
    folder = _folder()
    name = secure_filename(filename)[:120] or "framework"
    _write(folder / f"{token}.upload", content)
    meta = {"user_id": user_id, "filename": name, "format": file_format, "created": time.time()}
    _write(folder / f"{token}.json", json.dumps(meta).encode())
    return token


def load_upload(token: str, user_id: int) -> StoredUpload | None:
    """The upload named by ``token`` if it exists, is fresh and belongs to ``user_id``."""
    if not TOKEN_PATTERN.match(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        content = (folder / f"{token}.upload").read_bytes()
    except (FileNotFoundError, ValueError):
        return None
    if meta.get("user_id") != user_id or time.time() - meta.get("created", 0) > MAX_AGE_SECONDS:
        return None
    return StoredUpload(token, content, meta["filename"], meta.get("format"))


def discard_upload(token: str) -> None:
    """Forget an upload (after it was written or cancelled)."""
    if not TOKEN_PATTERN.match(token):
        return
    for suffix in (".upload", ".json"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)
