"""Biểu số 06 from hand-placed dossiers on both sides of every boundary, with the expected figures written out.

The timeline (chronological, as the clock only moves forward):

    CT.02 = Chứng thực chữ ký (same day); CTRU.02 = Đăng ký tạm trú (3 working days).
    O  CTRU received 25/02, due 02/03, never resolved          -> Mar: carried over, pending overdue
    B  CT   received 26/02 and ready that day                  -> Mar: nowhere
    P  CT   received 26/02, refused 03/03                       -> Mar: refused (apart)
    A  CT   received 27/02, ready 02/03 (due 27/02)             -> Mar: carried over, resolved late
    C  CTRU received 02/03, due 05/03, ready 05/03 (rated 2)    -> on time
    D  CTRU received 02/03, ready 06/03                         -> late
    E  CTRU received 02/03, ready 04/03                         -> early
    I  CT   received 10/03, refused 10/03                       -> refused (apart)
    J  CT   received 10/03, withdrawn 02/04 (after the period)  -> pending overdue at 31/03
    K  CT   received 11/03, voided                              -> nowhere
    L  CT   online 12/03, ready that day (rated 3)              -> online, on time
    M  CTRU received 16/03, supplement 17/03, resubmitted 20/03 (restart: due 25/03), ready 25/03 -> on time
    N  CTRU received 18/03 (due 23/03), rescheduled to 27/03, ready 26/03 -> late (original) / early (new date)
    F  CTRU received 27/03, due 01/04                           -> pending within
    G  CT   received 30/03, due that day, not resolved          -> pending overdue
    H  CT   received 31/03 at 16:00 (after 15:00), due 01/04    -> pending within
"""

from __future__ import annotations

import datetime as dt

import pytest

from desk_app.domain.errors import ValidationError
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.report import build_report
from desk_app.services.report_model import Figures, ReportInconsistent
from tests.conftest import vn
from tests.services._support import set_settings

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _timeline(ctx: ServiceContext, clock: FixedClock) -> dict[str, str]:
    act = DossierActions(ctx)
    codes: dict[str, str] = {}

    def at(moment: str) -> None:
        clock.moment = vn(moment)

    def get(name: str, procedure: str, channel: str = "direct") -> None:
        codes[name] = receive(ctx, ReceiveRequest(procedure, {"name": f"Công dân {name}"}, channel=channel)).code

    at("2026-02-25 09:00"); get("O", "XA.CTRU.02")
    at("2026-02-26 09:00"); get("B", "XA.CT.02")
    at("2026-02-26 10:00"); act.result_ready(codes["B"])
    at("2026-02-26 11:00"); get("P", "XA.CT.02")
    at("2026-02-27 09:00"); get("A", "XA.CT.02")
    at("2026-03-02 09:00"); get("C", "XA.CTRU.02"); get("D", "XA.CTRU.02"); get("E", "XA.CTRU.02")
    at("2026-03-02 10:00"); act.result_ready(codes["A"])
    at("2026-03-03 09:00"); act.refuse(codes["P"], "Không thuộc thẩm quyền")
    at("2026-03-04 10:00"); act.result_ready(codes["E"])
    at("2026-03-05 10:00"); act.result_ready(codes["C"])
    at("2026-03-05 11:00"); act.return_result(codes["C"], rating=2)
    at("2026-03-06 10:00"); act.result_ready(codes["D"])
    at("2026-03-10 09:00"); get("I", "XA.CT.02"); get("J", "XA.CT.02")
    at("2026-03-10 10:00"); act.refuse(codes["I"], "Giấy tờ giả mạo")
    at("2026-03-11 09:00"); get("K", "XA.CT.02")
    at("2026-03-11 09:30"); act.void(codes["K"], "Nhập trùng")
    at("2026-03-12 09:00"); get("L", "XA.CT.02", channel="online")
    at("2026-03-12 10:00"); act.result_ready(codes["L"])
    at("2026-03-12 11:00"); act.return_result(codes["L"], rating=3)
    at("2026-03-16 09:00"); get("M", "XA.CTRU.02")
    at("2026-03-17 09:00"); act.request_supplement(codes["M"], ["Sổ hộ khẩu"])
    at("2026-03-18 09:00"); get("N", "XA.CTRU.02")
    at("2026-03-19 09:00"); act.reschedule(codes["N"], dt.date(2026, 3, 27), "Chờ xác minh")
    at("2026-03-20 09:00"); act.resubmit(codes["M"])
    at("2026-03-25 10:00"); act.result_ready(codes["M"])
    at("2026-03-26 10:00"); act.result_ready(codes["N"])
    at("2026-03-27 09:00"); get("F", "XA.CTRU.02")
    at("2026-03-30 09:00"); get("G", "XA.CT.02")
    at("2026-03-31 16:00"); get("H", "XA.CT.02")
    at("2026-04-02 09:00"); act.withdraw(codes["J"], "Công dân rút")
    return codes


