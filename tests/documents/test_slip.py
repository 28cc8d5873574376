"""Mẫu 01, the slip: the text a clerk and a citizen read, the barcode a scanner reads, the page it fits on."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from desk_app.documents.slip import SlipData, SlipDocument, render_slip
from desk_app.services.documents import place_of, slip_data
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.settings import SettingsService
from tests.conftest import vn

MM = 72 / 25.4

DATA = SlipData(
    upper_body="UBND tỉnh Đồng Tháp",
    unit_name="UBND xã Mỹ Phong",
    place="Mỹ Phong",
    code="000.31.22.H20-260302-0001",
    applicant_name="Nguyễn Thị Ưng Đặng Ễ",
    address="Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp",
    phone="0912345678",
    email=None,
    procedure_name="Cấp Giấy xác nhận tình trạng hôn nhân",
    documents=(SlipDocument("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", 1, 0),
               SlipDocument("Giấy tờ chứng minh tình trạng hôn nhân", 0, 1)),
    sets=1,
    time_limit_text="3 ngày làm việc",
    received_at=vn("2026-03-02 09:15"),
    due_at=vn("2026-03-05 09:15"),
    collect_at="Bộ phận Tiếp nhận và Trả kết quả UBND xã Mỹ Phong",
    ledger_book="01/2026",
    ledger_number=7,
    fee_due=15000,
    hotline="Tổng đài 1022",
    lookup_key="3RGNANZP",
)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages(pdf: bytes, tmp_path: Path, dpi: int = 200) -> list[Path]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page-*.png"))


def page_sizes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def test_every_line_of_the_form_in_exact_vietnamese(tmp_path):
    text = " ".join(pdf_text(render_slip(DATA), tmp_path).split())
    for line in [
        "UBND TỈNH ĐỒNG THÁP", "UBND XÃ MỸ PHONG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Mỹ Phong, ngày 02 tháng 03 năm 2026", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 000.31.22.H20-260302-0001", "(Liên: Lưu)", "(Liên: Giao người nộp)",
        "Tiếp nhận hồ sơ của: Nguyễn Thị Ưng Đặng Ễ", "Địa chỉ: Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp",
        "Số điện thoại: 0912345678", "Nội dung yêu cầu giải quyết: Cấp Giấy xác nhận tình trạng hôn nhân",
        "1. Thành phần hồ sơ nộp gồm:", "1) Tờ khai cấp Giấy xác nhận tình trạng hôn nhân: 1 bản chính",
        "2) Giấy tờ chứng minh tình trạng hôn nhân: 1 bản sao", "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định là: 3 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 02 tháng 03 năm 2026",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 15 phút, ngày 05 tháng 03 năm 2026",
        "6. Đăng ký nhận kết quả tại: Bộ phận Tiếp nhận và Trả kết quả UBND xã Mỹ Phong",
        "Phí, lệ phí (nếu có): 15.000 đồng", "Quyển số: 01/2026 Số thứ tự: 7", "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", "Tổng đài 1022", "Mã tra cứu hồ sơ: 3RGNANZP",
    ]:
        assert line in text, line


def test_leader_phone_beside_the_hotline(tmp_path):
    text = " ".join(pdf_text(render_slip(replace(DATA, leader_phone="0277 3 851 234")), tmp_path).split())
    assert "Tổng đài 1022; lãnh đạo xã: 0277 3 851 234" in text


def test_decomposed_input_prints_composed(tmp_path):
    import unicodedata

    decomposed = replace(DATA, applicant_name=unicodedata.normalize("NFD", "Đặng Thị Ễ"))
    assert "Đặng Thị Ễ" in pdf_text(render_slip(decomposed), tmp_path)


@pytest.mark.parametrize(("paper", "size_mm"), [("A5", (148, 210)), ("A4", (210, 297))])
def test_two_copies_on_the_paper_size(tmp_path, paper, size_mm):
    sizes = page_sizes(render_slip(DATA, paper), tmp_path)
    assert len(sizes) == 2  # one page per liên
    for width, height in sizes:
        assert width == pytest.approx(size_mm[0] * MM, abs=0.5) and height == pytest.approx(size_mm[1] * MM, abs=0.5)


def test_roll_paper_is_80_mm_wide_and_as_long_as_its_content(tmp_path):
    sizes = page_sizes(render_slip(DATA, "80mm"), tmp_path)
    assert len(sizes) == 2
    for width, height in sizes:
        assert width == pytest.approx(80 * MM, abs=0.5)
        assert 150 * MM < height < 400 * MM


@pytest.mark.parametrize("paper", ["A5", "A4", "80mm"])
def test_barcode_decodes_to_the_code_at_200_dpi(tmp_path, paper):
    for page in pages(render_slip(DATA, paper), tmp_path):
        found = zxingcpp.read_barcodes(Image.open(page))
        assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.Code128, DATA.code)], page.name


def test_qr_code_carries_the_lookup_address(tmp_path):
    url = "https://dichvucong.example.vn/tra-cuu?ma=000.31.22.H20-260302-0001&khoa=3RGNANZP"
    first = pages(render_slip(replace(DATA, lookup_url=url)), tmp_path)[0]
    texts = {b.format: b.text for b in zxingcpp.read_barcodes(Image.open(first))}
    assert texts == {zxingcpp.BarcodeFormat.Code128: DATA.code, zxingcpp.BarcodeFormat.QRCode: url}


def test_duplex_puts_the_hotline_on_the_back_of_each_copy(tmp_path):
    pdf = render_slip(replace(DATA, duplex=True))
    assert len(page_sizes(pdf, tmp_path)) == 4
    path = tmp_path / "duplex.pdf"
    path.write_bytes(pdf)
    backs = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True,
                            text=True, check=True).stdout for n in (2, 4)]
    fronts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True,
                             text=True, check=True).stdout for n in (1, 3)]
    assert all("Tổng đài 1022" in back for back in backs)
    assert not any("Tổng đài 1022" in front for front in fronts)


@pytest.mark.parametrize("paper", ["A5", "A4", "80mm"])
def test_extreme_inputs_stay_inside_the_page(tmp_path, paper):
    extreme = replace(
        DATA,
        applicant_name=("Nguyễn Thị " + "Phương Thảo " * 12)[:120],
        address=("Số 12, đường Nguyễn Văn Linh, ấp Mỹ Thới, " * 8)[:300],
        documents=tuple(SlipDocument(f"Giấy tờ số {i} kèm theo bản dịch có chứng thực", 1, 1) for i in range(25)),
    )
    pdf = render_slip(extreme, paper)
    path = tmp_path / "extreme.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    widths = [float(w) for w in re.findall(r'<page width="([\d.]+)"', html)]
    boxes = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    assert boxes
    assert all(float(x_max) <= max(widths) + 0.5 and float(x_min) >= -0.5 for x_min, _, x_max, _ in boxes)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "25) Giấy tờ số 24" in text  # nothing dropped


def test_same_slip_same_bytes():
    assert render_slip(DATA) == render_slip(DATA)


def test_slip_data_from_a_received_dossier_prints_no_id_number(ctx, db, tmp_path):
    receipt = receive(ctx, ReceiveRequest("XA.HT.01", {
        "name": "Nguyễn Văn Đức", "id_number": "087084000999", "birth_date": "1984-05-06", "sex": "Nam",
        "address": "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp"}))
    with db.write_session() as session, session.begin():
        SettingsService(session).set("upper_level_name", "UBND tỉnh Đồng Tháp")
    with db.session() as session:
        data = slip_data(session, receipt.code)
    assert (data.code, data.due_at, data.ledger_number, data.fee_due) == (
        receipt.code, receipt.due_at, receipt.ledger_number, receipt.fee_due)
    assert data.time_limit_text == "3 ngày làm việc" and data.place == "Mỹ Phong"
    text = pdf_text(render_slip(data), tmp_path)
    assert "087084000999" not in text and "087" not in text.replace(receipt.code, "")
    assert "Nguyễn Văn Đức" in text


def test_place_of_the_unit():
    assert place_of("UBND xã Mỹ Phong") == "Mỹ Phong"
    assert place_of("Ủy ban nhân dân phường 1") == "1"
    assert place_of("Trung tâm Phục vụ hành chính công") == "Trung tâm Phục vụ hành chính công"


def test_print_command_writes_the_pdf(ctx, db, data_dir, tmp_path):
    import os
    import sys

    receipt = receive(ctx, ReceiveRequest("XA.CT.02", {"name": "Trần Thị Bé"}))
    db.close()
    out = tmp_path / "slip.pdf"
    env = {**os.environ, "DESK_APP_DATA_DIR": str(data_dir)}
    result = subprocess.run([sys.executable, "-m", "desk_app", "print", receipt.code, "--paper", "A4", "--out",
                             str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(page_sizes(out.read_bytes(), tmp_path)) == 2
    assert dt.date.today().year >= 2026
