"""The statistics report's Excel workbook holds the same numbers as the report (plain integers, no formulas), the
dossiers behind the late figures as real date-times, the satisfaction shares; write_report picks PDF or Excel by the
file's suffix and never leaves half a file."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from desk_app.domain.errors import ValidationError
from desk_app.services.report_export import report_workbook, write_report
from desk_app.services.report_model import COLUMNS, ReportInconsistent, Satisfaction
from tests.documents.test_report_pdf import FIELDS, REPORT, many_fields, sample_report

FIGURES = COLUMNS[:11]
HEAD_ROW = 7  # the first of the three header rows; (1)…(13) on row 10; fields from row 11


def book(report=REPORT):
    return load_workbook(io.BytesIO(report_workbook(report)))


def find(sheet: Worksheet, text: str) -> tuple[int, int]:
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not on sheet {sheet.title}")


def test_three_sheets_with_vietnamese_names_and_the_properties():
    workbook = book()
    assert workbook.sheetnames == ["Biểu 06", "Hồ sơ trễ hạn", "Mức độ hài lòng"]
    assert workbook.properties.creator == "Một Cửa Desk"
    assert "Biểu số 06/VPCP/KSTT" in workbook.properties.title and "UBND xã Mỹ Phong" in workbook.properties.title
    # made_at 08:30 in Vietnam is 01:30 UTC, the time zone the core properties are written in
    assert workbook.properties.created == dt.datetime(2026, 4, 2, 1, 30)
    assert workbook.properties.modified == dt.datetime(2026, 4, 2, 1, 30)


def test_title_lines_and_the_two_level_header():
    sheet = book()["Biểu 06"]
    texts = {cell.value for row in sheet.iter_rows(max_row=HEAD_ROW + 3) for cell in row if cell.value}
    for text in ["UBND TỈNH ĐỒNG THÁP", "UBND XÃ MỸ PHONG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Biểu số 06/VPCP/KSTT",
                 "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
                 "Kỳ báo cáo: Từ ngày 01/01/2026 đến ngày 31/03/2026", "Đơn vị tính: Số hồ sơ TTHC"]:
        assert text in texts, text
    merged = {str(r) for r in sheet.merged_cells.ranges}
    for cells in ["A7:A9", "B7:B9", "C7:F7", "G7:M7", "C8:C9", "D8:F8", "G8:J8", "K8:M8", "A4:M4"]:
        assert cells in merged, cells
    expected = {"A7": "STT", "B7": "Lĩnh vực", "C7": "Số hồ sơ nhận giải quyết", "G7": "Kết quả giải quyết",
                "C8": "Tổng số", "D8": "Trong đó", "G8": "Số hồ sơ đã giải quyết", "K8": "Số hồ sơ đang giải quyết",
                "D9": "Trực tuyến", "E9": "Trực tiếp, dịch vụ bưu chính", "F9": "Từ kỳ trước chuyển qua",
                "G9": "Tổng số", "H9": "Trước hạn", "I9": "Đúng hạn", "J9": "Quá hạn", "K9": "Tổng số",
                "L9": "Trong hạn", "M9": "Quá hạn"}
    for ref, text in expected.items():
        assert sheet[ref].value == text, ref
        assert sheet[ref].font.b, ref
        assert sheet[ref].border.top.style == "thin", ref
    assert [sheet.cell(10, c).value for c in range(1, 14)] == [f"({n})" for n in range(1, 14)]
    assert sheet.freeze_panes == "C11"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width > 8


def test_every_cell_of_every_row_and_the_total_holds_the_figures_as_plain_integers():
    sheet = book()["Biểu 06"]
    for index, row in enumerate(REPORT.rows):
        line = 11 + index
        assert sheet.cell(line, 1).value == index + 1
        assert sheet.cell(line, 2).value == row.field_name
        values = [sheet.cell(line, 3 + k).value for k in range(11)]
        assert values == [getattr(row.figures, name) for name in FIGURES], row.field_name
        assert all(type(v) is int for v in values)
    total = 11 + len(REPORT.rows)
    assert sheet.cell(total, 2).value == "Tổng cộng" and sheet.cell(total, 2).font.b
    assert [sheet.cell(total, 3 + k).value for k in range(11)] == [getattr(REPORT.total, n) for n in FIGURES]
    assert sheet.cell(total, 3).value == 2439
    formulas = [c.coordinate for r in sheet.iter_rows() for c in r if isinstance(c.value, str) and c.value[:1] == "="]
    assert formulas == []


def test_the_workbook_matches_the_reports_json():
    """The command line's JSON and the workbook say the same numbers, field by field."""
    sheet = book()["Biểu 06"]
    data = REPORT.as_json()
    for index, row in enumerate(data["rows"]):
        assert sheet.cell(11 + index, 2).value == row["field"]
        assert [sheet.cell(11 + index, 3 + k).value for k in range(11)] == [row[name] for name in FIGURES]
    total = 11 + len(data["rows"])
    assert [sheet.cell(total, 3 + k).value for k in range(11)] == [data["total"][name] for name in FIGURES]


