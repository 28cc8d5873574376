"""Bảng kê thu phí, lệ phí — the day's fees at one desk, for handing the cash over, data → PDF (A4 portrait).

The table's headers repeat on every page; the total and the two signatures (NGƯỜI NỘP TIỀN / NGƯỜI NHẬN TIỀN)
close the list, kept together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from desk_app.documents.common import money_vn, p, place_and_date, styles
from desk_app.documents.fonts import SERIF_BOLD, register_fonts
from desk_app.documents.ledger import agency_and_form, day_vn, fitted, grid_style, numbered_pages

HEADERS = ("STT", "Mã hồ sơ", "Giờ nhận", "Người nộp", "Thủ tục", "Số tiền (đồng)", "Ghi chú")
COLUMNS_MM = (10, 42, 14, 34, 44, 22, 20)  # 186 mm: A4 less 12 mm margins
MARGIN = 12 * mm
BODY_SIZE = 10


@dataclass(frozen=True)
class FeeLine:
    code: str
    received_at: dt.datetime
    applicant_name: str
    procedure_name: str
    amount: int
    exemption: str | None


@dataclass(frozen=True)
class FeeStatement:
    upper_body: str
    unit_name: str
    place: str
    desk: int
    clerk: str
    day: dt.date
    lines: tuple[FeeLine, ...]


def _amount(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def render_fee_list(data: FeeStatement) -> bytes:
    register_fonts()
    s = styles(BODY_SIZE)
    width = A4[0] - 2 * MARGIN
    cell = ParagraphStyle("fee_cell", parent=s["body"], fontSize=BODY_SIZE - 0.5, leading=(BODY_SIZE - 0.5) * 1.15)
    center = ParagraphStyle("fee_center", parent=cell, alignment=1)
    right = ParagraphStyle("fee_right", parent=cell, alignment=2)
    head = ParagraphStyle("fee_head", parent=center, fontName=SERIF_BOLD)
    bold_right = ParagraphStyle("fee_total", parent=right, fontName=SERIF_BOLD)
    code_room = COLUMNS_MM[1] * mm - 4
    rows: list[list[Flowable | str]] = [[p(h, head) for h in HEADERS]]
    for number, line in enumerate(data.lines, start=1):
        note = f"Miễn: {line.exemption}" if line.exemption else ""
        rows.append([p(str(number), center), p(line.code, fitted(line.code, cell, code_room)),
                     p(f"{line.received_at:%H:%M}", center), p(line.applicant_name, cell), p(line.procedure_name, cell),
                     p(_amount(line.amount), right), p(note, cell)])
    total = sum(line.amount for line in data.lines)
    rows.append(["", p("Tổng cộng", ParagraphStyle("fee_total_label", parent=cell, fontName=SERIF_BOLD)), "", "", "",
                 p(_amount(total), bold_right), ""])
    table = Table(rows, colWidths=[w * mm for w in COLUMNS_MM], repeatRows=1)
    table.setStyle(TableStyle([*grid_style(1), ("SPAN", (1, -1), (4, -1))]))
    signatures = Table([[p("NGƯỜI NỘP TIỀN", s["center_bold"]), p("NGƯỜI NHẬN TIỀN", s["center_bold"])],
                        [p("(Ký và ghi rõ họ tên)", s["center_italic"]), p("(Ký và ghi rõ họ tên)", s["center_italic"])],
                        [Spacer(1, 20 * mm), Spacer(1, 20 * mm)]], colWidths=[width / 2, width / 2])
    signatures.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    exempted = sum(1 for line in data.lines if line.exemption)
    story: list[Flowable] = [
        agency_and_form(data.upper_body, data.unit_name, [], s, width, left_share=0.45),
        Spacer(1, 2 * mm),
        place_and_date(data.place, data.day, s),
        p("BẢNG KÊ THU PHÍ, LỆ PHÍ", s["title"]),
        p(f"Ngày {day_vn(data.day)} ; Bàn tiếp nhận số {data.desk} ; Người thu: {data.clerk}", s["center"]),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        KeepTogether([
            p(f"Tổng số tiền: {money_vn(total)} ({len(data.lines)} hồ sơ, trong đó {exempted} hồ sơ được miễn).",
              s["body"]),
            Spacer(1, 3 * mm), signatures]),
    ]
    return numbered_pages(story, A4, MARGIN, footer=3 * mm, title="Bảng kê thu phí, lệ phí", author=data.unit_name, subject="")
