"""``verify()``: a busy, honest database is clean; every kind of tampering is found and located."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.services.integrity import VerifyReport, verify
from desk_app.store.db import DB_FILENAME, Database
from desk_app.store.events import hash_of_row
from desk_app.store.models import DossierEvent
from tests.conftest import vn
from tests.services._support import (
    act_as_desk,
    DUC,
    assert_vietnamese,
    count,
    execute,
    receive_one,
    rows,
    scalar,
    snapshot,
)


@dataclass
class Busy:
    d1: str
    d2: str
    d3: str
    d4: str
    d5: str
    d6: str


def build_busy(ctx, db, clock) -> Busy:
    """Two desks' chains (the setting changes mid-day), a bundle, a correction, a reschedule, a rating, a void.

    Desk 0: 1 d1 received, 2 d2 received, 3 d1 transferred, 4 d1 result_ready, 5 d1 returned (rated),
            6 d2 corrected, 7 d3 received (bundle), 8 d3 result_ready comp 1, 9 d4 received, 10 d4 rescheduled,
            11 d5 received, 12 d5 voided.
    Desk 1: 1 d6 received, 2 d2 transferred, 3 d6 supplement_requested, 4 d6 resubmitted.
    """
    a = DossierActions(ctx)
    d1 = receive_one(ctx, "XA.HT.01").code
    d2 = receive_one(ctx, "1.001193", {"name": "Trần Thị Hoa", "phone": "0987654321"}).code
    clock.advance(minutes=20)
    a.transfer(d1, "Công chức Tư pháp - Hộ tịch")
    a.result_ready(d1)
    a.return_result(d1, rating=2)
    a.correct(d2, "name", "Trần Thị Hòa")
    d3 = receive_one(ctx, "XA.HT.16").code
    a.result_ready(d3, component=1)
    d4 = receive_one(ctx, "XA.HT.01").code
    a.reschedule(d4, dt.date(2026, 3, 11), "Cần xác minh thêm")
    d5 = receive_one(ctx, "XA.HT.01").code
    a.void(d5, "Nhập trùng với hồ sơ d4")
    act_as_desk(db, 1)
    clock.advance(minutes=20)
    d6 = receive_one(ctx, "XA.HT.02", DUC).code
    a.transfer(d2, "Tư pháp")
    a.request_supplement(d6, ["Giấy tờ chứng minh quan hệ cha con"])
    clock.moment = vn(BUSY_END)
    a.resubmit(d6)
    return Busy(d1, d2, d3, d4, d5, d6)


BUSY_END = "2026-03-03 08:00"


@pytest.fixture(scope="module")
def _busy_template(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> tuple[Path, Busy]:
    """The busy database is built once per module; each test gets its own copy to tamper with."""
    folder = tmp_path_factory.mktemp("busy-desk")
    shutil.copy(_template_db / DB_FILENAME, folder / DB_FILENAME)
    database = open_desk(folder)
    try:
        clock = FixedClock(vn("2026-03-02 09:00"))
        made = build_busy(ServiceContext(database, clock, "test:clerk"), database, clock)
    finally:
        database.close()
    return folder, made


@pytest.fixture
def busy(_busy_template: tuple[Path, Busy], db: Database, clock: FixedClock) -> Busy:
    """Fills this test's fresh ``db`` with the busy record (the clock is left where the record ends)."""
    folder, made = _busy_template
    db.close()
    for name in (DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm"):
        (db.path.parent / name).unlink(missing_ok=True)
    shutil.copy(folder / DB_FILENAME, db.path)
    clock.moment = vn(BUSY_END)
    return made


def run_verify(db) -> VerifyReport:
    with db.session() as session:
        return verify(session)


def event_id(db, desk: int, seq: int) -> int:
    return scalar(db, "SELECT id FROM dossier_events WHERE desk = ? AND seq = ?", (desk, seq))


def test_busy_database_verifies_clean(db, busy):
    report = run_verify(db)
    assert report.problems == []
    assert report.ok
    assert report.events == count(db, "dossier_events") == 16
    assert report.dossiers == count(db, "dossiers") == 6
    assert report.desks == {0, 1}


def test_verify_writes_nothing(db, busy):
    before = snapshot(db)
    run_verify(db)
    assert snapshot(db) == before


def test_empty_database_verifies_clean(db):
    report = run_verify(db)
    assert report.ok and report.events == 0 and report.dossiers == 0


def test_edited_payload_is_found_at_its_desk_and_sequence(db, busy):
    execute(db, "UPDATE dossier_events SET payload = json_set(payload, '$.to', 'Kẻ gian') WHERE id = ?",
            (event_id(db, 0, 3),))
    report = run_verify(db)
    assert not report.ok
    assert any("bàn 0, sự kiện số 3" in p and busy.d1 in p and "mã băm" in p for p in report.problems), report.problems
    assert all("bàn 1" not in p for p in report.problems)


def test_edited_applicant_in_the_received_payload_is_found(db, busy):
    execute(db, "UPDATE dossier_events SET payload = json_set(payload, '$.applicant.id_number', '087084009999') "
                "WHERE id = ?", (event_id(db, 1, 1),))
    report = run_verify(db)
    assert any("bàn 1, sự kiện số 1" in p and busy.d6 in p for p in report.problems), report.problems


def test_edited_event_time_is_found(db, busy):
    execute(db, "UPDATE dossier_events SET at = '2026-03-02 08:00:00' WHERE id = ?", (event_id(db, 0, 4),))
    report = run_verify(db)
    assert any("bàn 0, sự kiện số 4" in p for p in report.problems), report.problems


def test_deleted_event_is_found(db, busy):
    execute(db, "DELETE FROM dossier_events WHERE id = ?", (event_id(db, 0, 4),))  # d1's result_ready
    report = run_verify(db)
    problems = "\n".join(report.problems)
    assert any("bàn 0, sự kiện số 5" in p and "thiếu sự kiện số 4" in p for p in report.problems), problems
    assert any(busy.d1 in p and "lịch sử" in p for p in report.problems), problems  # returned without a result


def test_deleted_received_event_is_found(db, busy):
    execute(db, "DELETE FROM dossier_events WHERE id = ?", (event_id(db, 1, 1),))
    report = run_verify(db)
    assert any("bàn 1, sự kiện số 2" in p and "thiếu sự kiện số 1" in p for p in report.problems), report.problems
    assert any(busy.d6 in p for p in report.problems), report.problems


def test_changed_prev_hash_is_found(db, busy):
    execute(db, "UPDATE dossier_events SET prev_hash = ? WHERE id = ?", ("f" * 64, event_id(db, 1, 2)))
    report = run_verify(db)
    assert any("Chuỗi băm" in p and "bàn 1, sự kiện số 2" in p and busy.d2 in p for p in report.problems), \
        report.problems


def test_rehashed_event_still_breaks_the_chain(db, busy):
    """An attacker who edits an event and recomputes its hash still breaks the next event's link."""
    with db.session() as session, session.begin():
        event = session.get(DossierEvent, event_id(db, 0, 3))
        event.payload = {**event.payload, "to": "Kẻ gian"}
        event.hash = hash_of_row(event)
    report = run_verify(db)
    assert any("Chuỗi băm" in p and "bàn 0, sự kiện số 4" in p for p in report.problems), report.problems


def test_changed_projection_status_is_found(db, busy):
    execute(db, "UPDATE dossiers SET status = 'returned' WHERE code = ?", (busy.d4,))
    report = run_verify(db)
    assert len(report.problems) == 1
    (problem,) = report.problems
    assert busy.d4 in problem and "trạng thái" in problem


def test_changed_projection_due_date_is_found(db, busy):
    execute(db, "UPDATE dossiers SET due_at = '2026-03-31 09:00:00' WHERE code = ?", (busy.d4,))
    report = run_verify(db)
    assert any(busy.d4 in p and "hẹn trả" in p for p in report.problems), report.problems


def test_changed_original_due_date_is_found(db, busy):
    execute(db, "UPDATE dossiers SET original_due_at = '2026-03-31 09:00:00' WHERE code = ?", (busy.d4,))
    report = run_verify(db)
    assert any(busy.d4 in p and "hẹn trả gốc" in p for p in report.problems), report.problems


def test_sync_state_changes_are_not_tampering(db, busy):
    execute(db, "UPDATE dossier_events SET sync_state = 'acknowledged' WHERE desk = 0")
    assert run_verify(db).ok


def test_deleted_last_correction_is_found(ctx, db, busy):
    DossierActions(ctx).correct(busy.d6, "email", "duc@example.com")  # desk 1, sequence 5: the chain's tail
    assert run_verify(db).ok
    execute(db, "DELETE FROM dossier_events WHERE id = ?", (event_id(db, 1, 5),))
    report = run_verify(db)
    assert any(busy.d6 in p for p in report.problems), report.problems


def test_changed_projection_applicant_is_found(db, busy):
    execute(db, "UPDATE dossiers SET applicant_name = 'Kẻ Gian', id_number = '087084009999' WHERE code = ?",
            (busy.d6,))
    report = run_verify(db)
    assert any(busy.d6 in p for p in report.problems), report.problems


def test_problems_are_vietnamese(db, busy):
    execute(db, "DELETE FROM dossier_events WHERE id = ?", (event_id(db, 0, 7),))
    report = run_verify(db)
    assert report.problems
    for problem in report.problems:
        assert_vietnamese(problem)


def test_every_event_is_in_the_busy_chain(db, busy):
    per_desk = {d: [r["seq"] for r in rows(db, "SELECT seq FROM dossier_events WHERE desk = ? ORDER BY seq", (d,))]
                for d in (0, 1)}
    assert per_desk == {0: list(range(1, 13)), 1: [1, 2, 3, 4]}


# -- chain links (other desks' events kept as links only, desk_app.sync.inbox) -------------------------------------
def add_link(db, desk: int, seq: int, prev_hash: str, digest: str) -> None:
    execute(db, "INSERT INTO chain_links (desk, seq, uuid, dossier_code, kind, prev_hash, hash, reason, taken_at) "
                "VALUES (?, ?, ?, 'X', 'received', ?, ?, 'cấp trên từ chối', '2026-03-02 17:00:00')",
            (desk, seq, f"00000000-0000-4000-8000-{desk:06d}{seq:06d}", prev_hash, digest))
    execute(db, "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = "
                "excluded.value", (f"chain:{desk}", seq))


def test_links_after_a_desks_last_event_continue_its_chain(db, busy):
    last_seq, last_hash = rows(db, "SELECT seq, hash FROM dossier_events WHERE desk = 1 ORDER BY seq DESC LIMIT 1")[0]
    add_link(db, 1, last_seq + 1, last_hash, "a" * 64)
    add_link(db, 1, last_seq + 2, "a" * 64, "b" * 64)
    assert run_verify(db).problems == []
    execute(db, "UPDATE chain_links SET prev_hash = ? WHERE seq = ?", ("c" * 64, last_seq + 2))
    report = run_verify(db)
    assert any(f"bàn 1, sự kiện số {last_seq + 2}" in p and "Chuỗi băm" in p for p in report.problems), \
        report.problems
    assert_vietnamese(" ".join(report.problems))


def test_a_chain_held_only_as_links_verifies_and_its_holes_are_found(db, busy):
    from desk_app.domain.chain import GENESIS_HASH

    add_link(db, 7, 1, GENESIS_HASH, "d" * 64)
    add_link(db, 7, 2, "d" * 64, "e" * 64)
    report = run_verify(db)
    assert report.problems == [] and 7 in report.desks
    execute(db, "DELETE FROM chain_links WHERE desk = 7 AND seq = 1")
    report = run_verify(db)
    assert any("bàn 7, sự kiện số 2" in p and "thiếu sự kiện số 1" in p for p in report.problems), report.problems
