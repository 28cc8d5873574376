"""The desk's settings: every key with its default, its Vietnamese label and its validation.

Settings live in the ``settings`` table as text. Reading a key that was never set gives its default; setting a key
checks the value first and refuses it with a Vietnamese message naming the key.
"""

from __future__ import annotations

import datetime as dt
import ssl
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.calendar import OfficeHours
from desk_app.domain.codes import validate_agency_code, validate_desk
from desk_app.domain.deadlines import SupplementRule
from desk_app.domain.errors import ValidationError
from desk_app.domain.retention import check_known_fields, normalise_retention, parse_retention
from desk_app.domain.validation import check_single_line
from desk_app.store.counters import ledger_counter
from desk_app.store.models import Counter, Dossier, DossierEvent, Holiday, Procedure, Setting

WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def _text(value: str) -> str:
    return value.strip()


def _required(label: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.strip():
            raise ValidationError(f"{label} không được để trống.")
        return value.strip()

    return check


def _int_range(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            number = int(value)
        except ValueError:
            raise ValidationError(f"Cần một số nguyên từ {low} đến {high}, không phải '{value}'.") from None
        if not low <= number <= high:
            raise ValidationError(f"Giá trị phải từ {low} đến {high} (đang là {number}).")
        return str(number)

    return check


def _bool(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on", "có", "bật"}:
        return "true"
    if lowered in {"0", "false", "no", "off", "không", "tắt"}:
        return "false"
    raise ValidationError(f"Cần 'true' hoặc 'false', không phải '{value}'.")


def _choice(*options: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value.strip() not in options:
            raise ValidationError(f"Chỉ nhận một trong: {', '.join(options)} (không phải '{value}').")
        return value.strip()

    return check


def _time(value: str) -> str:
    try:
        return dt.time.fromisoformat(value.strip()).strftime("%H:%M")
    except ValueError:
        raise ValidationError(f"Cần giờ dạng HH:MM, ví dụ 15:00 (không phải '{value}').") from None


def _sessions(value: str) -> str:
    return OfficeHours.parse(value).format()


def _sessions_or_empty(value: str) -> str:
    return _sessions(value) if value.strip() else ""


def _weekdays(value: str) -> str:
    days = [d.strip().lower() for d in value.split(",") if d.strip()]
    unknown = [d for d in days if d not in WEEKDAYS]
    if unknown:
        raise ValidationError(f"Không hiểu ngày '{unknown[0]}'. Dùng mon, tue, wed, thu, fri, sat, sun, cách nhau dấu phẩy.")
    return ",".join(sorted(set(days), key=WEEKDAYS.__getitem__))


def _rest_days(value: str) -> str:
    days = _weekdays(value)
    if len(days.split(",")) >= 7:
        raise ValidationError("Phải còn ít nhất một ngày làm việc trong tuần.")
    return days


def _ledger_start(value: str) -> str:
    number_text, _, year_text = value.strip().partition("/")
    number = int(_int_range(1, 999999)(number_text))
    if not year_text:
        if number != 1:
            raise ValidationError("Số bắt đầu khác 1 chỉ áp dụng cho một năm: ghi kèm năm, ví dụ 120/2026.")
        return "1"
    year = int(_int_range(2000, 2100)(year_text))
    return f"{number}/{year}"


def ledger_start_for(value: str, year: int) -> int:
    """The first number of the desk's book for ``year``: the configured start in its year, otherwise 1."""
    number_text, _, year_text = value.partition("/")
    return int(number_text) if year_text and int(year_text) == year else 1


def _ca_file(value: str) -> str:
    """Empty, or a PEM file of certificate authorities that Python's TLS accepts (read now, so a wrong file is told
    at once, not at the next sync)."""
    path = value.strip()
    if not path:
        return ""
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise ValidationError(f"Không có tệp '{path}'. Ghi đường dẫn đầy đủ tới tệp chứng chỉ CA (.pem, .crt).") \
            from None
    except (OSError, ssl.SSLError):
        raise ValidationError(f"Tệp '{path}' không phải chứng chỉ CA dạng PEM đọc được (tệp .pem/.crt do cấp trên "
                              "gửi, bắt đầu bằng -----BEGIN CERTIFICATE-----).") from None
    return path


def _lookup_url(value: str) -> str:
    url = value.strip()
    if not url:
        return ""
    if not url.startswith(("https://", "http://")) or "{code}" not in url or "{key}" not in url:
        raise ValidationError("Địa chỉ tra cứu phải bắt đầu bằng https:// và chứa {code} và {key}, ví dụ "
                              "https://dichvucong.example.vn/tra-cuu?ma={code}&khoa={key}.")
    try:
        url.format(code="X", key="Y")
    except (KeyError, IndexError, ValueError):
        raise ValidationError("Địa chỉ tra cứu chỉ được dùng {code} và {key}.") from None
    return url


def _server_url(value: str) -> str:
    url = value.strip().rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        raise ValidationError("Địa chỉ máy chủ phải bắt đầu bằng https:// (hoặc http:// trong mạng nội bộ).")
    return url


def _keys(value: str) -> str:
    return ",".join(sorted({k.strip() for k in value.split(",") if k.strip()}))


def _backup_dir(value: str) -> str:
    folder = value.strip()
    if not folder:
        return ""
    if "\x00" in folder or not (PurePosixPath(folder).is_absolute() or PureWindowsPath(folder).is_absolute()):
        raise ValidationError("Cần đường dẫn đầy đủ của một thư mục, ví dụ E:\\SaoLuu hoặc /media/usb/saoluu "
                              f"(không phải '{folder}').")
    return folder


def _backup_passphrase(value: str) -> str:
    if value and len(value) < 8:
        raise ValidationError("Mật khẩu mã hóa bản sao lưu cần ít nhất 8 ký tự (hoặc để trống: không mã hóa).")
    return value  # kept exactly as typed (spaces too): it must open the backups later


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: str
    check: Callable[[str], str]


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("commune_name", "Tên đơn vị (xã/phường/thị trấn)", "UBND xã Mẫu", _required("Tên đơn vị")),
    # No default: a made-up code would be printed on citizens' slips and synced upward.
    SettingSpec("agency_code", "Mã cơ quan (QCVN 102:2016)", "", validate_agency_code),
    SettingSpec("upper_level_name", "Tên cấp trên", "UBND tỉnh", _required("Tên cấp trên")),
    SettingSpec("upper_level_kind", "Cấp trên là tỉnh hay huyện", "province", _choice("province", "district")),
    SettingSpec("hotline", "Đường dây nóng in trên giấy hẹn", "Tổng đài 1022", _text),
    SettingSpec("leader_phone", "Số điện thoại lãnh đạo xã in cạnh đường dây nóng (để trống nếu không)", "", _text),
    SettingSpec("desk_phone", "Số điện thoại của Bộ phận Một cửa (hướng dẫn bổ sung hồ sơ)", "", _text),
    SettingSpec("paper_size", "Khổ giấy in giấy tiếp nhận (A5, A4, 80mm)", "A5", _choice("A5", "A4", "80mm")),
    SettingSpec("form_edition", "Bộ biểu mẫu (2018: Thông tư 01/2018; 2025: Thông tư 03/2025)", "2018",
                _choice("2018", "2025")),
    SettingSpec("duplex_hotline", "In đường dây nóng ở mặt sau (máy in hai mặt)", "false", _bool),
    SettingSpec("lookup_url", "Địa chỉ tra cứu của cấp trên, in thành mã QR ({code}, {key}); để trống nếu không",
                "", lambda v: _lookup_url(v)),
    SettingSpec("desk", "Số bàn tiếp nhận (0–9)", "0", lambda v: str(validate_desk(int(_int_range(0, 9)(v))))),
    SettingSpec("ledger_start", "Số thứ tự đầu tiên của sổ theo dõi, kèm năm áp dụng (ví dụ 120/2026)", "1",
                lambda v: _ledger_start(v)),
    SettingSpec("office_hours", "Giờ làm việc", "07:00-11:30,13:30-17:00", _sessions),
    SettingSpec("saturday_reception", "Giờ tiếp nhận sáng thứ Bảy (để trống nếu không)", "", _sessions_or_empty),
    SettingSpec("weekly_rest", "Ngày nghỉ hằng tuần", "sat,sun", _rest_days),
    SettingSpec("cutoff_time", "Giờ chốt tiếp nhận trong ngày", "15:00", _time),
    SettingSpec("multi_day_after_cutoff", "Hồ sơ nhiều ngày nhận sau giờ chốt tính từ ngày làm việc sau", "false", _bool),
    SettingSpec("supplement_rule", "Khi bổ sung hồ sơ: tính lại (restart) hay tạm dừng (pause)", "restart",
                _choice(SupplementRule.RESTART.value, SupplementRule.PAUSE.value)),
    SettingSpec("optional_holidays", "Ngày nghỉ tùy chọn đã bật (ví dụ vn_culture_day)", "", _keys),
    SettingSpec("no_appointment_days", "Ngày không hẹn: thủ tục trong ngày giải quyết ngay, không in giấy hẹn (ví dụ "
                "wed); để trống nếu không", "", _weekdays),
    SettingSpec("print_mode", "In giấy tờ: xem trước (preview) hay in thẳng ra máy in mặc định (direct)", "preview",
                _choice("preview", "direct")),
    SettingSpec("printer_name", "Tên máy in (để trống: máy in mặc định của Windows)", "", _text),
    SettingSpec("lock_minutes", "Khóa màn hình sau bao nhiêu phút không dùng (0: không khóa)", "15",
                _int_range(0, 240)),
    SettingSpec("upper_level_url", "Địa chỉ máy chủ cấp trên (https://...); để trống khi chưa đồng bộ", "",
                lambda v: _server_url(v)),
    SettingSpec("upper_level_token", "Mã bí mật của xã do cấp trên cấp (để đồng bộ)", "", _text),
    SettingSpec("upper_level_ca_file", "Tệp chứng chỉ CA (PEM) khi máy chủ cấp trên dùng chứng chỉ do cơ quan tự cấp; "
                "để trống: các CA có sẵn", "", _ca_file),
    SettingSpec("auto_sync", "Tự động đồng bộ khi kết nối được máy chủ cấp trên", "true", _bool),
    SettingSpec("sync_interval_minutes", "Tự động đồng bộ bao nhiêu phút một lần khi có mạng", "10",
                _int_range(1, 1440)),
    SettingSpec("report_against", "Báo cáo đánh giá đúng hạn so với hạn ban đầu (original) hay hạn đã hẹn lại "
                "(rescheduled)", "original", _choice("original", "rescheduled")),
    SettingSpec("max_backdate_days", "Nhận hồ sơ ghi lùi ngày tối đa bao nhiêu ngày", "1096", _int_range(0, 36600)),
    # Empty: every dossier's personal data is kept for ever; removing it is an administrator's deliberate choice.
    SettingSpec("personal_data_retention", "Thời hạn lưu dữ liệu cá nhân sau khi hồ sơ kết thúc, theo lĩnh vực "
                "(số năm, ví dụ CT=2,BTXH=5; 0 hoặc không ghi: lưu lâu dài)", "", normalise_retention),
)

SPECS += (  # backups (desk_app.services.backup)
    SettingSpec("backup_dir", "Thư mục sao lưu (có thể là USB; để trống: thư mục backups cạnh cơ sở dữ liệu)", "",
                lambda v: _backup_dir(v)),
    SettingSpec("backup_keep", "Giữ bao nhiêu bản sao lưu gần nhất (1–365)", "14", _int_range(1, 365)),
    SettingSpec("backup_passphrase", "Mật khẩu mã hóa bản sao lưu (để trống: không mã hóa)", "",
                lambda v: _backup_passphrase(v)),
)

SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
SECRET_KEYS = frozenset({"upper_level_token", "backup_passphrase"})  # never shown, printed or logged in clear


def shown(key: str, value: str) -> str:
    """A setting's value as it may be shown: a secret only says whether it is set."""
    if key in SECRET_KEYS:
        return "(đã đặt)" if value else ""
    return value


def _spec(key: str) -> SettingSpec:
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise ValidationError(f"Không có thiết lập '{key}'. Các thiết lập: {', '.join(SPEC_BY_KEY)}.", field="key")
    return spec


def normalise(key: str, value: str) -> str:
    spec = _spec(key)
    value = unicodedata.normalize("NFC", value)  # Unikey/EVKey may deliver decomposed text
    check_single_line(value, field=key, label=spec.label,  # no hidden characters; a size the slip's header takes
                      max_length=120 if key in ("commune_name", "upper_level_name") else 500)
    try:
        return spec.check(value)
    except ValidationError as error:
        raise ValidationError(f"{spec.label}: {error.message}", field=key) from None
    except ValueError:
        raise ValidationError(f"{spec.label}: giá trị '{value}' không hợp lệ.", field=key) from None


class SettingsService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> dict[str, str]:
        stored = {s.key: s.value for s in self.session.scalars(select(Setting))}
        return {spec.key: stored.get(spec.key, spec.default) for spec in SPECS}

    def get(self, key: str) -> str:
        spec = _spec(key)
        row = self.session.get(Setting, key)
        return row.value if row is not None else spec.default

    def set(self, key: str, value: str) -> str:
        """Validate and store one setting (the caller commits)."""
        clean = normalise(key, value)
        if key == "desk" and clean != self.get("desk"):
            self._check_desk_change(int(clean))
        if key == "ledger_start" and clean != self.get("ledger_start"):
            self._check_ledger_start(clean)
        if key == "optional_holidays":
            self._check_optional_keys(clean)
        if key == "personal_data_retention":
            self._check_retention_fields(clean)
        row = self.session.get(Setting, key)
        if row is None:
            self.session.add(Setting(key=key, value=clean))
        else:
            row.value = clean
        return clean

    def is_set(self, key: str) -> bool:
        return self.session.get(Setting, _spec(key).key) is not None

    def _check_desk_change(self, new: int) -> None:
        """A desk number names a hash chain and a block of codes: once this database has written under it, moving
        to another number would write into another desk's chain and codes."""
        current = int(self.get("desk"))
        used = self.session.scalar(select(DossierEvent.id).where(DossierEvent.desk == current).limit(1))
        if used is not None:
            raise ValidationError(
                f"Máy này đã ghi hồ sơ với số bàn {current}; không đổi được số bàn vì mã hồ sơ và chuỗi sự kiện "
                "gắn với số bàn. Bàn mới cần một cơ sở dữ liệu mới.",
                field="desk",
            )
        taken = self.session.scalar(select(DossierEvent.id).where(DossierEvent.desk == new).limit(1))
        if taken is not None:
            raise ValidationError(
                f"Số bàn {new} đang là của một bàn khác trong xã (đã có sự kiện của bàn {new} đồng bộ về máy này). "
                "Chọn một số bàn chưa bàn nào dùng.", field="desk")

    def _check_ledger_start(self, value: str) -> None:
        """The book's numbers run on without a gap: its start is set before its first entry, never after."""
        _, _, year = value.partition("/")
        if not year:
            return
        desk = int(self.get("desk"))
        if self.session.get(Counter, ledger_counter(desk, int(year))) is not None:
            raise ValidationError(
                f"Sổ theo dõi năm {year} của bàn {desk} đã có hồ sơ; số thứ tự phải liên tục nên không đổi được số "
                "bắt đầu.", field="ledger_start")

    def _check_optional_keys(self, value: str) -> None:
        known = {h.data.get("key") for h in self.session.scalars(select(Holiday).where(Holiday.kind == "optional"))}
        unknown = [k for k in value.split(",") if k and k not in known]
        if unknown:
            raise ValidationError(
                f"Không có ngày nghỉ tùy chọn '{unknown[0]}'. Các ngày có thể bật: {', '.join(sorted(known)) or 'không'}.",
                field="optional_holidays")

    def _check_retention_fields(self, value: str) -> None:
        """Field codes of the catalog (or of dossiers already held, a field since dropped from the catalog)."""
        known: dict[str, str] = {code: name for code, name in self.session.execute(
            select(Procedure.field_code, Procedure.field_name))}
        known.update({code: code for code in self.session.scalars(select(Dossier.field_code).distinct())
                      if code not in known})
        try:
            check_known_fields(parse_retention(value), known)
        except ValidationError as error:
            raise ValidationError(f"{SPEC_BY_KEY['personal_data_retention'].label}: {error.message}",
                                  field="personal_data_retention") from None
