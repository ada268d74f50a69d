"""The columns of the Academy's list: keys, the Vietnamese headers accepted for them, and how names are matched.

Headers, sector names, transfer-mode names and institute names are all compared through :func:`normalize`, so that
"Mã số", "MÃ SỐ", "Ma so" and "ma_so" are the same header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from matching.text import fold_diacritics

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def normalize(text: str) -> str:
    """Fold accents and case, and reduce every run of other characters to one space: ``"Mã số (*)"`` → ``"ma so"``."""
    return _NOT_ALNUM.sub(" ", fold_diacritics(text).casefold()).strip()


@dataclass(frozen=True)
class Column:
    """One column of the file format.

    :param key: the column's key, also its header in exported files.
    :param aliases: other headers accepted for it (Vietnamese first: the first one is shown as "the" Vietnamese header).
    :param required: whether a file without this column is refused.
    :param hint: what a cell holds, for the upload page.
    """

    key: str
    label: Any
    aliases: tuple[str, ...]
    required: bool = False
    hint: Any = None


COLUMNS: tuple[Column, ...] = (
    Column("code", _l("Code"), ("Mã số", "Mã", "Mã công nghệ", "Mã số công nghệ", "Số hiệu"), required=True,
           hint=_l("The Academy's identifier, unique; a technology with the same code is updated.")),
    Column("title", _l("Title (Vietnamese)"),
           ("Tên công nghệ", "Tên", "Tên tiếng Việt", "Tên công nghệ (tiếng Việt)"), required=True),
    Column("title_en", _l("Title (English)"),
           ("Tên tiếng Anh", "Tên công nghệ (tiếng Anh)", "Tên công nghệ tiếng Anh", "English title")),
    Column("summary", _l("Summary"), ("Tóm tắt", "Tóm tắt công nghệ", "Mô tả tóm tắt", "Giới thiệu tóm tắt")),
    Column("description", _l("Description (Vietnamese)"),
           ("Mô tả", "Mô tả chi tiết", "Mô tả công nghệ", "Mô tả (tiếng Việt)", "Nội dung công nghệ")),
    Column("institute", _l("Institute"),
           ("Cơ quan chủ trì", "Đơn vị", "Đơn vị chủ trì", "Cơ quan", "Tổ chức chủ trì", "Đơn vị sở hữu", "Viện",
            "Institution"), required=True,
           hint=_l("An institute's name or short name; an institute not yet known is created.")),
    Column("sectors", _l("Sectors"), ("Lĩnh vực", "Ngành", "Các lĩnh vực", "Ngành, lĩnh vực", "Lĩnh vực ứng dụng",
                                      "Sector"), required=True,
           hint=_l("One or more, separated by “;”: a sector's code or its Vietnamese or English name.")),
    Column("keywords", _l("Keywords"), ("Từ khóa", "Các từ khóa", "Keyword"),
           hint=_l("Separated by “;”.")),
    Column("trl", _l("Technology readiness level (TRL)"),
           ("Mức độ sẵn sàng", "Mức độ sẵn sàng công nghệ", "Mức độ sẵn sàng (TRL)", "Mức sẵn sàng",
            "Mức độ sẵn sàng của công nghệ", "Readiness"), required=True,
           hint=_l("A whole number from 1 to 9.")),
    Column("transfer_modes", _l("Transfer modes"),
           ("Hình thức chuyển giao", "Phương thức chuyển giao", "Hình thức", "Transfer mode"),
           hint=_l("Separated by “;”: license, turnkey, consulting, joint_venture, training, or their names.")),
    Column("contact", _l("Contact"), ("Liên hệ", "Người liên hệ", "Thông tin liên hệ", "Đầu mối liên hệ"),
           hint=_l("“Name; email; phone”.")),
    Column("description_en", _l("Description (English)"),
           ("Mô tả tiếng Anh", "Mô tả (tiếng Anh)", "Mô tả bằng tiếng Anh", "English description")),
    Column("price_min", _l("Indicative price from (VND)"),
           ("Giá từ", "Giá tối thiểu", "Giá thấp nhất", "Giá tham khảo từ", "Giá từ (VNĐ)", "Price from"),
           hint=_l("A whole number of dong, e.g. 1500000 or 1.500.000.")),
    Column("price_max", _l("Indicative price up to (VND)"),
           ("Giá đến", "Giá tối đa", "Giá cao nhất", "Giá tham khảo đến", "Giá đến (VNĐ)", "Price up to"),
           hint=_l("A whole number of dong, e.g. 1500000 or 1.500.000.")),
    Column("price_negotiable", _l("Price negotiable"),
           ("Giá thỏa thuận", "Thỏa thuận giá", "Giá thương lượng", "Thỏa thuận", "Negotiable"),
           hint=_l("“yes” or “no” (also “có”/“không”); empty means no.")),
    Column("ip_status", _l("Intellectual property"),
           ("Sở hữu trí tuệ", "Tình trạng sở hữu trí tuệ", "Tình trạng bảo hộ", "Văn bằng bảo hộ", "IP status")),
    Column("applications", _l("Where it is already applied"),
           ("Đã ứng dụng tại", "Đã ứng dụng", "Nơi đã ứng dụng", "Địa chỉ ứng dụng", "Kết quả ứng dụng")),
)

COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
KEYS = tuple(column.key for column in COLUMNS)
REQUIRED_KEYS = tuple(column.key for column in COLUMNS if column.required)

#: Headers of columns that hold row numbers ("STT" in Vietnamese lists): ignored without a warning.
IGNORED_HEADERS = frozenset(normalize(h) for h in ("STT", "TT", "Số TT", "Số thứ tự", "No", "No.", "#"))


def header_index(columns: Iterable[Column]) -> dict[str, str]:
    """Normalized header → column key, for the keys and aliases of a file format's ``columns``."""
    index: dict[str, str] = {}
    for column in columns:
        for header in (column.key, *column.aliases):
            name = normalize(header)
            # NOTE: two columns must never share an alias once folded ("Mô tả" and "Mo ta" are the same header).
            assert index.get(name, column.key) == column.key, f"header {header!r} is ambiguous"
            index[name] = column.key
    return index


HEADER_INDEX = header_index(COLUMNS)


def match_header(header: str, index: Mapping[str, str]) -> str | None:
    """The key of the column a header names in a file format's ``index`` (from :func:`header_index`), or None.

    A header may carry a remark in parentheses ("Mã số (*)", "Liên hệ (họ tên; email; điện thoại)"); it is tried
    without the remark when the whole header is not known.
    """
    key = index.get(normalize(header))
    if key is None:
        key = index.get(normalize(_PARENTHESES.sub(" ", header)))
    return key


def column_for_header(header: str) -> str | None:
    """The key of the column of the Academy's list a header names, or None."""
    return match_header(header, HEADER_INDEX)
