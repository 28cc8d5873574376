"""The applicant's details as typed at the counter, checked and normalised by the domain's validators."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from desk_app.domain.errors import ValidationError
from desk_app.domain.validation import (
    Sex,
    clean_text,
    normalize_name,
    normalize_phone,
    parse_date_vn,
    parse_sex,
    validate_birth_date,
    validate_email,
    validate_id_number,
    vn_fold,
)
from desk_app.store.models import Dossier


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id_number": self.id_number,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex.value if self.sex else None,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }


APPLICANT_FIELDS = ("name", "id_number", "birth_date", "sex", "phone", "email", "address")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _address(value: str) -> str:
    text = clean_text(value, field="address", label="Địa chỉ", max_length=300)
    if len(text) > 300:
        raise ValidationError("Địa chỉ quá dài (tối đa 300 ký tự).", field="address")
    return text


def check_applicant(raw: dict[str, Any], *, today: dt.date) -> tuple[Applicant, list[str]]:
    """Validate what was typed; returns the applicant and any warnings (e.g. an unusual phone prefix)."""
    warnings: list[str] = []
    for key, value in raw.items():
        if value is not None and not isinstance(value, (str, dt.date)):
            raise ValidationError(f"Giá trị của '{key}' phải viết dạng chữ, trong dấu ngoặc kép "
                                  "(ví dụ \"0912345678\", ngày sinh \"1984-05-06\").", field=key)
    if _blank(raw.get("name")):
        raise ValidationError("Chưa nhập họ tên người nộp hồ sơ.", field="name")
    name = normalize_name(str(raw["name"]))
    birth_date = None
    if not _blank(raw.get("birth_date")):
        value = raw["birth_date"]
        birth_date = value if isinstance(value, dt.date) else parse_date_vn(str(value))
        birth_date = validate_birth_date(birth_date, today=today)
    sex = None if _blank(raw.get("sex")) else parse_sex(str(raw["sex"]))
    id_number = None
    if not _blank(raw.get("id_number")):
        id_number = validate_id_number(str(raw["id_number"]), birth_date=birth_date, sex=sex).value
    phone = None
    if not _blank(raw.get("phone")):
        parsed = normalize_phone(str(raw["phone"]))
        phone = parsed.number
        if parsed.warning:
            warnings.append(parsed.warning)
    email = None if _blank(raw.get("email")) else validate_email(str(raw["email"]))
    address = None if _blank(raw.get("address")) else _address(str(raw["address"]))
    unknown = set(raw) - set(APPLICANT_FIELDS)
    if unknown:
        raise ValidationError(f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    return Applicant(name, id_number, birth_date, sex, phone, email, address), warnings


def corrected(applicant: Applicant, field: str, value: str, *, today: dt.date) -> Applicant:
    """The applicant with one field re-typed, validated together with the others (ID vs birth date and sex)."""
    if field not in APPLICANT_FIELDS:
        raise ValidationError(
            f"Không sửa được trường '{field}'. Các trường sửa được: {', '.join(APPLICANT_FIELDS)}, return_address.",
            field="field",
        )
    raw = applicant.as_dict()
    raw[field] = value
    try:
        checked, _ = check_applicant(raw, today=today)
    except ValidationError as error:
        if error.field == "id_number" and field in ("birth_date", "sex"):
            raise ValidationError(error.message, field=field) from None  # the value the clerk just changed
        raise
    return checked


def search_text(applicant: Applicant, procedure_name: str) -> str:
    """The folded text the full-text index holds for a dossier: name, address, phone, procedure."""
    parts = [applicant.name, applicant.address or "", applicant.phone or "", procedure_name]
    return vn_fold(" ".join(parts))


def applicant_columns(applicant: Applicant) -> dict[str, Any]:
    """The dossier row's applicant columns."""
    return {
        "applicant_name": applicant.name,
        "id_number": applicant.id_number,
        "birth_date": applicant.birth_date,
        "sex": applicant.sex.value if applicant.sex else None,
        "phone": applicant.phone,
        "email": applicant.email,
        "address": applicant.address,
    }


def applicant_of(dossier: Dossier) -> Applicant:
    return Applicant(
        name=dossier.applicant_name,
        id_number=dossier.id_number,
        birth_date=dossier.birth_date,
        sex=Sex(dossier.sex) if dossier.sex else None,
        phone=dossier.phone,
        email=dossier.email,
        address=dossier.address,
    )
