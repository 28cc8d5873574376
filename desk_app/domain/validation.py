"""Validation and normalisation of the personal data a clerk types at the one-stop desk.

Pure rules (stdlib only; no Qt, no database, no I/O, no clock): every function takes what the clerk typed and
either returns a normalised value or raises :class:`~desk_app.domain.errors.ValidationError` carrying a Vietnamese
message that says what is wrong and how to fix it, and the name of the field at fault. Messages never repeat a typed
ID or phone number (they may reach a log).

What is checked (DOMAIN.md §9):

* **CCCD** (citizen ID, 12 digits ``PPP G YY RRRRRR``): ``PPP`` the province code of birth registration,
  ``G`` century and sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s), ``YY`` the last two digits of the birth
  year; no checksum. It must agree with the date of birth and the sex when those are given. Legacy 9-digit CMND
  numbers are accepted as they are. Lists show the number masked (``087******999``), never in full.
* **Phones**: mobile = 10 digits ``0[35789]xxxxxxxx`` (``+84``/``84`` becomes ``0``); another 10-digit ``0x`` prefix
  is kept with a warning; landline = 11 digits starting ``02``.
* **Names**: NFC, whitespace collapsed, each word capitalised the Vietnamese way.
* **Dates of birth**: parsed from Vietnamese day-first input; never in the future, never before 1900.
* :func:`vn_fold` gives the accent-free, lower-case key used for search ("Đồng Tháp" → "dong thap").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from desk_app.domain.errors import ValidationError

__all__ = [
    "ADDRESS_MAX_LENGTH",
    "PROVINCE_CODES",
    "IdNumber",
    "Phone",
    "Sex",
    "check_single_line",
    "clean_text",
    "mask_id_number",
    "nfc",
    "normalize_name",
    "normalize_phone",
    "parse_date_vn",
    "parse_sex",
    "validate_birth_date",
    "validate_email",
    "validate_id_number",
    "vn_fold",
]


# --------------------------------------------------------------------------------------------------------------
# Unicode helpers
# --------------------------------------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")
# Đ/đ have no decomposition; Ð/ð (Icelandic eth) look identical and are often typed by mistake.
_D_MAP = str.maketrans({"đ": "d", "ð": "d"})


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (composed) form, as stored everywhere in the app."""
    return unicodedata.normalize("NFC", text)


_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_LATIN_ONLY = re.compile("[\u0000-\u036f]*")


def _collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def vn_fold(text: str) -> str:
    """Accent-free, lower-case search key: "Nguyễn  Văn Đức" → "nguyen van duc".

    Works on composed (NFC) and decomposed (NFD) input and on old-style tone placement ("hoà" and "hòa" both give
    "hoa"). Lower-casing happens before the marks are dropped so that letters whose lower case carries a mark
    (e.g. "İ") fold cleanly, which keeps the function idempotent.
    """
    lowered = nfc(text).lower()
    decomposed = unicodedata.normalize("NFD", lowered)
    if decomposed.isascii() or _LATIN_ONLY.fullmatch(decomposed):
        # The common case (Vietnamese, Latin): its marks are all in U+0300–U+036F, dropped by one C-speed pass.
        stripped = _LATIN_MARKS.sub("", decomposed)
    else:
        stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _collapse_spaces(stripped.translate(_D_MAP))


# --------------------------------------------------------------------------------------------------------------
# Free text (addresses, reasons, document names, settings)
# --------------------------------------------------------------------------------------------------------------

# Control characters (NUL, ESC, ...), invisible format characters (zero-width spaces, byte-order marks, the
# right-to-left overrides that make text read backwards) and lone surrogates (broken UTF-16 from a paste or a
# non-UTF-8 command line): nothing a clerk means to type, invisible on screen, and either refused by SQLite (lone
# surrogates cannot be encoded) or a way to make a printed form or a log line say something else.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
ADDRESS_MAX_LENGTH = 300  # an address, a document's name: what fits a line or two of a printed form
_LINE_BREAK_CATEGORIES = frozenset({"Zl", "Zp"})


def _hidden_at(text: str, *, single_line: bool) -> int | None:
    for index, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category in _HIDDEN_CATEGORIES or (single_line and category in _LINE_BREAK_CATEGORIES):
            return index
    return None


