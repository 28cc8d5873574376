"""The national exchange file (DOMAIN.md §7): status, channel and return codes, the supplement and reschedule history,
yyyyMMddHHmmss times, which dossiers a period holds and as they stood at its end, and the file itself."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desk_app.domain.errors import ValidationError
from desk_app.services.accounts import PermissionDenied
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.national_export import national_records, national_time, write_national
from desk_app.store.events import append_event
from desk_app.store.models import Dossier
from tests.conftest import vn
from tests.services._support import DUC, assert_vietnamese, execute, receive_one, rows

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
TIME_FIELDS = ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")
RECORD_FIELDS = {"MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "KenhThucHien", "ChuHoSo", "SoDienThoai", "Email",
                 "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "TrangThaiHoSo", "HinhThuc",
                 "DanhSachHoSoBoSung", "DanhSachGiaHan"}


@pytest.fixture
def actions(ctx: ServiceContext) -> DossierActions:
    return DossierActions(ctx)


def at(clock: FixedClock, text: str) -> dt.datetime:
    """Move the clock to a later Vietnamese time and return it."""
    moment = vn(text)
    assert moment >= clock.now()
    clock.moment = moment
    return moment


def by_code(ctx: ServiceContext, period: tuple[dt.date, dt.date] = MARCH) -> dict[str, dict[str, Any]]:
    return {r["MaHoSo"]: r for r in national_records(ctx, *period)}


# -- TrangThaiHoSo, one row per status the desk records (1 "Mới đăng ký" and 6 "nghĩa vụ tài chính" belong to
# online portals and fee systems: a commune desk never records them) -------------------------------------------
STATUS_CASES: list[tuple[str, Callable[[DossierActions, str], Any], int]] = [
    ("received", lambda a, c: None, 2),
    ("transferred", lambda a, c: a.transfer(c, "Công chức Tư pháp - Hộ tịch"), 4),
    ("supplement requested", lambda a, c: a.request_supplement(c, ["Bản sao giấy khai sinh"]), 5),
    ("refused", lambda a, c: a.refuse(c, "Không thuộc thẩm quyền của xã"), 3),
    ("withdrawn", lambda a, c: a.withdraw(c, "Công dân xin rút hồ sơ"), 7),
    ("stopped", lambda a, c: a.stop(c, "Có tranh chấp"), 8),
    ("result ready", lambda a, c: a.result_ready(c), 9),
    ("returned", lambda a, c: (a.result_ready(c), a.return_result(c)), 10),
]


@pytest.mark.parametrize(("what", "act", "code"), STATUS_CASES, ids=[c[0] for c in STATUS_CASES])
def test_trang_thai_ho_so(ctx, clock, actions, what, act, code):
    receipt = receive_one(ctx, "XA.HT.01")
    clock.advance(hours=1)
    act(actions, receipt.code)
    record = by_code(ctx)[receipt.code]
    assert record["TrangThaiHoSo"] == code
    assert set(record) == RECORD_FIELDS


def test_a_voided_entry_is_never_exported_even_voided_after_the_period(ctx, clock, actions):
    kept = receive_one(ctx, "XA.HT.01").code
    duplicate = receive_one(ctx, "XA.HT.01").code
    at(clock, "2026-04-02 08:00")
    actions.void(duplicate, f"Nhập trùng với hồ sơ {kept}")
    assert list(by_code(ctx)) == [kept]
    assert list(by_code(ctx, (dt.date(2026, 4, 1), dt.date(2026, 4, 30)))) == []


# -- KenhThucHien and HinhThuc ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("channel", "expected"), [("direct", 1), ("online", 2), ("postal", 3)])
def test_kenh_thuc_hien(ctx, channel, expected):
    code = receive_one(ctx, "XA.HT.01", channel=channel).code
    assert by_code(ctx)[code]["KenhThucHien"] == expected


@pytest.mark.parametrize(("method", "expected"), [("desk", 0), ("postal", 1), ("home", 1)])
def test_hinh_thuc(ctx, method, expected):
    code = receive_one(ctx, "XA.HT.01", return_method=method).code
    assert by_code(ctx)[code]["HinhThuc"] == expected


# -- the record's other fields ---------------------------------------------------------------------------------
def test_the_fields_of_a_received_dossier(ctx):
    applicant = {**DUC, "email": "duc.nguyen@example.vn"}
    receipt = receive_one(ctx, "XA.HT.01", applicant=applicant)
    record = by_code(ctx)[receipt.code]
    assert record == {
        "MaHoSo": receipt.code,
        "MaTTHC": "XA.HT.01",  # no national code in the catalog: ours
        "TenTTHC": "Cấp Giấy xác nhận tình trạng hôn nhân",
        "MaLinhVuc": "HT",
        "KenhThucHien": 1,
        "ChuHoSo": "Nguyễn Văn Đức",
        "SoDienThoai": "0912345678",
        "Email": "duc.nguyen@example.vn",
        "NgayTiepNhan": "20260302090000",
        "NgayHenTra": "20260305090000",  # 3 working days: Thursday at the receipt's clock time
        "NgayKetThucXuLy": None,
        "NgayTra": None,
        "TrangThaiHoSo": 2,
        "HinhThuc": 0,
        "DanhSachHoSoBoSung": [],
        "DanhSachGiaHan": [],
    }


@pytest.mark.parametrize(("procedure", "national", "expected"), [
    ("1.001193", None, "1.001193"),  # the catalog's code is the national one
    ("XA.HT.01", None, "XA.HT.01"),  # none known: ours
    ("XA.HT.01", "1.004873", "1.004873"),  # known: the national one, not ours
])
def test_ma_tthc(ctx, db, procedure, national, expected):
    if national:
        execute(db, "UPDATE procedures SET national_code = ? WHERE code = ?", (national, procedure))
    code = receive_one(ctx, procedure).code
    assert by_code(ctx)[code]["MaTTHC"] == expected


def test_a_corrected_name_goes_out_corrected(ctx, clock, actions):
    code = receive_one(ctx, "XA.HT.01").code
    clock.advance(minutes=5)
    actions.correct(code, "name", "Nguyễn Văn Đực")
    assert by_code(ctx)[code]["ChuHoSo"] == "Nguyễn Văn Đực"


@pytest.mark.parametrize(("moment", "expected"), [
    (vn("2026-03-02 09:05:07"), "20260302090507"),
    (vn("2026-12-31 23:59:59"), "20261231235959"),
    (dt.datetime(2026, 3, 2, 2, 5, 7, tzinfo=dt.UTC), "20260302090507"),  # UTC 02:05 is 09:05 in Vietnam
    (dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC), "20260302030000"),  # and the next day there
    (None, None),
])
def test_time_format(moment, expected):
    assert national_time(moment) == expected


def test_result_ready_and_returned_are_separate_moments(ctx, clock, actions):
    code = receive_one(ctx, "XA.HT.01").code
    at(clock, "2026-03-04 14:20")
    actions.result_ready(code)
    at(clock, "2026-03-06 08:45")
    actions.return_result(code)
    record = by_code(ctx)[code]
    assert (record["NgayKetThucXuLy"], record["NgayTra"], record["TrangThaiHoSo"]) == (
        "20260304142000", "20260306084500", 10)


def test_a_supplement_and_a_reschedule(ctx, clock, actions, db):
    """XA.HT.01 received Mon 02/03 09:00, due Thu 05/03 09:00; supplement asked Mon 10:00 (within 3 working
    days: the limit restarts), brought back Tue 03/03 09:00: due Fri 06/03 09:00; an apology on Wed 04/03 moves it
    to Tue 10/03."""
    code = receive_one(ctx, "XA.HT.01").code
    at(clock, "2026-03-02 10:00")
    actions.request_supplement(code, ["Bản sao giấy khai sinh", "Giấy xác nhận cư trú"], "Thiếu giấy tờ")
    assert by_code(ctx)[code]["DanhSachHoSoBoSung"] == [{
        "HoSoBoSungId": 1, "NgayBoSung": "20260302100000",
        "NoiDungBoSung": "Bản sao giấy khai sinh; Giấy xác nhận cư trú. Lý do: Thiếu giấy tờ",
        "NgayTiepNhanBoSung": None, "TrangThaiBoSung": False, "NgayHenTraTruoc": None, "NgayHenTraMoi": None}]
    at(clock, "2026-03-03 09:00")
    actions.resubmit(code)
    at(clock, "2026-03-04 10:00")
    actions.reschedule(code, dt.date(2026, 3, 10), "Chờ xác minh tại nơi cư trú trước đây")
    record = by_code(ctx)[code]
    resubmitted = json.loads(rows(db, "SELECT payload FROM dossier_events WHERE kind = 'resubmitted'")[0][0])
    assert (resubmitted["previous_due_at"], resubmitted["due_at"]) == ("2026-03-05T09:00:00+07:00",
                                                                      "2026-03-06T09:00:00+07:00")
    assert record["DanhSachHoSoBoSung"] == [{
        "HoSoBoSungId": 1, "NgayBoSung": "20260302100000",
        "NoiDungBoSung": "Bản sao giấy khai sinh; Giấy xác nhận cư trú. Lý do: Thiếu giấy tờ",
        "NgayTiepNhanBoSung": "20260303090000", "TrangThaiBoSung": True,
        "NgayHenTraTruoc": "20260305090000", "NgayHenTraMoi": "20260306090000"}]
    assert record["DanhSachGiaHan"] == [{
        "NgayGiaHan": "20260304100000", "LyDo": "Chờ xác minh tại nơi cư trú trước đây",
        "NgayHenTraTruoc": "20260306090000", "NgayHenTraMoi": "20260310090000"}]
    assert record["NgayHenTra"] == "20260310090000"  # the appointment in force
    assert record["TrangThaiHoSo"] == 2  # back at the desk after the supplement, not transferred


def test_two_supplement_requests_are_two_entries(ctx, clock, actions):
    code = receive_one(ctx, "XA.HT.01").code
    for day, item in (("02", "Tờ khai"), ("03", "Ảnh")):
        at(clock, f"2026-03-{day} 10:00")
        actions.request_supplement(code, [item])
        at(clock, f"2026-03-{day} 11:00")
        actions.resubmit(code)
    history = by_code(ctx)[code]["DanhSachHoSoBoSung"]
    assert [(h["HoSoBoSungId"], h["NoiDungBoSung"], h["NgayTiepNhanBoSung"]) for h in history] == [
        (1, "Tờ khai", "20260302110000"), (2, "Ảnh", "20260303110000")]


def test_another_desks_event_the_lifecycle_refused_is_not_history(ctx, clock, actions, db):
    """Desk 2, offline, sent an apology with a new date for a dossier desk 1 had already returned: kept in the
    record as a conflict, but it is not the dossier's history and does not move its appointment."""
    code = receive_one(ctx, "XA.HT.01").code
    at(clock, "2026-03-03 09:00")
    actions.result_ready(code)
    actions.return_result(code)
    with db.write_session() as session, session.begin():
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        append_event(session, dossier=dossier, desk=2, kind="rescheduled", at=vn("2026-03-03 10:00"),
                     recorded_at=vn("2026-03-03 10:00"), actor="desk2:clerk",
                     payload={"previous_due_at": "2026-03-05T09:00:00+07:00",
                              "due_at": "2026-03-10T09:00:00+07:00", "reason": "Chờ xác minh"})
    record = by_code(ctx)[code]
    assert record["DanhSachGiaHan"] == []
    assert (record["TrangThaiHoSo"], record["NgayHenTra"]) == (10, "20260305090000")


