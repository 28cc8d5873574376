"""Printing from the desk: the PDF bytes of a form with a title and a file name, and the audit record of the print.

Every print or export of a document holding personal data leaves an audit record (who, which form, which dossier).
The window previews, prints or saves exactly these bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desk_app.services.context import ServiceContext
from desk_app.services.audit import record

FORM_TITLES = {
    "slip": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "stop": "Thông báo dừng giải quyết hồ sơ",
    "control": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}


@dataclass(frozen=True)
class PrintJob:
    title: str  # shown in the preview's title bar and the printer queue
    filename: str  # suggested when saving as PDF
    pdf: bytes


def warm_up() -> None:
    """Load the PDF machinery ahead of the first print (called off the GUI thread once the window shows)."""
    import desk_app.documents.forms  # noqa: F401
    import desk_app.services.documents  # noqa: F401


def dossier_form(ctx: ServiceContext, code: str, form: str, paper: str | None = None) -> PrintJob:
    """One form of one dossier, ready to preview, print or save; the print is audited."""
    from desk_app.services.documents import form_pdf  # reportlab loads at the first print, not at start-up

    with ctx.write() as (session, now):
        pdf = form_pdf(session, code, form, paper)
        record(session, at=now, actor=ctx.actor, action="print", target=code, detail={"form": form})
    return PrintJob(f"{FORM_TITLES[form]} — {code}", f"{form}-{code}.pdf", pdf)


def ledger_job(ctx: ServiceContext, date_from: dt.date, date_to: dt.date) -> PrintJob:
    """The ledger (sổ theo dõi) of a date range: names, addresses and phones of citizens, so the print is audited."""
    from desk_app.services.documents import ledger_pdf

    with ctx.write() as (session, now):
        pdf = ledger_pdf(session, date_from, date_to)
        record(session, at=now, actor=ctx.actor, action="print", target=None,
               detail={"form": "ledger", "from": date_from.isoformat(), "to": date_to.isoformat()})
    return PrintJob(f"Sổ theo dõi hồ sơ — từ {date_from:%d/%m/%Y} đến {date_to:%d/%m/%Y}",
                    f"so-theo-doi-{date_from:%Y%m%d}-{date_to:%Y%m%d}.pdf", pdf)


def handover_job(ctx: ServiceContext, receiver: str, day: dt.date) -> PrintJob:
    """The day's hand-over list to one resolving body (citizens' names in it: the print is audited)."""
    from desk_app.services.documents import handover_pdf

    with ctx.write() as (session, now):
        pdf = handover_pdf(session, receiver, day)
        record(session, at=now, actor=ctx.actor, action="print", target=None,
               detail={"form": "handover", "receiver": receiver, "day": day.isoformat()})
    return PrintJob(f"Danh sách bàn giao hồ sơ ngày {day:%d/%m/%Y}", f"ban-giao-{day:%Y%m%d}.pdf", pdf)
