"""The statistics report's exports: the Excel workbook (openpyxl) and writing the PDF or the workbook to a file.

The workbook holds the same numbers as the PDF, as plain integers (no formulas, so every reader sees the values
without recalculating): sheet "Biểu 06" is the official table with its two-level header; "Hồ sơ trễ hạn" lists the
dossiers behind the late and overdue figures, with real Excel date-times in Vietnamese local time; "Mức độ hài
lòng" the satisfaction counts and shares. The bytes are reproducible: every timestamp inside is the report's
`made_at`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from desk_app.documents.common import MOTTO
from desk_app.documents.fonts import nfc
from desk_app.documents.report import (
    AGAINST_NOTE,
    CIRCULAR,
    FORM_NUMBER,
    HEAD_CELLS,
    HEAD_ROWS,
    SATISFACTION_LEVELS,
    TABLE_FIGURES,
    TITLE,
    TOTAL_LABEL,
    UNIT_LINE,
    check_report,
    render_report_pdf,
)
from desk_app.domain.errors import ValidationError
from desk_app.fileio import write_atomically
from desk_app.services.clock import local
from desk_app.services.report_model import Satisfaction, StatisticsReport

SHEET_TABLE = "Biểu 06"
SHEET_LATE = "Hồ sơ trễ hạn"
SHEET_SATISFACTION = "Mức độ hài lòng"
FONT_NAME = "Times New Roman"  # what Vietnamese offices set documents in (Decree 30/2020)
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0.0%"
LATE_KINDS = {"resolved_late": "Đã giải quyết quá hạn", "pending_overdue": "Đang giải quyết quá hạn"}
LATE_HEADERS = ("STT", "Loại", "Mã hồ sơ", "Lĩnh vực", "Thủ tục", "Người nộp", "Ngày nhận", "Hạn giải quyết",
                "Ngày có kết quả")
LATE_WIDTHS = (6, 24, 27, 22, 40, 26, 17, 17, 17)

# Sheet "Biểu 06": the title block, then the head from HEAD_FIRST_ROW, the numbering row, one row per field.
HEAD_FIRST_ROW = 7
NUMBERING_ROW = HEAD_FIRST_ROW + HEAD_ROWS
FIRST_DATA_ROW = NUMBERING_ROW + 1
TABLE_WIDTHS = (6, 36) + (12,) * 11
LINE_HEIGHT = 15  # points, one line of 11-point text

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")


def _font(bold: bool = False, italic: bool = False, size: float = 11) -> Font:
    return Font(name=FONT_NAME, bold=bold, italic=italic, size=size)


def _put(sheet: Worksheet, row: int, column: int, value: object, *, bold: bool = False, italic: bool = False,
         size: float = 11, align: Alignment | None = None, border: bool = False, number_format: str | None = None,
         to_column: int | None = None, to_row: int | None = None) -> None:
    """One cell (merged over a range when `to_column`/`to_row` are given), text in NFC."""
    cell = sheet.cell(row=row, column=column, value=nfc(value) if isinstance(value, str) else value)
    cell.font = _font(bold, italic, size)
    if align is not None:
        cell.alignment = align
    if number_format is not None:
        cell.number_format = number_format
    last_row, last_column = to_row or row, to_column or column
    if (last_row, last_column) != (row, column):
        sheet.merge_cells(start_row=row, start_column=column, end_row=last_row, end_column=last_column)
    if border:
        for r in range(row, last_row + 1):
            for c in range(column, last_column + 1):
                sheet.cell(row=r, column=c).border = BORDER


def _fit_height(sheet: Worksheet, row: int, text: str, width: float) -> None:
    """Room for a wrapped text: spreadsheet programs do not grow a row for wrapped text written by a library."""
    lines = math.ceil(len(text) / max(1.0, (width - 1) * 1.15))
    if lines > 1:
        sheet.row_dimensions[row].height = LINE_HEIGHT * lines


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: a moment as the naive Vietnamese wall-clock time."""
    return None if moment is None else local(moment).replace(tzinfo=None)


