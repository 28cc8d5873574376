"""Biểu số 06/VPCP/KSTT as PDF: the official table's text and numbers, A4 landscape, headers on every page, and a
report that does not add up is refused."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from desk_app.documents.report import render_report_pdf
from desk_app.services.report_model import (
    COLUMNS,
    Figures,
    LateItem,
    ReportInconsistent,
    ReportRow,
    Satisfaction,
    StatisticsReport,
)
from tests.conftest import vn

MM = 72 / 25.4
FIGURES = COLUMNS[:11]


def figures(online: int, direct: int, carried: int, early: int, on_time: int, late: int, in_time: int,
            overdue: int, refused: int = 0, withdrawn: int = 0) -> Figures:
    """Figures that add up by construction: the totals are the sums of their parts."""
    resolved, pending = early + on_time + late, in_time + overdue
    assert online + direct + carried == resolved + pending, "a fixture that does not add up"
    return Figures(received_total=online + direct + carried, received_online=online, received_direct_postal=direct,
                   carried_over=carried, resolved_total=resolved, resolved_early=early, resolved_on_time=on_time,
                   resolved_late=late, pending_total=pending, pending_in_time=in_time, pending_overdue=overdue,
                   refused=refused, withdrawn=withdrawn)


FIELDS: tuple[tuple[str, str, Figures, Satisfaction], ...] = (
    ("HT", "Hộ tịch", figures(34, 855, 12, 868, 2, 1, 29, 1, refused=2, withdrawn=1), Satisfaction(610, 95, 4)),
    ("CT", "Chứng thực", figures(0, 1240, 3, 1236, 4, 0, 3, 0), Satisfaction(802, 120, 9)),
    ("CTR", "Cư trú", figures(56, 118, 9, 150, 11, 6, 14, 2, withdrawn=2), Satisfaction(40, 31, 6)),
    ("BTXH", "Bảo trợ xã hội", figures(2, 47, 6, 30, 12, 3, 8, 2), Satisfaction(25, 10, 1)),
    ("DD", "Đất đai", figures(0, 21, 4, 9, 5, 2, 6, 3, refused=1), Satisfaction(5, 7, 3)),
    ("HKD", "Thành lập và hoạt động của hộ kinh doanh", figures(7, 15, 0, 19, 2, 0, 1, 0), Satisfaction(12, 3, 0)),
    ("NCC", "Người có công", figures(0, 9, 1, 6, 1, 0, 3, 0), Satisfaction(4, 1, 0)),
)


def sample_report(fields: tuple[tuple[str, str, Figures, Satisfaction], ...] = FIELDS, *,
                  by_clerk: bool = True) -> StatisticsReport:
    rows = tuple(ReportRow(code, name, figs, sat) for code, name, figs, sat in fields)
    total = sum((row.figures for row in rows), Figures())
    satisfaction = Satisfaction(sum(r.satisfaction.very_satisfied for r in rows),
                                sum(r.satisfaction.satisfied for r in rows),
                                sum(r.satisfaction.unsatisfied for r in rows))
    clerks = None
    if by_clerk:
        first = Satisfaction(satisfaction.very_satisfied // 2, satisfaction.satisfied // 3, satisfaction.unsatisfied)
        second = Satisfaction(satisfaction.very_satisfied - first.very_satisfied,
                              satisfaction.satisfied - first.satisfied, 0)
        clerks = {"Nguyễn Thị Lan": first, "Trần Văn Đức": second}
    late = (
        LateItem("resolved_late", "000.31.22.H20-260114-0007", "HT", "Đăng ký khai sinh", "Lê Văn Tám",
                 vn("2026-01-14 14:40"), vn("2026-01-14 17:00"), vn("2026-01-15 09:10")),
        LateItem("resolved_late", "000.31.22.H20-260203-0031", "CTR", "Đăng ký thường trú", "Phạm Thị Ễ",
                 vn("2026-02-03 08:05"), vn("2026-02-12 17:00"), vn("2026-02-16 10:30")),
        LateItem("pending_overdue", "000.31.22.H20-260320-0102", "DD", "Hòa giải tranh chấp đất đai",
                 "Đặng Quốc Ưng", vn("2026-03-20 10:15"), vn("2026-03-27 16:30"), None),
    )
    return StatisticsReport(
        unit_name="UBND xã Mỹ Phong", upper_body="UBND tỉnh Đồng Tháp", place="Mỹ Phong",
        date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31), against="original", rows=rows, total=total,
        satisfaction=satisfaction, satisfaction_by_clerk=clerks, late_items=late, made_at=vn("2026-04-02 08:30"))


REPORT = sample_report()


def write(pdf: bytes, tmp_path: Path, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def text_of(path: Path, page: int | None = None, layout: bool = True) -> str:
    options = (["-f", str(page), "-l", str(page)] if page else []) + (["-layout"] if layout else [])
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_sizes(path: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def flat(text: str) -> str:
    return " ".join(text.split())


NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})*")  # "1.243": the Vietnamese thousands separator


def table_lines(text: str) -> list[tuple[str, str, list[int]]]:
    """Every line of the table that ends in the 11 figures: (STT, the text between STT and the figures, figures)."""
    found = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 11 or not all(NUMBER.fullmatch(w) for w in words[-11:]):
            continue
        before = words[:-11]
        number = before.pop(0) if before and before[0].isdigit() else ""
        found.append((number, " ".join(before), [int(w.replace(".", "")) for w in words[-11:]]))
    return found


def expected(fig: Figures) -> list[int]:
    return [getattr(fig, name) for name in FIGURES]


def many_fields(count: int) -> tuple[tuple[str, str, Figures, Satisfaction], ...]:
    """`count` fields with distinct names and figures that add up (pending within the deadline is the remainder)."""
    names = ("Hộ tịch", "Chứng thực", "Cư trú", "Bảo trợ xã hội", "Đất đai", "Người có công", "Giáo dục và Đào tạo",
             "Văn hóa cơ sở", "Nông nghiệp", "Thi đua, khen thưởng")
    out = []
    for i in range(count):
        online, direct, carried = i, 10 * i + 3, i % 4
        early, on_time, late, overdue = 8 * i, i % 5, i % 3, i % 2
        in_time = online + direct + carried - early - on_time - late - overdue
        out.append((f"F{i:02d}", f"{names[i % len(names)]} {i + 1}",
                    figures(online, direct, carried, early, on_time, late, in_time, overdue, refused=i % 6 == 0),
                    Satisfaction(i, 1, 0)))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------------


def test_title_period_unit_and_header_in_exact_vietnamese(tmp_path):
    text = flat(text_of(write(render_report_pdf(REPORT), tmp_path)))
    for line in ["UBND TỈNH ĐỒNG THÁP", "UBND XÃ MỸ PHONG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Biểu số 06/VPCP/KSTT",
                 "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
                 "Kỳ báo cáo: Từ ngày 01/01/2026 đến ngày 31/03/2026", "Đơn vị tính: Số hồ sơ TTHC",
                 "Số hồ sơ nhận giải quyết", "Kết quả giải quyết", "Số hồ sơ đã giải quyết",
                 "Số hồ sơ đang giải quyết", "Trực tuyến", "Trước hạn", "Đúng hạn", "Trong hạn", "Quá hạn",
                 "Tổng cộng", "Trang 1/1"]:
        assert line in text, line
    in_reading_order = flat(text_of(tmp_path / "report.pdf", layout=False))  # a wrapped name reads whole
    for _code, name, _figs, _sat in FIELDS:
        assert name in in_reading_order, name
    numbering = re.findall(r"\((\d+)\)", text_of(tmp_path / "report.pdf"))
    assert [int(n) for n in numbering if int(n) <= 13][:13] == list(range(1, 14))


def test_every_row_and_the_total_carry_their_figures_in_order(tmp_path):
    lines = table_lines(text_of(write(render_report_pdf(REPORT), tmp_path)))
    assert [figs for _stt, _text, figs in lines] == [expected(row.figures) for row in REPORT.rows] + \
        [expected(REPORT.total)]
    assert [stt for stt, _text, _figs in lines] == [str(n) for n in range(1, len(REPORT.rows) + 1)] + [""]
    for (_stt, before, _figs), row in zip(lines, REPORT.rows, strict=False):
        assert row.field_name.startswith(before), (before, row.field_name)  # a long name wraps after its start
    assert lines[-1][1] == "Tổng cộng"
    assert lines[1][2][0] == 1243  # "1.243": the Vietnamese thousands separator, read back as one number


def test_refused_withdrawn_and_satisfaction_are_shown_apart(tmp_path):
    text = flat(text_of(write(render_report_pdf(REPORT), tmp_path)))
    assert "Hồ sơ từ chối giải quyết: 3; Hồ sơ công dân rút: 3" in text
    assert "Hộ tịch: từ chối 2, rút 1; Cư trú: từ chối 0, rút 2; Đất đai: từ chối 1, rút 0." in text
    assert "Chứng thực: từ chối" not in text  # a field with neither is not listed
    assert "Toàn đơn vị 1.788 1.498 83,8% 267 14,9% 23 1,3%" in text
    assert "Nguyễn Thị Lan 861 749 87,0% 89 10,3% 23 2,7%" in text
    assert "Trần Văn Đức 927 749 80,8% 178 19,2% 0 0,0%" in text
    assert "Mỹ Phong, ngày 02 tháng 04 năm 2026" in text
    for line in ["THỦ TRƯỞNG ĐƠN VỊ", "(Ký, ghi rõ họ tên và đóng dấu)", "NGƯỜI LẬP BIỂU"]:
        assert line in text, line


def test_clerk_names_only_when_the_reader_may_see_them(tmp_path):
    text = flat(text_of(write(render_report_pdf(sample_report(by_clerk=False)), tmp_path)))
    assert "Toàn đơn vị 1.788" in text
    assert "Nguyễn Thị Lan" not in text and "Trần Văn Đức" not in text


def test_no_refusals_reads_zero_without_a_field_list(tmp_path):
    calm = tuple((c, n, replace(f, refused=0, withdrawn=0), s) for c, n, f, s in FIELDS)
    text = flat(text_of(write(render_report_pdf(sample_report(calm)), tmp_path)))
    assert "Hồ sơ từ chối giải quyết: 0; Hồ sơ công dân rút: 0" in text and "Trong đó: Hộ tịch" not in text


def test_a4_landscape_one_page_for_a_commune(tmp_path):
    sizes = page_sizes(write(render_report_pdf(REPORT), tmp_path))
    assert len(sizes) == 1  # seven fields, two clerks and the signatures fit one sheet
    for width, height in sizes:
        assert width == pytest.approx(297 * MM, abs=0.5) and height == pytest.approx(210 * MM, abs=0.5)


def test_an_inconsistent_row_is_refused():
    broken = replace(REPORT.rows[2], figures=replace(REPORT.rows[2].figures, resolved_early=149))
    with pytest.raises(ReportInconsistent, match="Cư trú"):
        render_report_pdf(replace(REPORT, rows=(*REPORT.rows[:2], broken, *REPORT.rows[3:])))


def test_an_inconsistent_total_is_refused():
    with pytest.raises(ReportInconsistent, match="received = resolved \\+ pending"):
        render_report_pdf(replace(REPORT, total=replace(REPORT.total, received_total=REPORT.total.received_total + 1,
                                                        received_online=REPORT.total.received_online + 1)))


def test_a_total_that_is_not_the_sum_of_the_rows_is_refused():
    # Consistent in itself (every check of §5 holds) but one dossier short of the rows.
    total = replace(REPORT.total, received_total=REPORT.total.received_total - 1,
                    received_direct_postal=REPORT.total.received_direct_postal - 1,
                    resolved_total=REPORT.total.resolved_total - 1, resolved_early=REPORT.total.resolved_early - 1)
    total.check("sanity")
    with pytest.raises(ReportInconsistent, match="Tổng cộng"):
        render_report_pdf(replace(REPORT, total=total))


def test_the_same_report_gives_the_same_bytes():
    assert render_report_pdf(REPORT) == render_report_pdf(REPORT)


def test_thirty_fields_run_onto_a_second_page_with_the_headers_repeated(tmp_path):
    report = sample_report(many_fields(30))
    path = write(render_report_pdf(report), tmp_path)
    sizes = page_sizes(path)
    assert len(sizes) == 2
    found: list[tuple[str, str, list[int]]] = []
    for n in (1, 2):
        page = text_of(path, n)
        for header in ["Số hồ sơ nhận giải quyết", "Kết quả giải quyết", "Số hồ sơ đang giải quyết", "Lĩnh vực",
                       "(13)"]:
            assert header in page, (n, header)
        assert f"Trang {n}/2" in page
        found += table_lines(page)
    assert "TÌNH HÌNH, KẾT QUẢ" in text_of(path, 1) and "TÌNH HÌNH, KẾT QUẢ" not in text_of(path, 2)
    assert [stt for stt, _t, _f in found] == [str(n) for n in range(1, 31)] + [""]  # each row once, in order
    assert [f for _s, _t, f in found] == [expected(r.figures) for r in report.rows] + [expected(report.total)]
    last = flat(text_of(path, 2))
    assert "Tổng cộng" in last and "THỦ TRƯỞNG ĐƠN VỊ" in last


def test_a_period_with_no_dossier_prints_the_table_with_a_zero_total(tmp_path):
    empty = replace(sample_report(()), late_items=())
    text = text_of(write(render_report_pdf(empty), tmp_path))
    assert table_lines(text) == [("", "Tổng cộng", [0] * 11)]
    assert "Toàn đơn vị 0 0 0,0% 0 0,0% 0 0,0%" in flat(text)
