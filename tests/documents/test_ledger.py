"""Mẫu 06/07, the ledger: A4 landscape, every column on every page, every entry exactly once, numbers unbroken."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from desk_app.documents.ledger import HEADERS, LedgerBook, LedgerRow, render_ledger
from tests.conftest import vn

MM = 72 / 25.4
FIRST = 481  # a later stretch of the year: numbering continues, never restarts


def code(i: int) -> str:
    return f"000.31.22.H20-2603{i % 28 + 1:02d}-{i:04d}"


def row(i: int) -> LedgerRow:
    return LedgerRow(
        number=FIRST + i,
        code=code(i),
        procedure_name=("Cấp Giấy xác nhận tình trạng hôn nhân" if i % 3 else
                        "Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"),
        sets=1 + i % 2,
        applicant="Nguyễn Thị Ưng Đặng Ễ" if i % 2 else "Trần Văn Đức",
        address_phone="Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp; 0912345678",
        resolving_body="UBND xã Mỹ Phong",
        received_at=vn("2026-03-02 09:15"),
        due_at=vn("2026-03-05 14:30"),
        transferred_at=vn("2026-03-02 10:00") if i % 4 else None,
        result_received_at=vn("2026-03-04 16:00") if i % 5 else None,
        returned_at=vn("2026-03-05 08:30") if i % 6 else None,
        note="Trả qua bưu chính" if i % 7 == 0 else "",
    )


BOOK = LedgerBook(upper_body="UBND tỉnh Đồng Tháp", unit_name="UBND xã Mỹ Phong", place="Mỹ Phong", edition="2018",
                  book="01/2026", date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31),
                  rows=tuple(row(i) for i in range(3)))
BIG = replace(BOOK, rows=tuple(row(i) for i in range(120)))


def write(pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "ledger.pdf"
    path.write_bytes(pdf)
    return path


def text_of(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_sizes(path: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_title_headers_and_rows_in_exact_vietnamese(tmp_path):
    text = flat(text_of(write(render_ledger(BOOK), tmp_path)))
    for line in ["UBND TỈNH ĐỒNG THÁP", "UBND XÃ MỸ PHONG", "Mẫu số 06", "SỔ THEO DÕI HỒ SƠ", "Quyển số: 01/2026",
                 "Từ ngày 01/01/2026 đến ngày 31/03/2026", "Trần Văn Đức", "Nguyễn Thị Ưng", "Đặng Ễ",
                 code(0), code(1), code(2), "02/03/2026", "09:15", "05/03/2026", "14:30", "04/03/2026", "Trang 1/1"]:
        assert line in text, line
    for word in {w for h in HEADERS for w in h.split()}:  # headers wrap inside their cells, word by word
        assert word in text, word
    assert "Mẫu số 07" not in text


def test_column_headers_read_whole_where_they_fit(tmp_path):
    text = text_of(write(render_ledger(BOOK), tmp_path))
    for header in ["TT", "Mã hồ sơ", "Tên TTHC", "Ghi chú", "Ký nhận", "Nhận hồ sơ", "Tên cá nhân, tổ",
                   "Cơ quan chủ trì", "(14)"]:
        assert header in text, header


def test_edition_2025_is_mau_07(tmp_path):
    text = flat(text_of(write(render_ledger(replace(BOOK, edition="2025")), tmp_path)))
    assert "Mẫu số 07" in text and "Mẫu số 06" not in text and "03/2025/TT-VPCP" in text


def test_unknown_edition_is_refused():
    with pytest.raises(ValueError):
        render_ledger(replace(BOOK, edition="2019"))


def test_a4_landscape(tmp_path):
    for width, height in page_sizes(write(render_ledger(BOOK), tmp_path)):
        assert width == pytest.approx(297 * MM, abs=0.5) and height == pytest.approx(210 * MM, abs=0.5)


def test_120_rows_run_to_several_pages_with_headers_on_each(tmp_path):
    path = write(render_ledger(BIG), tmp_path)
    sizes = page_sizes(path)
    assert len(sizes) >= 4
    all_text = ""
    numbers: list[int] = []
    for n in range(1, len(sizes) + 1):
        page = text_of(path, n)
        assert "Mã hồ sơ" in page and "Tên TTHC" in page and "Ghi chú" in page, n
        assert f"Trang {n}/{len(sizes)}" in page
        numbers += [int(m) for m in re.findall(r"^\s*(\d+)\s+000\.31\.22\.H20-", page, re.MULTILINE)]
        all_text += page
    assert "SỔ THEO DÕI HỒ SƠ" in text_of(path, 1) and "SỔ THEO DÕI HỒ SƠ" not in text_of(path, 2)
    for i in range(120):
        assert all_text.count(code(i)) == 1, code(i)
    assert numbers == list(range(FIRST, FIRST + 120))  # in order, none skipped, none repeated across page breaks


def test_long_text_wraps_inside_the_page(tmp_path):
    long = replace(BOOK, rows=(replace(
        row(0),
        procedure_name="Đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi " * 3,
        applicant=("Nguyễn Thị " + "Phương Thảo " * 10)[:120],
        address_phone=("Số 12, đường Nguyễn Văn Linh, ấp Mỹ Thới, " * 6) + "0912345678",
        resolving_body="Công chức Tư pháp - Hộ tịch, Văn phòng - Thống kê UBND xã Mỹ Phong",
        code="000.31.22.H20-260302-0001-PHU-LUC-BO-SUNG-DAI",  # longer than any real code: shrinks, never spills
        note="Trả kết quả qua dịch vụ bưu chính công ích tại địa chỉ đăng ký " * 2),))
    path = write(render_ledger(long), tmp_path)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    widths = [float(w) for w in re.findall(r'<page width="([\d.]+)"', html)]
    boxes = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    assert boxes
    margin = 10 * MM - 1
    assert all(float(x_min) >= margin and float(x_max) <= max(widths) - margin for x_min, _, x_max, _ in boxes)
    assert "0912345678" in text_of(path)


def test_decomposed_input_prints_composed(tmp_path):
    nfd = replace(BOOK, rows=(replace(row(0), applicant=unicodedata.normalize("NFD", "Đặng Thị Ễ")),))
    assert "Đặng Thị Ễ" in text_of(write(render_ledger(nfd), tmp_path))


def test_empty_range_still_prints_the_headers(tmp_path):
    text = text_of(write(render_ledger(replace(BOOK, rows=())), tmp_path))
    assert "Mã hồ sơ" in text and "Trang 1/1" in text


def test_same_book_same_bytes():
    assert render_ledger(BIG) == render_ledger(BIG)


def fonts_of_text(pdf: bytes) -> set[str]:
    """The font of every character drawn on every page (pdfium's text layer)."""
    import ctypes

    import pypdfium2 as pdfium
    from pypdfium2 import raw

    found: set[str] = set()
    name, flags = ctypes.create_string_buffer(256), ctypes.c_int()
    document = pdfium.PdfDocument(pdf)
    for page in document:
        text = page.get_textpage()
        for index in range(text.count_chars()):
            if not chr(raw.FPDFText_GetUnicode(text, index)).isspace():
                raw.FPDFText_GetFontInfo(text, index, name, len(name), ctypes.byref(flags))
                found.add(name.value.decode())
    return found


def test_every_cell_is_set_in_the_embedded_serif_whether_plain_or_wrapped(tmp_path):
    # Numbers, dates and texts that fit one line are plain table cells (a month's ledger renders twice as fast);
    # they must not fall back to the table's default Helvetica, which has no Vietnamese.
    assert fonts_of_text(render_ledger(BIG)) == {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"}
    text = text_of(write(render_ledger(BOOK), tmp_path))
    assert "Trần Văn Đức" in text and "02/03/2026" in text and "09:15" in text


def test_stray_spaces_and_tabs_are_set_as_single_spaces():
    import pypdfium2 as pdfium

    messy = replace(BOOK, rows=(replace(row(0), applicant="Trần  Văn\tĐức", note=" Trả qua bưu chính "),))
    drawn = pdfium.PdfDocument(render_ledger(messy))[0].get_textpage().get_text_range()
    assert "Trần Văn Đức" in drawn and "\t" not in drawn  # a plain cell would draw the tab as nothing: "VănĐức"
