"""Danh sách bàn giao hồ sơ — the desk's daily hand-over of received dossiers to one resolving body, data → PDF.

A4 portrait; the table's column headers repeat on every page, the footer reads "Trang x/y", and the count and the
two signature blocks (BÊN GIAO / BÊN NHẬN) close the list, kept together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from desk_app.documents.common import p, place_and_date, styles
from desk_app.documents.fonts import SERIF_BOLD, register_fonts
from desk_app.documents.ledger import agency_and_form, day_vn, fitted, grid_style, numbered_pages

HEADERS = ("STT", "Mã hồ sơ", "Tên thủ tục", "Người nộp", "Nhận lúc", "Hẹn trả", "Số bộ")
COLUMNS_MM = (11, 42, 46, 39, 18, 18, 12)  # 186 mm: A4 less 12 mm margins
MARGIN = 12 * mm
BODY_SIZE = 10


@dataclass(frozen=True)
class HandoverItem:
    code: str
    procedure_name: str
    applicant_name: str
    received_at: dt.datetime
    due_at: dt.datetime
    sets: int


@dataclass(frozen=True)
class HandoverList:
    upper_body: str
    unit_name: str
    place: str
    receiver: str  # the resolving body the dossiers go to
    day: dt.date
    items: tuple[HandoverItem, ...]


def _when(value: dt.datetime, style: ParagraphStyle) -> list[Flowable]:
    return [p(day_vn(value), style), p(f"{value:%H:%M}", style)]


def render_handover(data: HandoverList) -> bytes:
    """The hand-over list's PDF (A4 portrait)."""
    register_fonts()
    s = styles(BODY_SIZE)
    width = A4[0] - 2 * MARGIN
    cell = ParagraphStyle("ho_cell", parent=s["body"], fontSize=BODY_SIZE - 0.5, leading=(BODY_SIZE - 0.5) * 1.15)
    center = ParagraphStyle("ho_center", parent=cell, alignment=1)
    head = ParagraphStyle("ho_head", parent=center, fontName=SERIF_BOLD)
    code_room = COLUMNS_MM[1] * mm - 4
    rows: list[list] = [[p(h, head) for h in HEADERS]]
    for number, item in enumerate(data.items, start=1):
        rows.append([p(str(number), center), p(item.code, fitted(item.code, cell, code_room)),
                     p(item.procedure_name, cell), p(item.applicant_name, cell), _when(item.received_at, center),
                     _when(item.due_at, center), p(str(item.sets), center)])
    table = Table(rows, colWidths=[w * mm for w in COLUMNS_MM], repeatRows=1)
    table.setStyle(TableStyle(grid_style(1)))
    sets = sum(item.sets for item in data.items)
    signatures = Table([[p("BÊN GIAO", s["center_bold"]), p("BÊN NHẬN", s["center_bold"])],
                        [p("(Ký và ghi rõ họ tên)", s["center_italic"]), p("(Ký và ghi rõ họ tên)", s["center_italic"])],
                        [Spacer(1, 20 * mm), Spacer(1, 20 * mm)]], colWidths=[width / 2, width / 2])
    signatures.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story: list[Flowable] = [
        agency_and_form(data.upper_body, data.unit_name, [], s, width, left_share=0.45),
        Spacer(1, 2 * mm),
        place_and_date(data.place, data.day, s),
        p("DANH SÁCH BÀN GIAO HỒ SƠ", s["title"]),
        p(f"Ngày {day_vn(data.day)} ; Nơi nhận: {data.receiver}", s["center"]),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        KeepTogether([p(f"Tổng số: {len(data.items)} hồ sơ ({sets} bộ).", s["body"]), Spacer(1, 3 * mm), signatures]),
    ]
    return numbered_pages(story, A4, MARGIN, footer=3 * mm, title="Danh sách bàn giao hồ sơ", author=data.unit_name, subject=data.receiver)


__all__ = ["HEADERS", "HandoverItem", "HandoverList", "render_handover"]