def _period(report: StatisticsReport) -> str:
    return f"Kỳ báo cáo: Từ ngày {report.date_from:%d/%m/%Y} đến ngày {report.date_to:%d/%m/%Y}"


def _widths(sheet: Worksheet, widths: tuple[float, ...]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _landscape(sheet: Worksheet, title_rows: str | None = None) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows


def _table_sheet(sheet: Worksheet, report: StatisticsReport) -> None:
    columns = len(TABLE_WIDTHS)
    _put(sheet, 1, 1, report.upper_body.upper(), align=CENTER, to_column=4)
    _put(sheet, 2, 1, report.unit_name.upper(), bold=True, align=CENTER, to_column=4)
    _put(sheet, 1, 5, MOTTO[0], bold=True, align=CENTER, to_column=10)
    _put(sheet, 2, 5, MOTTO[1], bold=True, align=CENTER, to_column=10)
    _put(sheet, 1, 11, FORM_NUMBER, bold=True, align=Alignment(horizontal="right"), to_column=columns)
    _put(sheet, 2, 11, f"(Ban hành kèm theo {CIRCULAR})", italic=True, size=9, align=Alignment(horizontal="right"),
         to_column=columns)
    _put(sheet, 4, 1, TITLE, bold=True, size=13, align=CENTER, to_column=columns)
    _put(sheet, 5, 1, _period(report), italic=True, align=CENTER, to_column=columns)
    _put(sheet, 6, 11, UNIT_LINE, italic=True, align=Alignment(horizontal="right"), to_column=columns)

    for text, row, column, rows, spanned in HEAD_CELLS:
        _put(sheet, HEAD_FIRST_ROW + row, column + 1, text, bold=True, align=CENTER, border=True,
             to_row=HEAD_FIRST_ROW + row + rows - 1, to_column=column + spanned)
    for column in range(1, columns + 1):
        _put(sheet, NUMBERING_ROW, column, f"({column})", italic=True, size=9, align=CENTER, border=True)

    line = FIRST_DATA_ROW
    for number, report_row in enumerate(report.rows, start=1):
        _put(sheet, line, 1, number, align=CENTER, border=True)
        _put(sheet, line, 2, report_row.field_name, align=LEFT, border=True)
        _fit_height(sheet, line, report_row.field_name, TABLE_WIDTHS[1])
        for offset, name in enumerate(TABLE_FIGURES):
            _put(sheet, line, 3 + offset, getattr(report_row.figures, name), align=RIGHT, border=True,
                 number_format="#,##0")
        line += 1
    _put(sheet, line, 1, None, border=True)
    _put(sheet, line, 2, TOTAL_LABEL, bold=True, align=LEFT, border=True)
    for offset, name in enumerate(TABLE_FIGURES):
        _put(sheet, line, 3 + offset, getattr(report.total, name), bold=True, align=RIGHT, border=True,
             number_format="#,##0")

    line += 2
    _put(sheet, line, 1, AGAINST_NOTE.get(report.against, AGAINST_NOTE["original"]), italic=True, to_column=columns)
    line += 1
    _put(sheet, line, 1, "Hồ sơ từ chối giải quyết và hồ sơ công dân rút (không tính vào các cột (3) – (13)):",
         bold=True, to_column=columns)
    line += 1
    _put(sheet, line, 1, "STT", bold=True, align=CENTER, border=True)
    _put(sheet, line, 2, "Lĩnh vực", bold=True, align=CENTER, border=True)
    _put(sheet, line, 3, "Từ chối giải quyết", bold=True, align=CENTER, border=True)
    _put(sheet, line, 4, "Công dân rút hồ sơ", bold=True, align=CENTER, border=True)
    sheet.row_dimensions[line].height = 30
    for number, report_row in enumerate(report.rows, start=1):
        line += 1
        _put(sheet, line, 1, number, align=CENTER, border=True)
        _put(sheet, line, 2, report_row.field_name, align=LEFT, border=True)
        _fit_height(sheet, line, report_row.field_name, TABLE_WIDTHS[1])
        _put(sheet, line, 3, report_row.figures.refused, align=RIGHT, border=True, number_format="#,##0")
        _put(sheet, line, 4, report_row.figures.withdrawn, align=RIGHT, border=True, number_format="#,##0")
    line += 1
    _put(sheet, line, 1, None, border=True)
    _put(sheet, line, 2, TOTAL_LABEL, bold=True, align=LEFT, border=True)
    _put(sheet, line, 3, report.total.refused, bold=True, align=RIGHT, border=True, number_format="#,##0")
    _put(sheet, line, 4, report.total.withdrawn, bold=True, align=RIGHT, border=True, number_format="#,##0")

    line += 2
    day = local(report.made_at).date()
    _put(sheet, line, 8, f"{report.place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}", italic=True, align=CENTER,
         to_column=columns)
    _put(sheet, line + 1, 1, "NGƯỜI LẬP BIỂU", bold=True, align=CENTER, to_column=4)
    _put(sheet, line + 1, 8, "THỦ TRƯỞNG ĐƠN VỊ", bold=True, align=CENTER, to_column=columns)
    _put(sheet, line + 2, 1, "(Ký, ghi rõ họ tên)", italic=True, align=CENTER, to_column=4)
    _put(sheet, line + 2, 8, "(Ký, ghi rõ họ tên và đóng dấu)", italic=True, align=CENTER, to_column=columns)

    _widths(sheet, TABLE_WIDTHS)
    sheet.row_dimensions[4].height = 22
    sheet.row_dimensions[HEAD_FIRST_ROW + HEAD_ROWS - 1].height = 48
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=3)  # the head and the field names stay in view
    _landscape(sheet, f"{HEAD_FIRST_ROW}:{NUMBERING_ROW}")


