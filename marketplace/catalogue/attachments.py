"""Attachments of a listing: checked by content (not by name), stored under generated names, served as stored."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.audit import record_event
from marketplace.catalogue.services import CatalogueError
from marketplace.extensions import db
from marketplace.models import AttachmentKind, Technology, TechnologyAttachment, User
from marketplace.web import without_control_characters

MAX_ATTACHMENTS = 12

# (leading bytes, content type, extension, kind); WebP also needs "WEBP" at offset 8.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf", AttachmentKind.BROCHURE),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png", AttachmentKind.IMAGE),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg", AttachmentKind.IMAGE),
    (b"RIFF", "image/webp", ".webp", AttachmentKind.IMAGE),
)


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def sniff(head: bytes) -> tuple[str, str, AttachmentKind] | None:
    """(content type, extension, kind) of a file from its first bytes, or None when it is not an accepted type."""
    for signature, content_type, extension, kind in _SIGNATURES:
        if head.startswith(signature) and (content_type != "image/webp" or head[8:12] == b"WEBP"):
            return content_type, extension, kind
    return None


def add_attachment(technology: Technology, user: User, stream: BinaryIO, filename: str) -> TechnologyAttachment:
    """Check and store an uploaded file, and attach it to ``technology``.

    :raises CatalogueError: for a type that is not PDF/PNG/JPEG/WebP, a file too large, or too many attachments.
    """
    if len(technology.attachments) >= MAX_ATTACHMENTS:
        raise CatalogueError(_l("A technology can have at most %(count)d attachments.", count=MAX_ATTACHMENTS))
    head = stream.read(16)
    detected = sniff(head)
    if detected is None:
        raise CatalogueError(_l("Only PDF brochures and PNG, JPEG or WebP images can be attached; this file is "
                                "neither."))
    content_type, extension, kind = detected
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    body = head + stream.read(limit + 1 - len(head))
    if len(body) > limit:
        raise CatalogueError(_l("The file is larger than %(limit)d MB.", limit=limit // (1024 * 1024)))
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = f"{uuid.uuid4().hex}{extension}"
    temporary = directory / f".{stored_name}.part"
    temporary.write_bytes(body)
    os.replace(temporary, directory / stored_name)
    original = without_control_characters(os.path.basename(filename.replace("\\", "/"))).strip()[:255] or stored_name
    attachment = TechnologyAttachment(technology=technology, kind=kind, original_name=original,
                                      stored_name=stored_name, content_type=content_type, size=len(body))
    db.session.add(attachment)
    db.session.flush()
    record_event("technology.attach", "technology", technology.id, actor=user,
                 data={"attachment": attachment.id, "name": original, "type": content_type})
    return attachment


def remove_attachment(attachment: TechnologyAttachment, user: User) -> Path:
    """Detach a file. Returns its path: the caller deletes it after the commit, so a failed commit loses nothing."""
    record_event("technology.detach", "technology", attachment.technology_id, actor=user,
                 data={"attachment": attachment.id, "name": attachment.original_name})
    db.session.delete(attachment)
    db.session.flush()
    return upload_dir() / attachment.stored_name


def stored_path(attachment: TechnologyAttachment) -> Path:
    return upload_dir() / attachment.stored_name