def _hidden_refusal(label: str, position: int, field: str) -> ValidationError:
    return ValidationError(
        f"{label} có ký tự điều khiển hoặc ký tự ẩn không nhìn thấy được (ở vị trí thứ {position}), thường do dán "
        "từ nơi khác. Xóa đoạn đó rồi gõ lại bằng bàn phím.",
        field,
    )


def _length_refusal(label: str, length: int, max_length: int, field: str) -> ValidationError:
    return ValidationError(f"{label} dài quá {max_length} ký tự (đang có {length}). Viết gọn lại.", field)


def clean_text(value: str, *, field: str, label: str, max_length: int) -> str:
    """Free text as stored: NFC, every run of whitespace (line breaks included) one space, trimmed.

    Refuses control and invisible characters and lone surrogates (:data:`_HIDDEN_CATEGORIES`) and text longer than
    ``max_length`` after the clean-up, naming ``field``; the message names ``label`` ("Địa chỉ") and never repeats
    the text. Returns "" for blank text: the caller decides whether the field is required.
    """
    text = _collapse_spaces(nfc(value))
    position = _hidden_at(text, single_line=False)
    if position is not None:
        raise _hidden_refusal(label, position + 1, field)
    if len(text) > max_length:
        raise _length_refusal(label, len(text), max_length, field)
    return text


def check_single_line(value: str, *, field: str, label: str, max_length: int) -> None:
    """Refuse a one-line value (a setting) holding a control or invisible character, a line break or a lone
    surrogate, or longer than ``max_length``; the value itself is left as it is."""
    position = _hidden_at(value, single_line=True)
    if position is not None:
        raise _hidden_refusal(label, position + 1, field)
    if len(value) > max_length:
        raise _length_refusal(label, len(value), max_length, field)


# --------------------------------------------------------------------------------------------------------------
# Sex
# --------------------------------------------------------------------------------------------------------------


class Sex(str, Enum):
    """Sex as recorded on the CCCD."""

    MALE = "male"
    FEMALE = "female"

    @property
    def label_vi(self) -> str:
        """Vietnamese label for forms and messages."""
        return "Nam" if self is Sex.MALE else "Nữ"


_SEX_WORDS: dict[str, Sex] = {
    "male": Sex.MALE,
    "nam": Sex.MALE,
    "m": Sex.MALE,
    "female": Sex.FEMALE,
    "nu": Sex.FEMALE,
    "f": Sex.FEMALE,
}


def parse_sex(value: str) -> Sex:
    """Parse "male"/"female"/"Nam"/"Nữ"/"nu"/"m"/"f" (any case, NFC or NFD) into :class:`Sex`."""
    if isinstance(value, Sex):
        return value
    key = vn_fold(value) if isinstance(value, str) else ""
    if key in _SEX_WORDS:
        return _SEX_WORDS[key]
    raise ValidationError(f"Giới tính phải là “Nam” hoặc “Nữ” (đã nhập: “{value}”). Chọn lại giới tính.", "sex")


# --------------------------------------------------------------------------------------------------------------
# CCCD / CMND
# --------------------------------------------------------------------------------------------------------------

#: CCCD province-of-birth-registration codes (Circular 07/2016/TT-BCA, later 59/2021/TT-BCA) for the 63
#: provinces as they were before the 2025 merger; cards already issued keep these codes.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP. Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

_ID_SEPARATORS = re.compile(r"[\s.\-‐‑–—]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_CENTURY_BY_DIGIT = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}


def mask_id_number(value: str) -> str:
    """Mask an ID number for lists: keep the first 3 and last 3 characters ("087******999", "361***567").

    Works on any stored string and keeps its length; strings shorter than 9 characters are masked entirely.
    """
    if len(value) < 9:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 6) + value[-3:]


