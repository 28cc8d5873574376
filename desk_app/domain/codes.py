"""Dossier codes (mã số hồ sơ) and ledger numbers (Sổ theo dõi hồ sơ).

A dossier code is ``AGENCY-YYMMDD-NNNN`` (DOMAIN.md §2): the receiving agency's QCVN 102:2016 identifier
(``V1V2V3.Z1Z2.Y1Y2.MX1X2``, e.g. ``000.00.14.H20``), the receipt date and the day's sequence. Two desks of one
commune work offline, so desk K owns the block K·1000+1 … K·1000+999 of each day's sequence: desk 0 issues 0001–0999,
desk 1 issues 1001–1999, and no two desks can ever issue the same code.

The ledger is one book per desk per year, numbered continuously through the year from a configurable start.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from desk_app.domain.errors import DomainError, ValidationError

BLOCK_SIZE = 1000
MAX_DESK = 9

AGENCY_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$")
CODE_RE = re.compile(r"^(?P<agency>[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2})-(?P<date>\d{6})-(?P<seq>\d{4})$")


def validate_agency_code(value: str) -> str:
    code = value.strip().upper()
    if not AGENCY_RE.match(code):
        raise ValidationError(
            f"Mã cơ quan '{value}' không đúng cấu trúc QCVN 102:2016 (dạng 000.00.14.H20: ba chữ số, "
            "hai nhóm hai ký tự, rồi một chữ cái và hai ký tự, cách nhau bằng dấu chấm).",
            field="agency_code",
        )
    return code


def validate_desk(desk: int) -> int:
    if not 0 <= desk <= MAX_DESK:
        raise ValidationError(f"Số bàn tiếp nhận phải từ 0 đến {MAX_DESK} (đang là {desk}).", field="desk")
    return desk


@dataclass(frozen=True)
class DossierCode:
    agency: str
    day: dt.date
    sequence: int

    def __str__(self) -> str:
        return f"{self.agency}-{self.day:%y%m%d}-{self.sequence:04d}"

    @property
    def desk(self) -> int:
        return self.sequence // BLOCK_SIZE


def format_dossier_code(agency: str, day: dt.date, sequence: int) -> str:
    if not 1 <= sequence <= 9999 or sequence % BLOCK_SIZE == 0:
        raise ValueError(f"sequence {sequence} is outside every desk block")
    return str(DossierCode(validate_agency_code(agency), day, sequence))


def parse_dossier_code(text: str) -> DossierCode:
    """Parse a typed or scanned code (spaces and lower case tolerated)."""
    cleaned = re.sub(r"\s+", "", text).upper()
    match = CODE_RE.match(cleaned)
    if not match:
        raise ValidationError(
            f"Mã hồ sơ '{text.strip()}' không đúng dạng MÃCƠQUAN-YYMMDD-NNNN (ví dụ 000.00.14.H20-200703-0002).",
            field="code",
        )
    try:
        day = dt.datetime.strptime(match["date"], "%y%m%d").date()
    except ValueError:
        raise ValidationError(f"Mã hồ sơ '{cleaned}' chứa ngày không có thật.", field="code") from None
    return DossierCode(match["agency"], day, int(match["seq"]))


def desk_block(desk: int) -> range:
    """The day's sequence numbers that desk ``desk`` may issue."""
    validate_desk(desk)
    return range(desk * BLOCK_SIZE + 1, desk * BLOCK_SIZE + BLOCK_SIZE)


def next_sequence(desk: int, last_issued: int | None) -> int:
    """The next sequence number for ``desk`` today, given the last one it issued today (None: none yet)."""
    block = desk_block(desk)
    candidate = block.start if last_issued is None else last_issued + 1
    if candidate not in block:
        raise DomainError(
            f"Bàn tiếp nhận số {desk} đã dùng hết {len(block)} số hồ sơ của ngày hôm nay "
            f"({block.start:04d}–{block.stop - 1:04d}). Hãy tiếp nhận tiếp ở một bàn khác (số bàn khác) "
            "hoặc liên hệ quản trị viên.",
            field="code",
        )
    return candidate


@dataclass(frozen=True)
class LedgerEntry:
    year: int
    desk: int
    number: int

    @property
    def book(self) -> str:
        """The book's label printed as "Quyển số": one book per desk per year."""
        return f"{self.desk + 1:02d}/{self.year}"


def next_ledger_entry(year: int, desk: int, last_number: int | None, start: int = 1) -> LedgerEntry:
    """The next entry of the desk's book for ``year``; ``start`` numbers a book opened mid-year."""
    if start < 1:
        raise ValidationError("Số thứ tự bắt đầu của sổ phải từ 1 trở lên.", field="ledger_start")
    validate_desk(desk)
    number = start if last_number is None else max(last_number + 1, start)
    return LedgerEntry(year, desk, number)
