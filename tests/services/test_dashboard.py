"""The dashboard's figures: each count against hand-placed dossiers and against the list it opens, the "apology
needed" boundary, the urgent notice, the monthly series, and its SQL classification cross-checked against the
domain's classify_resolved.

Dossiers are received through the real intake at chosen FixedClock moments and moved with the real lifecycle
actions; expected numbers are written out, and raw figures come from sqlite3, not from the code under test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

import pytest

from desk_app.domain.deadlines import DeadlinePolicy, SupplementRule, Timeliness, classify_resolved
from desk_app.domain.errors import TransitionError
from desk_app.domain.lifecycle import Status
from desk_app.services import dossier_list as dl
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.dashboard import (
    COUNT_PRESETS,
    DashboardCounts,
    MonthPoint,
    dashboard_counts,
    dashboard_data,
    monthly_series,
    urgent_notice,
    urgent_text,
)
from desk_app.services.demo import generate
from desk_app.services.queries import day_counts
from desk_app.store.models import VN_TZ
from tests.conftest import vn
from tests.services._support import receive_one, rows, set_settings
from tests.services.test_dossier_list import HOA, MAI, TAM, TU, all_rows, build_week

ALL_COUNTS = (*COUNT_PRESETS, "received_today")


def _at(ctx: ServiceContext, moment: str) -> None:
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    clock.moment = vn(moment)


def _receive(ctx: ServiceContext, moment: str, procedure: str, who: dict[str, Any], **options: Any) -> str:
    _at(ctx, moment)
    return receive_one(ctx, procedure, who, **options).code


def codes(ctx: ServiceContext, preset: str) -> set[str]:
    return {r.code for r in all_rows(ctx, dl.ListFilter(preset=preset))}  # type: ignore[arg-type]


def assert_counts_match_the_lists(ctx: ServiceContext, counts: DashboardCounts) -> None:
    """Every tile equals the row count of the list it opens, counted and paged."""
    for preset in COUNT_PRESETS:
        flt = dl.ListFilter(preset=preset)  # type: ignore[arg-type]
        assert counts.of(preset) == dl.count(ctx, flt) == len(all_rows(ctx, flt)), preset
    today = ctx.clock.now().date()
    received = dl.count(ctx, dl.ListFilter(date_from=today, date_to=today))
    voided = dl.count(ctx, dl.ListFilter(date_from=today, date_to=today, status=Status.VOIDED))
    assert counts.received_today == received - voided


# -- the counts on the week of the list's tests (Friday 06/03/2026 10:00) -------------------------------------------
def test_the_counts_of_the_week(ctx, db):
    week = build_week(ctx)
    counts = dashboard_counts(ctx)
    assert counts == DashboardCounts(
        day=dt.date(2026, 3, 6),
        due_today=2,  # due Fri 06 09:00, and the copy certified today (same day, due 17:00)
        due_soon=2,  # Monday and Tuesday, across the weekend
        overdue=2,  # due Tue 03 and Thu 05, still open; the one waiting for the citizen is not overdue
        waiting_supplement=1,
        ready_not_collected=1,
        apology_needed=1,  # due Monday 09, the next working day after this Friday
        received_today=1,
    )
    assert codes(ctx, "apology_needed") == {week["due_monday"]}
    assert_counts_match_the_lists(ctx, counts)
    with db.session() as session:
        status_bar = day_counts(session, ctx.clock.now())
    assert (counts.received_today, counts.due_today, counts.overdue) == (
        status_bar.received_today, status_bar.due_today, status_bar.overdue)


def test_an_empty_desk_counts_zero(ctx):
    counts = dashboard_counts(ctx)
    assert all(counts.of(name) == 0 for name in ALL_COUNTS)
    assert urgent_text(counts, None) is None


# -- apology needed: the boundary -----------------------------------------------------------------------------------
@pytest.fixture
def tuesday(ctx: ServiceContext) -> dict[str, str]:
    """Dossiers seen on Tuesday 03/03/2026 10:00 (XA.CTRU.03: 1 working day; XA.HT.01: 3)."""
    actions = DossierActions(ctx)
    placed = {"due_today": _receive(ctx, "2026-03-02 09:00", "XA.CTRU.03", TAM)}  # due Tue 03 09:00
    placed["tomorrow"] = _receive(ctx, "2026-03-03 08:00", "XA.CTRU.03", TU)  # due Wed 04 08:00
    placed["rescheduled"] = _receive(ctx, "2026-03-03 08:10", "XA.CTRU.03", MAI)  # due Wed 04 08:10
    placed["waiting"] = _receive(ctx, "2026-03-03 08:20", "XA.CTRU.03", HOA)  # due Wed 04, with the citizen
    placed["ready"] = _receive(ctx, "2026-03-03 08:30", "XA.CTRU.03", TAM)  # due Wed 04, result ready
    placed["thursday"] = _receive(ctx, "2026-03-03 08:40", "XA.CT.04", MAI)  # 2 working days: due Thu 05
    _at(ctx, "2026-03-03 09:30")
    actions.reschedule(placed["rescheduled"], dt.date(2026, 3, 5), "Chờ xác minh của công an xã")  # → Thu 05
    actions.request_supplement(placed["waiting"], ["Bản sao sổ hộ khẩu"])
    actions.result_ready(placed["ready"])
    _at(ctx, "2026-03-03 10:00")
    return placed


def test_due_tomorrow_needs_an_apology_due_today_does_not(ctx, tuesday):
    assert codes(ctx, "apology_needed") == {tuesday["tomorrow"]}
    assert codes(ctx, "due_today") == {tuesday["due_today"]}  # it counts here, and only here
    counts = dashboard_counts(ctx)
    assert (counts.apology_needed, counts.due_today) == (1, 1)
    assert_counts_match_the_lists(ctx, counts)


def test_the_apology_preset_agrees_with_the_rescheduling_rule(ctx, tuesday):
    """What the tile asks for is possible today, and what it leaves out as due today is not."""
    actions = DossierActions(ctx)
    with pytest.raises(TransitionError):
        actions.reschedule(tuesday["due_today"], dt.date(2026, 3, 5), "Chậm do chờ ý kiến cấp trên")
    actions.reschedule(tuesday["tomorrow"], dt.date(2026, 3, 6), "Chậm do chờ ý kiến cấp trên")
    assert codes(ctx, "apology_needed") == set()  # once rescheduled, no longer needed
    assert dashboard_counts(ctx).apology_needed == 0


def test_an_already_rescheduled_dossier_due_tomorrow_is_not_counted_again(ctx, tuesday):
    # Wednesday: "rescheduled" is now due tomorrow (Thu 05, its new date) but may not be rescheduled twice;
    # "thursday" is due tomorrow too and never was rescheduled.
    _at(ctx, "2026-03-04 09:00")
    assert codes(ctx, "apology_needed") == {tuesday["thursday"]}
    assert tuesday["rescheduled"] in codes(ctx, "due_soon")
    with pytest.raises(TransitionError):
        DossierActions(ctx).reschedule(tuesday["rescheduled"], dt.date(2026, 3, 9), "Lần hai")
    # "tomorrow" (due Wed 04 08:00) is due today on Wednesday: no apology any more.
    assert tuesday["tomorrow"] in codes(ctx, "due_today")
    assert_counts_match_the_lists(ctx, dashboard_counts(ctx))


def test_waiting_for_the_citizen_or_resolved_needs_no_apology(ctx, tuesday):
    found = codes(ctx, "apology_needed")
    assert tuesday["waiting"] not in found and tuesday["ready"] not in found
    assert tuesday["waiting"] in codes(ctx, "waiting_supplement")
    assert tuesday["ready"] in codes(ctx, "ready_not_collected")


def test_on_friday_a_dossier_due_monday_needs_an_apology(ctx):
    monday = _receive(ctx, "2026-03-04 09:00", "XA.HT.01", TU)  # Thu 05, Fri 06, Mon 09
    tuesday = _receive(ctx, "2026-03-05 09:00", "XA.HT.01", MAI)  # Fri 06, Mon 09, Tue 10
    _at(ctx, "2026-03-06 16:00")
    assert codes(ctx, "apology_needed") == {monday}
    DossierActions(ctx).reschedule(monday, dt.date(2026, 3, 10), "Chờ xác minh")  # allowed on Friday
    _at(ctx, "2026-03-09 08:00")  # Monday: Tuesday's turn
    assert codes(ctx, "apology_needed") == {tuesday}


def test_before_a_holiday_run_the_next_working_day_is_after_it(ctx):
    # Wednesday 29/04/2026: 30/04 and 01/05 are public holidays, then the weekend; the next working day is Mon 04/05.
    _at(ctx, "2026-04-29 09:00")
    after = receive_one(ctx, "XA.CTRU.03", TAM).code  # 1 working day → Mon 04/05 09:00
    later = receive_one(ctx, "XA.HT.01", TU).code  # 3 working days → Wed 06/05
    assert codes(ctx, "apology_needed") == {after}
    assert later not in codes(ctx, "apology_needed")
    assert dashboard_counts(ctx).apology_needed == 1


def test_received_today_leaves_out_a_voided_duplicate(ctx):
    _receive(ctx, "2026-02-27 09:00", "XA.CT.01", TU)  # the Friday before: not today
    kept = _receive(ctx, "2026-03-02 08:00", "XA.CT.01", TAM)
    duplicate = _receive(ctx, "2026-03-02 08:05", "XA.CT.01", TAM)
    _at(ctx, "2026-03-02 08:10")
    DossierActions(ctx).void(duplicate, f"Nhập trùng với hồ sơ {kept}")
    counts = dashboard_counts(ctx)
    assert counts.received_today == 1
    assert_counts_match_the_lists(ctx, counts)


def test_returned_and_refused_dossiers_count_nowhere(ctx):
    actions = DossierActions(ctx)
    returned = _receive(ctx, "2026-03-02 08:00", "XA.CTRU.03", TAM)  # due Tue 03
    refused = _receive(ctx, "2026-03-02 08:30", "XA.CTRU.03", TU)
    _at(ctx, "2026-03-02 10:00")
    actions.result_ready(returned)
    actions.return_result(returned)
    actions.refuse(refused, "Không thuộc thẩm quyền của xã")
    counts = dashboard_counts(ctx)
    assert all(counts.of(name) == 0 for name in COUNT_PRESETS)
    assert counts.received_today == 2


# -- the urgent notice ----------------------------------------------------------------------------------------------
def test_the_first_notice_of_the_day_tells_every_urgent_figure(ctx):
    build_week(ctx)
    notice = urgent_notice(ctx, None)
    assert notice is not None
    assert notice.startswith("Cần chú ý: ")
    assert "2 hồ sơ đã quá hạn" in notice
    assert "1 hồ sơ hẹn trả vào ngày làm việc tiếp theo chưa có kết quả" in notice
    assert "phải gửi phiếu xin lỗi và hẹn lại ngay trong hôm nay" in notice
    assert "2 hồ sơ đến hạn trả hôm nay" in notice


def test_nothing_new_gives_no_notice(ctx):
    build_week(ctx)
    counts = dashboard_counts(ctx)
    assert urgent_notice(ctx, counts) is None
    _at(ctx, "2026-03-06 11:00")
    assert urgent_notice(ctx, counts) is None


def test_a_rise_in_overdue_or_apology_is_told(ctx):
    build_week(ctx)
    counts = dashboard_counts(ctx)
    fewer = dataclasses.replace(counts, overdue=counts.overdue - 1)
    assert urgent_text(counts, fewer) == "Cần chú ý: thêm 1 hồ sơ quá hạn (tổng 2)."
    # A dossier received now under a one-working-day limit is due on Monday: apology watch rises.
    receive_one(ctx, "XA.CTRU.03", TAM)
    notice = urgent_notice(ctx, counts)
    assert notice == ("Cần chú ý: thêm 1 hồ sơ (tổng 2) hẹn trả vào ngày làm việc tiếp theo chưa có kết quả — nếu "
                      "không kịp, phải gửi phiếu xin lỗi và hẹn lại ngay trong hôm nay.")


def test_a_same_day_receipt_during_the_day_is_not_news(ctx):
    build_week(ctx)
    counts = dashboard_counts(ctx)
    receive_one(ctx, "XA.CT.01", TU)  # a copy certified while the citizen waits: due today 17:00
    assert dashboard_counts(ctx).due_today == counts.due_today + 1
    assert urgent_notice(ctx, counts) is None


def test_a_new_day_starts_the_notice_afresh(ctx):
    build_week(ctx)
    _at(ctx, "2026-03-05 16:00")  # Thursday afternoon
    thursday = dashboard_counts(ctx)
    _at(ctx, "2026-03-06 08:00")  # Friday morning: Thursday's due dossiers are overdue now
    friday = dashboard_counts(ctx)
    assert friday.overdue > thursday.overdue
    notice = urgent_notice(ctx, thursday)
    assert notice is not None and f"{friday.overdue} hồ sơ đã quá hạn" in notice
    assert f"{friday.due_today} hồ sơ đến hạn trả hôm nay" in notice


# -- the monthly series ---------------------------------------------------------------------------------------------
@pytest.fixture
def months(ctx: ServiceContext) -> dict[str, str]:
    """Dossiers of January to March 2026, resolved on both sides of their due dates; now Fri 06/03/2026 10:00."""
    actions = DossierActions(ctx)
    placed: dict[str, str] = {}
    placed["early"] = _receive(ctx, "2026-01-05 09:00", "XA.HT.01", TU)  # due Thu 08/01 09:00
    placed["on_time"] = _receive(ctx, "2026-01-06 09:00", "XA.HT.01", MAI, channel="online")  # due Fri 09/01
    _at(ctx, "2026-01-07 10:00")
    actions.result_ready(placed["early"])
    placed["late"] = _receive(ctx, "2026-01-08 09:00", "XA.CTRU.03", TAM, channel="postal")  # due Fri 09/01
    _at(ctx, "2026-01-09 23:59")
    actions.result_ready(placed["on_time"])  # the last minute of the due date: on time
    _at(ctx, "2026-01-12 08:00")
    actions.result_ready(placed["late"])
    placed["same_day_late"] = _receive(ctx, "2026-01-30 09:00", "XA.CT.01", HOA)  # due Fri 30/01 17:00
    # February
    _at(ctx, "2026-02-02 07:30")
    actions.result_ready(placed["same_day_late"])  # ready the next working day: late, counted in February
    placed["two_supplements"] = _receive(ctx, "2026-02-02 09:00", "XA.HT.01", TU)  # due Thu 05/02
    _at(ctx, "2026-02-03 08:00")
    actions.request_supplement(placed["two_supplements"], ["Bản sao giấy khai sinh"])
    _at(ctx, "2026-02-03 10:00")
    actions.resubmit(placed["two_supplements"])
    _at(ctx, "2026-02-04 08:00")
    actions.request_supplement(placed["two_supplements"], ["Giấy xác nhận cư trú"])
    _at(ctx, "2026-02-04 10:00")
    actions.resubmit(placed["two_supplements"])
    _at(ctx, "2026-02-05 09:00")
    actions.result_ready(placed["two_supplements"])  # before its (restarted) due date
    placed["voided"] = _receive(ctx, "2026-02-05 10:00", "XA.CT.01", TAM)
    placed["refused"] = _receive(ctx, "2026-02-05 10:30", "XA.CTRU.03", MAI)
    _at(ctx, "2026-02-05 11:00")
    actions.void(placed["voided"], f"Nhập trùng với hồ sơ {placed['same_day_late']}")
    actions.refuse(placed["refused"], "Không thuộc thẩm quyền của xã")
    placed["rescheduled"] = _receive(ctx, "2026-02-09 09:00", "XA.CTRU.03", HOA)  # due Tue 10/02 09:00
    _at(ctx, "2026-02-09 10:00")
    actions.reschedule(placed["rescheduled"], dt.date(2026, 2, 12), "Chờ xác minh")
    _at(ctx, "2026-02-11 09:00")
    actions.result_ready(placed["rescheduled"])  # before the new date, after the original one: late
    # March
    placed["pending"] = _receive(ctx, "2026-03-02 09:00", "XA.HT.01", TU)
    _at(ctx, "2026-03-06 10:00")
    return placed


def test_monthly_series_numbers(ctx, months):
    series = monthly_series(ctx)
    assert len(series) == 12
    assert [p.label for p in series] == ["T4/25", "T5/25", "T6/25", "T7/25", "T8/25", "T9/25", "T10/25", "T11/25",
                                         "T12/25", "T1/26", "T2/26", "T3/26"]
    assert all(p == MonthPoint(p.year, p.month) for p in series[:9])  # empty months: there, with zeros
    january, february, march = series[9:]
    assert january == MonthPoint(2026, 1, direct=2, online=1, postal=1, resolved=3, in_time=2)
    # February: the voided entry is no dossier; the refused one was received but has no result.
    assert february == MonthPoint(2026, 2, direct=3, online=0, postal=0, resolved=3, in_time=1)
    assert march == MonthPoint(2026, 3, direct=1, resolved=0, in_time=0)
    assert january.on_time_rate == pytest.approx(200 / 3)
    assert february.on_time_rate == pytest.approx(100 / 3)
    assert march.on_time_rate is None  # no result that month: no rate, not 0 %
    assert (january.received, february.received, march.received) == (4, 3, 1)


def test_under_the_pause_rule_two_supplement_requests_are_late(ctx, db, months):
    set_settings(db, supplement_rule="pause")
    february = monthly_series(ctx)[-2]
    assert (february.resolved, february.in_time) == (3, 0)
    assert february.on_time_rate == 0.0


def test_a_shorter_series_and_the_year_boundary(ctx, months):
    series = monthly_series(ctx, months=3)
    assert [(p.year, p.month) for p in series] == [(2026, 1), (2026, 2), (2026, 3)]
    _at(ctx, "2026-03-31 23:59")
    assert monthly_series(ctx, months=1)[0].received == 1
    assert dashboard_data(ctx, series=False).series is None


def _python_series(db: Any, now: dt.datetime, policy: DeadlinePolicy) -> dict[str, tuple[int, int]]:
    """Per month of the result: (resolved, early or on time), by classify_resolved over raw rows."""
    found: Counter[str] = Counter()
    in_time: Counter[str] = Counter()
    first = f"{now.year - 1:04d}-{now.month + 1:02d}" if now.month < 12 else f"{now.year:04d}-01"
    for row in rows(db, "SELECT result_ready_at, original_due_at, supplement_count FROM dossiers "
                        "WHERE result_ready_at IS NOT NULL"):
        ready = dt.datetime.fromisoformat(row["result_ready_at"]).replace(tzinfo=VN_TZ)
        due = dt.datetime.fromisoformat(row["original_due_at"]).replace(tzinfo=VN_TZ)
        month = f"{ready:%Y-%m}"
        if not first <= month <= f"{now:%Y-%m}":
            continue
        found[month] += 1
        verdict = classify_resolved(ready, due, supplement_requests=row["supplement_count"], policy=policy)
        in_time[month] += verdict in (Timeliness.EARLY, Timeliness.ON_TIME)
    return {month: (found[month], in_time[month]) for month in found}


@pytest.mark.parametrize("rule", [SupplementRule.RESTART, SupplementRule.PAUSE])
def test_the_sql_classification_agrees_with_classify_resolved(ctx, db, months, rule):
    generate(db, 1500, seed=7, clock=ctx.clock, actor="demo")  # three years of synthetic dossiers besides
    set_settings(db, supplement_rule=rule.value)
    series = monthly_series(ctx)
    expected = _python_series(db, ctx.clock.now(), DeadlinePolicy(supplement_rule=rule))
    got = {p.key: (p.resolved, p.in_time) for p in series if p.resolved}
    assert got == expected
    assert sum(r for r, _ in expected.values()) > 300  # a real sample, with late ones among them
    assert any(r > t for r, t in expected.values())
    # Received, by channel, likewise against raw rows.
    raw = Counter((r["month"], r["channel"]) for r in rows(
        db, "SELECT substr(received_at, 1, 7) AS month, channel FROM dossiers "
            "WHERE received_at >= '2025-04-01' AND status != 'voided'"))
    for point in series:
        assert (point.direct, point.online, point.postal) == tuple(raw[(point.key, c)]
                                                                 for c in ("direct", "online", "postal"))


def test_reads_write_nothing(ctx, db, months):
    before = rows(db, "SELECT * FROM dossiers ORDER BY id")
    dashboard_counts(ctx)
    monthly_series(ctx)
    urgent_notice(ctx, None)
    assert rows(db, "SELECT * FROM dossiers ORDER BY id") == before