@dataclass(frozen=True)
class IdNumber:
    """A validated citizen ID number: a 12-digit CCCD or a legacy 9-digit CMND.

    ``value`` is the bare digits. For a CMND, everything but ``value`` and ``kind`` is ``None``.
    """

    value: str
    kind: str  # "cccd" | "cmnd"
    province_code: str | None = None
    province_name: str | None = None
    sex: Sex | None = None
    birth_year: int | None = None  # full year read from G and YY, e.g. 1984

    @property
    def masked(self) -> str:
        """The number as shown in lists: "087******999"."""
        return mask_id_number(self.value)

    @property
    def birth_year_suffix(self) -> str | None:
        """The two-digit YY block of a CCCD ("84"), ``None`` for a CMND."""
        return None if self.birth_year is None else f"{self.birth_year % 100:02d}"

    @property
    def century(self) -> int | None:
        """First year of the birth century encoded by G (1900, 2000 or 2100), ``None`` for a CMND."""
        return None if self.birth_year is None else self.birth_year // 100 * 100


def _id_digits(value: str) -> str:
    cleaned = _ID_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if not cleaned:
        raise ValidationError("Chưa nhập số CCCD/CMND. Nhập 12 chữ số in trên thẻ căn cước.", "id_number")
    if not _ASCII_DIGITS.fullmatch(cleaned):
        raise ValidationError(
            "Số CCCD/CMND chỉ gồm chữ số, không có chữ cái hay ký tự khác. Kiểm tra lại trên thẻ.",
            "id_number",
        )
    return cleaned


def _check_province(code: str) -> str:
    if code not in PROVINCE_CODES:
        raise ValidationError(
            f"Mã tỉnh {code} (3 chữ số đầu của số CCCD) không phải mã tỉnh nơi đăng ký khai sinh nào. "
            "Kiểm tra lại 3 chữ số đầu trên thẻ.",
            "id_number",
        )
    return PROVINCE_CODES[code]


def _check_century_digit(digit: int) -> int:
    if digit not in _CENTURY_BY_DIGIT:
        raise ValidationError(
            f"Chữ số thứ 4 của số CCCD (mã thế kỷ và giới tính) phải từ 0 đến 5, đang là {digit}. "
            "Kiểm tra lại trên thẻ.",
            "id_number",
        )
    return _CENTURY_BY_DIGIT[digit]


def _check_birth_year(card_year: int, birth_date: date | None) -> None:
    if birth_date is not None and birth_date.year != card_year:
        raise ValidationError(
            f"Số CCCD cho biết năm sinh {card_year} nhưng ngày sinh đã nhập là năm {birth_date.year}. "
            "Kiểm tra lại số CCCD hoặc ngày sinh.",
            "id_number",
        )


def _check_sex(card_sex: Sex, sex: Sex | None) -> None:
    if sex is not None and parse_sex(sex) is not card_sex:
        raise ValidationError(
            f"Số CCCD cho biết giới tính {card_sex.label_vi} nhưng giới tính đã nhập là {parse_sex(sex).label_vi}. "
            "Kiểm tra lại số CCCD hoặc giới tính.",
            "id_number",
        )


def _parse_cccd(digits: str, birth_date: date | None, sex: Sex | None) -> IdNumber:
    province_name = _check_province(digits[:3])
    g = int(digits[3])
    card_year = _check_century_digit(g) + int(digits[4:6])
    card_sex = Sex.MALE if g % 2 == 0 else Sex.FEMALE
    _check_birth_year(card_year, birth_date)
    _check_sex(card_sex, sex)
    return IdNumber(digits, "cccd", digits[:3], province_name, card_sex, card_year)


def validate_id_number(value: str, *, birth_date: date | None = None, sex: Sex | None = None) -> IdNumber:
    """Validate a CCCD (12 digits) or a legacy CMND (9 digits); spaces, dots and dashes are ignored.

    A CCCD must carry a known province code and a century/sex digit 0–5, and must agree with ``birth_date`` and
    ``sex`` when they are given. A CMND is accepted without further checks.
    """
    digits = _id_digits(value)
    if len(digits) == 12:
        return _parse_cccd(digits, birth_date, sex)
    if len(digits) == 9:
        return IdNumber(digits, "cmnd")
    raise ValidationError(
        f"Số CCCD phải gồm đúng 12 chữ số (đang có {len(digits)}); CMND cũ gồm 9 chữ số. Kiểm tra lại trên thẻ.",
        "id_number",
    )


# --------------------------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s.\-‐‑–—()]+")
_MOBILE_PREFIXES = "35789"


@dataclass(frozen=True)
class Phone:
    """A normalised Vietnamese phone number, national form ("0912345678", "02773123456")."""

    number: str
    kind: str  # "mobile" | "landline"
    warning: str | None = None