def test_refused_and_withdrawn_are_listed_apart_per_field():
    sheet = book()["Biểu 06"]
    head_row, _ = find(sheet, "Từ chối giải quyết")
    assert sheet.cell(head_row, 4).value == "Công dân rút hồ sơ"
    for index, row in enumerate(REPORT.rows, start=1):
        assert [sheet.cell(head_row + index, c).value for c in (1, 2, 3, 4)] == \
            [index, row.field_name, row.figures.refused, row.figures.withdrawn]
    last = head_row + len(REPORT.rows) + 1
    assert [sheet.cell(last, c).value for c in (2, 3, 4)] == ["Tổng cộng", 3, 3]
    for text in ["THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên và đóng dấu)", "NGƯỜI LẬP BIỂU",
                 "Mỹ Phong, ngày 02 tháng 04 năm 2026"]:
        find(sheet, text)


def test_thirty_fields_fill_thirty_rows_and_the_total():
    report = sample_report(many_fields(30))
    sheet = book(report)["Biểu 06"]
    for index, row in enumerate(report.rows):
        assert [sheet.cell(11 + index, 3 + k).value for k in range(11)] == [getattr(row.figures, n) for n in FIGURES]
    assert sheet.cell(41, 2).value == "Tổng cộng"
    assert [sheet.cell(41, 3 + k).value for k in range(11)] == [getattr(report.total, n) for n in FIGURES]


def test_the_late_sheet_lists_each_dossier_with_real_local_date_times():
    sheet = book()["Hồ sơ trễ hạn"]
    assert [sheet.cell(4, c).value for c in range(1, 10)] == [
        "STT", "Loại", "Mã hồ sơ", "Lĩnh vực", "Thủ tục", "Người nộp", "Ngày nhận", "Hạn giải quyết",
        "Ngày có kết quả"]
    rows = [[sheet.cell(line, c).value for c in range(1, 10)] for line in range(5, 5 + len(REPORT.late_items))]
    assert rows == [
        [1, "Đã giải quyết quá hạn", "000.31.22.H20-260114-0007", "Hộ tịch", "Đăng ký khai sinh", "Lê Văn Tám",
         dt.datetime(2026, 1, 14, 14, 40), dt.datetime(2026, 1, 14, 17, 0), dt.datetime(2026, 1, 15, 9, 10)],
        [2, "Đã giải quyết quá hạn", "000.31.22.H20-260203-0031", "Cư trú", "Đăng ký thường trú", "Phạm Thị Ễ",
         dt.datetime(2026, 2, 3, 8, 5), dt.datetime(2026, 2, 12, 17, 0), dt.datetime(2026, 2, 16, 10, 30)],
        [3, "Đang giải quyết quá hạn", "000.31.22.H20-260320-0102", "Đất đai", "Hòa giải tranh chấp đất đai",
         "Đặng Quốc Ưng", dt.datetime(2026, 3, 20, 10, 15), dt.datetime(2026, 3, 27, 16, 30), None],
    ]
    assert sheet.cell(5 + len(REPORT.late_items), 3).value is None  # nothing after the last dossier
    for line in range(5, 8):
        for column in (7, 8):
            assert sheet.cell(line, column).is_date and sheet.cell(line, column).number_format == "dd/mm/yyyy hh:mm"
    assert sheet.freeze_panes == "A5"


def test_a_moment_recorded_in_another_zone_is_written_as_vietnamese_wall_clock():
    utc_item = replace(REPORT.late_items[0], received_at=dt.datetime(2026, 1, 14, 7, 40, tzinfo=dt.UTC))
    sheet = book(replace(REPORT, late_items=(utc_item,)))["Hồ sơ trễ hạn"]
    assert sheet.cell(5, 7).value == dt.datetime(2026, 1, 14, 14, 40)


def test_no_late_dossier_leaves_just_the_header():
    sheet = book(replace(REPORT, late_items=()))["Hồ sơ trễ hạn"]
    assert sheet.cell(4, 3).value == "Mã hồ sơ" and sheet.cell(5, 3).value is None


