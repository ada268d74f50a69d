"""Fixed vocabularies of the catalogue, with the names an official list uses for them."""

from __future__ import annotations

from marketplace.models import TransferMode

#: Each transfer mode's name in Vietnamese and English (the importer accepts these and the mode keys).
TRANSFER_MODE_NAMES: dict[TransferMode, tuple[str, str]] = {
    TransferMode.LICENSE: ("Chuyển giao quyền sử dụng", "License"),
    TransferMode.TURNKEY: ("Chuyển giao trọn gói", "Turnkey transfer"),
    TransferMode.CONSULTING: ("Tư vấn", "Consulting"),
    TransferMode.JOINT_VENTURE: ("Liên doanh, liên kết", "Joint venture"),
    TransferMode.TRAINING: ("Đào tạo", "Training"),
}
