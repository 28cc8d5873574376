"""The QR code on a chip-based citizen ID card (CCCD), as a 2D scanner types it.

The text is ``ID|OLD_ID|FULL NAME|DDMMYYYY|SEX|ADDRESS|ISSUE_DATE`` (12-digit CCCD; the old 9-digit CMND may be
empty; sex "Nam" or "Nữ"), e.g. ``087084000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng
Tháp|15082021``. Variants seen in the wild are tolerated: labelled fields (``CCCD:…|Họ tên:…``), dates with
slashes, a trailing CR/LF, decomposed Unicode (NFD) from some scanner drivers. Everything read is checked by the
same validators as typed input, and the card's century/sex digit must agree with the birth date and sex on it.
Pure Python: no Qt, no database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from desk_app.domain.errors import ValidationError
from desk_app.domain.validation import (
    Sex,
    nfc,
    normalize_name,
    parse_date_vn,
    parse_sex,
    validate_birth_date,
    validate_id_number,
    vn_fold,
)

FIELD = "scan"  # where a refusal is shown: the field the scan arrived in
_ORDER = ("id_number", "old_id", "name", "birth_date", "sex", "address", "issue_date")
# Labels some readers put before each value, folded (no accents, lower case).
_LABELS: dict[str, str] = {
    "cccd": "id_number", "so cccd": "id_number", "so can cuoc": "id_number", "can cuoc": "id_number",
    "so dinh danh": "id_number", "id": "id_number",
    "cmnd": "old_id", "so cmnd": "old_id", "cmnd cu": "old_id",
    "ho ten": "name", "ho va ten": "name", "ten": "name",
    "ngay sinh": "birth_date", "ngay thang nam sinh": "birth_date",
    "gioi tinh": "sex",
    "dia chi": "address", "noi thuong tru": "address", "noi cu tru": "address", "thuong tru": "address",
    "ngay cap": "issue_date", "ngay cap cccd": "issue_date",
}
_LABELLED = re.compile(r"^\s*([^\d:|]{1,30}?)\s*:\s*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class CccdCard:
    id_number: str
    old_id: str | None
    name: str
    birth_date: dt.date
    sex: Sex
    address: str | None
    issue_date: dt.date | None


def looks_like_cccd_qr(text: str) -> bool:
    """Whether a scan is a CCCD QR (and not a dossier code or typed text): fields separated by "|", the first of
    them (after any label) 12 digits, or 9 to 13 digits so that a mistyped number is refused with a reason."""
    if not isinstance(text, str) or text.count("|") < 4:
        return False
    first = _value_of(nfc(text).strip().split("|", 1)[0])[1]
    return bool(re.fullmatch(r"\d{9,13}", first.strip()))


def _value_of(part: str) -> tuple[str | None, str]:
    """(the field a known label names, the value) of one part; (None, part) when it carries no known label."""
    match = _LABELLED.match(part)
    if match:
        key = _LABELS.get(vn_fold(match[1]).strip())
        if key is not None:
            return key, match[2]
    return None, part


def _refused(reason: str) -> ValidationError:
    return ValidationError(f"Mã QR trên CCCD không dùng được: {reason} Hãy quét lại, hoặc nhập tay.", field=FIELD)


def _fields(text: str) -> dict[str, str]:
    parts = nfc(text).strip().strip("\r\n").split("|")
    while parts and not parts[-1].strip():
        parts.pop()  # a trailing separator
    values: dict[str, str] = {}
    labelled = [_value_of(p) for p in parts]
    if any(key is not None for key, _ in labelled):
        for position, (key, value) in enumerate(labelled):
            name = key or (_ORDER[position] if position < len(_ORDER) else None)
            if name is None:
                raise _refused(f"có {len(parts)} trường, nhiều hơn {len(_ORDER)} trường của thẻ.")
            if name in values:
                raise _refused(f"trường '{name}' xuất hiện hai lần.")
            values[name] = value.strip()
    else:
        if not 6 <= len(parts) <= len(_ORDER):
            raise _refused(f"cần {len(_ORDER)} trường ngăn bởi dấu '|' (số CCCD, CMND cũ, họ tên, ngày sinh, giới "
                           f"tính, địa chỉ, ngày cấp), mã này có {len(parts)}.")
        values = {name: value.strip() for name, value in zip(_ORDER, parts, strict=False)}
    for required, label in (("id_number", "số CCCD"), ("name", "họ tên"), ("birth_date", "ngày sinh"),
                            ("sex", "giới tính")):
        if not values.get(required):
            raise _refused(f"thiếu {label}.")
    return values


def _date(text: str, what: str) -> dt.date:
    try:
        return parse_date_vn(text)
    except ValidationError:
        raise _refused(f"{what} '{text}' không phải một ngày có thật (dạng NGÀYTHÁNGNĂM, ví dụ 06051984).") from None


def parse_cccd_qr(text: str, *, today: dt.date) -> CccdCard:
    """The card's data, checked; raises :class:`ValidationError` (field ``scan``) saying why nothing can be used.

    Nothing is filled from a half-valid code: either every field is right, or the whole scan is refused.
    """
    values = _fields(text)
    digits = re.sub(r"[\s.]", "", values["id_number"])
    if not re.fullmatch(r"\d{12}", digits):
        raise _refused(f"số CCCD phải gồm đúng 12 chữ số (mã này có '{values['id_number']}').")
    old_id = re.sub(r"[\s.]", "", values.get("old_id", "")) or None
    if old_id is not None and not re.fullmatch(r"\d{9}|\d{12}", old_id):
        raise _refused(f"số CMND cũ phải gồm 9 chữ số (mã này có '{values['old_id']}').")
    try:
        name = normalize_name(values["name"])
        sex = parse_sex(values["sex"])
    except ValidationError as error:
        raise _refused(error.message) from None
    birth = _date(values["birth_date"], "ngày sinh")
    try:
        validate_birth_date(birth, today=today)
        validate_id_number(digits, birth_date=birth, sex=sex)
    except ValidationError as error:
        raise _refused(error.message) from None
    issued = _date(values["issue_date"], "ngày cấp") if values.get("issue_date") else None
    if issued is not None and not birth <= issued <= today:
        raise _refused(f"ngày cấp {issued:%d/%m/%Y} phải sau ngày sinh và không sau hôm nay.")
    address = " ".join(values.get("address", "").split()) or None
    return CccdCard(digits, old_id, name, birth, sex, address, issued)