def test_the_satisfaction_sheet_counts_and_shares_per_unit_and_per_clerk():
    sheet = book()["Mức độ hài lòng"]
    assert {str(r) for r in sheet.merged_cells.ranges} >= {"A4:A5", "B4:B5", "C4:D4", "E4:F4", "G4:H4"}
    assert [sheet.cell(4, c).value for c in (1, 2, 3, 5, 7)] == [
        "Đơn vị, công chức", "Số lượt đánh giá", "Rất hài lòng", "Hài lòng", "Không hài lòng"]
    rows = {sheet.cell(line, 1).value: [sheet.cell(line, c).value for c in range(2, 9)] for line in (6, 7, 8)}
    assert rows["Toàn đơn vị"] == [1788, 1498, pytest.approx(0.838), 267, pytest.approx(0.149), 23,
                                   pytest.approx(0.013)]
    assert rows["Nguyễn Thị Lan"] == [861, 749, pytest.approx(0.87), 89, pytest.approx(0.103), 23,
                                      pytest.approx(0.027)]
    assert rows["Trần Văn Đức"] == [927, 749, pytest.approx(0.808), 178, pytest.approx(0.192), 0, 0.0]
    assert sheet.cell(6, 4).number_format == "0.0%"
    assert sheet.cell(9, 1).value is None


def test_no_clerk_names_without_the_right_to_see_them_and_no_rating_reads_zero():
    sheet = book(sample_report(by_clerk=False))["Mức độ hài lòng"]
    assert sheet.cell(6, 1).value == "Toàn đơn vị" and sheet.cell(7, 1).value is None
    silent = tuple((c, n, f, Satisfaction()) for c, n, f, _s in FIELDS)
    sheet = book(replace(sample_report(silent, by_clerk=False), satisfaction=Satisfaction()))["Mức độ hài lòng"]
    assert [sheet.cell(6, c).value for c in range(2, 9)] == [0, 0, 0.0, 0, 0.0, 0, 0.0]


def test_an_inconsistent_report_gives_no_workbook():
    with pytest.raises(ReportInconsistent):
        report_workbook(replace(REPORT, total=replace(REPORT.total, pending_overdue=9)))


def test_the_same_report_gives_the_same_bytes():
    first = report_workbook(REPORT)
    assert report_workbook(REPORT) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 4, 2, 8, 30, 0)}


@pytest.mark.parametrize("name", ["bieu06.xlsx", "BIEU06.XLSX", "Báo cáo quý 1.Xlsx"])
def test_write_report_xlsx_by_suffix(tmp_path, name):
    path = write_report(REPORT, tmp_path / name)
    assert path == tmp_path / name
    assert path.read_bytes() == report_workbook(REPORT)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left beside it


@pytest.mark.parametrize("name", ["bieu06.pdf", "BIEU06.PDF"])
def test_write_report_pdf_by_suffix(tmp_path, name):
    path = write_report(REPORT, tmp_path / name)
    assert path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Biểu số 06/VPCP/KSTT" in text and "Hộ tịch" in text


@pytest.mark.parametrize("name", ["bieu06.docx", "bieu06.xls", "bieu06", "bieu06.pdf.txt", "bieu06.csv"])
def test_write_report_refuses_any_other_suffix_and_writes_nothing(tmp_path, name):
    with pytest.raises(ValidationError) as refused:
        write_report(REPORT, tmp_path / name)
    assert refused.value.field == "out"
    assert ".pdf" in refused.value.message and ".xlsx" in refused.value.message
    assert "Tên tệp" in refused.value.message
    assert list(tmp_path.iterdir()) == []


def test_write_report_into_a_missing_folder_is_refused_in_vietnamese(tmp_path):
    with pytest.raises(ValidationError) as refused:
        write_report(REPORT, tmp_path / "không có" / "bieu06.xlsx")
    assert refused.value.field == "out" and "thư mục" in refused.value.message


def test_a_failed_write_keeps_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "bieu06.xlsx"
    path.write_bytes(b"the old report")

    def broken(source: str, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_report(REPORT, path)
    assert path.read_bytes() == b"the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["bieu06.xlsx"]  # the temporary file is gone


def test_an_inconsistent_report_leaves_the_old_file(tmp_path):
    path = tmp_path / "bieu06.pdf"
    path.write_bytes(b"the old report")
    with pytest.raises(ReportInconsistent):
        write_report(replace(REPORT, total=replace(REPORT.total, resolved_late=99)), path)
    assert path.read_bytes() == b"the old report"


def test_write_report_replaces_an_existing_file(tmp_path: Path):
    path = tmp_path / "bieu06.xlsx"
    path.write_bytes(b"the old report")
    write_report(REPORT, path)
    assert load_workbook(path)["Biểu 06"]["B11"].value == "Hộ tịch"


def test_a_period_with_no_dossier_has_the_total_row_of_zeros():
    sheet = book(replace(sample_report((), by_clerk=False), late_items=()))["Biểu 06"]
    assert sheet.cell(11, 2).value == "Tổng cộng"
    assert [sheet.cell(11, 3 + k).value for k in range(11)] == [0] * 11
