"""Uploaded lists waiting between the preview and the confirmation, stored under generated names.

The file lives in ``IMPORT_DIR`` (``instance/imports`` by default) as ``<32 hex digits>.<csv|xlsx>``; the session
of the staff member who uploaded it remembers that name and the file's original name. The user's file name is never
used as a path.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, session

SESSION_KEY = "pending_import"
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")
#: Uploads older than this are removed when the next one arrives (previews that were never confirmed).
MAX_AGE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class PendingUpload:
    stored_name: str
    file_name: str

    @property
    def path(self) -> Path:
        return import_dir() / self.stored_name


def import_dir() -> Path:
    """Where uploads wait: ``IMPORT_DIR``, else ``instance/imports``."""
    return Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")


def store(data: bytes, file_name: str, kind: str) -> PendingUpload:
    """Save an upload under a generated name and remember it in the session (replacing an earlier one)."""
    discard()
    _remove_stale()
    directory = import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    upload = PendingUpload(f"{secrets.token_hex(16)}.{kind}", file_name[-255:])
    upload.path.write_bytes(data)
    session[SESSION_KEY] = {"stored": upload.stored_name, "name": upload.file_name}
    return upload


def current() -> PendingUpload | None:
    """The upload waiting in this session, if its file is still there."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, dict) or not STORED_NAME.fullmatch(str(value.get("stored", ""))):
        return None
    upload = PendingUpload(value["stored"], str(value.get("name") or value["stored"]))
    if not upload.path.is_file():
        session.pop(SESSION_KEY, None)
        return None
    return upload


def discard() -> None:
    """Remove the upload waiting in this session, file included."""
    upload = current()
    session.pop(SESSION_KEY, None)
    if upload is not None:
        upload.path.unlink(missing_ok=True)


def _remove_stale() -> None:
    directory = import_dir()
    if not directory.is_dir():
        return
    cutoff = time.time() - MAX_AGE_SECONDS
    for entry in os.scandir(directory):
        if STORED_NAME.fullmatch(entry.name) and entry.stat().st_mtime < cutoff:
            Path(entry.path).unlink(missing_ok=True)