@pytest.fixture
def timeline(ctx: ServiceContext, clock: FixedClock) -> dict[str, str]:
    return _timeline(ctx, clock)


def rows_by_code(report) -> dict[str, Figures]:
    return {row.field_code: row.figures for row in report.rows}


def test_the_march_report_to_the_digit(ctx: ServiceContext, timeline: dict[str, str]) -> None:
    report = build_report(ctx, *MARCH)
    rows = rows_by_code(report)
    assert set(rows) == {"CT", "CTRU"}
    assert rows["CT"] == Figures(
        received_total=5, received_online=1, received_direct_postal=3, carried_over=1,
        resolved_total=2, resolved_early=0, resolved_on_time=1, resolved_late=1,
        pending_total=3, pending_in_time=1, pending_overdue=2, refused=2, withdrawn=0)
    assert rows["CTRU"] == Figures(
        received_total=7, received_online=0, received_direct_postal=6, carried_over=1,
        resolved_total=5, resolved_early=1, resolved_on_time=2, resolved_late=2,
        pending_total=2, pending_in_time=1, pending_overdue=1, refused=0, withdrawn=0)
    assert report.total == rows["CT"] + rows["CTRU"]
    names = {row.field_code: row.field_name for row in report.rows}
    assert names == {"CT": "Chứng thực", "CTRU": "Cư trú"}
    # Ratings: kept apart from dossiers, counted by field.
    satisfaction = {row.field_code: row.satisfaction.as_dict() for row in report.rows}
    assert satisfaction == {"CT": {"very_satisfied": 1, "satisfied": 0, "unsatisfied": 0},
                            "CTRU": {"very_satisfied": 0, "satisfied": 1, "unsatisfied": 0}}
    assert report.satisfaction.percentages() == {"very_satisfied": 50.0, "satisfied": 50.0, "unsatisfied": 0.0}


def test_the_dossiers_behind_late_and_overdue_figures(ctx: ServiceContext, timeline: dict[str, str]) -> None:
    assert build_report(ctx, *MARCH).late_items == ()  # only when asked for (the workbook's second sheet)
    report = build_report(ctx, *MARCH, with_late_items=True)
    late = {(item.kind, item.code) for item in report.late_items}
    c = timeline
    assert late == {("resolved_late", c["A"]), ("resolved_late", c["D"]), ("resolved_late", c["N"]),
                    ("pending_overdue", c["G"]), ("pending_overdue", c["J"]), ("pending_overdue", c["O"])}
    assert report.total.resolved_late + report.total.pending_overdue == len(report.late_items)


def test_against_the_rescheduled_date_the_apology_dossier_is_early(ctx: ServiceContext, db,
                                                                   timeline: dict[str, str]) -> None:
    rows = rows_by_code(build_report(ctx, *MARCH, against="rescheduled"))
    assert (rows["CTRU"].resolved_early, rows["CTRU"].resolved_on_time, rows["CTRU"].resolved_late) == (2, 2, 1)
    set_settings(db, report_against="rescheduled")
    assert build_report(ctx, *MARCH).against == "rescheduled"


