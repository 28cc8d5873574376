"""The periodic statistics report (Biểu số 06/VPCP/KSTT, DOMAIN.md §5) for any period, both end dates included.

One grouped query over the dossiers that matter to the period — received in it, or received before it and still
unresolved at its start (carried over) — found through indexes, never by reading every older dossier. The figures
are the state at the end of the period:

- *received*: online, direct or by post in the period, plus those carried over;
- *resolved*: a result ready within the period, judged early / on time / late by calendar date against the
  original due date (or the rescheduled one, by setting), as ``domain.deadlines.classify_resolved`` does; with the
  "pause" supplement rule, more than one supplement request makes a dossier late;
- *pending*: no result by the period's end, within the deadline or overdue on its last day
  (``classify_pending``); a dossier waiting for the citizen's supplement is within;
- refused, withdrawn (and stopped, counted with the refused) dossiers closed in the period are shown apart and left
  out of the eleven figures; voided duplicates count nowhere.

Every row and the total are checked (received = online + direct/post + carried over = resolved + pending, …)
before the report is returned: a report that does not add up raises, it is never printed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from desk_app.domain.deadlines import SupplementRule
from desk_app.domain.errors import ValidationError
from desk_app.services.context import ServiceContext
from desk_app.services.report_model import (
    COLUMNS,
    Figures,
    LateItem,
    ReportRow,
    Satisfaction,
    StatisticsReport,
)
from desk_app.services.settings import SettingsService
from desk_app.store.models import VN_TZ

MAX_PERIOD_DAYS = 3700  # ten years

# The dossiers that matter to a period: received in it, or received before it and unresolved at its start (still
# open, resolved since, or closed since without a result). The branches are disjoint (UNION ALL, no de-duplication)
# and each is driven by an index; the first, by far the largest, reads the covering index ix_dossiers_report alone.
_BRANCHES = (
    ("", "d.received_at BETWEEN :start AND :end"),
    ("", "d.received_at < :start AND d.status IN ('received', 'in_progress', 'supplement_requested')"),
    # Named: left to itself SQLite walks every older dossier by received_at instead.
    ("INDEXED BY ix_dossiers_result_ready_at", "d.result_ready_at >= :start AND d.received_at < :start"),
    ("INDEXED BY ix_dossiers_closed_at",
     "d.closed_at >= :start AND d.received_at < :start AND d.status IN ('refused', 'withdrawn', 'stopped')"),
)

# Conditions on one dossier ``d`` (times are 'YYYY-MM-DD HH:MM:SS' text, so text order is time order).
_WHERE = """
    d.status != 'voided' AND d.received_at <= :end
    AND (d.result_ready_at IS NULL OR d.result_ready_at >= :start)
    AND NOT (d.status IN ('refused', 'withdrawn', 'stopped') AND d.closed_at < :start)
