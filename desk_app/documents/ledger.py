"""Mẫu 06 (2018) / Mẫu 07 (2025) — Sổ theo dõi hồ sơ (the desk's ledger), data → PDF bytes.

A4 landscape, any date range, as many pages as the rows need: the column headers repeat at the top of every page and
the footer reads "Trang x/y". Entry numbers are printed as given (they run on through the year; the book never
renumbers them).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

from desk_app.documents.common import p, styles
from desk_app.documents.fonts import SERIF, SERIF_BOLD, nfc, register_fonts

EDITIONS = ("2018", "2025")
CIRCULARS = {"2018": "Thông tư số 01/2018/TT-VPCP", "2025": "Thông tư số 03/2025/TT-VPCP"}
LEDGER_FORM = {"2018": "06", "2025": "07"}


def form_label(edition: str, numbers: dict[str, str]) -> str:
    """'Mẫu số 06' for the edition's numbering of a form; an unknown edition is refused, never guessed."""
    if edition not in numbers:
        raise ValueError(f"edition must be one of {EDITIONS}, not {edition!r}")
    return f"Mẫu số {numbers[edition]}"


def day_vn(value: dt.date) -> str:
    return f"{value:%d/%m/%Y}"


class PageNumberCanvas(Canvas):
    """Draws "Trang x/y" at the foot of every page once the total is known (pages are held until save)."""

    footer_size = 9

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self.setFont(SERIF, self.footer_size)
            self.drawCentredString(self._pagesize[0] / 2, 6 * mm, f"Trang {self._pageNumber}/{total}")
            super().showPage()
        super().save()


def agency_and_form(upper_body: str, unit_name: str, right: list[Flowable], s: dict[str, ParagraphStyle],
                    width: float, left_share: float = 0.4) -> Table:
    """The agency block (upper body, unit name underlined by position) beside whatever the form puts on the right."""
    left = [p(upper_body.upper(), s["head"]), p(unit_name.upper(), s["head_bold"])]
    table = Table([[left, right]], colWidths=[width * left_share, width * (1 - left_share)])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


CELL_PADDING = 2  # points, left and right of a cell's text


def grid_style(header_rows: int) -> list[tuple]:
    return [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, header_rows - 1), "MIDDLE"),
        ("VALIGN", (0, header_rows), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]


@dataclass(frozen=True)
class LedgerRow:
    number: int  # số thứ tự in the book (continuous through the year)
    code: str
    procedure_name: str
    sets: int
    applicant: str
    address_phone: str
    resolving_body: str
    received_at: dt.datetime
    due_at: dt.datetime
    transferred_at: dt.datetime | None
    result_received_at: dt.datetime | None
    returned_at: dt.datetime | None
    note: str


@dataclass(frozen=True)
class LedgerBook:
    upper_body: str
    unit_name: str
    place: str
    edition: str  # "2018" (Mẫu 06) or "2025" (Mẫu 07)
    book: str  # quyển số, e.g. "01/2026"
    date_from: dt.date
    date_to: dt.date
    rows: tuple[LedgerRow, ...]


HEADERS = (
    "TT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
    "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả", "Ký nhận", "Ghi chú",
)
# Millimetres; they add up to the 277 mm between 10 mm margins on landscape A4. The code column fits a full
# "000.31.22.H20-260302-0001" on one line; each date column fits "dd/mm/yyyy".
COLUMNS_MM = (11, 38, 32, 10, 26, 28, 24, 16, 16, 16, 16, 16, 13, 15)  # TT fits six digits
MARGIN = 10 * mm
BODY_SIZE = 9


def _when(value: dt.datetime | None, with_time: bool = False) -> str:
    """A date cell: plain text, two lines with the time."""
    if value is None:
        return ""
    return f"{day_vn(value)}\n{value:%H:%M}" if with_time else day_vn(value)


def _styles() -> dict[str, ParagraphStyle]:
    s = styles(BODY_SIZE)
    s["cell"] = ParagraphStyle("cell", parent=s["body"], fontSize=BODY_SIZE, leading=BODY_SIZE * 1.15)
    s["cell_center"] = ParagraphStyle("cell_center", parent=s["cell"], alignment=1)
    s["cell_code"] = ParagraphStyle("cell_code", parent=s["cell"], fontSize=BODY_SIZE - 0.5)
    s["col_head"] = ParagraphStyle("col_head", parent=s["cell_center"], fontName=SERIF_BOLD, fontSize=BODY_SIZE - 0.5,
                                   leading=(BODY_SIZE - 0.5) * 1.15)
    s["col_number"] = ParagraphStyle("col_number", parent=s["cell_center"], fontSize=BODY_SIZE - 1.5,
                                     leading=(BODY_SIZE - 1.5) * 1.15)
    return s


def fitted(text: str, style: ParagraphStyle, width: float, smallest: float = 6.5) -> ParagraphStyle:
    """The style, its size reduced (not below `smallest`) so that one unbreakable word such as a dossier code stays
    on one line of `width`; beyond that reportlab splits the word rather than overflow the cell."""
    natural = stringWidth(nfc(text), style.fontName, style.fontSize)
    if natural <= width:
        return style
    size = max(smallest, style.fontSize * width / natural - 0.05)
    return ParagraphStyle(f"{style.name}_fit", parent=style, fontSize=size, leading=size * 1.15)


