"""Reading the audit log: the administrator's view of who signed in, saw an ID number, printed, exported or changed
what — filtered, newest first, a page at a time, each entry told in Vietnamese.

Only an administrator reads it (``require``; the command line's "system" too). The queries never load the whole
table: each page is ``ORDER BY at DESC, id DESC LIMIT n OFFSET k`` over the index on ``at`` (its entries end with the
row id, so the order costs no sort), narrowed by the indexed ``action`` and ``at`` columns where the filter gives
them. An action filter without dates reads by the action index when that kind is rare (a probe counts up to
SORT_AT_MOST), else walks the time index; dates always bound the walk (the screen always gives them: the last 30
days by default). A description never holds personal data: the records themselves hold none (a reveal names the
dossier, not the number; a citizen's data request names the dossiers, not the ID number typed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from desk_app.domain.errors import ValidationError
from desk_app.services.accounts import ROLES, require
from desk_app.services.audit import ACTIONS
from desk_app.services.context import ServiceContext
from desk_app.services.print_jobs import FORM_TITLES
from desk_app.services.settings import SECRET_KEYS, SPEC_BY_KEY
from desk_app.store.models import VN_TZ, AuditRecord

MAX_PAGE = 1000
# An action filter without dates reads that kind's entries by the action index and sorts them only when there are at
# most this many; otherwise the page walks the time index (a dated filter always does: the dates bound the walk).
SORT_AT_MOST = 5000
_READING = "xem nhật ký kiểm tra (ai đã xem, in, xuất hoặc thay đổi gì)"

# What was printed or exported, by the ``form`` the services record (the dossier forms' titles, then the rest).
FORM_VN: dict[str, str] = {
    **FORM_TITLES,
    "fee_list": "Bảng kê thu phí, lệ phí",
    "bieu_06": "Báo cáo Biểu số 06/VPCP/KSTT",
    "national_exchange": "Tệp trao đổi hồ sơ với hệ thống quốc gia",
    "ledger": "Sổ theo dõi hồ sơ",
    "handover": "Danh sách bàn giao hồ sơ",
    "citizen_data": "Bản dữ liệu cá nhân của công dân",
}
FAILED_LOGIN_VN = {
    "password": "sai mật khẩu",
    "locked": "tài khoản đang tạm khóa vì nhập sai nhiều lần",
    "disabled": "tài khoản đã bị vô hiệu hóa",
    "unknown_user": "tên đăng nhập không có",
}
BACKUP_REASON_VN = {"manual": "Sao lưu theo yêu cầu", "daily": "Sao lưu cuối ngày",
                    "pre-migration": "Sao lưu trước khi nâng cấp cơ sở dữ liệu"}
USER_OP_VN = {
    "create": "Tạo tài khoản",
    "reset_password": "Đặt lại mật khẩu",
    "enable": "Mở lại tài khoản",
    "disable": "Khóa tài khoản",
}


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    actor: str
    action: str
    action_vn: str  # "Xem số CCCD"
    target: str  # a dossier code, a username, a setting's key, a year; "" when none
    description: str  # what happened, in Vietnamese, never the personal data itself


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    total: int  # entries matching the filter (all pages)
    offset: int
    limit: int


def action_choices() -> dict[str, str]:
    """The kinds of entry the filter offers: key → Vietnamese."""
    return dict(ACTIONS)


def _moment(value: dt.date | dt.datetime | None, *, end: bool) -> dt.datetime | None:
    """A filter bound: a day means its first moment (since) or its last second (until)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=VN_TZ)
    if end:
        return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=VN_TZ)
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=VN_TZ)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: Select[Any], since: dt.date | dt.datetime | None, until: dt.date | dt.datetime | None,
              actor: str | None, action: str | None, target_contains: str | None, *,
              action_index: bool = True) -> Select[Any]:
    first, last = _moment(since, end=False), _moment(until, end=True)
    if first is not None and last is not None and first > last:
        raise ValidationError(f"Ngày bắt đầu ({first:%d/%m/%Y}) sau ngày kết thúc ({last:%d/%m/%Y}): chọn lại "
                              "khoảng ngày cần xem.", field="since")
    if first is not None:
        query = query.where(AuditRecord.at >= first)
    if last is not None:
        query = query.where(AuditRecord.at <= last)
    if action:
        if action not in ACTIONS:
            raise ValidationError(f"Không có loại ghi nhận '{action}'. Chọn một trong: "
                                  f"{', '.join(ACTIONS.values())}.", field="action")
        # ``action || ''`` hides the action index from SQLite, so the page is read along the time index instead.
        column = AuditRecord.action if action_index else AuditRecord.action + ""
        query = query.where(column == action)
    if actor and actor.strip():
        query = query.where(AuditRecord.actor == actor.strip())
    if target_contains and target_contains.strip():
        query = query.where(AuditRecord.target.like(_like(target_contains.strip()), escape="\\"))
    return query