"""
_CLOSED = "(d.status IN ('refused', 'withdrawn', 'stopped') AND d.closed_at <= :end)"
_WAITING = "(d.status = 'supplement_requested')"


def _due_day(against: str) -> str:
    column = "d.due_at" if against == "rescheduled" else "d.original_due_at"
    return f"substr({column}, 1, 10)"


def _categories(against: str, pause: bool) -> tuple[str, str]:
    """Two CASE expressions putting each dossier in one place: how it came into the period (online, direct or
    postal, carried over; or closed without a result: refused, withdrawn), and where it stands at the end
    (early, on time, late; within, overdue), which counts only for those not closed. The pause rule is written
    into the query (more than one supplement request is late), not tested on every row."""
    due = _due_day(against)
    ready = "substr(d.result_ready_at, 1, 10)"
    late_anyway = "d.supplement_count > 1 OR " if pause else ""
    came = (f"CASE WHEN {_CLOSED} THEN (CASE WHEN d.status = 'withdrawn' THEN 'withdrawn' ELSE 'refused' END) "
            "WHEN d.received_at < :start THEN 'carried_over' "
            "WHEN d.channel = 'online' THEN 'received_online' ELSE 'received_direct_postal' END")
    stands = ("CASE WHEN d.result_ready_at IS NOT NULL AND d.result_ready_at <= :end THEN ("
              f"CASE WHEN {late_anyway}{ready} > {due} THEN 'resolved_late' "
              f"WHEN {ready} < {due} THEN 'resolved_early' ELSE 'resolved_on_time' END) "
              f"WHEN {_WAITING} THEN 'pending_in_time' "
              f"WHEN {late_anyway}:end_day > {due} THEN 'pending_overdue' ELSE 'pending_in_time' END")
    return came, stands


# Received inside the period, a dossier can only be a voided duplicate among the exclusions of _WHERE.
_WHERE_IN_PERIOD = "d.status != 'voided'"


def _classified(against: str, pause: bool, columns: str) -> str:
    """Each dossier of the period with its two categories and the given extra columns."""
    came, stands = _categories(against, pause)
    return " UNION ALL ".join(
        f"SELECT {columns}, {came} AS came, {stands} AS stands FROM dossiers d {index} "
        f"WHERE {branch} AND {_WHERE_IN_PERIOD if number == 0 else _WHERE}"
        for number, (index, branch) in enumerate(_BRANCHES))


def _figures(counts: dict[str, int]) -> Figures:
    get = {k: counts.get(k, 0) for k in COLUMNS}
    return Figures(
        received_total=get["received_online"] + get["received_direct_postal"] + get["carried_over"],
        received_online=get["received_online"],
        received_direct_postal=get["received_direct_postal"],
        carried_over=get["carried_over"],
        resolved_total=get["resolved_early"] + get["resolved_on_time"] + get["resolved_late"],
        resolved_early=get["resolved_early"],
        resolved_on_time=get["resolved_on_time"],
        resolved_late=get["resolved_late"],
        pending_total=get["pending_in_time"] + get["pending_overdue"],
        pending_in_time=get["pending_in_time"],
        pending_overdue=get["pending_overdue"],
        refused=get["refused"],
        withdrawn=get["withdrawn"],
    )


_CLOSED_CATEGORIES = frozenset({"refused", "withdrawn"})


def _params(date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    return {"start": f"{date_from.isoformat()} 00:00:00", "end": f"{date_to.isoformat()} 23:59:59",
            "end_day": date_to.isoformat()}


def period_figures(session: Session, date_from: dt.date, date_to: dt.date, *, against: str = "original",
                   pause: bool = False) -> dict[str, Figures]:
    """The eleven figures and the two shown apart, per field code, from one grouped query."""
    sql = (f"SELECT field_code, came, stands, count(*) AS n FROM ({_classified(against, pause, 'd.field_code')}) "
           "GROUP BY field_code, came, stands")
    counts: dict[str, dict[str, int]] = {}
    for field_code, came, stands, n in session.execute(text(sql), _params(date_from, date_to)):
        by = counts.setdefault(field_code, {})
        by[came] = by.get(came, 0) + n
        if came not in _CLOSED_CATEGORIES:  # refused and withdrawn stand apart, in neither resolved nor pending
            by[stands] = by.get(stands, 0) + n
    return {field_code: _figures(by) for field_code, by in counts.items()}


def _late_items(session: Session, date_from: dt.date, date_to: dt.date, against: str,
                pause: bool) -> tuple[LateItem, ...]:
    due_column = "due_at" if against == "rescheduled" else "original_due_at"
    columns = (f"d.id, d.code, d.field_code, d.procedure_name, d.applicant_name, d.received_at, d.{due_column} AS due, "
               "d.result_ready_at")
    sql = (f"SELECT * FROM ({_classified(against, pause, columns)}) WHERE came NOT IN ('refused', 'withdrawn') "
           "AND stands IN ('resolved_late', 'pending_overdue') ORDER BY stands, field_code, received_at, id")

    def when(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value).replace(tzinfo=VN_TZ) if value else None

    return tuple(
        LateItem(r["stands"], r["code"], r["field_code"], r["procedure_name"], r["applicant_name"],
                 when(r["received_at"]), when(r["due"]), when(r["result_ready_at"]))  # type: ignore[arg-type]
        for r in session.execute(text(sql), _params(date_from, date_to)).mappings()
    )


def _satisfaction(session: Session, date_from: dt.date, date_to: dt.date,
                  group: str) -> dict[str, Satisfaction]:
    counts: dict[str, dict[int, int]] = {}
    rows = session.execute(
        text(f"SELECT {group} AS key, level, count(*) AS n FROM ratings WHERE rated_on BETWEEN :a AND :b "
             f"GROUP BY {group}, level"), {"a": date_from.isoformat(), "b": date_to.isoformat()}).mappings()
    for row in rows:
        counts.setdefault(row["key"], {})[int(row["level"])] = int(row["n"])
    return {key: Satisfaction(by.get(3, 0), by.get(2, 0), by.get(1, 0)) for key, by in counts.items()}


def _field_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(
        text("SELECT field_code, min(field_name) FROM procedures GROUP BY field_code"))}


def check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_to < date_from:
        raise ValidationError(f"Ngày kết thúc {date_to:%d/%m/%Y} trước ngày bắt đầu {date_from:%d/%m/%Y}.",
                              field="to")
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise ValidationError("Kỳ báo cáo dài quá mười năm; chọn kỳ ngắn hơn.", field="from")


def build_report(ctx: ServiceContext, date_from: dt.date, date_to: dt.date, *, against: str | None = None,
                 with_late_items: bool = False) -> StatisticsReport:
    """Biểu số 06 for the period; ``against`` "original" (default, or the report_against setting) or
    "rescheduled". Per-clerk satisfaction only for the leader and the administrator (and the command line). The
    dossiers behind the late and overdue figures (the workbook's second sheet) only when asked for."""
    from desk_app.services.documents import place_of

    check_period(date_from, date_to)
    with ctx.read() as session:
        settings = SettingsService(session).all()
        against = against or settings.get("report_against", "original")
        if against not in ("original", "rescheduled"):
            raise ValidationError("So với hạn ban đầu (original) hoặc hạn đã hẹn lại (rescheduled).",
                                  field="against")
        pause = settings["supplement_rule"] == SupplementRule.PAUSE.value
        by_field = period_figures(session, date_from, date_to, against=against, pause=pause)
        names = _field_names(session)
        satisfaction = _satisfaction(session, date_from, date_to, "field_code")
        by_clerk = (_satisfaction(session, date_from, date_to, "clerk")
                    if ctx.role in ("leader", "admin", "system") else None)
        late = _late_items(session, date_from, date_to, against, pause) if with_late_items else ()
    codes = sorted(set(by_field) | set(satisfaction), key=lambda c: (names.get(c, c), c))
    rows = tuple(ReportRow(code, names.get(code, code), by_field.get(code, Figures()),
                           satisfaction.get(code, Satisfaction())) for code in codes)
    total = sum((r.figures for r in rows), Figures())
    for row in rows:
        row.figures.check(f"lĩnh vực {row.field_name}")
    total.check("tổng cộng")
    overall = Satisfaction(sum(r.satisfaction.very_satisfied for r in rows),
                           sum(r.satisfaction.satisfied for r in rows),
                           sum(r.satisfaction.unsatisfied for r in rows))
    return StatisticsReport(
        unit_name=settings["commune_name"], upper_body=settings["upper_level_name"],
        place=place_of(settings["commune_name"]), date_from=date_from, date_to=date_to, against=against,
        rows=rows, total=total, satisfaction=overall, satisfaction_by_clerk=by_clerk, late_items=late,
        made_at=ctx.clock.now(),
    )
