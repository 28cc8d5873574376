"""The administrator's settings screen: every setting as a form field, grouped in sections; saving is all or nothing.

The screen shows what :func:`settings_form` returns and hands the changed values to :func:`save_settings`, which
checks every value with the rules of :mod:`desk_app.services.settings`, writes them in one transaction and leaves an
audit record per changed key. The upper level's token is a secret: it is never returned and never audited in clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.services.accounts import require
from desk_app.services.audit import record
from desk_app.services.context import ServiceContext
from desk_app.services.rules import load_rules
from desk_app.services.settings import SECRET_KEYS, SPEC_BY_KEY, SPECS, WEEKDAYS, SettingsService, normalise
from desk_app.store.models import Holiday

ADMIN_ROLES = ("admin", "system")


def _require_admin(ctx: ServiceContext) -> None:
    require(ctx, "admin", doing="thay đổi thiết lập")


def can_edit_settings(ctx: ServiceContext) -> bool:
    """Whether the signed-in user may change settings and holidays (the screen greys itself out otherwise)."""
    return ctx.role in ADMIN_ROLES


# -- how each setting is shown --------------------------------------------------------------------------------------
SECTIONS: tuple[str, ...] = (
    "Đơn vị",
    "Giấy tờ in",
    "Giờ làm việc và hạn giải quyết",
    "Máy in",
    "Đồng bộ cấp trên",
    "Sao lưu",
    "Khác",
)

FieldKind = str  # text | choice | bool | time | number | secret | multi


WEEKDAY_LABELS: dict[str, str] = {
    "mon": "Thứ Hai", "tue": "Thứ Ba", "wed": "Thứ Tư", "thu": "Thứ Năm", "fri": "Thứ Sáu", "sat": "Thứ Bảy",
    "sun": "Chủ nhật",
}
assert set(WEEKDAY_LABELS) == set(WEEKDAYS)


@dataclass(frozen=True)
class _Presentation:
    section: str
    kind: FieldKind = "text"
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int = 0
    maximum: int = 0
    hint: str = ""
    label: str = ""  # the screen's label where the spec's names raw values that the widget already shows


_WEEKDAY_CHOICES = tuple(WEEKDAY_LABELS.items())

_PRESENTATION: dict[str, _Presentation] = {
    "commune_name": _Presentation("Đơn vị"),
    "agency_code": _Presentation("Đơn vị", hint="Ví dụ 000.31.22.H20"),
    "upper_level_name": _Presentation("Đơn vị"),
    "upper_level_kind": _Presentation("Đơn vị", "choice", (("province", "Tỉnh"), ("district", "Huyện"))),
    "hotline": _Presentation("Đơn vị"),
    "leader_phone": _Presentation("Đơn vị"),
    "desk_phone": _Presentation("Đơn vị"),
    "desk": _Presentation("Đơn vị", "number", minimum=0, maximum=9),
    "ledger_start": _Presentation("Đơn vị", hint="Ví dụ 120/2026; để 1 nếu sổ bắt đầu từ số 1"),
    "paper_size": _Presentation("Giấy tờ in", "choice", (
        ("A5", "A5 (khổ thường dùng)"), ("A4", "A4"), ("80mm", "Giấy cuộn 80 mm")),
        label="Khổ giấy in giấy tiếp nhận"),
    "form_edition": _Presentation("Giấy tờ in", "choice", (
        ("2018", "2018 — Thông tư 01/2018/TT-VPCP"), ("2025", "2025 — Thông tư 03/2025")), label="Bộ biểu mẫu"),
    "duplex_hotline": _Presentation("Giấy tờ in", "bool"),
    "lookup_url": _Presentation("Giấy tờ in", hint="https://dichvucong.example.vn/tra-cuu?ma={code}&khoa={key}"),
    "office_hours": _Presentation("Giờ làm việc và hạn giải quyết", hint="Ví dụ 07:00-11:30,13:30-17:00"),
    "saturday_reception": _Presentation("Giờ làm việc và hạn giải quyết", hint="Ví dụ 07:30-11:30"),
    "weekly_rest": _Presentation("Giờ làm việc và hạn giải quyết", "multi", _WEEKDAY_CHOICES),
    "cutoff_time": _Presentation("Giờ làm việc và hạn giải quyết", "time"),
    "multi_day_after_cutoff": _Presentation("Giờ làm việc và hạn giải quyết", "bool"),
    "supplement_rule": _Presentation("Giờ làm việc và hạn giải quyết", "choice", (
        ("restart", "Tính lại — thời hạn tính lại từ khi nộp đủ hồ sơ"),
        ("pause", "Tạm dừng — không tính thời gian chờ bổ sung")), label="Khi công dân bổ sung hồ sơ"),
    "optional_holidays": _Presentation("Giờ làm việc và hạn giải quyết", "multi",  # choices from the database
                                       label="Ngày nghỉ tùy chọn đã bật"),
    "no_appointment_days": _Presentation("Giờ làm việc và hạn giải quyết", "multi", _WEEKDAY_CHOICES,
                                         label="Ngày không hẹn: thủ tục trong ngày giải quyết ngay, không in giấy "
                                               "hẹn"),
    "print_mode": _Presentation("Máy in", "choice", (("preview", "Xem trước"), ("direct", "In thẳng")),
                                label="In giấy tờ: xem trước hay in thẳng ra máy in"),
    "printer_name": _Presentation("Máy in"),
    "upper_level_url": _Presentation("Đồng bộ cấp trên", hint="https://..."),
    "upper_level_token": _Presentation("Đồng bộ cấp trên", "secret"),
    "upper_level_ca_file": _Presentation("Đồng bộ cấp trên", hint="Ví dụ C:\\MotCuaDesk\\ca-tinh.pem; thường để trống"),
    "auto_sync": _Presentation("Đồng bộ cấp trên", "bool"),
    "sync_interval_minutes": _Presentation("Đồng bộ cấp trên", "number", minimum=1, maximum=1440),
    "report_against": _Presentation("Giờ làm việc và hạn giải quyết", "choice", (
        ("original", "Hạn ban đầu (theo quy định)"), ("rescheduled", "Hạn đã hẹn lại (sau thư xin lỗi)")),
        label="Báo cáo đánh giá đúng hạn so với"),
    "lock_minutes": _Presentation("Khác", "number", minimum=0, maximum=240),
    "max_backdate_days": _Presentation("Khác", "number", minimum=0, maximum=36600),
    "backup_dir": _Presentation("Sao lưu", hint="Ví dụ E:\\SaoLuu (USB); để trống: thư mục backups cạnh dữ liệu"),
    "backup_keep": _Presentation("Sao lưu", "number", minimum=1, maximum=365),
    "backup_passphrase": _Presentation("Sao lưu", "secret", hint="Ít nhất 8 ký tự; ghi nhớ kỹ: mất mật khẩu là không "
                                                               "khôi phục được bản sao lưu"),
    "personal_data_retention": _Presentation("Khác", hint="Ví dụ CT=2,BTXH=5 (HT Hộ tịch, CT Chứng thực, BTXH Bảo "
                                                         "trợ xã hội…); để trống: lưu lâu dài"),
}


@dataclass(frozen=True)
class SettingField:
    key: str
    label: str  # Vietnamese, from the setting's spec
    value: str  # as stored ("" for a secret, whatever it holds)
    kind: FieldKind
    section: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, Vietnamese label) for choice and multi
    minimum: int = 0  # number fields
    maximum: int = 0
    hint: str = ""  # an example of the expected form, shown as a placeholder
    is_set: bool = False  # for a secret: whether one is stored


def settings_form(ctx: ServiceContext) -> list[SettingField]:
    """Every setting, in the order of the sections and, within one, of the settings' specs."""
    with ctx.read() as session:
        service = SettingsService(session)
        values = service.all()
        secrets_set = {key: bool(values[key]) for key in SECRET_KEYS}
        optional = tuple(
            (str(row.data.get("key")), row.name)
            for row in session.scalars(select(Holiday).where(Holiday.kind == "optional").order_by(Holiday.name))
        )
    fields: list[SettingField] = []
    for spec in SPECS:
        shown = _PRESENTATION.get(spec.key, _Presentation("Khác"))
        choices = optional if spec.key == "optional_holidays" else shown.choices
        secret = shown.kind == "secret"
        fields.append(SettingField(
            key=spec.key,
            label=shown.label or spec.label,
            value="" if secret else values[spec.key],
            kind=shown.kind,
            section=shown.section,
            choices=choices,
            minimum=shown.minimum,
            maximum=shown.maximum,
            hint=shown.hint,
            is_set=secrets_set.get(spec.key, bool(values[spec.key])),
        ))
    order = {name: index for index, name in enumerate(SECTIONS)}
    return sorted(fields, key=lambda f: order.get(f.section, len(SECTIONS)))  # stable: spec order within a section