def _phone_digits(value: str) -> str:
    cleaned = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if not cleaned:
        raise ValidationError("Chưa nhập số điện thoại. Nhập số di động 10 chữ số, ví dụ 0912345678.", "phone")
    if not re.fullmatch(r"\+?[0-9]+", cleaned):
        raise ValidationError(
            "Số điện thoại chỉ gồm chữ số, có thể bắt đầu bằng +84; không có chữ cái hay ký tự khác. Kiểm tra lại.",
            "phone",
        )
    return cleaned


def _to_national(digits: str) -> str:
    """Turn "+84…"/"84…" into the national "0…" form; anything else is returned unchanged."""
    if digits.startswith("+"):
        if not digits.startswith("+84"):
            raise ValidationError(
                "Chỉ nhận số điện thoại Việt Nam (mã quốc gia +84). Nhập số trong nước, ví dụ 0912345678.",
                "phone",
            )
        rest = digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        rest = digits[2:]
    else:
        return digits
    return rest if rest.startswith("0") else "0" + rest


def _unknown_prefix_warning(number: str) -> str:
    return (
        f"Đầu số {number[:3]} không thuộc các đầu số di động đang dùng (03, 05, 07, 08, 09). "
        "Hỏi lại người dân cho chắc; số vẫn được lưu."
    )


def normalize_phone(value: str) -> Phone:
    """Normalise a phone number to national form; see the module docstring for what is accepted."""
    number = _to_national(_phone_digits(value))
    if len(number) == 10 and number.startswith("0"):
        warning = None if number[1] in _MOBILE_PREFIXES else _unknown_prefix_warning(number)
        return Phone(number, "mobile", warning)
    if len(number) == 11 and number.startswith("02"):
        return Phone(number, "landline")
    if len(number) == 11 and number.startswith("01"):
        raise ValidationError(
            f"Số di động 11 chữ số đầu {number[:4]} đã chuyển sang 10 chữ số từ năm 2018. "
            "Hỏi người dân số mới (10 chữ số).",
            "phone",
        )
    raise ValidationError(
        f"Số điện thoại không hợp lệ (có {len(number)} chữ số): số di động gồm 10 chữ số bắt đầu bằng 0 "
        "(ví dụ 0912345678), số cố định gồm 11 chữ số bắt đầu bằng 02. Kiểm tra lại.",
        "phone",
    )


# --------------------------------------------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def _email_refusal(detail: str) -> ValidationError:
    return ValidationError(f"Địa chỉ email không hợp lệ: {detail}. Ví dụ đúng: ten@example.com.", "email")


def validate_email(value: str) -> str:
    """Check an e-mail address with a simple, sane pattern; return it stripped, with the domain in lower case."""
    text = value.strip()
    if not text:
        raise ValidationError("Chưa nhập địa chỉ email. Ví dụ đúng: ten@example.com.", "email")
    if text.count("@") != 1:
        raise _email_refusal("phải có đúng một ký tự @")
    local, domain = text.split("@")
    if len(text) > 254 or len(local) > 64:
        raise _email_refusal("địa chỉ quá dài")
    if not _EMAIL_LOCAL.fullmatch(local):
        raise _email_refusal("phần trước @ trống hoặc có ký tự không được phép (dấu cách, chữ có dấu, hai dấu chấm)")
    if not _EMAIL_DOMAIN.fullmatch(domain):
        raise _email_refusal("phần sau @ phải là tên miền như gmail.com")
    return f"{local}@{domain.lower()}"


# --------------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------------

NAME_MAX_LENGTH = 100
_NAME_PUNCTUATION = frozenset(" '-.")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "‐": "-", "‑": "-"})


def _check_name_chars(name: str) -> None:
    digit = next((ch for ch in name if ch.isdigit()), None)
    if digit is not None:
        raise ValidationError(f"Họ và tên không được có chữ số (có “{digit}”). Kiểm tra lại.", "name")
    bad = next((ch for ch in name if not ch.isalpha() and ch not in _NAME_PUNCTUATION), None)
    if bad is not None:
        raise ValidationError(
            f"Họ và tên có ký tự không được phép “{bad}”: chỉ dùng chữ cái, dấu cách, dấu nháy ('), "
            "gạch nối (-) và dấu chấm.",
            "name",
        )
    if not any(ch.isalpha() for ch in name):
        raise ValidationError("Họ và tên phải có ít nhất một chữ cái. Nhập lại họ và tên.", "name")


