"""Tests for desk_app.domain.validation: CCCD/CMND, phones, e-mail, names, dates, vn_fold."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.domain.errors import ValidationError
from desk_app.domain.validation import (
    PROVINCE_CODES,
    IdNumber,
    Phone,
    Sex,
    mask_id_number,
    nfc,
    normalize_name,
    normalize_phone,
    parse_date_vn,
    parse_sex,
    validate_birth_date,
    validate_email,
    validate_id_number,
    vn_fold,
)

VIETNAMESE_MARKS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def assert_refused(excinfo: pytest.ExceptionInfo[ValidationError], field: str, *needles: str) -> None:
    """The refusal names the field, is written in Vietnamese, and mentions each needle (ignoring case)."""
    error = excinfo.value
    assert error.field == field
    message = nfc(error.message)
    assert VIETNAMESE_MARKS & set(message.lower()), f"not Vietnamese: {message!r}"
    for needle in needles:
        assert needle.lower() in message.lower(), f"{needle!r} not in {message!r}"


# ----------------------------------------------------------------------------------------------------------------
# nfc / vn_fold
# ----------------------------------------------------------------------------------------------------------------


def test_nfc_composes() -> None:
    assert nfc(nfd("Nguyễn Văn Đức")) == "Nguyễn Văn Đức"
    assert len(nfc("e\u0302\u0303")) == 1


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("Đồng Tháp", "dong thap"),
        ("  TP.  Hồ   Chí\tMinh ", "tp. ho chi minh"),
        (nfd("Nguyễn Văn Đức"), "nguyen van duc"),
        (nfd("Đồng Tháp"), "dong thap"),
        ("Hoà Bình", "hoa binh"),  # old-style tone placement
        ("Hòa Bình", "hoa binh"),
        ("Thuỷ", "thuy"),
        ("Thủy", "thuy"),
        ("ĐẶNG THỊ ỨNG", "dang thi ung"),
        ("Ðỗ", "do"),  # Icelandic eth typed for Đ
        ("", ""),
    ],
)
def test_vn_fold(text: str, folded: str) -> None:
    assert vn_fold(text) == folded


def _vietnamese_alphabet() -> str:
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    vowels = [nfc(v) for v in ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]]
    letters = {nfc(v + t) for v in vowels for t in tones}
    letters |= set("bcdđghklmnpqrstvxfjwz")
    letters |= {ch.upper() for ch in letters}
    return "".join(sorted(letters)) + " "


VIETNAMESE_TEXT = st.text(alphabet=_vietnamese_alphabet(), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.one_of(VIETNAMESE_TEXT, st.text(max_size=30)))
def test_vn_fold_is_idempotent(text: str) -> None:
    once = vn_fold(text)
    assert vn_fold(once) == once


@settings(max_examples=200, deadline=None)
@given(VIETNAMESE_TEXT)
def test_vn_fold_of_vietnamese_is_ascii(text: str) -> None:
    assert vn_fold(text).isascii()


@settings(max_examples=200, deadline=None)
@given(st.one_of(VIETNAMESE_TEXT, st.text(max_size=30)))
def test_vn_fold_ignores_normal_form(text: str) -> None:
    assert vn_fold(nfd(text)) == vn_fold(text)


# ----------------------------------------------------------------------------------------------------------------
# Sex
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("male", Sex.MALE),
        ("Nam", Sex.MALE),
        ("nam", Sex.MALE),
        ("NAM", Sex.MALE),
        ("m", Sex.MALE),
        (" M ", Sex.MALE),
        ("female", Sex.FEMALE),
        ("Nữ", Sex.FEMALE),
        ("nữ", Sex.FEMALE),
        (nfd("Nữ"), Sex.FEMALE),
        ("nu", Sex.FEMALE),
        ("f", Sex.FEMALE),
        (Sex.FEMALE, Sex.FEMALE),
    ],
)
def test_parse_sex(text: str, sex: Sex) -> None:
    assert parse_sex(text) is sex


@pytest.mark.parametrize("text", ["", "x", "nam nữ", "khác", "0"])
def test_parse_sex_refuses(text: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_sex(text)
    assert_refused(excinfo, "sex", "Giới tính")


def test_sex_is_a_string_enum() -> None:
    assert Sex.MALE == "male" and Sex.FEMALE.value == "female"
    assert Sex.MALE.label_vi == "Nam" and Sex.FEMALE.label_vi == "Nữ"


# ----------------------------------------------------------------------------------------------------------------
# Province codes
# ----------------------------------------------------------------------------------------------------------------


def test_province_codes_cover_the_63_provinces() -> None:
    assert len(PROVINCE_CODES) == 63
    assert len(set(PROVINCE_CODES.values())) == 63
    for code, name in PROVINCE_CODES.items():
        assert len(code) == 3 and code.isdigit()
        assert name == nfc(name)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("001", "Hà Nội"),
        ("002", "Hà Giang"),
        ("004", "Cao Bằng"),
        ("031", "Hải Phòng"),
        ("048", "Đà Nẵng"),
        ("079", "TP. Hồ Chí Minh"),
        ("080", "Long An"),
        ("082", "Tiền Giang"),
        ("083", "Bến Tre"),
        ("086", "Vĩnh Long"),
        ("087", "Đồng Tháp"),
        ("089", "An Giang"),
        ("092", "Cần Thơ"),
        ("096", "Cà Mau"),
    ],
)
def test_province_codes_from_domain_brief(code: str, name: str) -> None:
    assert PROVINCE_CODES[code] == name


# ----------------------------------------------------------------------------------------------------------------
# CCCD / CMND
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "birth", "sex", "expected"),
    [
        (
            "087084000999",
            date(1984, 3, 2),
            Sex.MALE,
            IdNumber("087084000999", "cccd", "087", "Đồng Tháp", Sex.MALE, 1984),
        ),
        (
            "087184000999",
            date(1984, 12, 31),
            Sex.FEMALE,
            IdNumber("087184000999", "cccd", "087", "Đồng Tháp", Sex.FEMALE, 1984),
        ),
        (
            "079203000123",
            date(2003, 1, 1),
            Sex.MALE,
            IdNumber("079203000123", "cccd", "079", "TP. Hồ Chí Minh", Sex.MALE, 2003),
        ),
        ("001 305 000 001", None, None, IdNumber("001305000001", "cccd", "001", "Hà Nội", Sex.FEMALE, 2005)),
        ("092.100.123.456", None, Sex.FEMALE, IdNumber("092100123456", "cccd", "092", "Cần Thơ", Sex.FEMALE, 1900)),
        ("082-401-000001", None, None, IdNumber("082401000001", "cccd", "082", "Tiền Giang", Sex.MALE, 2101)),
        ("096599000001", None, None, IdNumber("096599000001", "cccd", "096", "Cà Mau", Sex.FEMALE, 2199)),
        ("361234567", date(1960, 1, 1), Sex.FEMALE, IdNumber("361234567", "cmnd")),
        (" 361 234 567 ", None, None, IdNumber("361234567", "cmnd")),
        ("０８７０８４０００９９９", None, None, IdNumber("087084000999", "cccd", "087", "Đồng Tháp", Sex.MALE, 1984)),
    ],
)
def test_validate_id_number(text: str, birth: date | None, sex: Sex | None, expected: IdNumber) -> None:
    assert validate_id_number(text, birth_date=birth, sex=sex) == expected


def test_id_number_details() -> None:
    cccd = validate_id_number("087084000999")
    assert cccd.masked == "087******999"
    assert cccd.birth_year_suffix == "84" and cccd.century == 1900
    cmnd = validate_id_number("361234567")
    assert cmnd.masked == "361***567"
    assert (cmnd.province_code, cmnd.province_name, cmnd.sex, cmnd.birth_year_suffix, cmnd.century) == (
        None,
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("text", "birth", "sex", "needles"),
    [
        ("", None, None, ["Chưa nhập"]),
        ("   ", None, None, ["Chưa nhập"]),
        ("08708400099", None, None, ["12 chữ số", "đang có 11"]),
        ("0870840009999", None, None, ["12 chữ số", "đang có 13"]),
        ("12345", None, None, ["đang có 5"]),
        ("08708400O999", None, None, ["chỉ gồm chữ số"]),
        ("000084000999", None, None, ["Mã tỉnh 000"]),
        ("999084000999", None, None, ["Mã tỉnh 999"]),
        ("003084000999", None, None, ["Mã tỉnh 003"]),
        ("087684000999", None, None, ["từ 0 đến 5", "đang là 6"]),
        ("087984000999", None, None, ["đang là 9"]),
        ("087084000999", date(1985, 1, 1), None, ["năm sinh 1984", "năm 1985"]),
        ("087284000999", date(1984, 1, 1), None, ["năm sinh 2084", "năm 1984"]),  # century mismatch
        ("079203000123", date(1903, 5, 5), None, ["năm sinh 2003", "năm 1903"]),
        ("087084000999", None, Sex.FEMALE, ["giới tính Nam", "là Nữ"]),
        ("087184000999", date(1984, 1, 1), Sex.MALE, ["giới tính Nữ", "là Nam"]),
    ],
)
def test_validate_id_number_refuses(text: str, birth: date | None, sex: Sex | None, needles: list[str]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(text, birth_date=birth, sex=sex)
    assert_refused(excinfo, "id_number", *needles)


@pytest.mark.parametrize("text", ["08708400O999", "08708400099", "087984000999", "000084000999"])
def test_id_refusals_do_not_repeat_the_number(text: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(text)
    assert text[4:] not in excinfo.value.message


@pytest.mark.parametrize(
    ("stored", "masked"),
    [
        ("087084000999", "087******999"),
        ("361234567", "361***567"),
        ("12345678", "********"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_id_number(stored: str, masked: str) -> None:
    assert mask_id_number(stored) == masked


@given(st.text(max_size=40))
def test_mask_keeps_length_and_hides_the_middle(stored: str) -> None:
    masked = mask_id_number(stored)
    assert len(masked) == len(stored)
    assert set(masked[3:-3]) <= {"*"}


# ----------------------------------------------------------------------------------------------------------------
# Phones
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "kind"),
    [
        ("+84 912 345 678", "0912345678", "mobile"),
        ("0912.345.678", "0912345678", "mobile"),
        ("84912345678", "0912345678", "mobile"),
        ("0912-345-678", "0912345678", "mobile"),
        ("(+84) 912 345 678", "0912345678", "mobile"),
        ("+84 (0) 912 345 678", "0912345678", "mobile"),
        ("0381234567", "0381234567", "mobile"),
        ("0561234567", "0561234567", "mobile"),
        ("0701234567", "0701234567", "mobile"),
        ("0861234567", "0861234567", "mobile"),
        ("02773 123 456", "02773123456", "landline"),
        ("(0277) 3123 456", "02773123456", "landline"),
        ("+84 277 3123 456", "02773123456", "landline"),
        ("842773123456", "02773123456", "landline"),
    ],
)
def test_normalize_phone(text: str, number: str, kind: str) -> None:
    assert normalize_phone(text) == Phone(number, kind, None)


@pytest.mark.parametrize(
    ("text", "number"),
    [("0412345678", "0412345678"), ("0112345678", "0112345678"), ("06 1234 5678", "0612345678")],
)
def test_normalize_phone_warns_on_unknown_prefix(text: str, number: str) -> None:
    phone = normalize_phone(text)
    assert (phone.number, phone.kind) == (number, "mobile")
    assert phone.warning is not None and number[:3] in phone.warning and "đầu số" in phone.warning


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("12345", ["có 5 chữ số"]),
        ("", ["Chưa nhập"]),
        ("091234567", ["có 9 chữ số"]),
        ("09123456789", ["có 11 chữ số"]),
        ("9123456789", ["bắt đầu bằng 0"]),
        ("0912abc678", ["chỉ gồm chữ số"]),
        ("+1 212 555 0100", ["+84"]),
        ("01681234567", ["10 chữ số"]),  # pre-2018 11-digit mobile
    ],
)
def test_normalize_phone_refuses(text: str, needles: list[str]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(text)
    assert_refused(excinfo, "phone", *needles)


# ----------------------------------------------------------------------------------------------------------------
# E-mail
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("  An.Nguyen@Gmail.COM ", "An.Nguyen@gmail.com"),
        ("mot-cua@dongthap.gov.vn", "mot-cua@dongthap.gov.vn"),
        ("a+b_c@x-y.vn", "a+b_c@x-y.vn"),
    ],
)
def test_validate_email(text: str, email: str) -> None:
    assert validate_email(text) == email


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "Chưa nhập"),
        ("an.nguyen.gmail.com", "@"),
        ("a@b@c.vn", "@"),
        ("@gmail.com", "phần trước @"),
        ("an..nguyen@gmail.com", "phần trước @"),
        ("an nguyen@gmail.com", "phần trước @"),
        ("nguyễn@gmail.com", "phần trước @"),
        ("an@gmail", "phần sau @"),
        ("an@-gmail.com", "phần sau @"),
        ("an@gmail..com", "phần sau @"),
        ("a" * 65 + "@gmail.com", "quá dài"),
    ],
)
def test_validate_email_refuses(text: str, needle: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_email(text)
    assert_refused(excinfo, "email", "email", needle)


# ----------------------------------------------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("nguyễn văn đức", "Nguyễn Văn Đức"),
        ("ĐỖ THỊ ÁNH", "Đỗ Thị Ánh"),
        ("  trần   thị\tthu  ", "Trần Thị Thu"),
        (nfd("nguyễn văn đức"), "Nguyễn Văn Đức"),
        ("ưng hoàng phúc", "Ưng Hoàng Phúc"),
        ("h’hen niê", "H'Hen Niê"),
        ("y-moan ênuôl", "Y-Moan Ênuôl"),
        ("lê v. an", "Lê V. An"),
        ("a", "A"),
        ("ß", "Ss"),  # a capital of two letters: title case, so that normalising again changes nothing
        ("ﬁ an", "Fi An"),
        ("ŉ", "'N"),  # the apostrophe the letter brings is made plain, like a typed one
    ],
)
def test_normalize_name(text: str, name: str) -> None:
    result = normalize_name(text)
    assert result == name
    assert result == nfc(result)
    assert normalize_name(result) == result


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "Chưa nhập"),
        ("   ", "Chưa nhập"),
        ("Nguyễn Văn 2", "chữ số"),
        ("Nguyen@Van", "“@”"),
        ("Trần_Thị", "“_”"),
        ("--", "ít nhất một chữ cái"),
        ("A" * 101, "100 ký tự"),
        (" ".join(["ß"] * 40), "100 ký tự"),  # 79 characters, 119 once each word is capitalised
    ],
)
def test_normalize_name_refuses(text: str, needle: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_name(text)
    assert_refused(excinfo, "name", "Họ và tên", needle)


# ----------------------------------------------------------------------------------------------------------------
# Dates of birth
# ----------------------------------------------------------------------------------------------------------------

TODAY = date(2025, 7, 15)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(1984, 3, 2), date(1984, 3, 2)),
        (TODAY, TODAY),
        (date(1900, 1, 1), date(1900, 1, 1)),
        (datetime(1984, 3, 2, 10, 30), date(1984, 3, 2)),
    ],
)
def test_validate_birth_date(value: date, expected: date) -> None:
    result = validate_birth_date(value, today=TODAY)
    assert result == expected and type(result) is date


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (date(2025, 7, 16), "sau ngày hôm nay (15/07/2025)"),
        (date(2100, 1, 1), "01/01/2100"),
        (date(1899, 12, 31), "trước năm 1900"),
        (date(1, 1, 1), "01/01/0001"),
    ],
)
def test_validate_birth_date_refuses(value: date, needle: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_birth_date(value, today=TODAY)
    assert_refused(excinfo, "birth_date", "Ngày sinh", needle)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1984-03-02", date(1984, 3, 2)),
        ("02/03/1984", date(1984, 3, 2)),
        ("2/3/1984", date(1984, 3, 2)),
        ("02031984", date(1984, 3, 2)),
        (" 29/02/2000 ", date(2000, 2, 29)),
        ("02.03.1984", date(1984, 3, 2)),
        ("02-03-1984", date(1984, 3, 2)),
        ("31/12/1999", date(1999, 12, 31)),
    ],
)
def test_parse_date_vn(text: str, expected: date) -> None:
    assert parse_date_vn(text) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "ngày/tháng/năm"),
        ("2/3/84", "ngày/tháng/năm"),
        ("1984/03/02", "ngày/tháng/năm"),
        ("hai tháng ba", "ngày/tháng/năm"),
        ("02/03-1984", "ngày/tháng/năm"),
        ("2031984", "ngày/tháng/năm"),
        ("31/02/1990", "không có trên lịch"),
        ("29/02/1900", "không có trên lịch"),
        ("1984-13-01", "không có trên lịch"),
        ("00/01/1984", "không có trên lịch"),
    ],
)
def test_parse_date_vn_refuses(text: str, needle: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_date_vn(text)
    assert_refused(excinfo, "birth_date", needle)