def _late_sheet(sheet: Worksheet, report: StatisticsReport) -> None:
    names = {row.field_code: row.field_name for row in report.rows}
    last = len(LATE_HEADERS)
    _put(sheet, 1, 1, "HỒ SƠ GIẢI QUYẾT QUÁ HẠN VÀ HỒ SƠ ĐANG GIẢI QUYẾT QUÁ HẠN", bold=True, size=13, align=CENTER,
         to_column=last)
    _put(sheet, 2, 1, f"{_period(report)}. {AGAINST_NOTE.get(report.against, AGAINST_NOTE['original'])}",
         italic=True, align=CENTER, to_column=last)
    header = 4
    for column, text in enumerate(LATE_HEADERS, start=1):
        _put(sheet, header, column, text, bold=True, align=CENTER, border=True)
    for number, item in enumerate(report.late_items, start=1):
        line = header + number
        values: tuple[object, ...] = (number, LATE_KINDS.get(item.kind, item.kind), item.code,
                                      names.get(item.field_code, item.field_code), item.procedure_name,
                                      item.applicant_name)
        for column, value in enumerate(values, start=1):
            _put(sheet, line, column, value, align=CENTER if column == 1 else LEFT, border=True)
        _fit_height(sheet, line, item.procedure_name, LATE_WIDTHS[4])
        for column, moment in enumerate((item.received_at, item.due_at, item.result_ready_at), start=len(values) + 1):
            _put(sheet, line, column, _local(moment), align=CENTER, border=True, number_format=DATETIME_FORMAT)
    _widths(sheet, LATE_WIDTHS)
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
    if report.late_items:
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(last)}{header + len(report.late_items)}"
    _landscape(sheet, f"{header}:{header}")


def _satisfaction_row(sheet: Worksheet, line: int, who: str, counts: Satisfaction, bold: bool = False) -> None:
    shares = counts.percentages()
    _put(sheet, line, 1, who, bold=bold, align=LEFT, border=True)
    _put(sheet, line, 2, counts.total, bold=bold, align=RIGHT, border=True, number_format="#,##0")
    for index, (key, _label) in enumerate(SATISFACTION_LEVELS):
        column = 3 + 2 * index
        _put(sheet, line, column, getattr(counts, key), bold=bold, align=RIGHT, border=True, number_format="#,##0")
        _put(sheet, line, column + 1, shares[key] / 100, bold=bold, align=RIGHT, border=True,
             number_format=PERCENT_FORMAT)


