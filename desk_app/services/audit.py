"""The audit log: who saw, printed, exported or changed what, beyond the dossier events (which record changes).

A record is written in the same transaction as the thing it records, so neither exists without the other. Details
never hold the personal data itself: a reveal records which dossier's ID number was shown, not the number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from desk_app.store.models import AuditRecord

ACTIONS = {
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập sai",
    "logout": "Đăng xuất",
    "unlock": "Mở khóa màn hình",
    "reveal_id": "Xem số CCCD",
    "print": "In giấy tờ",
    "export": "Xuất dữ liệu",
    "settings": "Thay đổi thiết lập",
    "holidays": "Thay đổi lịch nghỉ",
    "user": "Quản lý tài khoản",
    "backup": "Sao lưu dữ liệu",
    "restore": "Khôi phục dữ liệu",
    "citizen_data": "Cung cấp dữ liệu cho công dân",
}


def record(session: Session, *, at: dt.datetime, actor: str, action: str, target: str | None = None,
           detail: dict[str, Any] | None = None) -> AuditRecord:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditRecord(at=at, actor=actor, action=action, target=target, detail=detail or {})
    session.add(entry)
    return entry
