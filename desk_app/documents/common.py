"""What every form shares: the paragraph styles in the Times-metric serif, the national motto header, and the
Vietnamese ways of writing moments and money."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from desk_app.documents.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, nfc

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def styles(size: float) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=SERIF, fontSize=size, leading=size * 1.18, alignment=TA_LEFT)
    return {
        "body": base,
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "center_bold": ParagraphStyle("center_bold", parent=base, alignment=TA_CENTER, fontName=SERIF_BOLD),
        "head": ParagraphStyle("head", parent=base, alignment=TA_CENTER, fontSize=size * 0.92),
        "head_bold": ParagraphStyle("head_bold", parent=base, alignment=TA_CENTER, fontName=SERIF_BOLD,
                                    fontSize=size * 0.92),
        "right_italic": ParagraphStyle("right_italic", parent=base, alignment=TA_RIGHT, fontName=SERIF_ITALIC),
        "center_italic": ParagraphStyle("center_italic", parent=base, alignment=TA_CENTER, fontName=SERIF_ITALIC),
        "title": ParagraphStyle("title", parent=base, alignment=TA_CENTER, fontName=SERIF_BOLD,
                                fontSize=size * 1.2, leading=size * 1.5, spaceBefore=size * 0.4),
        "item": ParagraphStyle("item", parent=base, leftIndent=size * 1.2),
        "small": ParagraphStyle("small", parent=base, fontSize=size * 0.85, leading=size * 1.05),
        "code": ParagraphStyle("code", parent=base, alignment=TA_CENTER, fontName=SERIF_BOLD, fontSize=size * 1.1),
    }


def p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(nfc(text)), style)


def moment_vn(value: dt.datetime) -> str:
    return f"{value:%H} giờ {value:%M} phút, ngày {value:%d} tháng {value:%m} năm {value:%Y}"


def money_vn(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"




def header(upper_body: str, unit_name: str, number_line: str, s: dict[str, ParagraphStyle], width: float, *,
           stacked: bool = False) -> list[Flowable]:
    """The agency block (upper body, unit, "Số: …") beside the national motto; stacked on narrow paper."""
    left = [p(upper_body.upper(), s["head"]), p(unit_name.upper(), s["head_bold"]), p(number_line, s["head"])]
    right = [p(MOTTO[0], s["head_bold"]), p(MOTTO[1], s["head_bold"])]
    if stacked:
        return [*right, Spacer(1, 2 * mm), *left]
    table = Table([[left, right]], colWidths=[width * 0.38, width * 0.62])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [table]


def place_and_date(place: str, day: dt.date, s: dict[str, ParagraphStyle]) -> Paragraph:
    return p(f"{place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}", s["right_italic"])