def _text(text: str, style: ParagraphStyle, room: float) -> str | Paragraph:
    """A text cell: plain text when it fits on one line (drawn by the table in its column's font, see
    :func:`cells_style`), a Paragraph when it has to wrap."""
    text = nfc(text)
    if text == " ".join(text.split()) and stringWidth(text, style.fontName, style.fontSize) <= room:
        return text  # one line, its spaces as a Paragraph would set them
    return p(text, style)


def _row(row: LedgerRow, s: dict[str, ParagraphStyle]) -> list:
    """One row. A month's ledger holds thousands of rows, and a Paragraph per cell made most of its rendering time:
    a number, a count and the dates are plain text, and so is any text that fits on one line."""
    room = [w * mm - 2 * CELL_PADDING for w in COLUMNS_MM]
    code_style = fitted(row.code, s["cell_code"], room[1])
    return [
        str(row.number),
        row.code if code_style is s["cell_code"] else p(row.code, code_style),
        _text(row.procedure_name, s["cell"], room[2]),
        str(row.sets),
        _text(row.applicant, s["cell"], room[4]),
        _text(row.address_phone, s["cell"], room[5]),
        _text(row.resolving_body, s["cell"], room[6]),
        _when(row.received_at, with_time=True),
        _when(row.due_at, with_time=True),
        _when(row.transferred_at),
        _when(row.result_received_at),
        _when(row.returned_at),
        "",
        _text(row.note, s["cell"], room[13]) if row.note else "",
    ]


# The columns of numbers and dates, centred; the other columns' plain cells are left-aligned as Paragraphs are.
CENTRED_COLUMNS = (0, 3, 7, 8, 9, 10, 11)
CODE_COLUMN = 1


def cells_style(first_row: int) -> list[tuple]:
    """The font of the rows' plain-text cells (the cell styles' own: a table's default font has no Vietnamese)."""
    leading = BODY_SIZE * 1.15
    commands: list[tuple] = [("FONT", (0, first_row), (-1, -1), SERIF, BODY_SIZE, leading),
                             ("FONT", (CODE_COLUMN, first_row), (CODE_COLUMN, -1), SERIF, BODY_SIZE - 0.5, leading)]
    commands += [("ALIGN", (column, first_row), (column, -1), "CENTER") for column in CENTRED_COLUMNS]
    return commands


def numbered_pages(story: list[Flowable], page: tuple[float, float], margin: float, *, footer: float, title: str,
                   author: str, subject: str = "") -> bytes:
    """A list document's PDF: one frame within the margins, room for the "Trang x/y" footer, reproducible bytes."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(buffer, pagesize=page, leftMargin=margin, rightMargin=margin, topMargin=margin,
                               bottomMargin=margin + footer, title=title, author=nfc(author), subject=nfc(subject),
                               creator="Một Cửa Desk", invariant=True)
    frame = Frame(margin, margin + footer, page[0] - 2 * margin, page[1] - 2 * margin - footer, leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    document.addPageTemplates([PageTemplate(id="list", frames=[frame])])
    document.build(story, canvasmaker=PageNumberCanvas)
    return buffer.getvalue()


def render_ledger(book: LedgerBook) -> bytes:
    """The ledger's PDF for the book's rows (in the order given), A4 landscape, headers on every page."""
    register_fonts()
    s = _styles()
    page = landscape(A4)
    width = page[0] - 2 * MARGIN
    widths = [w * mm for w in COLUMNS_MM]
    right = [p(form_label(book.edition, LEDGER_FORM), s["head_bold"]),
             p(f"(Ban hành kèm theo {CIRCULARS[book.edition]})", s["center_italic"])]
    story: list[Flowable] = [
        agency_and_form(book.upper_body, book.unit_name, right, s, width, left_share=0.5),
        Spacer(1, 3 * mm),
        p("SỔ THEO DÕI HỒ SƠ", ParagraphStyle("ledger_title", parent=s["title"], fontSize=14, leading=18)),
        p(f"Quyển số: {book.book}", s["center_bold"]),
        p(f"Từ ngày {day_vn(book.date_from)} đến ngày {day_vn(book.date_to)}", s["center_italic"]),
        Spacer(1, 3 * mm),
    ]
    data: list[list] = [[p(h, s["col_head"]) for h in HEADERS],
                        [p(f"({i})", s["col_number"]) for i in range(1, len(HEADERS) + 1)]]
    data += [_row(row, s) for row in book.rows]
    table = Table(data, colWidths=widths, repeatRows=2)
    table.setStyle(TableStyle(grid_style(2) + cells_style(2)))
    story.append(table)

    return numbered_pages(story, page, MARGIN, footer=4 * mm, title="Sổ theo dõi hồ sơ", author=book.unit_name,
                          subject=f"Quyển số {book.book}")


__all__ = ["EDITIONS", "HEADERS", "LedgerBook", "LedgerRow", "PageNumberCanvas", "render_ledger"]