def _satisfaction_sheet(sheet: Worksheet, report: StatisticsReport) -> None:
    last = 2 + 2 * len(SATISFACTION_LEVELS)
    _put(sheet, 1, 1, "MỨC ĐỘ HÀI LÒNG CỦA CÁ NHÂN, TỔ CHỨC", bold=True, size=13, align=CENTER, to_column=last)
    _put(sheet, 2, 1, _period(report), italic=True, align=CENTER, to_column=last)
    _put(sheet, 4, 1, "Đơn vị, công chức", bold=True, align=CENTER, border=True, to_row=5)
    _put(sheet, 4, 2, "Số lượt đánh giá", bold=True, align=CENTER, border=True, to_row=5)
    for index, (_key, label) in enumerate(SATISFACTION_LEVELS):
        column = 3 + 2 * index
        _put(sheet, 4, column, label, bold=True, align=CENTER, border=True, to_column=column + 1)
        _put(sheet, 5, column, "Số lượt", bold=True, align=CENTER, border=True)
        _put(sheet, 5, column + 1, "Tỷ lệ", bold=True, align=CENTER, border=True)
    _satisfaction_row(sheet, 6, "Toàn đơn vị", report.satisfaction, bold=True)
    for line, (clerk, counts) in enumerate((report.satisfaction_by_clerk or {}).items(), start=7):
        _satisfaction_row(sheet, line, clerk, counts)
    _widths(sheet, (34, 16) + (13,) * (2 * len(SATISFACTION_LEVELS)))
    sheet.freeze_panes = "B6"
    _landscape(sheet)


def _fixed_zip_times(data: bytes, moment: dt.datetime) -> bytes:
    """The same archive with every member stamped `moment` (zipfile stamps the wall clock otherwise)."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def report_workbook(report: StatisticsReport) -> bytes:
    """The report as an .xlsx workbook (bytes); raises ReportInconsistent when the figures do not add up."""
    check_report(report)
    made = local(report.made_at).replace(tzinfo=None)
    made_utc = report.made_at.astimezone(dt.UTC).replace(tzinfo=None)  # the core properties are in UTC
    book = Workbook()
    table = book.active
    table.title = SHEET_TABLE
    _table_sheet(table, report)
    _late_sheet(book.create_sheet(SHEET_LATE), report)
    _satisfaction_sheet(book.create_sheet(SHEET_SATISFACTION), report)
    book.properties.title = nfc(f"{FORM_NUMBER} — {report.unit_name}")
    book.properties.subject = nfc(_period(report))
    book.properties.creator = "Một Cửa Desk"
    book.properties.lastModifiedBy = "Một Cửa Desk"
    book.properties.created = made_utc
    book.properties.modified = made_utc
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()  # not Workbook.save: that stamps "modified" with the wall clock
    return _fixed_zip_times(buffer.getvalue(), made)


def write_report(report: StatisticsReport, path: Path) -> Path:
    """Write the report as PDF or Excel, chosen by the file's suffix (.pdf, .xlsx); the file is either the old one
    or all of the new one, never half. Returns the path written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        data = render_report_pdf(report)
    elif suffix == ".xlsx":
        data = report_workbook(report)
    else:
        raise ValidationError("Tên tệp phải có đuôi .pdf (bản in) hoặc .xlsx (bảng tính Excel).", field="out")
    if not path.parent.is_dir():
        raise ValidationError(f"Không có thư mục {path.parent} để lưu báo cáo.", field="out")
    write_atomically(path, data)
    return path


__all__ = ["SHEET_LATE", "SHEET_SATISFACTION", "SHEET_TABLE", "report_workbook", "write_report"]
