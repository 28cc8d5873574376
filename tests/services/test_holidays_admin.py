"""The holidays of a year on the settings screen: the stored schedule and the days off the domain derives from it,
editing a year (kept over catalog reloads, audited, and felt by the deadlines), refusals naming the row, imports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from desk_app.domain.deadlines import TimeLimit, TimeUnit
from desk_app.domain.errors import DomainError, ValidationError
from desk_app.services.catalog import load_holidays
from desk_app.services.context import ServiceContext
from desk_app.services.holidays_admin import (
    MakeupEntry,
    PeriodEntry,
    import_year_file,
    parse_days,
    preview_year,
    save_year,
    year_schedule,
)
from desk_app.services.rules import load_rules
from tests.conftest import vn
from tests.services._support import assert_vietnamese, rows, snapshot

D = dt.date.fromisoformat
EXTRA = PeriodEntry("Nghỉ đột xuất do bão", D("2026-03-03"), D("2026-03-03"))
THREE_DAYS = TimeLimit(3, TimeUnit.WORKING_DAYS)

SCHEDULE_2027 = {"years": {"2027": {"source": "Thông báo số 1/TB-VPCP (ví dụ)", "off": [
    {"from": "2027-02-04", "to": "2027-02-12", "name": "Tết Nguyên đán Đinh Mùi", "occasions": ["tet"],
     "swapped": ["2027-02-04"]}],
    "makeup_working": [{"date": "2027-01-30", "name": "Làm bù ngày 04/02/2027"}]}}}


@pytest.fixture
def admin(db, clock) -> ServiceContext:
    return ServiceContext(db, clock, "quantri", role="admin")


def due(db) -> dt.datetime:
    with db.session() as session:
        return load_rules(session).appointment(THREE_DAYS, vn("2026-03-02 09:00")).due_at


def audits(db) -> list[dict]:
    return [dict(r) | {"detail": json.loads(r["detail"])}
            for r in rows(db, "SELECT actor, action, target, detail FROM audit_log ORDER BY id")]


def test_2026_as_shipped_with_every_day_off_the_calendar_derives(admin):
    view = year_schedule(admin, 2026)
    assert view.origin == "shipped"
    assert view.note == "Lịch nghỉ lễ, Tết năm 2026 của cán bộ, công chức, viên chức"
    tet = next(p for p in view.periods if "tet" in p.occasions)
    assert (tet.name, tet.start, tet.end) == ("Tết Nguyên đán Bính Ngọ", D("2026-02-14"), D("2026-02-22"))
    assert [m.date for m in view.makeups] == [D("2026-01-10"), D("2026-08-22")]
    days = {d.date: d for d in view.days_off}
    assert all(D("2026-02-14") + dt.timedelta(days=i) in days for i in range(9))
    assert (days[D("2026-02-16")].kind_label, days[D("2026-02-16")].weekday) == ("Nghỉ lễ", "Thứ Hai")
    assert days[D("2026-01-02")].kind == "swapped" and days[D("2026-01-02")].kind_label == "Nghỉ hoán đổi"
    assert days[D("2026-08-31")].kind == "swapped"
    assert [d.date for d in view.makeup_working] == [D("2026-01-10"), D("2026-08-22")]
    assert all(d.kind_label == "Làm bù" for d in view.makeup_working)
    assert D("2026-03-03") not in days
    assert_vietnamese(view.summary)


def test_a_year_without_a_schedule_follows_the_rules_with_compensatory_days(admin):
    view = year_schedule(admin, 2027)
    assert (view.origin, view.periods, view.makeups) == ("rules", (), ())
    assert_vietnamese(view.origin_label)
    days = {d.date: d for d in view.days_off}
    # Tết 2027: the eve Fri 05/02 and mùng 1–4 (Sat 06/02–Tue 09/02); two fell on the weekend
    assert all(D("2027-02-05") + dt.timedelta(days=i) in days for i in range(5))
    assert days[D("2027-02-06")].on_rest_day
    assert [(d.date, d.kind_label) for d in view.days_off if d.kind == "compensatory"][:2] == [
        (D("2027-02-10"), "Nghỉ bù"), (D("2027-02-11"), "Nghỉ bù")]


def test_saving_an_edited_year_moves_the_deadlines_and_survives_catalog_reloads(db, admin):
    assert due(db) == vn("2026-03-05 09:00")
    view = year_schedule(admin, 2026)
    saved = save_year(admin, 2026, [*view.periods, EXTRA], view.makeups)
    assert saved.origin == "edited"
    assert saved.note == view.note  # kept when not given
    assert EXTRA in saved.periods
    assert any(d.date == D("2026-03-03") and d.name == "Nghỉ đột xuất do bão" for d in saved.days_off)
    assert due(db) == vn("2026-03-06 09:00")  # one working day later
    with db.write_session() as session, session.begin():
        load_holidays(session)  # a catalog update (desk-app init) leaves the administrator's year alone
    assert year_schedule(admin, 2026).origin == "edited"
    assert due(db) == vn("2026-03-06 09:00")
    # the shipped Tết is still there, with its occasions and swapped days
    stored = rows(db, "SELECT start, \"end\", data FROM holidays WHERE year = 2026 AND kind = 'period' ORDER BY start")
    assert [r["start"] for r in stored][:2] == ["2026-01-01", "2026-02-14"]
    assert json.loads(stored[0]["data"])["swapped"] == ["2026-01-02"]
    (entry,) = audits(db)
    assert (entry["actor"], entry["action"], entry["target"]) == ("quantri", "holidays", "2026")
    assert entry["detail"]["operation"] == "edit"
    assert len(entry["detail"]["after"]["off"]) == len(entry["detail"]["before"]["off"]) + 1
    assert {"from": "2026-03-03", "to": "2026-03-03", "name": "Nghỉ đột xuất do bão", "occasions": [],
            "swapped": []} in entry["detail"]["after"]["off"]


def test_removing_an_official_period_gives_the_rules_back_for_its_occasion(db, admin):
    view = year_schedule(admin, 2026)
    kept = [p for p in view.periods if "tet" not in p.occasions]
    saved = save_year(admin, 2026, kept, view.makeups, note="Sửa thử")
    assert saved.note == "Sửa thử"
    days = {d.date: d for d in saved.days_off}
    # the rules' Tết: the eve (Mon 16/02) and mùng 1–4, by the Labour Code's name; the decree's weekend is gone
    assert [d for d in days if d.month == 2] == [D("2026-02-16") + dt.timedelta(days=i) for i in range(5)]
    assert days[D("2026-02-17")].name == "Tết Nguyên đán"


def test_preview_shows_the_effect_without_writing(db, admin):
    before = snapshot(db, ("holidays", "audit_log"))
    view = year_schedule(admin, 2026)
    preview = preview_year(admin, 2026, [*view.periods, EXTRA], view.makeups)
    assert D("2026-03-03") in {d.date for d in preview.days_off}
    assert snapshot(db, ("holidays", "audit_log")) == before


def _refusal(admin, periods, makeups) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        save_year(admin, 2026, periods, makeups)
    assert_vietnamese(refused.value.message)
    return refused.value


@pytest.mark.parametrize(("change", "field"), [
    (lambda p, m: (p, [*m, MakeupEntry(D("2026-03-04"), "Làm bù thứ Tư")]), "makeups.2.date"),  # a Wednesday
    (lambda p, m: (p, [*m, MakeupEntry(D("2027-01-09"), "Năm sau")]), "makeups.2.date"),
    (lambda p, m: (p, [*m, MakeupEntry(D("2026-02-14"), "Trong kỳ nghỉ Tết")]), "makeups.2.date"),
    (lambda p, m: (p, [*m, MakeupEntry(D("2026-01-10"), "Trùng")]), "makeups.2.date"),
    (lambda p, m: (p, [*m, MakeupEntry(D("2026-03-07"), " ")]), "makeups.2.name"),
    (lambda p, m: ([*p, PeriodEntry("Ngược", D("2026-03-05"), D("2026-03-03"))], m), "periods.5.end"),
    (lambda p, m: ([*p, PeriodEntry("Sang năm", D("2026-12-31"), D("2027-01-01"))], m), "periods.5.end"),
    (lambda p, m: ([*p, PeriodEntry("", D("2026-03-03"), D("2026-03-03"))], m), "periods.5.name"),
    (lambda p, m: ([*p, PeriodEntry("Trùng Tết", D("2026-02-20"), D("2026-02-24"))], m), "periods.5.start"),
    (lambda p, m: ([*p, PeriodEntry("Hoán đổi lạc", D("2026-03-03"), D("2026-03-04"),
                                    swapped=(D("2026-03-10"),))], m), "periods.5.swapped"),
    (lambda p, m: ([*p, PeriodEntry("Nghỉ dài", D("2026-06-01"), D("2026-08-10"))], m), "periods.5.end"),
    (lambda p, m: ([], m), "periods"),
])
def test_an_invalid_year_is_refused_at_its_row_and_nothing_changes(db, admin, change, field):
    view = year_schedule(admin, 2026)
    before = snapshot(db, ("holidays", "audit_log"))
    periods, makeups = change(list(view.periods), list(view.makeups))
    assert _refusal(admin, periods, makeups).field == field
    assert snapshot(db, ("holidays", "audit_log")) == before


def test_only_an_administrator_may_change_the_holidays(db, clock, tmp_path):
    clerk = ServiceContext(db, clock, "nv.lan", role="clerk")
    view = year_schedule(clerk, 2026)  # seeing is allowed
    before = snapshot(db, ("holidays", "audit_log"))
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    for attempt in (lambda: save_year(clerk, 2026, [*view.periods, EXTRA], view.makeups),
                    lambda: import_year_file(clerk, path)):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert "Quản trị viên" in refused.value.message
    assert snapshot(db, ("holidays", "audit_log")) == before


def test_importing_an_official_schedule_file(db, admin, tmp_path):
    path = tmp_path / "lich-2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    assert import_year_file(admin, path) == [2027]
    view = year_schedule(admin, 2027)
    assert view.origin == "imported"
    assert view.note == "Thông báo số 1/TB-VPCP (ví dụ)"
    assert [(p.start, p.end) for p in view.periods] == [(D("2027-02-04"), D("2027-02-12"))]
    assert any(d.date == D("2027-02-04") and d.kind == "swapped" for d in view.days_off)
    (entry,) = audits(db)
    assert (entry["action"], entry["target"]) == ("holidays", "2027")
    assert entry["detail"]["operation"] == "import" and entry["detail"]["file"] == "lich-2027.json"
    assert entry["detail"]["before"] is None
    # then edited on the screen: the origin says so, and a reload keeps it
    save_year(admin, 2027, view.periods, view.makeups)
    assert year_schedule(admin, 2027).origin == "edited"


def test_a_malformed_file_is_refused_and_nothing_changes(db, admin, tmp_path):
    path = tmp_path / "hong.json"
    path.write_text("{không phải json", encoding="utf-8")
    before = snapshot(db, ("holidays", "audit_log"))
    with pytest.raises(ValidationError) as refused:
        import_year_file(admin, path)
    assert refused.value.field == "file"
    assert_vietnamese(refused.value.message)
    assert snapshot(db, ("holidays", "audit_log")) == before


def test_year_out_of_range_and_day_lists():
    assert parse_days("02/01/2026, 2026-08-31;") == (D("2026-01-02"), D("2026-08-31"))
    assert parse_days("  ") == ()
    with pytest.raises(ValidationError) as refused:
        parse_days("31/02/2026", field="periods.0.swapped")
    assert refused.value.field == "periods.0.swapped"


def test_a_year_outside_the_lunar_range_is_refused(admin):
    with pytest.raises(ValidationError) as refused:
        year_schedule(admin, 1850)
    assert refused.value.field == "year"
    assert_vietnamese(refused.value.message)


def test_period_entries_round_trip_unchanged(admin):
    view = year_schedule(admin, 2026)
    saved = save_year(admin, 2026, view.periods, view.makeups)
    assert [dataclasses.astuple(p) for p in saved.periods] == [dataclasses.astuple(p) for p in view.periods]
    assert saved.days_off == view.days_off
