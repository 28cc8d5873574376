"""Biểu số 06/VPCP/KSTT — the periodic statistics report (DOMAIN.md §5), data → PDF bytes.

A4 landscape, as the official table: the agency and the national motto, the title, the period and the unit; the
13 columns under their grouped, spanned headers and the numbering row (1)…(13), repeated on every page; one row per
field (lĩnh vực) and the bold total. Below the table: the refused and withdrawn dossiers (shown apart, outside the
11 figures), the satisfaction summary, and the place, date and signatures, kept together.

The figures are checked before anything is drawn: a report that does not add up is a bug, never a document.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from desk_app.documents.common import MOTTO, p, styles
from desk_app.documents.fonts import SERIF_BOLD, SERIF_ITALIC, register_fonts
from desk_app.documents.ledger import day_vn, fitted, grid_style, numbered_pages
from desk_app.services.report_model import COLUMNS, Figures, ReportInconsistent, Satisfaction, StatisticsReport

FORM_NUMBER = "Biểu số 06/VPCP/KSTT"
CIRCULAR = "Thông tư số 01/2020/TT-VPCP"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
UNIT_LINE = "Đơn vị tính: Số hồ sơ TTHC"
TOTAL_LABEL = "Tổng cộng"

# The 11 numbered figures (columns 3–13), in the table's order; refused and withdrawn are shown apart.
TABLE_FIGURES: tuple[str, ...] = COLUMNS[:11]
# The official table's head on a grid of HEAD_ROWS × 13 cells: (text, row, column, rows spanned, columns spanned).
HEAD_ROWS = 3
HEAD_CELLS: tuple[tuple[str, int, int, int, int], ...] = (
    ("STT", 0, 0, 3, 1),
    ("Lĩnh vực", 0, 1, 3, 1),
    ("Số hồ sơ nhận giải quyết", 0, 2, 1, 4),
    ("Kết quả giải quyết", 0, 6, 1, 7),
    ("Tổng số", 1, 2, 2, 1),
    ("Trong đó", 1, 3, 1, 3),
    ("Số hồ sơ đã giải quyết", 1, 6, 1, 4),
    ("Số hồ sơ đang giải quyết", 1, 10, 1, 3),
    ("Trực tuyến", 2, 3, 1, 1),
    ("Trực tiếp, dịch vụ bưu chính", 2, 4, 1, 1),
    ("Từ kỳ trước chuyển qua", 2, 5, 1, 1),
    ("Tổng số", 2, 6, 1, 1),
    ("Trước hạn", 2, 7, 1, 1),
    ("Đúng hạn", 2, 8, 1, 1),
    ("Quá hạn", 2, 9, 1, 1),
    ("Tổng số", 2, 10, 1, 1),
    ("Trong hạn", 2, 11, 1, 1),
    ("Quá hạn", 2, 12, 1, 1),
)
SATISFACTION_LEVELS: tuple[tuple[str, str], ...] = (
    ("very_satisfied", "Rất hài lòng"), ("satisfied", "Hài lòng"), ("unsatisfied", "Không hài lòng"))
AGAINST_NOTE = {
    "original": "Trước hạn, đúng hạn, quá hạn tính theo thời hạn giải quyết ban đầu.",
    "rescheduled": "Trước hạn, đúng hạn, quá hạn tính theo thời hạn đã hẹn lại (sau khi xin lỗi, gia hạn).",
}

# Millimetres, adding up to the 277 mm between 10 mm margins on landscape A4; each figure column holds
# "1.000.000" in bold on one line.
COLUMNS_MM = (10, 53) + (19.45,) * 11
MARGIN = 10 * mm
BODY_SIZE = 10


def check_report(report: StatisticsReport) -> None:
    """Every row's figures and the total add up (DOMAIN.md §5), and the total is the sum of the rows."""
    for row in report.rows:
        row.figures.check(f"Lĩnh vực {row.field_name}")
    report.total.check("Tổng cộng")
    summed = sum((row.figures for row in report.rows), Figures())
    if report.rows and summed != report.total:
        raise ReportInconsistent(f"Tổng cộng khác tổng các lĩnh vực — {report.total.as_dict()} ≠ {summed.as_dict()}")


def number_vn(value: int) -> str:
    """1234567 → "1.234.567" (the Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def percent_vn(value: float) -> str:
    """48.0 → "48,0%" (the Vietnamese decimal comma)."""
    return f"{value:.1f}".replace(".", ",") + "%"


def refused_withdrawn_lines(report: StatisticsReport) -> list[str]:
    """The dossiers shown apart: the totals, then each field with any, in the table's order."""
    lines = [f"Hồ sơ từ chối giải quyết: {number_vn(report.total.refused)}; Hồ sơ công dân rút: "
             + number_vn(report.total.withdrawn)]
    parts = [f"{row.field_name}: từ chối {number_vn(row.figures.refused)}, rút {number_vn(row.figures.withdrawn)}"
             for row in report.rows if row.figures.refused or row.figures.withdrawn]
    if parts:
        lines.append("Trong đó: " + "; ".join(parts) + ".")
    return lines


