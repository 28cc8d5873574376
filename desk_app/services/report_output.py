"""The statistics report leaving the desk: printed, or saved as PDF or workbook; each one audited (the workbook's
second sheet names citizens)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from desk_app.services.audit import record
from desk_app.services.context import ServiceContext
from desk_app.services.print_jobs import PrintJob
from desk_app.services.report import build_report
from desk_app.services.report_model import StatisticsReport


def period_of(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """A month (number 1–12), a quarter (1–4) or a year, both ends included."""
    if kind == "year":
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if kind == "quarter":
        first = dt.date(year, 3 * (number - 1) + 1, 1)
        months = 3
    elif kind == "month":
        first = dt.date(year, number, 1)
        months = 1
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    following = dt.date(first.year + (first.month - 1 + months) // 12, (first.month - 1 + months) % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def report_for(ctx: ServiceContext, date_from: dt.date, date_to: dt.date) -> StatisticsReport:
    """The report with the dossiers behind its late figures (the screen shows them, the workbook lists them)."""
    return build_report(ctx, date_from, date_to, with_late_items=True)


def report_print_job(ctx: ServiceContext, report: StatisticsReport) -> PrintJob:
    from desk_app.documents.report import render_report_pdf

    pdf = render_report_pdf(report)
    _audit(ctx, report, "print", "pdf")
    return PrintJob(f"Biểu số 06 — từ {report.date_from:%d/%m/%Y} đến {report.date_to:%d/%m/%Y}",
                    f"bieu-06-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.pdf", pdf)


def save_report(ctx: ServiceContext, report: StatisticsReport, path: Path) -> Path:
    from desk_app.services.report_export import write_report

    written = write_report(report, path)
    _audit(ctx, report, "export", path.suffix.lower().lstrip("."))
    return written


def _audit(ctx: ServiceContext, report: StatisticsReport, action: str, kind: str) -> None:
    with ctx.write() as (session, now):
        record(session, at=now, actor=ctx.actor, action=action, target=None,
               detail={"form": "bieu_06", "format": kind, "from": report.date_from.isoformat(),
                       "to": report.date_to.isoformat(), "late_items": len(report.late_items)})
