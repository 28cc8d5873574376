"""The role matrix (issue 7): every service action tried by each role, allowed or refused as the rules say.

Rules: a clerk cannot change settings or holidays; only the leader and the administrator see per-clerk statistics,
export for the national system and make a manual backup; the administrator alone manages accounts (and never sees
a password) and reads the audit log. What the table allows must work for that role; what it refuses must raise
``PermissionDenied`` (field "role", a Vietnamese message) and write nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desk_app.services import accounts, audit_log, backup, citizen_data, retention, settings_admin
from desk_app.services.accounts import PermissionDenied, UserRow
from desk_app.services.actions import DossierActions
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_view import reveal_id
from desk_app.services.holidays_admin import import_year_file
from desk_app.services.national_export import national_records, write_national
from desk_app.services.print_jobs import dossier_form, ledger_job
from desk_app.services.report import build_report
from desk_app.services.settings import SPECS
from desk_app.sync.engine import run_sync
from tests.services._support import DUC, assert_vietnamese, receive_one, snapshot

ROLES = ("admin", "leader", "clerk")
ALL = frozenset(ROLES)
HEADS = frozenset({"admin", "leader"})
ADMIN = frozenset({"admin"})
DAY = dt.date(2026, 3, 2)

Action = Callable[[ServiceContext, str, Path], Any]


def _holiday_file(folder: Path) -> Path:
    path = folder / "lich-2031.json"
    path.write_text(json.dumps({"years": {"2031": {"note": "Thông báo", "off": [
        {"name": "Tết Dương lịch", "from": "2031-01-01", "to": "2031-01-01", "occasions": ["new_year"]}], "makeup_working": []}}}),
        encoding="utf-8")
    return path


def _current(ctx: ServiceContext, key: str) -> str:
    return next(f.value for f in settings_admin.settings_form(ctx) if f.key == key)


def _per_clerk(ctx: ServiceContext, code: str, tmp: Path) -> None:
    if build_report(ctx, DAY, DAY).satisfaction_by_clerk is None:
        raise PermissionDenied("Không được xem thống kê theo cán bộ.", field="role")


MATRIX: dict[str, tuple[Action, frozenset[str]]] = {
    "receive": (lambda ctx, code, tmp: receive_one(ctx), ALL),
    "transfer": (lambda ctx, code, tmp: DossierActions(ctx).transfer(code, "Công chức Tư pháp"), ALL),
    "request_supplement": (lambda ctx, code, tmp: DossierActions(ctx).request_supplement(code, ["Tờ khai"]), ALL),
    "result_ready": (lambda ctx, code, tmp: DossierActions(ctx).result_ready(code), ALL),
    "refuse": (lambda ctx, code, tmp: DossierActions(ctx).refuse(code, "Không đủ điều kiện"), ALL),
    "withdraw": (lambda ctx, code, tmp: DossierActions(ctx).withdraw(code, "Công dân rút"), ALL),
    "stop": (lambda ctx, code, tmp: DossierActions(ctx).stop(code, "Dừng xử lý"), ALL),
    "void": (lambda ctx, code, tmp: DossierActions(ctx).void(code, "Nhập trùng"), ALL),
    "reschedule": (lambda ctx, code, tmp: DossierActions(ctx).reschedule(code, dt.date(2026, 3, 31), "Chậm"), ALL),
    "correct": (lambda ctx, code, tmp: DossierActions(ctx).correct(code, "phone", "0987654321"), ALL),
    "print slip": (lambda ctx, code, tmp: dossier_form(ctx, code, "slip"), ALL),
    "print ledger": (lambda ctx, code, tmp: ledger_job(ctx, DAY, DAY), ALL),
    "report": (lambda ctx, code, tmp: build_report(ctx, DAY, DAY), ALL),
    "report per clerk": (_per_clerk, HEADS),
    "reveal ID number": (lambda ctx, code, tmp: reveal_id(ctx, code), ALL),
    "citizen data report": (lambda ctx, code, tmp: citizen_data.citizen_data(ctx, DUC["id_number"]), ALL),
    "national export file": (lambda ctx, code, tmp: write_national(ctx, DAY, DAY, tmp / "national.json"), HEADS),
    "national export with ID numbers": (
        lambda ctx, code, tmp: national_records(ctx, DAY, DAY, include_id_numbers=True), HEADS),
    "manual backup": (lambda ctx, code, tmp: backup.make_backup(ctx, to=tmp, passphrase=""), HEADS),
    "retention plan": (lambda ctx, code, tmp: retention.due_for_archive(ctx), HEADS),
    "holidays import": (lambda ctx, code, tmp: import_year_file(ctx, _holiday_file(tmp)), ADMIN),
    "users list": (lambda ctx, code, tmp: accounts.list_users(ctx), ADMIN),
    "user create": (lambda ctx, code, tmp: accounts.create_user(ctx, "nv.moi", "Lê Thị Mới", "clerk",
                                                                "mật khẩu mới 1"), ADMIN),
    "user reset password": (lambda ctx, code, tmp: accounts.reset_password(ctx, "nv.lan", "mật khẩu mới 2"), ADMIN),
    "user disable": (lambda ctx, code, tmp: accounts.set_active(ctx, "nv.lan", False), ADMIN),
    "audit log": (lambda ctx, code, tmp: audit_log.audit_entries(ctx), ADMIN),
    "sync run": (lambda ctx, code, tmp: run_sync(ctx, sleep=lambda _s: None), ALL),
    "settings change": (lambda ctx, code, tmp: settings_admin.save_settings(ctx, {"hotline": "Tổng đài 1022"}), ADMIN),
}


@pytest.fixture
def people(db, clock, monkeypatch: pytest.MonkeyPatch) -> dict[str, ServiceContext]:
    monkeypatch.setattr(accounts, "SCRYPT_N", 2**4)  # cheap hashes: the roles are under test, not scrypt
    system = ServiceContext(db, clock, "system")
    for username, role in (("qt.an", "admin"), ("ld.binh", "leader"), ("nv.lan", "clerk")):
        accounts.create_user(system, username, "Nguyễn Văn An", role, "mật khẩu 12345")
    return {"admin": ServiceContext(db, clock, "qt.an", role="admin"),
            "leader": ServiceContext(db, clock, "ld.binh", role="leader"),
            "clerk": ServiceContext(db, clock, "nv.lan", role="clerk")}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_role_matrix(people, db, tmp_path: Path, action: str, role: str) -> None:
    call, allowed = MATRIX[action]
    ctx = people[role]
    code = receive_one(people["clerk"]).code
    if role in allowed:
        call(ctx, code, tmp_path)
        return
    before = snapshot(db, ("dossiers", "dossier_events", "settings", "users", "audit_log", "holidays"))
    with pytest.raises(PermissionDenied) as refused:
        call(ctx, code, tmp_path)
    assert refused.value.field == "role"
    assert_vietnamese(refused.value.message)
    assert snapshot(db, ("dossiers", "dossier_events", "settings", "users", "audit_log", "holidays")) == before


@pytest.mark.parametrize("role", ROLES)
def test_each_setting_key_by_role(people, db, role: str) -> None:
    ctx = people[role]
    for spec in SPECS:
        value = _current(people["admin"], spec.key)
        if role == "admin":
            settings_admin.save_settings(ctx, {spec.key: value})
            continue
        before = snapshot(db, ("settings", "audit_log"))
        with pytest.raises(PermissionDenied) as refused:
            settings_admin.save_settings(ctx, {spec.key: value})
        assert refused.value.field == "role", spec.key
        assert snapshot(db, ("settings", "audit_log")) == before


def test_the_administrator_never_sees_a_password(people) -> None:
    names = {f.name for f in dataclasses.fields(UserRow)}
    assert not any("password" in name or "hash" in name for name in names)
    for row in accounts.list_users(people["admin"]):
        assert not any("scrypt$" in str(getattr(row, name)) for name in names)


@pytest.mark.parametrize("role", ROLES)
def test_the_screens_are_greyed_out_by_the_same_rule(people, role: str) -> None:
    assert settings_admin.can_edit_settings(people[role]) == (role == "admin")
    assert backup.can_back_up(people[role]) == (role in HEADS)