# -- which dossiers, and as of when ----------------------------------------------------------------------------
def test_the_period_holds_the_dossiers_received_or_acted_on_in_it(ctx, clock, actions):
    before = receive_one(ctx, "XA.HT.01").code  # Mon 02/03, returned in April
    quiet = receive_one(ctx, "XA.HT.01").code  # Mon 02/03, nothing in April
    at(clock, "2026-03-31 23:59:59")
    last_second = receive_one(ctx, "XA.HT.01").code
    at(clock, "2026-04-01 00:00:00")  # out of the office, received in April
    april_first = receive_one(ctx, "XA.HT.01").code
    at(clock, "2026-04-03 10:00")
    actions.result_ready(before)
    at(clock, "2026-04-06 09:00")
    actions.return_result(before)
    march = by_code(ctx)
    assert set(march) == {before, quiet, last_second}
    assert (march[before]["TrangThaiHoSo"], march[before]["NgayKetThucXuLy"], march[before]["NgayTra"]) == (
        2, None, None), "as it stood at the end of March, not as it is now"
    april = by_code(ctx, (dt.date(2026, 4, 1), dt.date(2026, 4, 30)))
    assert set(april) == {before, april_first}
    assert (april[before]["TrangThaiHoSo"], april[before]["NgayKetThucXuLy"], april[before]["NgayTra"]) == (
        10, "20260403100000", "20260406090000")
    assert by_code(ctx, (dt.date(2026, 4, 4), dt.date(2026, 4, 5))) == {}  # a weekend with nothing done
    assert set(by_code(ctx, (dt.date(2026, 4, 3), dt.date(2026, 4, 3)))) == {before}  # one day