def audit_entries(ctx: ServiceContext, *, since: dt.date | dt.datetime | None = None,
                  until: dt.date | dt.datetime | None = None, actor: str | None = None, action: str | None = None,
                  target_contains: str | None = None, limit: int = 100, offset: int = 0) -> list[AuditRow]:
    """One page of the audit log, newest first. Days are whole days (``until`` a date: up to its last second)."""
    require(ctx, "admin", doing=_READING)
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"Mỗi trang từ 1 đến {MAX_PAGE} dòng.", field="limit")
    if offset < 0:
        raise ValidationError("Vị trí trang không được âm.", field="offset")
    with ctx.read() as session:
        by_action = bool(action) and since is None and until is None and _rare(session, str(action))
        query = _filtered(select(AuditRecord), since, until, actor, action, target_contains, action_index=by_action)
        query = query.order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(limit).offset(offset)
        return [_row(record) for record in session.scalars(query)]


def _rare(session: Session, action: str) -> bool:
    """Whether so few entries are of this kind that reading them by the action index and sorting them beats
    walking the time index until a page is full (the kind's count is read from the action index alone)."""
    if action not in ACTIONS:
        return False  # refused by the filter
    found = session.scalar(select(func.count()).select_from(
        select(AuditRecord.id).where(AuditRecord.action == action).limit(SORT_AT_MOST + 1).subquery()))
    return int(found or 0) <= SORT_AT_MOST


def audit_count(ctx: ServiceContext, *, since: dt.date | dt.datetime | None = None,
                until: dt.date | dt.datetime | None = None, actor: str | None = None, action: str | None = None,
                target_contains: str | None = None) -> int:
    """How many entries the same filter matches."""
    require(ctx, "admin", doing=_READING)
    dated = since is not None or until is not None
    query = _filtered(select(func.count()).select_from(AuditRecord), since, until, actor, action, target_contains,
                      action_index=not dated)
    with ctx.read() as session:
        return int(session.scalar(query) or 0)


def audit_page(ctx: ServiceContext, *, limit: int = 100, offset: int = 0, **filters: Any) -> AuditPage:
    """A page and the total together (the screen's "trang 2/37")."""
    rows = audit_entries(ctx, limit=limit, offset=offset, **filters)
    return AuditPage(tuple(rows), audit_count(ctx, **filters), offset, limit)


# -- in words ------------------------------------------------------------------------------------------------------
def _row(record: AuditRecord) -> AuditRow:
    detail = record.detail if isinstance(record.detail, dict) else {}
    return AuditRow(record.id, record.at, record.actor, record.action, ACTIONS.get(record.action, record.action),
                    record.target or "", describe(record.action, record.target, detail))


def _day(text: Any) -> str:
    try:
        return dt.date.fromisoformat(str(text)).strftime("%d/%m/%Y")
    except ValueError:
        return str(text)


def _period(detail: dict[str, Any]) -> str:
    if "from" in detail and "to" in detail:
        return f"từ {_day(detail['from'])} đến {_day(detail['to'])}"
    if "day" in detail:
        return f"ngày {_day(detail['day'])}"
    return ""


def _form(detail: dict[str, Any]) -> str:
    form = str(detail.get("form") or "")
    return FORM_VN.get(form, form or "giấy tờ")