def _styles() -> dict[str, ParagraphStyle]:
    s = styles(BODY_SIZE)
    s["cell"] = ParagraphStyle("rp_cell", parent=s["body"], fontSize=BODY_SIZE, leading=BODY_SIZE * 1.15)
    s["cell_center"] = ParagraphStyle("rp_cell_center", parent=s["cell"], alignment=1)
    s["cell_right"] = ParagraphStyle("rp_cell_right", parent=s["cell"], alignment=2)
    s["cell_bold"] = ParagraphStyle("rp_cell_bold", parent=s["cell"], fontName=SERIF_BOLD)
    s["cell_right_bold"] = ParagraphStyle("rp_cell_right_bold", parent=s["cell_right"], fontName=SERIF_BOLD)
    s["col_head"] = ParagraphStyle("rp_col_head", parent=s["cell_center"], fontName=SERIF_BOLD, fontSize=9,
                                   leading=10.5)
    s["col_number"] = ParagraphStyle("rp_col_number", parent=s["cell_center"], fontName=SERIF_ITALIC, fontSize=8,
                                     leading=9.5)
    s["form"] = ParagraphStyle("rp_form", parent=s["body"], alignment=2, fontName=SERIF_BOLD, fontSize=10)
    s["form_note"] = ParagraphStyle("rp_form_note", parent=s["body"], alignment=2, fontName=SERIF_ITALIC,
                                    fontSize=8.5, leading=10)
    s["unit"] = ParagraphStyle("rp_unit", parent=s["body"], alignment=2, fontName=SERIF_ITALIC)
    s["note"] = ParagraphStyle("rp_note", parent=s["body"], fontName=SERIF_ITALIC, fontSize=9, leading=11)
    s["subtitle"] = ParagraphStyle("rp_subtitle", parent=s["body"], fontName=SERIF_BOLD, spaceBefore=1.5 * mm,
                                   spaceAfter=1 * mm)
    return s


def _head(s: dict[str, ParagraphStyle]) -> tuple[list[list], list[tuple]]:
    grid: list[list] = [[""] * len(COLUMNS_MM) for _ in range(HEAD_ROWS)]
    spans: list[tuple] = []
    for text, row, column, rows, columns in HEAD_CELLS:
        grid[row][column] = p(text, s["col_head"])
        if rows > 1 or columns > 1:
            spans.append(("SPAN", (column, row), (column + columns - 1, row + rows - 1)))
    numbering = [p(f"({i})", s["col_number"]) for i in range(1, len(COLUMNS_MM) + 1)]
    return [*grid, numbering], spans


def _figures(figures: Figures, style: ParagraphStyle) -> list:
    room = COLUMNS_MM[2] * mm - 4
    cells = []
    for name in TABLE_FIGURES:
        text = number_vn(getattr(figures, name))
        cells.append(p(text, fitted(text, style, room)))
    return cells


def _table(report: StatisticsReport, s: dict[str, ParagraphStyle]) -> Table:
    head, spans = _head(s)
    data: list[list] = list(head)
    for number, row in enumerate(report.rows, start=1):
        data.append([p(str(number), s["cell_center"]), p(row.field_name, s["cell"]),
                     *_figures(row.figures, s["cell_right"])])
    data.append(["", p(TOTAL_LABEL, s["cell_bold"]), *_figures(report.total, s["cell_right_bold"])])
    table = Table(data, colWidths=[w * mm for w in COLUMNS_MM], repeatRows=HEAD_ROWS + 1)
    table.setStyle(TableStyle([*grid_style(HEAD_ROWS + 1), *spans,
                               ("VALIGN", (2, HEAD_ROWS + 1), (-1, -1), "MIDDLE"),
                               ("VALIGN", (0, HEAD_ROWS + 1), (0, -1), "MIDDLE"),
                               ("RIGHTPADDING", (2, HEAD_ROWS + 1), (-1, -1), 4),
                               ("TOPPADDING", (0, HEAD_ROWS + 1), (-1, -1), 1.5),
                               ("BOTTOMPADDING", (0, HEAD_ROWS + 1), (-1, -1), 2.5),
                               ("TOPPADDING", (0, HEAD_ROWS), (-1, HEAD_ROWS), 1),
                               ("BOTTOMPADDING", (0, HEAD_ROWS), (-1, HEAD_ROWS), 2)]))
    return table