def _capitalise_words(name: str) -> str:
    """Each word's first letter in title case, the others in lower case. Title case, not upper: a letter whose
    capital is two letters (ß, ﬁ) gives "Ss", "Fi", which stay as they are when normalised again; an apostrophe a
    letter brings (ŉ → ʼN) is made plain like the typed ones."""
    out: list[str] = []
    previous = " "
    for ch in name:
        out.append(ch.title() if previous in _NAME_PUNCTUATION else ch.lower())
        previous = ch
    return nfc("".join(out)).translate(_APOSTROPHES)


def _check_name_length(name: str) -> None:
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"Họ và tên dài quá {NAME_MAX_LENGTH} ký tự (đang có {len(name)}). Kiểm tra lại.", "name"
        )


def normalize_name(value: str) -> str:
    """Normalise a person's name: "  nguyễn   văn đức " → "Nguyễn Văn Đức", "ĐỖ THỊ ÁNH" → "Đỗ Thị Ánh"."""
    name = _collapse_spaces(nfc(value).translate(_APOSTROPHES))
    if not name:
        raise ValidationError("Chưa nhập họ và tên. Nhập họ, tên đệm và tên như trên giấy tờ.", "name")
    _check_name_length(name)
    _check_name_chars(name)
    name = _capitalise_words(name)
    _check_name_length(name)  # a letter can become two (ß → Ss)
    return name


# --------------------------------------------------------------------------------------------------------------
# Dates of birth
# --------------------------------------------------------------------------------------------------------------

EARLIEST_BIRTH_YEAR = 1900
_DATE_FORMAT_HINT = "nhập theo dạng ngày/tháng/năm, ví dụ 05/09/1984 (hoặc 5/9/1984, 05091984, 1984-09-05)"
_ISO_DATE = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})")
_VN_DATE = re.compile(r"(?P<d>[0-9]{1,2})([/.-])(?P<m>[0-9]{1,2})\2(?P<y>[0-9]{4})")
_COMPACT_DATE = re.compile(r"(?P<d>[0-9]{2})(?P<m>[0-9]{2})(?P<y>[0-9]{4})")


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/") + f"{day.year:04d}"


def validate_birth_date(value: date, *, today: date) -> date:
    """Refuse a date of birth after ``today`` or before 1900; return it as a plain ``date``."""
    if not isinstance(value, date):
        raise ValidationError(f"Ngày sinh chưa đúng: {_DATE_FORMAT_HINT}.", "birth_date")
    day = value.date() if isinstance(value, datetime) else value
    if day > today:
        raise ValidationError(
            f"Ngày sinh {_fmt(day)} ở sau ngày hôm nay ({_fmt(today)}). Kiểm tra lại ngày sinh.", "birth_date"
        )
    if day.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(
            f"Ngày sinh {_fmt(day)} trước năm {EARLIEST_BIRTH_YEAR}. Kiểm tra lại năm sinh.", "birth_date"
        )
    return day


def parse_date_vn(text: str) -> date:
    """Parse "YYYY-MM-DD", "DD/MM/YYYY", "D/M/YYYY" (also with "." or "-") or "DDMMYYYY" into a date."""
    cleaned = unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else ""
    for pattern in (_ISO_DATE, _VN_DATE, _COMPACT_DATE):
        match = pattern.fullmatch(cleaned)
        if match:
            return _make_date(cleaned, int(match["y"]), int(match["m"]), int(match["d"]))
    if not cleaned:
        raise ValidationError(f"Chưa nhập ngày sinh: {_DATE_FORMAT_HINT}.", "birth_date")
    raise ValidationError(f"Ngày sinh “{cleaned}” chưa đúng định dạng: {_DATE_FORMAT_HINT}.", "birth_date")


def _make_date(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(
            f"Ngày “{text}” không có trên lịch (ngày {day}, tháng {month}, năm {year}). Kiểm tra lại ngày sinh.",
            "birth_date",
        ) from None