def _printed(action: str, target: str | None, detail: dict[str, Any]) -> str:
    parts = [_form(detail)]
    if target:
        parts.append(f"hồ sơ {target}")
    if detail.get("at_counter"):
        parts.append(f"phát tại quầy, không tiếp nhận (thủ tục {detail.get('procedure', '')})")
    if detail.get("receiver"):
        parts.append(f"nơi nhận {detail['receiver']}")
    if period := _period(detail):
        parts.append(period)
    if detail.get("format"):
        parts.append(f"định dạng {str(detail['format']).upper()}")
    if "dossiers" in detail and isinstance(detail["dossiers"], int):
        parts.append(f"{detail['dossiers']} hồ sơ")
    if detail.get("late_items"):
        parts.append(f"kèm danh sách {detail['late_items']} hồ sơ trễ hạn")
    if action == "export":
        parts.append("CÓ số CCCD (lãnh đạo yêu cầu)" if detail.get("include_id_numbers") else "không có số CCCD")
    return "; ".join(parts)


def _setting(target: str | None, detail: dict[str, Any]) -> str:
    if detail.get("first_run"):
        return f"Thiết lập ban đầu ({len(detail.get('keys') or [])} mục)"
    spec = SPEC_BY_KEY.get(target or "")
    label = spec.label if spec is not None else (target or "")
    if (target or "") in SECRET_KEYS or "changed" in detail:
        return f"{label}: đã thay đổi (giá trị bí mật, không ghi)"
    return f"{label}: '{detail.get('old', '')}' → '{detail.get('new', '')}'"


def _user(detail: dict[str, Any]) -> str:
    text = USER_OP_VN.get(str(detail.get("op", "")), "Thay đổi tài khoản")
    if detail.get("role"):
        text += f" ({ROLES.get(str(detail['role']), str(detail['role']))})"
    if detail.get("first_run"):
        text += ", khi cài đặt lần đầu"
    return text


def _generic(detail: dict[str, Any]) -> str:
    """An entry kind this module does not know in detail (added later): its short plain values."""
    return "; ".join(f"{key}: {value}" for key, value in sorted(detail.items())
                     if isinstance(value, (str, int, float, bool)) and len(str(value)) <= 80)


def describe(action: str, target: str | None, detail: dict[str, Any]) -> str:
    """One entry in Vietnamese for the administrator, from what the record holds (which never is personal data)."""
    if action == "reveal_id":
        return "Hiện đầy đủ số CCCD của người nộp hồ sơ" + (f" {target}" if target else "")
    if action in ("print", "export"):
        return _printed(action, target, detail)
    if action == "settings":
        return _setting(target, detail)
    if action == "holidays":
        operation = "Nhập lịch nghỉ chính thức" if detail.get("operation") == "import" else "Sửa lịch nghỉ"
        if detail.get("operation") not in ("import", "edit"):
            operation = "Lịch nghỉ do cấp trên gửi xuống"
        return f"{operation} năm {target}" + (f" (tệp {detail['file']})" if detail.get("file") else "")
    if action == "user":
        return _user(detail)
    if action == "login_failed":
        reason = FAILED_LOGIN_VN.get(str(detail.get("reason", "")), "không rõ lý do")
        return f"Đăng nhập không thành công: {reason}"
    if action == "login":
        return "Đăng nhập thành công"
    if action == "logout":
        return "Đăng xuất"
    if action == "unlock":
        return "Mở khóa màn hình bằng mật khẩu"
    if action == "citizen_data":
        count = detail.get("dossiers", 0)
        return (f"Cung cấp cho công dân bản dữ liệu cá nhân đang lưu ({count} hồ sơ"
                + (f": {target}" if target else "") + "); số CCCD do cán bộ nhập, không ghi vào nhật ký")
    if action == "backup" and "dossiers" in detail:
        kind = BACKUP_REASON_VN.get(str(detail.get("reason", "")), "Sao lưu")
        return (f"{kind}: {detail['dossiers']} hồ sơ, {detail.get('events', 0)} sự kiện vào thư mục "
                f"{detail.get('folder', '')}" + ("; có mã hóa" if detail.get("encrypted") else "; không mã hóa"))
    if action == "restore" and "dossiers" in detail:
        return f"Khôi phục từ tệp {target}: {detail['dossiers']} hồ sơ, {detail.get('events', 0)} sự kiện"
    return _generic(detail)