def test_a_period_that_ends_before_it_starts_is_refused(ctx):
    with pytest.raises(ValidationError) as raised:
        national_records(ctx, dt.date(2026, 3, 31), dt.date(2026, 3, 1))
    assert_vietnamese(raised.value.message)


def test_every_time_is_yyyymmddhhmmss(ctx, clock, actions):
    codes = [receive_one(ctx, "XA.HT.01").code for _ in range(2)]
    at(clock, "2026-03-02 15:30")
    actions.result_ready(codes[0])
    actions.return_result(codes[0])
    pattern = re.compile(r"^20\d{12}$")
    for record in national_records(ctx, *MARCH):
        for name in TIME_FIELDS:
            assert record[name] is None or pattern.match(record[name]), (name, record[name])


# -- the file --------------------------------------------------------------------------------------------------
@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "xuat"
    folder.mkdir()
    return folder


def test_the_file_round_trip_and_its_audit(ctx, clock, actions, db, out_dir: Path):
    first = receive_one(ctx, "XA.HT.01", applicant={**DUC, "name": "Trần Thị Ánh Tuyết"}).code
    second = receive_one(ctx, "1.001193").code
    at(clock, "2026-04-01 08:00")
    out = out_dir / "trao-doi-thang-3.json"
    assert write_national(ctx, *MARCH, out) == 2
    raw = out.read_bytes()
    assert "Trần Thị Ánh Tuyết".encode() in raw  # UTF-8 text, not \\u escapes
    document = json.loads(raw.decode("utf-8"))
    assert {k: v for k, v in document.items() if k != "data"} == {
        "MaDonVi": "000.31.22.H20", "TuNgay": "20260301", "DenNgay": "20260331", "ThoiDiemXuat": "20260401080000",
        "SoLuongHoSo": 2}
    assert document["data"] == national_records(ctx, *MARCH)
    assert [r["MaHoSo"] for r in document["data"]] == [first, second]
    audit = rows(db, "SELECT at, actor, action, target, detail FROM audit_log WHERE action = 'export'")
    assert len(audit) == 1
    assert (audit[0]["at"], audit[0]["actor"], audit[0]["target"]) == ("2026-04-01 08:00:00", "test:clerk", None)
    assert json.loads(audit[0]["detail"]) == {"form": "national_exchange", "format": "json", "from": "2026-03-01",
                                              "to": "2026-03-31", "dossiers": 2}
    assert "Tuyết" not in audit[0]["detail"] and DUC["phone"].replace(" ", "") not in audit[0]["detail"]
    # Written again: the same records (the period as it stood), the file replaced whole.
    at(clock, "2026-04-02 08:00")
    actions.result_ready(first)
    assert write_national(ctx, *MARCH, out) == 2
    assert json.loads(out.read_text(encoding="utf-8"))["data"] == document["data"]
    assert [p.name for p in out_dir.iterdir()] == [out.name]  # no temporary file left


