"""Dossier codes AGENCY-YYMMDD-NNNN, desk blocks and ledger numbers (DOMAIN.md §1 Mẫu 06, §2)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from desk_app.domain.codes import (
    DossierCode,
    desk_block,
    format_dossier_code,
    next_ledger_entry,
    next_sequence,
    parse_dossier_code,
    validate_agency_code,
    validate_desk,
)
from desk_app.domain.errors import DomainError, ValidationError

D = dt.date
VIETNAMESE = set("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")


def is_vietnamese(text: str) -> bool:
    return bool(VIETNAMESE & set(text.lower()))


# -- the real examples of DOMAIN.md §2 -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "agency", "day", "sequence"),
    [
        ("000.00.14.H20-200703-0002", "000.00.14.H20", D(2020, 7, 3), 2),
        ("000.17.22.H56-210531-0001", "000.17.22.H56", D(2021, 5, 31), 1),
        ("000.31.22.H20-260302-1001", "000.31.22.H20", D(2026, 3, 2), 1001),
        ("000.31.22.H20-241231-9999", "000.31.22.H20", D(2024, 12, 31), 9999),
        ("000.31.22.H20-240229-0999", "000.31.22.H20", D(2024, 2, 29), 999),
    ],
)
def test_parse_and_format_real_codes(text: str, agency: str, day: dt.date, sequence: int) -> None:
    code = parse_dossier_code(text)
    assert code == DossierCode(agency, day, sequence)
    assert str(code) == text
    assert format_dossier_code(agency, day, sequence) == text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("000.00.14.h20-200703-0002", "000.00.14.H20-200703-0002"),
        ("  000.00.14.H20-200703-0002  ", "000.00.14.H20-200703-0002"),
        ("000.00.14.H20 - 200703 - 0002", "000.00.14.H20-200703-0002"),
        ("000. 17. 22. h56 -210531- 0001\n", "000.17.22.H56-210531-0001"),
        ("000.17.22.h56-210531-0001\t", "000.17.22.H56-210531-0001"),
    ],
)
def test_parse_tolerates_lower_case_and_spaces(typed: str, expected: str) -> None:
    assert str(parse_dossier_code(typed)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "000.00.14.H20-200230-0002",  # 30/02
        "000.00.14.H20-210229-0002",  # 29/02 in a common year
        "000.00.14.H20-201301-0002",  # month 13
        "000.00.14.H20-200700-0002",  # day 0
        "000.00.14.H20-200732-0002",  # day 32
        "000.00.14.H20-200003-0002",  # month 0
        "000.00.14-200703-0002",  # agency with three groups
        "00.00.14.H20-200703-0002",
        "0000.00.14.H20-200703-0002",
        "000.0.14.H20-200703-0002",
        "000.00.14.120-200703-0002",  # M must be a letter
        "000.00.14.H2-200703-0002",
        "000.00.14.H20-20070-0002",  # five-digit date
        "000.00.14.H20-2007031-0002",
        "000.00.14.H20-200703-002",  # three-digit sequence
        "000.00.14.H20-200703-00002",
        "000.00.14.H20200703-0002",
        "000.00.14.H20_200703_0002",
        "000.00.14.H20-200703",
        "200703-0002",
        "000.00.14.H20-2O07O3-0002",  # letter O for zero
        "000-00-14-H20-200703-0002",
        "mã 000.00.14.H20-200703-0002",
        "000.00.14.Ħ20-200703-0002",
    ],
)
def test_parse_refuses_with_field_code(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_dossier_code(text)
    assert err.value.field == "code"
    assert is_vietnamese(err.value.message)


@pytest.mark.parametrize(
    ("agency", "expected"),
    [
        ("000.00.14.H20", "000.00.14.H20"),
        (" 000.31.22.h20 ", "000.31.22.H20"),
        ("000.ZZ.YY.H20", "000.ZZ.YY.H20"),
        ("G01.00.00.H56", "G01.00.00.H56"),
    ],
)
def test_validate_agency_code(agency: str, expected: str) -> None:
    assert validate_agency_code(agency) == expected


@pytest.mark.parametrize(
    "agency", ["", "000.00.14", "000.00.14.120", "000.00.14.H20-", "000.00.14.H2", "000 00 14 H20", "000.00.014.H20"]
)
def test_validate_agency_code_refuses(agency: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_agency_code(agency)
    assert err.value.field == "agency_code"
    assert is_vietnamese(err.value.message)


def test_format_refuses_a_bad_agency() -> None:
    with pytest.raises(ValidationError) as err:
        format_dossier_code("000.00.14", D(2026, 3, 2), 1)
    assert err.value.field == "agency_code"


@pytest.mark.parametrize("sequence", [0, -1, 1000, 2000, 9000, 10000, 12345])
def test_format_refuses_a_sequence_outside_every_desk_block(sequence: int) -> None:
    with pytest.raises(ValueError):
        format_dossier_code("000.00.14.H20", D(2026, 3, 2), sequence)


AGENCIES = st.from_regex(r"\A[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}\Z")
DAYS = st.dates(min_value=D(2000, 1, 1), max_value=D(2068, 12, 31))
SEQUENCES = st.integers(1, 9999).filter(lambda n: n % 1000 != 0)


@given(agency=AGENCIES, day=DAYS, sequence=SEQUENCES)
def test_property_format_parse_round_trip(agency: str, day: dt.date, sequence: int) -> None:
    text = format_dossier_code(agency, day, sequence)
    assert len(text) == len(agency) + 12
    code = parse_dossier_code(text)
    assert code == DossierCode(agency, day, sequence)
    assert str(code) == text
    assert parse_dossier_code(f"  {text.lower()} ") == code
    assert code.desk == sequence // 1000


# -- desk blocks -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("desk", "first", "last"), [(0, 1, 999), (1, 1001, 1999), (2, 2001, 2999), (9, 9001, 9999)])
def test_desk_blocks(desk: int, first: int, last: int) -> None:
    block = desk_block(desk)
    assert (block[0], block[-1], len(block)) == (first, last, 999)
    assert next_sequence(desk, None) == first
    assert next_sequence(desk, first) == first + 1
    assert next_sequence(desk, last - 1) == last
    assert DossierCode("000.00.14.H20", D(2026, 3, 2), first).desk == desk


def test_first_code_of_desk_0_ends_0001_and_of_desk_1_ends_1001() -> None:
    day = D(2026, 3, 2)
    assert format_dossier_code("000.31.22.H20", day, next_sequence(0, None)) == "000.31.22.H20-260302-0001"
    assert format_dossier_code("000.31.22.H20", day, next_sequence(1, None)) == "000.31.22.H20-260302-1001"


@pytest.mark.parametrize(("desk", "last"), [(0, 999), (1, 1999), (9, 9999)])
def test_running_out_of_a_block_is_refused_in_vietnamese(desk: int, last: int) -> None:
    with pytest.raises(DomainError) as err:
        next_sequence(desk, last)
    assert err.value.field == "code"
    assert is_vietnamese(err.value.message)
    assert f"{desk}" in err.value.message


def test_a_desk_never_continues_into_the_next_block() -> None:
    issued = [next_sequence(0, None)]
    while True:
        try:
            issued.append(next_sequence(0, issued[-1]))
        except DomainError:
            break
    assert issued == list(range(1, 1000))


@pytest.mark.parametrize("desk", [-1, 10, 100])
def test_desk_number_out_of_range(desk: int) -> None:
    for call in (lambda: validate_desk(desk), lambda: desk_block(desk), lambda: next_sequence(desk, None)):
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.field == "desk"


@settings(max_examples=60, deadline=None)
@given(
    a=st.integers(0, 9),
    b=st.integers(0, 9),
    issued_a=st.integers(1, 999),
    issued_b=st.integers(1, 999),
)
def test_property_desks_never_issue_the_same_code(a: int, b: int, issued_a: int, issued_b: int) -> None:
    assume(a != b)
    day = D(2026, 3, 2)

    def issue(desk: int, count: int) -> set[str]:
        codes, last = set(), None
        for _ in range(count):
            last = next_sequence(desk, last)
            codes.add(format_dossier_code("000.31.22.H20", day, last))
        return codes

    codes_a, codes_b = issue(a, issued_a), issue(b, issued_b)
    assert len(codes_a) == issued_a and len(codes_b) == issued_b
    assert codes_a.isdisjoint(codes_b)
    assert set(desk_block(a)).isdisjoint(desk_block(b))
    assert {parse_dossier_code(c).desk for c in codes_a} == {a}


# -- ledger numbers --------------------------------------------------------------------------------------------------
def test_ledger_numbers_run_continuously() -> None:
    last = None
    numbers = []
    for _ in range(250):
        entry = next_ledger_entry(2026, 0, last)
        numbers.append(entry.number)
        last = entry.number
    assert numbers == list(range(1, 251))


@pytest.mark.parametrize(
    ("last", "start", "expected"),
    [(None, 1, 1), (41, 1, 42), (None, 120, 120), (130, 120, 131), (119, 120, 120), (5, 120, 120)],
)
def test_ledger_configurable_start(last: int | None, start: int, expected: int) -> None:
    entry = next_ledger_entry(2026, 0, last, start=start)
    assert (entry.year, entry.desk, entry.number) == (2026, 0, expected)


@pytest.mark.parametrize(("year", "desk", "label"), [(2026, 0, "01/2026"), (2026, 1, "02/2026"), (2025, 9, "10/2025")])
def test_ledger_book_label(year: int, desk: int, label: str) -> None:
    assert next_ledger_entry(year, desk, None).book == label


@pytest.mark.parametrize("start", [0, -5])
def test_ledger_start_must_be_positive(start: int) -> None:
    with pytest.raises(ValidationError) as err:
        next_ledger_entry(2026, 0, None, start=start)
    assert err.value.field == "ledger_start"


def test_ledger_refuses_a_bad_desk() -> None:
    with pytest.raises(ValidationError) as err:
        next_ledger_entry(2026, 10, None)
    assert err.value.field == "desk"


@given(last=st.one_of(st.none(), st.integers(1, 100_000)), start=st.integers(1, 5_000))
def test_property_ledger_never_goes_back(last: int | None, start: int) -> None:
    number = next_ledger_entry(2026, 0, last, start=start).number
    assert number >= start
    if last is not None:
        assert number > last
