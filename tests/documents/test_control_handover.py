"""Mẫu 05/06, the control sheet, and the daily hand-over list: exact text, paper, pages, reproducible bytes."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from desk_app.documents.control_sheet import ControlSheet, HandoverStep, render_control_sheet
from desk_app.documents.handover import HandoverItem, HandoverList, render_handover
from tests.conftest import vn

MM = 72 / 25.4

STEPS = (
    HandoverStep("Bộ phận Tiếp nhận và Trả kết quả", "Công chức Tư pháp - Hộ tịch (Đặng Văn Ễ)",
                 vn("2026-03-02 10:00"), "Đúng hạn", ""),
    HandoverStep("Công chức Tư pháp - Hộ tịch", "Lãnh đạo UBND xã Mỹ Phong", vn("2026-03-04 08:05"), "Trước hạn",
                 "Đã ký duyệt"),
    HandoverStep("Lãnh đạo UBND xã Mỹ Phong", "Bộ phận Tiếp nhận và Trả kết quả", vn("2026-03-04 16:20"), None, ""),
)
SHEET = ControlSheet(
    upper_body="UBND tỉnh Đồng Tháp", unit_name="UBND xã Mỹ Phong", place="Mỹ Phong", edition="2018",
    code="000.31.22.H20-260302-0001", applicant_name="Nguyễn Thị Ưng Đặng Ễ",
    procedure_name="Cấp Giấy xác nhận tình trạng hôn nhân", received_at=vn("2026-03-02 09:15"),
    due_at=vn("2026-03-05 09:15"), resolving_body="Công chức Tư pháp - Hộ tịch",
    coordinating_bodies="Công an xã Mỹ Phong", steps=STEPS)


def item(i: int) -> HandoverItem:
    return HandoverItem(
        code=f"000.31.22.H20-260302-{i:04d}",
        procedure_name=("Cấp Giấy xác nhận tình trạng hôn nhân" if i % 2 else
                        "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"),
        applicant_name="Nguyễn Thị Ưng Đặng Ễ" if i % 2 else "Trần Văn Đức",
        received_at=vn("2026-03-02 09:15"), due_at=vn("2026-03-05 14:30"), sets=1 + i % 2)


HANDOVER = HandoverList(upper_body="UBND tỉnh Đồng Tháp", unit_name="UBND xã Mỹ Phong", place="Mỹ Phong",
                        receiver="Công chức Tư pháp - Hộ tịch", day=dt.date(2026, 3, 2),
                        items=tuple(item(i) for i in range(1, 4)))


def write(pdf: bytes, tmp_path: Path, name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def text_of(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def page_sizes(path: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def inside_the_page(path: Path, margin_mm: float) -> None:
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = max(float(w) for w in re.findall(r'<page width="([\d.]+)"', html))
    boxes = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    assert boxes
    margin = margin_mm * MM - 1
    assert all(float(x0) >= margin and float(x1) <= width - margin for x0, _, x1, _ in boxes)


# --- control sheet ---------------------------------------------------------------------------------------------

def test_control_sheet_in_exact_vietnamese(tmp_path):
    text = flat(text_of(write(render_control_sheet(SHEET), tmp_path)))
    for line in [
        "Mẫu số 05", "UBND TỈNH ĐỒNG THÁP", "UBND XÃ MỸ PHONG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Mã hồ sơ: 000.31.22.H20-260302-0001", "Tên người nộp hồ sơ: Nguyễn Thị Ưng Đặng Ễ",
        "Cơ quan (bộ phận) giải quyết hồ sơ: Công chức Tư pháp - Hộ tịch",
        "Cơ quan phối hợp giải quyết hồ sơ: Công an xã Mỹ Phong",
        "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 02 tháng 03 năm 2026",
        "Thời gian trả kết quả: 09 giờ 15 phút, ngày 05 tháng 03 năm 2026",
        "TÊN CƠ QUAN", "GHI CHÚ", "1. Giao: Bộ phận Tiếp", "2. Nhận: Công chức Tư", "(Đặng Văn", "Ễ)",
        "2. Nhận: Lãnh đạo UBND", "Đúng hạn", "Trước hạn", "Đã ký duyệt", "Người giao", "Người nhận",
        "08 giờ 05 phút", "16 giờ 20 phút",
    ]:
        assert line in text, line
    for word in ["THỜI", "GIAN", "GIAO,", "NHẬN", "HỒ", "SƠ", "KẾT", "QUẢ", "GIẢI", "QUYẾT", "(trước", "hạn", "/", "đúng", "hạn", "/", "quá", "hạn)"]:
        assert word in text, word
    assert "Mẫu số 06" not in text


def test_control_sheet_edition_2025_is_mau_06(tmp_path):
    text = flat(text_of(write(render_control_sheet(replace(SHEET, edition="2025")), tmp_path)))
    assert "Mẫu số 06" in text and "Mẫu số 05" not in text


def test_control_sheet_refuses_an_unknown_result():
    with pytest.raises(ValueError):
        render_control_sheet(replace(SHEET, steps=(replace(STEPS[0], result="Sắp hết hạn"),)))


def test_control_sheet_is_one_a5_page(tmp_path):
    sizes = page_sizes(write(render_control_sheet(SHEET), tmp_path))
    assert len(sizes) == 1
    assert sizes[0] == (pytest.approx(148 * MM, abs=0.5), pytest.approx(210 * MM, abs=0.5))


def test_a_long_chain_of_handovers_repeats_the_headers(tmp_path):
    path = write(render_control_sheet(replace(SHEET, steps=STEPS * 4)), tmp_path)
    count = len(page_sizes(path))
    assert count >= 2
    gives = 0
    for n in range(1, count + 1):
        page = text_of(path, n)
        assert "TÊN CƠ QUAN" in page and f"Trang {n}/{count}" in page
        gives += page.count("1. Giao:")
    assert gives == 12
    inside_the_page(path, 10)


def test_no_coordinating_body_prints_a_blank(tmp_path):
    text = flat(text_of(write(render_control_sheet(replace(SHEET, coordinating_bodies=None)), tmp_path)))
    assert "Cơ quan phối hợp giải quyết hồ sơ: …" in text


def test_same_control_sheet_same_bytes():
    assert render_control_sheet(SHEET) == render_control_sheet(SHEET)


# --- hand-over list --------------------------------------------------------------------------------------------

def test_handover_in_exact_vietnamese(tmp_path):
    text = flat(text_of(write(render_handover(HANDOVER), tmp_path)))
    for line in [
        "UBND TỈNH ĐỒNG THÁP", "UBND XÃ MỸ PHONG", "Mỹ Phong, ngày 02 tháng 03 năm 2026", "DANH SÁCH BÀN GIAO HỒ SƠ",
        "Ngày 02/03/2026 ; Nơi nhận: Công chức Tư pháp - Hộ tịch", "STT", "Mã hồ sơ", "Tên thủ tục", "Người nộp",
        "Nhận lúc", "Hẹn trả", "Số bộ", "000.31.22.H20-260302-0001", "000.31.22.H20-260302-0003",
        "Nguyễn Thị Ưng Đặng Ễ", "Trần Văn Đức", "02/03/2026", "09:15", "05/03/2026", "14:30",
        "Tổng số: 3 hồ sơ (5 bộ).", "BÊN GIAO", "BÊN NHẬN", "(Ký và ghi rõ họ tên)", "Trang 1/1",
    ]:
        assert line in text, line


def test_handover_is_a4_portrait_and_repeats_headers(tmp_path):
    big = replace(HANDOVER, items=tuple(item(i) for i in range(1, 61)))
    path = write(render_handover(big), tmp_path)
    sizes = page_sizes(path)
    assert len(sizes) >= 2
    assert all(size == (pytest.approx(210 * MM, abs=0.5), pytest.approx(297 * MM, abs=0.5)) for size in sizes)
    numbers: list[int] = []
    whole = ""
    for n in range(1, len(sizes) + 1):
        page = text_of(path, n)
        assert "Mã hồ sơ" in page and "Tên thủ tục" in page and "Số bộ" in page, n
        numbers += [int(m) for m in re.findall(r"^\s*(\d+)\s+000\.31\.22\.H20-", page, re.MULTILINE)]
        whole += page
    assert numbers == list(range(1, 61))
    for i in range(1, 61):
        assert whole.count(f"000.31.22.H20-260302-{i:04d}") == 1
    assert "Tổng số: 60 hồ sơ (90 bộ)." in flat(text_of(path, len(sizes)))


def test_handover_long_text_stays_inside(tmp_path):
    long = replace(HANDOVER, receiver="Văn phòng - Thống kê và Công chức Tư pháp - Hộ tịch UBND xã Mỹ Phong " * 2,
                   items=(replace(item(1), applicant_name=("Nguyễn Thị " + "Phương Thảo " * 10)[:120],
                                  procedure_name="Đăng ký khai sinh có yếu tố nước ngoài " * 6),))
    path = write(render_handover(long), tmp_path)
    inside_the_page(path, 12)
    assert "Phương Thảo" in text_of(path)


def test_same_handover_same_bytes():
    assert render_handover(HANDOVER) == render_handover(HANDOVER)
