"""The CCCD's QR text: the real format, the variants scanners produce, and malformed codes refused with a reason."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.cccd_qr import looks_like_cccd_qr, parse_cccd_qr
from desk_app.domain.errors import ValidationError
from desk_app.domain.validation import Sex

TODAY = dt.date(2026, 11, 22)
REAL = "087084000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|15082021"
DUC = {"id_number": "087084000999", "old_id": "361234567", "name": "Nguyễn Văn Đức",
       "birth_date": dt.date(1984, 5, 6), "sex": Sex.MALE, "address": "Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp",
       "issue_date": dt.date(2021, 8, 15)}


@pytest.mark.parametrize(("text", "changes"), [
    (REAL, {}),
    (REAL + "\r\n", {}),  # the scanner's Enter
    (REAL + "\n", {}),
    (unicodedata.normalize("NFD", REAL), {}),  # decomposed Vietnamese from the scanner driver
    ("087084000999|361234567|Nguyễn Văn Đức|06/05/1984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|15/08/2021", {}),
    ("087084000999||Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|15082021", {"old_id": None}),
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp",
     {"issue_date": None}),  # an older reader without the issue date
    ("087084000999|361234567|NGUYỄN VĂN ĐỨC|06051984|nam|  Ấp Mỹ Thới,  Mỹ Phong, Đồng Tháp |15082021|", {}),
    (("CCCD:087084000999|CMND:361234567|Họ tên:Nguyễn Văn Đức|Ngày sinh:06/05/1984|Giới tính:Nam|"
      "Địa chỉ:Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp|Ngày cấp:15/08/2021"), {}),  # labelled fields
    (("Số CCCD: 087084000999 | Họ và tên: Nguyễn Văn Đức | Ngày sinh: 06051984 | Giới tính: Nam | "
      "Nơi thường trú: Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp"), {"old_id": None, "issue_date": None}),  # fields left out
    ("079301000123||Trần Thị Hoa|01012001|Nữ|Phường 1, Quận 3, TP. Hồ Chí Minh|20102021",
     {"id_number": "079301000123", "old_id": None, "name": "Trần Thị Hoa", "birth_date": dt.date(2001, 1, 1),
      "sex": Sex.FEMALE, "address": "Phường 1, Quận 3, TP. Hồ Chí Minh", "issue_date": dt.date(2021, 10, 20)}),
])
def test_real_codes_and_their_variants_fill_every_field(text: str, changes: dict) -> None:
    assert looks_like_cccd_qr(text)
    card = parse_cccd_qr(text, today=TODAY)
    assert card.__dict__ == {**DUC, **changes}


@pytest.mark.parametrize(("text", "said"), [
    ("0870840009991|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới|15082021", "12 chữ số"),  # 13 digits
    ("08708400099|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới|15082021", "12 chữ số"),
    ("087084000999|361234567|Nguyễn Văn Đức|31021984|Nam|Ấp Mỹ Thới|15082021", "không phải một ngày có thật"),
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Nữ|Ấp Mỹ Thới|15082021", "giới tính Nam"),  # sex digit
    ("087084000999|361234567|Nguyễn Văn Đức|06051985|Nam|Ấp Mỹ Thới|15082021", "năm sinh 1984"),
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Khác|Ấp Mỹ Thới|15082021", "Giới tính"),
    ("087084000999|361234567||06051984|Nam|Ấp Mỹ Thới|15082021", "thiếu họ tên"),
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Nam", "cần 7 trường"),  # missing fields
    ("087084000999|36123|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới|15082021", "CMND cũ"),
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới|15082031", "ngày cấp"),  # issued in future
    ("087984000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới|15082021", "thế kỷ"),  # century digit 9
    ("087084000999|361234567|Nguyễn Văn Đức|06051984|Nam|Ấp Mỹ Thới|15082021|x|y", "cần 7 trường"),
])
def test_malformed_codes_fill_nothing_and_say_why_at_the_scan_field(text: str, said: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_cccd_qr(text, today=TODAY)
    assert refused.value.field == "scan"
    assert refused.value.message.startswith("Mã QR trên CCCD không dùng được:")
    assert said in refused.value.message


@pytest.mark.parametrize("text", [
    "000.31.22.H20-261122-0001",  # a dossier code: the scanner opens the dossier, as before
    "Nguyễn Văn Đức",
    "0912345678",
    "087084000999",
    "a|b|c|d|e|f|g",
    "",
])
def test_other_scans_are_not_taken_for_a_card(text: str) -> None:
    assert not looks_like_cccd_qr(text)


@given(st.text(max_size=200))
def test_any_text_is_either_a_card_or_a_clear_refusal(text: str) -> None:
    try:
        card = parse_cccd_qr(text, today=TODAY)
    except ValidationError as error:
        assert error.field == "scan" and error.message
    else:
        assert len(card.id_number) == 12 and card.name