def by_section(fields: list[SettingField]) -> list[tuple[str, list[SettingField]]]:
    """The fields grouped under their section headings, in the screen's order (empty sections left out)."""
    groups = [(name, [f for f in fields if f.section == name]) for name in SECTIONS]
    return [(name, items) for name, items in groups if items]


def _section_of(key: str) -> str:
    return _PRESENTATION.get(key, _Presentation("Khác")).section


def _form_order() -> list[str]:
    """The keys in the order the screen shows them: by section, then as the specs list them."""
    order = {name: index for index, name in enumerate(SECTIONS)}
    return sorted((spec.key for spec in SPECS), key=lambda key: order.get(_section_of(key), len(SECTIONS)))


def setting_label(key: str) -> str:
    spec = SPEC_BY_KEY.get(key)
    return spec.label if spec is not None else key


# -- saving -----------------------------------------------------------------------------------------------------------
def save_settings(ctx: ServiceContext, changes: dict[str, str]) -> list[str]:
    """Check every value and store the changed ones in one transaction, each change audited.

    Any refusal (a ``ValidationError`` whose ``field`` is the key) leaves every setting as it was. Returns the keys
    whose value changed, in the form's order.
    """
    _require_admin(ctx)
    for key in changes:
        if key not in SPEC_BY_KEY:
            raise ValidationError(f"Không có thiết lập '{key}'.", field=key)
    ordered = [key for key in _form_order() if key in changes]
    changed: list[str] = []
    with ctx.write() as (session, now):
        service = SettingsService(session)
        before = service.all()
        cleaned = {key: normalise(key, changes[key]) for key in ordered}  # every value checked before any write
        for key in ordered:
            if cleaned[key] == before[key]:
                continue
            service.set(key, changes[key])  # the checks that look at the database (desk, ledger start, ...)
            changed.append(key)
        if not changed:
            return []
        session.flush()
        try:
            load_rules(session)  # the settings together must still give a working calendar
        except ValidationError:
            raise
        except (DomainError, ValueError) as error:
            raise ValidationError(f"Các thiết lập không dùng được cùng nhau: {error}", field=changed[0]) from None
        for key in changed:
            if key in SECRET_KEYS:
                detail = {"changed": True, "set": bool(cleaned[key])}
            else:
                detail = {"old": before[key], "new": cleaned[key]}
            record(session, at=now, actor=ctx.actor, action="settings", target=key, detail=detail)
    return changed
