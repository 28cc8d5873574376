"""The audit log's query service and the completeness of the audit: every print and export of personal data, every
reveal, every citizen data request leaves exactly one record, told in Vietnamese, never holding personal data."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.services import counter
from desk_app.services.accounts import PermissionDenied
from desk_app.services.actions import DossierActions
from desk_app.services.audit import ACTIONS, record
from desk_app.services.audit_log import audit_count, audit_entries, audit_page, describe
from desk_app.services.citizen_data import citizen_data
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_view import reveal_id
from desk_app.services.national_export import write_national
from desk_app.services.print_jobs import dossier_form, handover_job, ledger_job
from desk_app.services.report_output import report_for, report_print_job, save_report
from desk_app.store.db import Database
from tests.conftest import vn
from tests.services._support import DUC, assert_vietnamese, receive_one, rows

FULL_ID = DUC["id_number"]
PERSONAL = (FULL_ID, "0912345678", "Đức", "Mỹ Tây")


def as_role(ctx: ServiceContext, role: str, actor: str | None = None) -> ServiceContext:
    return ServiceContext(ctx.db, ctx.clock, actor or f"user.{role}", role=role)


def add(db: Database, at: str, actor: str, action: str, target: str | None = None, **detail: object) -> None:
    with db.write_session() as session, session.begin():
        record(session, at=vn(at), actor=actor, action=action, target=target, detail=dict(detail))


@pytest.fixture
def log(db: Database) -> Database:
    """Twelve records over three days, several actors and kinds."""
    add(db, "2026-03-01 08:00", "nv.lan", "login", "nv.lan")
    add(db, "2026-03-01 08:05", "nv.lan", "reveal_id", "000.31.22.H20-260301-0001")
    add(db, "2026-03-01 08:06", "nv.lan", "print", "000.31.22.H20-260301-0001", form="slip")
    add(db, "2026-03-01 09:00", "(không rõ)", "login_failed", None, reason="unknown_user")
    add(db, "2026-03-02 07:30", "ld.hoa", "login", "ld.hoa")
    add(db, "2026-03-02 07:31", "ld.hoa", "export", None, form="national_exchange", format="json",
        **{"from": "2026-03-01", "to": "2026-03-02"}, dossiers=2, include_id_numbers=True)
    add(db, "2026-03-02 08:00", "quantri", "settings", "hotline", old="1022", new="1900 1022")
    add(db, "2026-03-02 08:01", "quantri", "settings", "upper_level_token", changed=True, set=True)
    add(db, "2026-03-02 08:02", "quantri", "user", "nv.minh", op="create", role="clerk")
    add(db, "2026-03-03 10:00", "nv.lan", "print", None, form="ledger", **{"from": "2026-03-01", "to": "2026-03-03"})
    add(db, "2026-03-03 10:01", "nv.lan", "print", "000.31.22.H20-260302-0007", form="control")
    add(db, "2026-03-03 10:02", "nv.lan", "reveal_id", "000.31.22.H20-260302-0007")
    return db


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("system", True), ("leader", False),
                                               ("clerk", False)])
def test_only_the_administrator_reads_the_log(ctx: ServiceContext, log: Database, role: str, allowed: bool) -> None:
    who = as_role(ctx, role)
    if allowed:
        assert len(audit_entries(who)) == 12 and audit_count(who) == 12
        return
    for call in (lambda: audit_entries(who), lambda: audit_count(who), lambda: audit_page(who)):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.field == "role"
        assert_vietnamese(refused.value.message)


def test_newest_first_and_paged_without_gaps_or_repeats(ctx: ServiceContext, log: Database) -> None:
    admin = as_role(ctx, "admin")
    every = audit_entries(admin, limit=100)
    assert [r.at for r in every] == sorted((r.at for r in every), reverse=True)
    assert every[0].target == "000.31.22.H20-260302-0007" and every[0].action == "reveal_id"
    paged = [row for offset in range(0, 12, 5) for row in audit_entries(admin, limit=5, offset=offset)]
    assert [r.id for r in paged] == [r.id for r in every]
    page = audit_page(admin, limit=5, offset=10)
    assert (len(page.rows), page.total, page.offset) == (2, 12, 10)


@pytest.mark.parametrize(("filters", "expected"), [
    ({"action": "reveal_id"}, 2),
    ({"actor": "nv.lan"}, 6),
    ({"actor": " nv.lan "}, 6),
    ({"since": dt.date(2026, 3, 2)}, 8),
    ({"until": dt.date(2026, 3, 1)}, 4),  # a day: up to its last second
    ({"since": dt.date(2026, 3, 2), "until": dt.date(2026, 3, 2)}, 5),
    ({"since": vn("2026-03-02 08:00"), "until": vn("2026-03-02 08:01")}, 2),
    ({"target_contains": "260302-0007"}, 2),
    ({"target_contains": "nv."}, 2),
    ({"target_contains": "%"}, 0),  # LIKE's wildcards are taken literally
    ({"target_contains": "_"}, 1),  # upper_level_token
    ({"action": "print", "actor": "nv.lan", "since": dt.date(2026, 3, 3)}, 2),
    ({"action": "login", "target_contains": "ld."}, 1),
])
def test_filters(ctx: ServiceContext, log: Database, filters: dict[str, object], expected: int) -> None:
    admin = as_role(ctx, "admin")
    found = audit_entries(admin, **filters)  # type: ignore[arg-type]
    assert len(found) == expected == audit_count(admin, **filters)  # type: ignore[arg-type]


@pytest.mark.parametrize(("filters", "field"), [
    ({"action": "delete_everything"}, "action"),
    ({"since": dt.date(2026, 3, 3), "until": dt.date(2026, 3, 1)}, "since"),
    ({"limit": 0}, "limit"),
    ({"limit": 1001}, "limit"),
    ({"offset": -1}, "offset"),
])
def test_bad_filters_are_refused_at_their_field(ctx: ServiceContext, log: Database, filters: dict[str, object],
                                                field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        audit_entries(as_role(ctx, "admin"), **filters)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert_vietnamese(refused.value.message)


def test_every_entry_is_told_in_vietnamese(ctx: ServiceContext, log: Database) -> None:
    told = {(r.action, r.target): r for r in audit_entries(as_role(ctx, "admin"))}
    assert told[("reveal_id", "000.31.22.H20-260301-0001")].action_vn == "Xem số CCCD"
    assert "số CCCD" in told[("reveal_id", "000.31.22.H20-260301-0001")].description
    assert told[("login_failed", "")].description == "Đăng nhập không thành công: tên đăng nhập không có"
    assert "CÓ số CCCD" in told[("export", "")].description and "02/03/2026" in told[("export", "")].description
    assert told[("settings", "hotline")].description.endswith("'1022' → '1900 1022'")
    assert "bí mật" in told[("settings", "upper_level_token")].description
    assert told[("user", "nv.minh")].description == "Tạo tài khoản (Cán bộ tiếp nhận)"
    assert told[("print", "000.31.22.H20-260302-0007")].description.startswith("Phiếu kiểm soát")
    for row in told.values():
        assert_vietnamese(row.action_vn)
        assert_vietnamese(row.description)


def test_backups_and_restores_are_told_in_words() -> None:
    assert describe("backup", "desk-20260302.mcbk", {"reason": "daily", "folder": "/media/usb", "size": 9,
                                                     "encrypted": True, "dossiers": 12, "events": 40}) == \
        "Sao lưu cuối ngày: 12 hồ sơ, 40 sự kiện vào thư mục /media/usb; có mã hóa"
    assert describe("restore", "desk-20260302.mcbk", {"dossiers": 12, "events": 40}) == \
        "Khôi phục từ tệp desk-20260302.mcbk: 12 hồ sơ, 40 sự kiện"


def test_an_unknown_kind_is_told_by_its_short_values() -> None:
    assert describe("backup", None, {"file": "desk-2026.db", "size": 12, "big": {"a": 1}}) == \
        "file: desk-2026.db; size: 12"


def _plans(db: Database, call: Callable[[], object]) -> list[str]:
    """The query plans of the audit_log SELECTs a call runs, as SQLite would execute them."""
    from sqlalchemy import event

    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM audit_log" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    with db.session() as session:
        raw = session.connection().connection.driver_connection
        return [" | ".join(str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
                for sql, params in statements]


@pytest.mark.parametrize("filters", [
    {},
    {"since": dt.date(2026, 3, 1), "until": dt.date(2026, 3, 2)},
    {"action": "print", "since": dt.date(2026, 3, 1)},  # dated: the time index, never the action index and a sort
    {"actor": "nv.lan", "until": dt.date(2026, 3, 2)},
    {"target_contains": "0007", "since": dt.date(2026, 3, 1), "until": dt.date(2026, 3, 3)},
])
def test_a_page_is_read_along_the_time_index_without_a_sort(ctx: ServiceContext, log: Database,
                                                             filters: dict[str, object]) -> None:
    """Fast with a million rows: the page is read from the index on ``at`` in order and stops when full; no sort of
    the matching rows. Checked on the query plans, not on a timing (bench/audit_log.py times it)."""
    [plan] = _plans(log, lambda: audit_entries(as_role(ctx, "admin"), offset=200, **filters))  # type: ignore[arg-type]
    assert "ix_audit_log_at" in plan and "TEMP B-TREE" not in plan, plan


def test_a_rare_kind_without_dates_is_read_by_the_action_index(ctx: ServiceContext, log: Database) -> None:
    plans = _plans(log, lambda: audit_entries(as_role(ctx, "admin"), action="reveal_id"))
    assert "ix_audit_log_action" in plans[-1], plans  # two reveals: read by kind, then sorted (cheap)


# -- completeness: each path that prints or exports personal data leaves one record -------------------------------------
def _audit(db: Database) -> list[dict[str, object]]:
    return [dict(r) for r in rows(db, "SELECT actor, action, target, detail FROM audit_log ORDER BY id")]


def _no_personal_data(db: Database) -> None:
    stored = json.dumps(_audit(db), ensure_ascii=False)
    for value in PERSONAL:
        assert value not in stored, value


def test_every_print_and_export_path_is_audited(ctx: ServiceContext, db: Database, tmp_path: Path) -> None:
    code = receive_one(ctx).code
    DossierActions(ctx).transfer(code, "Công chức Tư pháp - Hộ tịch")
    leader = as_role(ctx, "leader", "ld.hoa")
    report = report_for(leader, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    paths = [
        ("slip", lambda: dossier_form(ctx, code, "slip"), ("print", code, "slip")),
        ("control", lambda: dossier_form(ctx, code, "control"), ("print", code, "control")),
        ("ledger", lambda: ledger_job(ctx, dt.date(2026, 3, 1), dt.date(2026, 3, 2)), ("print", None, "ledger")),
        ("handover", lambda: handover_job(ctx, "Công chức Tư pháp - Hộ tịch", dt.date(2026, 3, 2)),
         ("print", None, "handover")),
        ("fee list", lambda: counter.fee_list_job(ctx, dt.date(2026, 3, 2)), ("print", None, "fee_list")),
        ("supplement at counter", lambda: counter.supplement_at_counter(ctx, "XA.HT.01", DUC, ["Tờ khai"]),
         ("print", None, "supplement")),
        ("report pdf", lambda: report_print_job(leader, report), ("print", None, "bieu_06")),
        ("report xlsx", lambda: save_report(leader, report, tmp_path / "b06.xlsx"), ("export", None, "bieu_06")),
        ("national", lambda: write_national(leader, dt.date(2026, 3, 1), dt.date(2026, 3, 31), tmp_path / "q.json"),
         ("export", None, "national_exchange")),
        ("reveal", lambda: reveal_id(ctx, code), ("reveal_id", code, None)),
        ("citizen data", lambda: citizen_data(ctx, FULL_ID), ("citizen_data", code, "citizen_data")),
    ]
    for name, call, (action, target, form) in paths:
        before = len(_audit(db))
        call()
        added = _audit(db)[before:]
        assert len(added) == 1, f"{name}: {len(added)} audit records"
        entry = added[0]
        detail = json.loads(str(entry["detail"]))
        assert (entry["action"], entry["target"], detail.get("form")) == (action, target, form), name
        assert entry["action"] in ACTIONS
    _no_personal_data(db)
    described = audit_entries(as_role(ctx, "admin"))
    assert len(described) == len(paths)
    for row in described:
        assert_vietnamese(row.description)
        for value in PERSONAL:
            assert value not in row.description


def test_a_refused_print_leaves_no_record(ctx: ServiceContext, db: Database) -> None:
    with pytest.raises(DomainError):
        dossier_form(ctx, "000.31.22.H20-260302-0099", "slip")
    with pytest.raises(DomainError):
        ledger_job(ctx, dt.date(2026, 3, 2), dt.date(2026, 3, 1))
    assert _audit(db) == []