def test_an_empty_period_gives_an_empty_list(ctx, out_dir: Path):
    out = out_dir / "trong.json"
    assert write_national(ctx, dt.date(2025, 1, 1), dt.date(2025, 1, 31), out) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["data"] == []


@pytest.mark.parametrize(("name", "field"), [("ho-so.txt", "out"), ("khong-co/ho-so.json", "out")])
def test_a_wrong_destination_is_refused_and_nothing_written(ctx, db, out_dir: Path, name, field):
    receive_one(ctx, "XA.HT.01")
    with pytest.raises(ValidationError) as raised:
        write_national(ctx, *MARCH, out_dir / name)
    assert raised.value.field == field
    assert_vietnamese(raised.value.message)
    assert list(out_dir.iterdir()) == []
    assert rows(db, "SELECT count(*) FROM audit_log WHERE action = 'export'")[0][0] == 0


def test_a_clerk_may_not_export_personal_data(db, clock, out_dir: Path):
    clerk = ServiceContext(db, clock, "clerk1", role="clerk")
    with pytest.raises(PermissionDenied) as raised:
        write_national(clerk, *MARCH, out_dir / "ho-so.json")
    assert_vietnamese(raised.value.message)
    assert list(out_dir.iterdir()) == []
    leader = ServiceContext(db, clock, "leader1", role="leader")
    assert write_national(leader, *MARCH, out_dir / "ho-so.json") == 0