def _satisfaction_cells(who: str, counts: Satisfaction, s: dict[str, ParagraphStyle], bold: bool = False) -> list:
    shares = counts.percentages()
    right = s["cell_right_bold"] if bold else s["cell_right"]
    cells: list = [p(who, s["cell_bold"] if bold else s["cell"]), p(number_vn(counts.total), right)]
    for key, _label in SATISFACTION_LEVELS:
        cells += [p(number_vn(getattr(counts, key)), right), p(percent_vn(shares[key]), right)]
    return cells


def satisfaction_table(report: StatisticsReport, s: dict[str, ParagraphStyle]) -> Table:
    """Counts and shares of the three levels for the unit, then per clerk when the reader may see names."""
    head = ParagraphStyle("rp_sat_head", parent=s["col_head"])
    rows: list[list] = [
        [p("Đơn vị, công chức", head), p("Số lượt đánh giá", head),
         *[cell for _key, label in SATISFACTION_LEVELS for cell in (p(label, head), "")]],
        ["", "", *[p(text, head) for _ in SATISFACTION_LEVELS for text in ("Số lượt", "Tỷ lệ")]],
        _satisfaction_cells("Toàn đơn vị", report.satisfaction, s, bold=True),
    ]
    for clerk, counts in (report.satisfaction_by_clerk or {}).items():
        rows.append(_satisfaction_cells(clerk, counts, s))
    widths = [60 * mm, 26 * mm] + [20 * mm] * 6
    table = Table(rows, colWidths=widths, repeatRows=2, hAlign="LEFT")
    table.setStyle(TableStyle([*grid_style(2), ("RIGHTPADDING", (1, 2), (-1, -1), 4), ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)),
                               ("SPAN", (2, 0), (3, 0)), ("SPAN", (4, 0), (5, 0)), ("SPAN", (6, 0), (7, 0))]))
    return table


def _signatures(report: StatisticsReport, s: dict[str, ParagraphStyle], width: float) -> Table:
    day = report.made_at.date()
    place = p(f"{report.place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}", s["center_italic"])
    table = Table([["", place],
                   [p("NGƯỜI LẬP BIỂU", s["center_bold"]), p("THỦ TRƯỞNG ĐƠN VỊ", s["center_bold"])],
                   [p("(Ký, ghi rõ họ tên)", s["center_italic"]),
                    p("(Ký, ghi rõ họ tên và đóng dấu)", s["center_italic"])],
                   [Spacer(1, 15 * mm), Spacer(1, 15 * mm)]],
                  colWidths=[width * 0.45, width * 0.55])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _period_and_unit(period: str, s: dict[str, ParagraphStyle], width: float) -> Table:
    """The period centred under the title and, on the same line at the right, the unit the figures count."""
    side = width * 0.22
    table = Table([["", p(period, s["center_italic"]), p(UNIT_LINE, s["unit"])]],
                  colWidths=[side, width - 2 * side, side])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def render_report_pdf(report: StatisticsReport) -> bytes:
    """The statistics report's PDF (A4 landscape); raises ReportInconsistent when the figures do not add up."""
    check_report(report)
    register_fonts()
    s = _styles()
    page = landscape(A4)
    width = page[0] - 2 * MARGIN
    heading = Table([[[p(report.upper_body.upper(), s["head"]), p(report.unit_name.upper(), s["head_bold"])],
                      [p(MOTTO[0], s["head_bold"]), p(MOTTO[1], s["head_bold"])],
                      [p(FORM_NUMBER, s["form"]), p(f"(Ban hành kèm theo {CIRCULAR})", s["form_note"])]]],
                    colWidths=[width * 0.32, width * 0.43, width * 0.25])
    heading.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    period = f"Kỳ báo cáo: Từ ngày {day_vn(report.date_from)} đến ngày {day_vn(report.date_to)}"
    story: list[Flowable] = [
        heading,
        Spacer(1, 2 * mm),
        p(TITLE, ParagraphStyle("rp_title", parent=s["title"], fontSize=13, leading=16)),
        _period_and_unit(period, s, width),
        Spacer(1, 1 * mm),
        _table(report, s),
        Spacer(1, 1.5 * mm),
        p(AGAINST_NOTE.get(report.against, AGAINST_NOTE["original"]), s["note"]),
        *[p(line, s["body"]) for line in refused_withdrawn_lines(report)],
        KeepTogether([p("Mức độ hài lòng của cá nhân, tổ chức", s["subtitle"]), satisfaction_table(report, s)]),
        Spacer(1, 2 * mm),
        KeepTogether([_signatures(report, s, width)]),
    ]
    return numbered_pages(story, page, MARGIN, footer=4 * mm, title="Biểu số 06/VPCP/KSTT",
                          author=report.unit_name, subject=period)


__all__ = ["FORM_NUMBER", "HEAD_CELLS", "HEAD_ROWS", "SATISFACTION_LEVELS", "TABLE_FIGURES", "TITLE",
           "check_report", "number_vn", "percent_vn", "refused_withdrawn_lines", "render_report_pdf"]
