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
# open, or resolved or closed since). Each branch is driven by an index.
_SCOPE = """
    SELECT id FROM dossiers WHERE received_at BETWEEN :start AND :end
    UNION SELECT id FROM dossiers WHERE received_at < :start
        AND status IN ('received', 'in_progress', 'supplement_requested')
    UNION SELECT id FROM dossiers WHERE result_ready_at >= :start AND received_at < :start
    UNION SELECT id FROM dossiers WHERE closed_at >= :start AND received_at < :start
"""

# Conditions on one dossier ``d`` (times are 'YYYY-MM-DD HH:MM:SS' text, so text order is time order).
_WHERE = """
    d.status != 'voided' AND d.received_at <= :end
    AND (d.result_ready_at IS NULL OR d.result_ready_at >= :start)
    AND NOT (d.status IN ('refused', 'withdrawn', 'stopped') AND d.closed_at < :start)
"""
_CLOSED = "(d.status IN ('refused', 'withdrawn', 'stopped') AND d.closed_at <= :end)"
_RESOLVED = f"(NOT {_CLOSED} AND d.result_ready_at IS NOT NULL AND d.result_ready_at <= :end)"
_PENDING = f"(NOT {_CLOSED} AND NOT {_RESOLVED})"
_PAUSE_LATE = "(:pause AND d.supplement_count > 1)"
_WAITING = "(d.status = 'supplement_requested')"


def _due_day(against: str) -> str:
    column = "d.due_at" if against == "rescheduled" else "d.original_due_at"
    return f"substr({column}, 1, 10)"


def _expressions(against: str) -> dict[str, str]:
    due = _due_day(against)
    ready = "substr(d.result_ready_at, 1, 10)"
    counted = f"NOT {_CLOSED}"
    in_period = "d.received_at >= :start"
    late = f"({_PAUSE_LATE} OR {ready} > {due})"
    overdue = f"(NOT {_WAITING} AND ({_PAUSE_LATE} OR :end_day > {due}))"
    return {
        "received_online": f"{counted} AND {in_period} AND d.channel = 'online'",
        "received_direct_postal": f"{counted} AND {in_period} AND d.channel != 'online'",
        "carried_over": f"{counted} AND NOT {in_period}",
        "resolved_early": f"{_RESOLVED} AND NOT {late} AND {ready} < {due}",
        "resolved_on_time": f"{_RESOLVED} AND NOT {late} AND {ready} = {due}",
        "resolved_late": f"{_RESOLVED} AND {late}",
        "pending_in_time": f"{_PENDING} AND NOT {overdue}",
        "pending_overdue": f"{_PENDING} AND {overdue}",
        "refused": f"{_CLOSED} AND d.status IN ('refused', 'stopped')",
        "withdrawn": f"{_CLOSED} AND d.status = 'withdrawn'",
    }


def _figures(values: dict[str, Any]) -> Figures:
    get = {k: int(values.get(k) or 0) for k in COLUMNS}
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


def _params(date_from: dt.date, date_to: dt.date, pause: bool) -> dict[str, Any]:
    return {"start": f"{date_from.isoformat()} 00:00:00", "end": f"{date_to.isoformat()} 23:59:59",
            "end_day": date_to.isoformat(), "pause": 1 if pause else 0}


def period_figures(session: Session, date_from: dt.date, date_to: dt.date, *, against: str = "original",
                   pause: bool = False) -> dict[str, Figures]:
    """The eleven figures and the two shown apart, per field code, from one grouped query."""
    sums = ",\n".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}"
                      for name, condition in _expressions(against).items())
    sql = (f"WITH scope AS ({_SCOPE}) SELECT d.field_code AS field_code, {sums} "
           f"FROM dossiers d JOIN scope ON scope.id = d.id WHERE {_WHERE} GROUP BY d.field_code")
    result: dict[str, Figures] = {}
    for row in session.execute(text(sql), _params(date_from, date_to, pause)).mappings():
        result[row["field_code"]] = _figures(dict(row))
    return result


def _late_items(session: Session, date_from: dt.date, date_to: dt.date, against: str,
                pause: bool) -> tuple[LateItem, ...]:
    expressions = _expressions(against)
    due_column = "due_at" if against == "rescheduled" else "original_due_at"
    sql = (f"WITH scope AS ({_SCOPE}) SELECT CASE WHEN {expressions['resolved_late']} THEN 'resolved_late' "
           f"ELSE 'pending_overdue' END AS kind, d.code, d.field_code, d.procedure_name, d.applicant_name, "
           f"d.received_at, d.{due_column} AS due, d.result_ready_at FROM dossiers d JOIN scope ON scope.id = d.id "
           f"WHERE {_WHERE} AND (({expressions['resolved_late']}) OR ({expressions['pending_overdue']})) "
           f"ORDER BY kind, d.field_code, d.received_at, d.id")

    def when(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value).replace(tzinfo=VN_TZ) if value else None

    return tuple(
        LateItem(r["kind"], r["code"], r["field_code"], r["procedure_name"], r["applicant_name"],
                 when(r["received_at"]), when(r["due"]), when(r["result_ready_at"]))  # type: ignore[arg-type]
        for r in session.execute(text(sql), _params(date_from, date_to, pause)).mappings()
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


def build_report(ctx: ServiceContext, date_from: dt.date, date_to: dt.date, *,
                 against: str | None = None) -> StatisticsReport:
    """Biểu số 06 for the period; ``against`` "original" (default, or the report_against setting) or
    "rescheduled". Per-clerk satisfaction only for the leader and the administrator (and the command line)."""
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
        late = _late_items(session, date_from, date_to, against, pause)
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
