"""Tests for the Vietnamese lunar calendar (UTC+7, Hồ Ngọc Đức's algorithm). See DOMAIN.md §4."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.domain.lunar import (
    MAX_LUNAR_YEAR,
    MIN_LUNAR_YEAR,
    TIME_ZONE,
    LunarDate,
    last_day_of_lunar_year,
    leap_month,
    lunar_month_length,
    lunar_new_year,
    lunar_to_solar,
    solar_to_lunar,
)

D = dt.date

# DOMAIN.md §4: Tết (1/1 lunar) and Giỗ Tổ Hùng Vương (10/3 lunar), 2020–2029.
TET_AND_GIO_TO = [
    (2020, D(2020, 1, 25), D(2020, 4, 2)),
    (2021, D(2021, 2, 12), D(2021, 4, 21)),
    (2022, D(2022, 2, 1), D(2022, 4, 10)),
    (2023, D(2023, 1, 22), D(2023, 4, 29)),
    (2024, D(2024, 2, 10), D(2024, 4, 18)),
    (2025, D(2025, 1, 29), D(2025, 4, 7)),
    (2026, D(2026, 2, 17), D(2026, 4, 26)),
    (2027, D(2027, 2, 6), D(2027, 4, 16)),
    (2028, D(2028, 1, 26), D(2028, 4, 4)),
    (2029, D(2029, 2, 13), D(2029, 4, 23)),
]


def test_time_zone_constant() -> None:
    assert TIME_ZONE == 7.0
    assert (MIN_LUNAR_YEAR, MAX_LUNAR_YEAR) == (1900, 2100)


@pytest.mark.parametrize(("year", "tet", "gio_to"), TET_AND_GIO_TO)
def test_domain_table_lunar_to_solar(year: int, tet: dt.date, gio_to: dt.date) -> None:
    assert lunar_new_year(year) == tet
    assert lunar_to_solar(year, 1, 1) == tet
    assert lunar_to_solar(year, 3, 10) == gio_to


@pytest.mark.parametrize(("year", "tet", "gio_to"), TET_AND_GIO_TO)
def test_domain_table_solar_to_lunar(year: int, tet: dt.date, gio_to: dt.date) -> None:
    assert solar_to_lunar(tet) == LunarDate(year, 1, 1)
    assert solar_to_lunar(gio_to) == LunarDate(year, 3, 10, False)
    # The eve of Tết is the last day of the previous lunar year, month 12.
    eve = solar_to_lunar(tet - dt.timedelta(days=1))
    assert (eve.year, eve.month, eve.leap) == (year - 1, 12, False)
    assert eve.day in (29, 30)


# Vietnam (UTC+7) vs China (UTC+8).
@pytest.mark.parametrize(
    ("year", "vietnam", "china"),
    [
        (1985, D(1985, 1, 21), D(1985, 2, 20)),
        (2007, D(2007, 2, 17), D(2007, 2, 18)),
        # Tết Mậu Thân: North Vietnam switched to UTC+7 for 1968, so its Tết fell a day before China's.
        (1968, D(1968, 1, 29), D(1968, 1, 30)),
    ],
)
def test_vietnam_and_china_differ(year: int, vietnam: dt.date, china: dt.date) -> None:
    assert lunar_new_year(year) == vietnam
    assert lunar_new_year(year, tz=7.0) == vietnam
    assert lunar_new_year(year, tz=8.0) == china
    assert solar_to_lunar(vietnam) == LunarDate(year, 1, 1)
    assert solar_to_lunar(china, tz=8.0) == LunarDate(year, 1, 1)
    assert solar_to_lunar(china) != LunarDate(year, 1, 1)


def test_1985_leap_month_differs_by_zone() -> None:
    # In Vietnam 1985 has a leap month 2; in the UTC+8 calendar the leap month is 10 of 1984 instead.
    assert leap_month(1985) == 2
    assert leap_month(1985, tz=8.0) == 0
    assert leap_month(1984, tz=8.0) == 10
    assert leap_month(1984) == 0


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (1900, D(1900, 1, 31)),
        (1968, D(1968, 1, 29)),
        (1985, D(1985, 1, 21)),
        (2000, D(2000, 2, 5)),
        (2007, D(2007, 2, 17)),
        (2050, D(2050, 1, 23)),
        (2100, D(2100, 2, 9)),
    ],
)
def test_known_tet_dates(year: int, tet: dt.date) -> None:
    assert lunar_new_year(year) == tet
    assert solar_to_lunar(tet) == LunarDate(year, 1, 1)


# Leap months -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "first_day"),
    [
        (2020, 4, D(2020, 5, 23)),
        (2023, 2, D(2023, 3, 22)),
        (2025, 6, D(2025, 7, 25)),
        (2028, 5, None),
        (2033, 11, D(2033, 12, 22)),  # leap month 11 running into the next Gregorian year
    ],
)
def test_leap_months(year: int, month: int, first_day: dt.date | None) -> None:
    assert leap_month(year) == month
    start = lunar_to_solar(year, month, 1, leap=True)
    if first_day is not None:
        assert start == first_day
    # The leap month directly follows the ordinary month of the same number.
    ordinary_start = lunar_to_solar(year, month, 1)
    assert start == ordinary_start + dt.timedelta(days=lunar_month_length(year, month))
    assert solar_to_lunar(start) == LunarDate(year, month, 1, leap=True)
    assert solar_to_lunar(ordinary_start) == LunarDate(year, month, 1, leap=False)
    length = lunar_month_length(year, month, leap=True)
    last = lunar_to_solar(year, month, length, leap=True)
    assert solar_to_lunar(last) == LunarDate(year, month, length, leap=True)
    assert solar_to_lunar(last + dt.timedelta(days=1)).leap is False


@pytest.mark.parametrize("year", [2021, 2022, 2024, 2026, 2027, 2029])
def test_years_without_leap_month(year: int) -> None:
    assert leap_month(year) == 0


@pytest.mark.parametrize(
    ("year", "month"),
    [(2021, 4), (2020, 5), (2020, 3), (2023, 1), (2024, 6), (2025, 7)],
)
def test_missing_leap_month_raises(year: int, month: int) -> None:
    with pytest.raises(ValueError, match="nhuận"):
        lunar_to_solar(year, month, 1, leap=True)
    with pytest.raises(ValueError):
        lunar_month_length(year, month, leap=True)


# Invalid input ------------------------------------------------------------------------------------


def test_day_30_in_29_day_month_raises() -> None:
    # Month 12 of Giáp Thìn (2024) has 29 days: no "30 Tết" before Tết 2025.
    assert lunar_month_length(2024, 12) == 29
    assert lunar_to_solar(2024, 12, 29) == D(2025, 1, 28)
    with pytest.raises(ValueError, match="29 ngày"):
        lunar_to_solar(2024, 12, 30)
    # Month 12 of Quý Mão (2023) has 30 days.
    assert lunar_month_length(2023, 12) == 30
    assert lunar_to_solar(2023, 12, 30) == D(2024, 2, 9)


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(2024, 0, 1), (2024, 13, 1), (2024, -1, 1), (2024, 1, 0), (2024, 1, 31), (2024, 1, -5)],
)
def test_impossible_month_or_day_raises(year: int, month: int, day: int) -> None:
    with pytest.raises(ValueError):
        lunar_to_solar(year, month, day)


@pytest.mark.parametrize("year", [1899, 2101, 0, 3000])
def test_year_out_of_range_raises(year: int) -> None:
    with pytest.raises(ValueError, match="phạm vi"):
        lunar_to_solar(year, 1, 1)
    with pytest.raises(ValueError):
        lunar_new_year(year)
    with pytest.raises(ValueError):
        last_day_of_lunar_year(year)


@pytest.mark.parametrize("d", [D(1900, 1, 30), D(1800, 6, 1), D(2101, 1, 29), D(2200, 1, 1)])
def test_solar_out_of_range_raises(d: dt.date) -> None:
    with pytest.raises(ValueError, match="phạm vi"):
        solar_to_lunar(d)


def test_range_edges() -> None:
    assert solar_to_lunar(D(1900, 1, 31)) == LunarDate(1900, 1, 1)
    assert last_day_of_lunar_year(2100) == D(2101, 1, 28)
    last = solar_to_lunar(D(2101, 1, 28))
    assert (last.year, last.month) == (2100, 12)


def test_error_message_is_vietnamese() -> None:
    with pytest.raises(ValueError) as info:
        lunar_to_solar(2021, 4, 1, leap=True)
    assert "Không có tháng 4 nhuận năm 2021" in str(info.value)


def test_lunar_date_is_frozen() -> None:
    d = LunarDate(2024, 1, 1)
    with pytest.raises(AttributeError):
        d.day = 2  # type: ignore[misc]
    assert d == LunarDate(2024, 1, 1, False)


# Year structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1900, 1984, 2023, 2024, 2025, 2033, 2099])
def test_last_day_of_lunar_year(year: int) -> None:
    last = last_day_of_lunar_year(year)
    assert last + dt.timedelta(days=1) == lunar_new_year(year + 1)
    assert last == lunar_to_solar(year, 12, lunar_month_length(year, 12))
    assert solar_to_lunar(last).day in (29, 30)


def test_every_month_1900_2100_chains_without_gaps() -> None:
    """Each lunar month starts the day after the previous one ends; years have 353–355 or 383–385 days."""
    expected_start = lunar_new_year(MIN_LUNAR_YEAR)
    for year in range(MIN_LUNAR_YEAR, MAX_LUNAR_YEAR + 1):
        assert lunar_new_year(year) == expected_start
        lm = leap_month(year)
        months = [(m, False) for m in range(1, 13)]
        if lm:
            months.insert(lm, (lm, True))
        year_days = 0
        for month, leap in months:
            length = lunar_month_length(year, month, leap)
            assert length in (29, 30)
            assert lunar_to_solar(year, month, 1, leap) == expected_start
            expected_start += dt.timedelta(days=length)
            year_days += length
        assert year_days in ((383, 384, 385) if lm else (353, 354, 355))
        assert last_day_of_lunar_year(year) == expected_start - dt.timedelta(days=1)


# Properties -----------------------------------------------------------------------------------------

_dates = st.dates(min_value=D(1900, 3, 1), max_value=D(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(_dates)
def test_round_trip(d: dt.date) -> None:
    ld = solar_to_lunar(d)
    assert lunar_to_solar(ld.year, ld.month, ld.day, ld.leap) == d
    assert 1 <= ld.month <= 12
    assert lunar_month_length(ld.year, ld.month, ld.leap) in (29, 30)
    assert 1 <= ld.day <= lunar_month_length(ld.year, ld.month, ld.leap)


@settings(max_examples=300, deadline=None)
@given(_dates)
def test_consecutive_days(d: dt.date) -> None:
    today = solar_to_lunar(d)
    tomorrow = solar_to_lunar(d + dt.timedelta(days=1))
    if tomorrow.day == today.day + 1:
        assert (tomorrow.year, tomorrow.month, tomorrow.leap) == (today.year, today.month, today.leap)
    else:
        assert tomorrow.day == 1
        assert today.day == lunar_month_length(today.year, today.month, today.leap)
        assert today.day in (29, 30)
        if tomorrow.leap:
            assert (tomorrow.year, tomorrow.month) == (today.year, today.month)
        elif today.month == 12:
            assert (tomorrow.year, tomorrow.month) == (today.year + 1, 1)
        else:
            assert (tomorrow.year, tomorrow.month) == (today.year, today.month + 1)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=MIN_LUNAR_YEAR, max_value=MAX_LUNAR_YEAR - 1))
def test_last_day_precedes_next_new_year(year: int) -> None:
    assert last_day_of_lunar_year(year) + dt.timedelta(days=1) == lunar_new_year(year + 1)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        # The original algorithm's month guess is one too late on these days and gave "day 0".
        (D(2054, 5, 7), LunarDate(2054, 3, 30)),
        (D(2054, 5, 8), LunarDate(2054, 4, 1)),
        (D(2062, 4, 9), LunarDate(2062, 2, 30)),
        (D(2062, 4, 10), LunarDate(2062, 3, 1)),
    ],
)
def test_late_new_moon_regression(d: dt.date, expected: LunarDate) -> None:
    assert solar_to_lunar(d) == expected
    assert lunar_to_solar(expected.year, expected.month, expected.day) == d