def test_the_february_report_classifies_at_the_end_of_february(ctx: ServiceContext,
                                                               timeline: dict[str, str]) -> None:
    """State at 28/02: P not yet refused (pending, overdue), A not yet resolved (overdue), O within."""
    rows = rows_by_code(build_report(ctx, dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    assert rows["CT"] == Figures(
        received_total=3, received_online=0, received_direct_postal=3, carried_over=0,
        resolved_total=1, resolved_early=0, resolved_on_time=1, resolved_late=0,
        pending_total=2, pending_in_time=0, pending_overdue=2, refused=0, withdrawn=0)
    assert rows["CTRU"] == Figures(received_total=1, received_direct_postal=1, pending_total=1, pending_in_time=1)


def test_april_carries_over_what_march_left_pending(ctx: ServiceContext, timeline: dict[str, str]) -> None:
    march = build_report(ctx, *MARCH)
    april = build_report(ctx, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    # J was pending at the end of March and is withdrawn in April: shown apart in April, not carried.
    assert april.total.carried_over == march.total.pending_total - 1
    assert april.total.withdrawn == 1
    assert april.total.received_total == april.total.carried_over


def test_one_day_periods_include_both_ends(ctx: ServiceContext, timeline: dict[str, str]) -> None:
    day = build_report(ctx, dt.date(2026, 3, 31), dt.date(2026, 3, 31))
    assert day.total.received_direct_postal == 1  # H, received at 16:00 on the last day
    assert day.total.received_total == 1 + day.total.carried_over


def test_the_pause_rule_makes_a_second_supplement_request_late(ctx: ServiceContext, clock: FixedClock, db) -> None:
    act = DossierActions(ctx)
    clock.moment = vn("2026-03-02 09:00")
    code = receive(ctx, ReceiveRequest("XA.CTRU.02", {"name": "Lê Văn Tám"})).code
    for moment, step in (("2026-03-02 10:00", "ask"), ("2026-03-02 11:00", "back"), ("2026-03-02 13:30", "ask"),
                         ("2026-03-02 14:00", "back")):
        clock.moment = vn(moment)
        act.request_supplement(code, ["Giấy tờ"]) if step == "ask" else act.resubmit(code)
    clock.moment = vn("2026-03-03 09:00")
    act.result_ready(code)
    restart = build_report(ctx, *MARCH).total
    assert restart.resolved_early == 1 and restart.resolved_late == 0
    set_settings(db, supplement_rule="pause")
    paused = build_report(ctx, *MARCH).total
    assert paused.resolved_late == 1 and paused.resolved_early == 0


def test_a_voided_duplicate_counts_nowhere_and_an_empty_period_is_all_zero(ctx: ServiceContext,
                                                                          clock: FixedClock) -> None:
    clock.moment = vn("2026-03-02 09:00")
    code = receive(ctx, ReceiveRequest("XA.CT.02", {"name": "Lê Văn Tám"})).code
    DossierActions(ctx).void(code, "nhập trùng")
    report = build_report(ctx, *MARCH)
    assert report.rows == () and report.total == Figures()


def test_bad_periods_are_refused_at_the_field(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationError) as refused:
        build_report(ctx, dt.date(2026, 3, 31), dt.date(2026, 3, 1))
    assert refused.value.field == "to"
    with pytest.raises(ValidationError) as refused:
        build_report(ctx, *MARCH, against="sometimes")
    assert refused.value.field == "against"


def test_per_clerk_satisfaction_only_for_leader_and_administrator(db, clock: FixedClock,
                                                                  timeline: dict[str, str]) -> None:
    clerk = build_report(ServiceContext(db, clock, "nv.lan", role="clerk"), *MARCH)
    leader = build_report(ServiceContext(db, clock, "ld.hoa", role="leader"), *MARCH)
    assert clerk.satisfaction_by_clerk is None
    assert leader.satisfaction_by_clerk is not None
    assert sum(s.total for s in leader.satisfaction_by_clerk.values()) == 2


def test_figures_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ReportInconsistent):
        Figures(received_total=2, received_direct_postal=1, resolved_total=1, resolved_on_time=1).check("test")
    with pytest.raises(ReportInconsistent):
        Figures(received_total=1, received_direct_postal=1, pending_total=1, pending_in_time=0,
                pending_overdue=0).check("test")
    Figures(received_total=1, received_direct_postal=1, pending_total=1, pending_in_time=1).check("test")


def test_the_json_has_the_documented_keys(ctx: ServiceContext, timeline: dict[str, str]) -> None:
    data = build_report(ctx, *MARCH).as_json()
    keys = {"received_total", "received_online", "received_direct_postal", "carried_over", "resolved_total",
            "resolved_early", "resolved_on_time", "resolved_late", "pending_total", "pending_in_time",
            "pending_overdue", "refused", "withdrawn", "satisfaction"}
    assert keys <= set(data["total"]) and all(keys <= set(row) for row in data["rows"])
    assert [row["field"] for row in data["rows"]] == ["Chứng thực", "Cư trú"]
    assert data["total"]["satisfaction"] == {"very_satisfied": 1, "satisfied": 1, "unsatisfied": 0}


@pytest.mark.parametrize("rule", ["restart", "pause"])
def test_the_grouped_query_agrees_with_the_domain_rules_dossier_by_dossier(db, clock: FixedClock, rule: str) -> None:
    """An oracle: the same figures computed one dossier at a time with domain.deadlines' classify_* functions."""
    from sqlalchemy import select

    from desk_app.domain.deadlines import (
        DeadlinePolicy,
        SupplementRule,
        Timeliness,
        classify_pending,
        classify_resolved,
    )
    from desk_app.services.demo import generate
    from desk_app.store.models import Dossier

    clock.moment = vn("2026-11-20 16:00")
    generate(db, 600, seed=11, clock=clock, actor="demo-data")
    set_settings(db, supplement_rule=rule)
    ctx = ServiceContext(db, clock, "test")
    policy = DeadlinePolicy(supplement_rule=SupplementRule(rule))
    start_day, end_day = dt.date(2026, 6, 1), dt.date(2026, 9, 30)
    start = dt.datetime.combine(start_day, dt.time(0, 0), tzinfo=clock.moment.tzinfo)
    end = dt.datetime.combine(end_day, dt.time(23, 59, 59), tzinfo=clock.moment.tzinfo)
    expected: dict[str, dict[str, int]] = {}
    with db.session() as session:
        for d in session.scalars(select(Dossier)):
            closing = d.status in ("refused", "withdrawn", "stopped")
            if d.status == "voided" or d.received_at > end:
                continue
            if (d.result_ready_at and d.result_ready_at < start) or (closing and d.closed_at < start):
                continue
            row = expected.setdefault(d.field_code, {})

            def add(key: str, row: dict[str, int] = row) -> None:
                row[key] = row.get(key, 0) + 1

            if closing and d.closed_at <= end:
                add("withdrawn" if d.status == "withdrawn" else "refused")
                continue
            if d.received_at < start:
                add("carried_over")
            else:
                add("received_online" if d.channel == "online" else "received_direct_postal")
            if d.result_ready_at and d.result_ready_at <= end:
                judged = classify_resolved(d.result_ready_at, d.original_due_at,
                                           supplement_requests=d.supplement_count, policy=policy)
                add({Timeliness.EARLY: "resolved_early", Timeliness.ON_TIME: "resolved_on_time",
                     Timeliness.LATE: "resolved_late"}[judged])
            elif d.status == "supplement_requested":
                add("pending_in_time")
            else:
                judged = classify_pending(d.original_due_at, end_day, supplement_requests=d.supplement_count,
                                          policy=policy)
                add("pending_overdue" if judged is Timeliness.OVERDUE else "pending_in_time")
    report = build_report(ctx, start_day, end_day)
    assert report.total.received_total > 50  # the sample really covers the period
    for row in report.rows:
        figures = row.figures.as_dict()
        wanted = expected.get(row.field_code, {})
        for key, value in wanted.items():
            assert figures[key] == value, (row.field_code, key)
        assert all(figures[k] == wanted.get(k, 0) for k in ("received_online", "received_direct_postal",
                                                             "carried_over", "resolved_early", "resolved_on_time",
                                                             "resolved_late", "pending_in_time", "pending_overdue",
                                                             "refused", "withdrawn"))
    assert {row.field_code for row in report.rows} == set(expected)
