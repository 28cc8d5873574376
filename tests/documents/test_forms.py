"""Mẫu 02–05: the exact Vietnamese text, the title and "Mẫu số" per edition, A5 pages, same bytes, no overflow."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from desk_app.documents.forms import (
    FORM_NUMBERS,
    ApologyLetter,
    FormHeader,
    RefusalNotice,
    StopNotice,
    SupplementItem,
    SupplementRequest,
    form_number,
    render_apology,
    render_refusal,
    render_stop_notice,
    render_supplement_request,
)
from tests.conftest import vn

MM = 72 / 25.4

HEAD = FormHeader(upper_body="UBND tỉnh Đồng Tháp", unit_name="UBND xã Mỹ Phong", place="Mỹ Phong")
HEAD_2025 = replace(HEAD, edition="2025")
NAME = "Nguyễn Thị Ưng Đặng Ễ"
CODE = "000.31.22.H20-260302-0001"
ADDRESS = "Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp"
PROCEDURE = "Cấp Giấy xác nhận tình trạng hôn nhân"

SUPPLEMENT = SupplementRequest(
    header=HEAD, code=CODE, applicant_name=NAME, address=ADDRESS, phone="0912345678", email="ung.dang@example.vn",
    procedure_name=PROCEDURE, received_at=vn("2026-03-02 09:15"),
    items=(SupplementItem("Giấy tờ chứng minh nơi cư trú", 1, 0, 0),
           SupplementItem("Bản án ly hôn đã có hiệu lực pháp luật", 0, 1, 2)),
    reason="Thiếu giấy tờ chứng minh tình trạng hôn nhân trước đây", contact_name="Trần Văn Được",
    contact_phone="0277 3851 234", issued_on=dt.date(2026, 3, 2))

REFUSAL = RefusalNotice(
    header=HEAD, code=CODE, applicant_name=NAME, address=ADDRESS, phone="0912345678", email=None,
    procedure_name=PROCEDURE, received_at=vn("2026-03-02 09:15"),
    reason="Thủ tục thuộc thẩm quyền giải quyết của Sở Tư pháp", issued_on=dt.date(2026, 3, 2))

APOLOGY = ApologyLetter(
    header=HEAD, code=CODE, applicant_name=NAME, address=ADDRESS, procedure_name=PROCEDURE,
    received_at=vn("2026-03-02 09:15"), original_due_at=vn("2026-03-05 09:15"), new_due_at=vn("2026-03-09 14:30"),
    reason="Cần xác minh thông tin cư trú tại xã khác", issued_on=dt.date(2026, 3, 4),
    signer_title="Chủ tịch UBND xã")

STOP = StopNotice(
    header=HEAD_2025, code=CODE, applicant_name=NAME, procedure_name=PROCEDURE, received_at=vn("2026-03-02 09:15"),
    reason="Người nộp hồ sơ có văn bản đề nghị dừng giải quyết", issued_on=dt.date(2026, 3, 3))

COMMON = ["UBND TỈNH ĐỒNG THÁP", "UBND XÃ MỸ PHONG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
          "Độc lập - Tự do - Hạnh phúc", "Số: ……/……"]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(pdf: bytes, tmp_path: Path) -> str:
    return " ".join(pdf_text(pdf, tmp_path).split())


def page_sizes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def boxes(pdf: bytes, tmp_path: Path) -> tuple[float, float, list[tuple[float, float, float, float]]]:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = max(float(w) for w in re.findall(r'<page width="([\d.]+)"', html))
    height = max(float(h) for h in re.findall(r'height="([\d.]+)"', html.split("<word")[0]))
    words = [tuple(map(float, b)) for b in
             re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]
    return width, height, words


RENDERS = {
    "supplement": (render_supplement_request, SUPPLEMENT),
    "refusal": (render_refusal, REFUSAL),
    "apology": (render_apology, APOLOGY),
    "stop": (render_stop_notice, STOP),
}


def test_supplement_request_lines(tmp_path):
    text = flat(render_supplement_request(SUPPLEMENT), tmp_path)
    for line in [*COMMON, "Mẫu số 02", "Mỹ Phong, ngày 02 tháng 03 năm 2026", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                 "Bộ phận Tiếp nhận và Trả kết quả UBND xã Mỹ Phong", "Hồ sơ của Ông/Bà: Nguyễn Thị Ưng Đặng Ễ",
                 f"Mã hồ sơ: {CODE}", f"Nội dung yêu cầu giải quyết: {PROCEDURE}", f"Địa chỉ: {ADDRESS}",
                 "Số điện thoại: 0912345678 Email: ung.dang@example.vn",
                 "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 02 tháng 03 năm 2026", "hướng dẫn một lần, đầy đủ",
                 "STT", "Tên giấy tờ", "Bản chính", "Bản chụp", "Giấy tờ chứng minh nơi cư trú",
                 "Bản án ly hôn đã có hiệu lực pháp luật",
                 "Lý do: Thiếu giấy tờ chứng minh tình trạng hôn nhân trước đây",
                 ("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với Trần Văn Được theo số "
                 "điện thoại 0277 3851 234 để được hướng dẫn."), "NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)"]:
        assert line in text, line
    layout = pdf_text(render_supplement_request(SUPPLEMENT), tmp_path)
    head_row = " ".join(layout[layout.index("Bản sao có"):layout.index("Giấy tờ chứng minh nơi cư trú")].split())
    assert all(word in head_row for word in ("STT", "Tên giấy tờ", "Bản chính", "chứng", "thực", "Bản chụp"))
    rows = [line.split() for line in layout.splitlines() if "Bản án ly hôn" in line]
    assert rows and rows[0][0] == "2" and rows[0][-3:] == ["–", "1", "2"]


def test_refusal_lines(tmp_path):
    text = flat(render_refusal(REFUSAL), tmp_path)
    for line in [*COMMON, "Mẫu số 03", "Mỹ Phong, ngày 02 tháng 03 năm 2026", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
                 "Tiếp nhận hồ sơ của Ông/Bà: Nguyễn Thị Ưng Đặng Ễ", f"Mã hồ sơ: {CODE}", f"Địa chỉ: {ADDRESS}",
                 "Số điện thoại: 0912345678 Email: …", f"Nội dung yêu cầu giải quyết: {PROCEDURE}",
                 ("thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: Thủ tục thuộc thẩm "
                 "quyền giải quyết của Sở Tư pháp"), "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)"]:
        assert line in text, line


@pytest.mark.parametrize(("head", "title"), [
    (HEAD, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
    (HEAD_2025, "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"),
])
def test_apology_lines_and_title_by_edition(tmp_path, head, title):
    text = flat(render_apology(replace(APOLOGY, header=head)), tmp_path)
    for line in [*COMMON, "Mẫu số 04", "Mỹ Phong, ngày 04 tháng 03 năm 2026", title,
                 "Kính gửi: Ông/Bà Nguyễn Thị Ưng Đặng Ễ", f"Mã hồ sơ: {CODE}", "Ngày 02/03/2026",
                 "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 02 tháng 03 năm 2026",
                 "Thời gian hẹn trả kết quả giải quyết hồ sơ: 09 giờ 15 phút, ngày 05 tháng 03 năm 2026",
                 "Lý do: Cần xác minh thông tin cư trú tại xã khác", "UBND xã Mỹ Phong xin lỗi Ông/Bà",
                 "14 giờ 30 phút, ngày 09 tháng 03 năm 2026", "CHỦ TỊCH UBND XÃ", "(Ký, ghi rõ họ tên và đóng dấu)"]:
        assert line in text, line
    other = "VĂN BẢN XIN LỖI" if title.startswith("PHIẾU") else "PHIẾU XIN LỖI"
    assert other not in text


def test_stop_notice_lines(tmp_path):
    text = flat(render_stop_notice(STOP), tmp_path)
    for line in [*COMMON, "Mẫu số 05", "Mỹ Phong, ngày 03 tháng 03 năm 2026", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
                 "Kính gửi: Ông/Bà Nguyễn Thị Ưng Đặng Ễ", f"Mã hồ sơ: {CODE}", PROCEDURE,
                 "lý do: Người nộp hồ sơ có văn bản đề nghị dừng giải quyết", "(Ký, ghi rõ họ tên và đóng dấu)"]:
        assert line in text, line


def test_stop_notice_exists_only_in_the_2025_edition():
    with pytest.raises(ValueError):
        render_stop_notice(replace(STOP, header=HEAD))
    with pytest.raises(ValueError):
        form_number("2019", "supplement")


def test_form_numbers_by_edition():
    assert FORM_NUMBERS["2018"] == {"supplement": "02", "refusal": "03", "apology": "04", "control": "05",
                                    "ledger": "06"}
    assert FORM_NUMBERS["2025"] == {"supplement": "02", "refusal": "03", "apology": "04", "stop": "05",
                                    "control": "06", "ledger": "07"}


@pytest.mark.parametrize("form", ["supplement", "refusal", "apology"])
@pytest.mark.parametrize("edition", ["2018", "2025"])
def test_mau_so_label_per_edition(tmp_path, form, edition):
    render, data = RENDERS[form]
    data = replace(data, header=replace(data.header, edition=edition))
    assert f"Mẫu số {FORM_NUMBERS[edition][form]}" in flat(render(data), tmp_path)


@pytest.mark.parametrize("form", sorted(RENDERS))
def test_a5_portrait_and_same_bytes(tmp_path, form):
    render, data = RENDERS[form]
    pdf = render(data)
    sizes = page_sizes(pdf, tmp_path)
    assert len(sizes) == 1
    width, height = sizes[0]
    assert width == pytest.approx(148 * MM, abs=0.5) and height == pytest.approx(210 * MM, abs=0.5)
    assert render(data) == pdf


@pytest.mark.parametrize("form", sorted(RENDERS))
def test_decomposed_input_prints_composed(tmp_path, form):
    render, data = RENDERS[form]
    text = pdf_text(render(replace(data, applicant_name=unicodedata.normalize("NFD", NAME))), tmp_path)
    assert NAME in text


LONG_NAME = ("Nguyễn Thị " + "Phương Thảo Đặng Ễ " * 12)[:120]
LONG_REASON = ("Hồ sơ thiếu giấy tờ chứng minh nơi cư trú hợp pháp của người yêu cầu, " * 6)[:300]


def extreme(form: str):
    render, data = RENDERS[form]
    changes = {"applicant_name": LONG_NAME, "reason": LONG_REASON}
    if form == "supplement":
        changes["items"] = tuple(SupplementItem(f"Giấy tờ số {i} kèm theo bản dịch có chứng thực của cơ quan có "
                                                f"thẩm quyền", 1, 1, 1) for i in range(1, 26))
    if form in ("supplement", "refusal", "apology"):
        changes["address"] = ("Số 12, đường Nguyễn Văn Linh, ấp Mỹ Thới, " * 8)[:300]
    if form == "apology":
        changes["signer_title"] = "Giám đốc Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp"
    return render, replace(data, **changes)


@pytest.mark.parametrize("form", sorted(RENDERS))
def test_extreme_inputs_stay_inside_the_page_and_nothing_is_dropped(tmp_path, form):
    render, data = extreme(form)
    pdf = render(data)
    for width, height in page_sizes(pdf, tmp_path):
        assert width == pytest.approx(148 * MM, abs=0.5) and height == pytest.approx(210 * MM, abs=0.5)
    page_width, page_height, words = boxes(pdf, tmp_path)
    assert words
    for x_min, y_min, x_max, y_max in words:
        assert -0.5 <= x_min and x_max <= page_width + 0.5
        assert -0.5 <= y_min and y_max <= page_height + 0.5
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert " ".join(LONG_NAME.split()) in text
    assert " ".join(LONG_REASON.split()) in text
    if form == "supplement":
        assert "Giấy tờ số 25 kèm theo" in text
        assert len(re.findall(r"Giấy tờ số \d+ kèm theo", text)) == 25
        assert text.count("STT") >= 2  # the table header repeats on the next page
    assert ("NGƯỜI HƯỚNG DẪN" in text or form != "supplement")
    assert "(Ký" in text
