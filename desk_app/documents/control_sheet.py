"""Mẫu 05 (2018) / Mẫu 06 (2025) — Phiếu kiểm soát quá trình giải quyết hồ sơ (process control sheet), data → PDF.

A5 portrait, the circular's size: the four-column hand-over table fits the 128 mm between 10 mm margins with the
times wrapped onto two lines, so A4 is not needed. Each hand-over takes two table rows ("1. Giao: …" over
"2. Nhận: …") with room to sign; a long chain of hand-overs runs onto a second page with the column headers repeated.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer, Table, TableStyle

from desk_app.documents.common import header, moment_vn, p, styles
from desk_app.documents.fonts import SERIF_BOLD, nfc, register_fonts
from desk_app.documents.ledger import PageNumberCanvas, form_label, grid_style

CONTROL_FORM = {"2018": "05", "2025": "06"}
RESULTS = ("Trước hạn", "Đúng hạn", "Quá hạn")
HEADERS = ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
           "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (trước hạn / đúng hạn / quá hạn)", "GHI CHÚ")
COLUMNS_MM = (36, 38, 30, 24)  # 128 mm: A5 less two 10 mm margins
MARGIN = 10 * mm
BODY_SIZE = 10
SIGN_SPACE = 9 * mm


@dataclass(frozen=True)
class HandoverStep:
    giver: str
    receiver: str
    at: dt.datetime
    result: str | None  # one of RESULTS, or None while not yet known
    note: str


@dataclass(frozen=True)
class ControlSheet:
    upper_body: str
    unit_name: str
    place: str
    edition: str  # "2018" (Mẫu 05) or "2025" (Mẫu 06)
    code: str
    applicant_name: str
    procedure_name: str
    received_at: dt.datetime
    due_at: dt.datetime
    resolving_body: str
    coordinating_bodies: str | None
    steps: tuple[HandoverStep, ...]


def _table(data: ControlSheet, s: dict[str, ParagraphStyle]) -> Table:
    cell = ParagraphStyle("cs_cell", parent=s["body"], fontSize=BODY_SIZE - 1, leading=(BODY_SIZE - 1) * 1.18)
    center = ParagraphStyle("cs_center", parent=cell, alignment=1)
    italic = ParagraphStyle("cs_italic", parent=s["center_italic"], fontSize=BODY_SIZE - 1.5,
                            leading=(BODY_SIZE - 1.5) * 1.18)
    head = ParagraphStyle("cs_head", parent=center, fontName=SERIF_BOLD, fontSize=BODY_SIZE - 1.5,
                          leading=(BODY_SIZE - 1.5) * 1.18)
    rows: list[list] = [[p(h, head) for h in HEADERS]]
    style = grid_style(1)
    for step in data.steps:
        if step.result is not None and step.result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS} or None, not {step.result!r}")
        top = len(rows)
        rows.append([p(f"1. Giao: {step.giver}", cell),
                     [p(moment_vn(step.at), cell), p("Người giao", italic), Spacer(1, SIGN_SPACE)],
                     p(step.result or "", center),
                     p(step.note, cell) if step.note else ""])
        rows.append([p(f"2. Nhận: {step.receiver}", cell), [p("Người nhận", italic), Spacer(1, SIGN_SPACE)], "", ""])
        style += [("SPAN", (2, top), (2, top + 1)), ("SPAN", (3, top), (3, top + 1)),
                  ("VALIGN", (2, top), (2, top + 1), "MIDDLE")]
    table = Table(rows, colWidths=[w * mm for w in COLUMNS_MM], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def render_control_sheet(data: ControlSheet) -> bytes:
    """The control sheet's PDF (A5 portrait), the form number following the edition."""
    register_fonts()
    s = styles(BODY_SIZE)
    page = A5
    width = page[0] - 2 * MARGIN
    story: list[Flowable] = [
        p(form_label(data.edition, CONTROL_FORM), ParagraphStyle("cs_form", parent=s["body"], alignment=2,
                                                                 fontName=SERIF_BOLD, fontSize=BODY_SIZE - 1)),
        Spacer(1, 1 * mm),
        *header(data.upper_body, data.unit_name, "", s, width),
        Spacer(1, 2 * mm),
        p("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", s["title"]),
        p(f"Mã hồ sơ: {data.code}", s["code"]),
        Spacer(1, 2 * mm),
        p(f"Cơ quan (bộ phận) giải quyết hồ sơ: {data.resolving_body}", s["body"]),
        p(f"Cơ quan phối hợp giải quyết hồ sơ: {data.coordinating_bodies or '…'}", s["body"]),
        p(f"Tên người nộp hồ sơ: {data.applicant_name}", s["body"]),
        p(f"Thủ tục: {data.procedure_name}", s["body"]),
        p(f"Thời gian nhận hồ sơ: {moment_vn(data.received_at)}", s["body"]),
        p(f"Thời gian trả kết quả: {moment_vn(data.due_at)}", s["body"]),
        Spacer(1, 2 * mm),
        _table(data, s),
    ]
    buffer = io.BytesIO()
    document = BaseDocTemplate(buffer, pagesize=page, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                               bottomMargin=MARGIN + 3 * mm, title="Phiếu kiểm soát quá trình giải quyết hồ sơ",
                               author=nfc(data.unit_name), subject=data.code, creator="Một Cửa Desk", invariant=True)
    frame = Frame(MARGIN, MARGIN + 3 * mm, width, page[1] - 2 * MARGIN - 3 * mm, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    document.addPageTemplates([PageTemplate(id="control", frames=[frame])])
    document.build(story, canvasmaker=PageNumberCanvas)
    return buffer.getvalue()


__all__ = ["HEADERS", "RESULTS", "ControlSheet", "HandoverStep", "render_control_sheet"]
