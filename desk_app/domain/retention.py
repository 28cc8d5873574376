"""How long a closed dossier's personal data stays on the desk, per procedure field (lĩnh vực), and what is removed.

The setting ``personal_data_retention`` reads ``CT=2,BTXH=5,HT=0``: for each field code the number of whole years
after the dossier was closed (returned, refused, withdrawn, stopped, voided) that its personal data is kept. ``0`` or a
field not named: kept for ever (hộ tịch registers are permanent by law).

What is removed: the applicant's ID number, birth date, sex, phone, email and address, and the address for the
result. What is kept: the applicant's NAME (the ledger, Sổ theo dõi hồ sơ, is an official register of who lodged
what, and it names the applicant), the procedure, the dates, the lifecycle, the documents list (names of papers, no
personal data), fees and the ledger number. Pure: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from desk_app.domain.errors import ValidationError

MAX_YEARS = 100
FIELD_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")
SETTING_EXAMPLE = "CT=2,BTXH=5"

# The applicant's details removed when the period ends (the name stays: see the module's docstring).
REDACTED_APPLICANT_KEYS = ("id_number", "birth_date", "sex", "phone", "email", "address")
# The dossier row's columns cleared with them.
REDACTED_COLUMNS = (*REDACTED_APPLICANT_KEYS, "return_address")
# A correction of one of these fields carries the personal value in ``old`` and ``new``.
REDACTED_CORRECTIONS = frozenset({*REDACTED_APPLICANT_KEYS, "return_address"})

REDACTED_VN = {
    "id_number": "số giấy tờ tùy thân", "birth_date": "ngày sinh", "sex": "giới tính", "phone": "điện thoại",
    "email": "email", "address": "địa chỉ", "return_address": "địa chỉ nhận kết quả",
}


def _entries(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def parse_retention(text: str) -> dict[str, int]:
    """The years per field code from the setting's text; raises a Vietnamese ``ValidationError`` naming the entry."""
    rules: dict[str, int] = {}
    for entry in _entries(text):
        code_text, sep, years_text = entry.replace(":", "=").partition("=")
        code = code_text.strip().upper()
        if not sep or not code:
            raise ValidationError(f"Không hiểu mục '{entry}': mỗi mục ghi dạng MÃ_LĨNH_VỰC=SỐ_NĂM, cách nhau dấu "
                                  f"phẩy, ví dụ {SETTING_EXAMPLE}.")
        if not FIELD_CODE_RE.match(code):
            raise ValidationError(f"Mã lĩnh vực '{code_text.strip()}' không hợp lệ: mã gồm chữ cái in hoa và chữ số, "
                                  "ví dụ HT (Hộ tịch), CT (Chứng thực).")
        try:
            years = int(years_text.strip())
        except ValueError:
            raise ValidationError(f"Số năm lưu của lĩnh vực {code} phải là số nguyên từ 0 đến {MAX_YEARS} (đang là "
                                  f"'{years_text.strip()}').") from None
        if not 0 <= years <= MAX_YEARS:
            raise ValidationError(f"Số năm lưu của lĩnh vực {code} phải từ 0 đến {MAX_YEARS} (đang là {years}).")
        if code in rules:
            raise ValidationError(f"Lĩnh vực {code} được ghi hai lần; mỗi lĩnh vực chỉ ghi một số năm.")
        rules[code] = years
    return rules


def format_retention(rules: Mapping[str, int]) -> str:
    """The setting's stored text: codes in order, ``CODE=N`` joined by commas."""
    return ",".join(f"{code}={years}" for code, years in sorted(rules.items()))


def normalise_retention(text: str) -> str:
    return format_retention(parse_retention(text))


def check_known_fields(rules: Mapping[str, int], known: Mapping[str, str]) -> None:
    """Refuse a field code the catalog does not have (``known``: code → Vietnamese name)."""
    unknown = sorted(code for code in rules if code not in known)
    if unknown:
        listed = ", ".join(f"{code} ({name})" for code, name in sorted(known.items())) or "chưa có"
        raise ValidationError(f"Không có lĩnh vực '{unknown[0]}' trong danh mục thủ tục. Các lĩnh vực: {listed}.")


def in_force(rules: Mapping[str, int]) -> dict[str, int]:
    """Only the fields whose data is ever removed (0 means kept for ever)."""
    return {code: years for code, years in rules.items() if years > 0}


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """``moment`` moved back by whole calendar years (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def redact_payload(kind: str, payload: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The event's payload with its personal data set to null (keys kept, so every reader still finds them), and
    the paths of the values that were cleared (empty when the event held none)."""
    clean: dict[str, Any] = dict(payload)
    cleared: list[str] = []
    if kind == "received":
        applicant = clean.get("applicant")
        if isinstance(applicant, Mapping):
            applicant = dict(applicant)
            for key in REDACTED_APPLICANT_KEYS:
                if applicant.get(key) is not None:
                    applicant[key] = None
                    cleared.append(f"applicant.{key}")
            clean["applicant"] = applicant
        if clean.get("return_address") is not None:
            clean["return_address"] = None
            cleared.append("return_address")
    elif kind == "corrected" and clean.get("field") in REDACTED_CORRECTIONS:
        for key in ("old", "new"):
            if clean.get(key) is not None:
                clean[key] = None
                cleared.append(key)
    return clean, cleared
