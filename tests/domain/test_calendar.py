"""Working days, holidays and office hours (DOMAIN.md §3, §4).

Every expected value below is read from DOMAIN.md, not from the code: the official schedules of 2024–2026, the
Labour Code rules for the years without one (Tết dates from the §4 table), and the counting rules of §3.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.domain.calendar import (
    DayKind,
    MakeupDay,
    OfficeHours,
    OfficialPeriod,
    Occasion,
    WorkCalendar,
    YearSchedule,
    optional_from_data,
    schedules_from_data,
)
from desk_app.domain.errors import ValidationError

D = dt.date
T = dt.time
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOLIDAYS_PATH = Path(__file__).parents[2] / "database" / "catalog" / "holidays.json"
HOLIDAYS = json.loads(HOLIDAYS_PATH.read_text(encoding="utf-8"))
SCHEDULES = schedules_from_data(HOLIDAYS["years"])
OPTIONAL = optional_from_data(HOLIDAYS["optional"])

# One shared calendar per configuration: a calendar caches the years it has built.
CAL = WorkCalendar(SCHEDULES, optional_holidays=OPTIONAL)
CAL_CULTURE = WorkCalendar(SCHEDULES, optional_holidays=OPTIONAL, enabled_optional=frozenset({"vn_culture_day"}))
RULES_ONLY = WorkCalendar()  # no official schedule at all


def vn(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def days(first: dt.date, last: dt.date) -> set[dt.date]:
    out, day = set(), first
    while day <= last:
        out.add(day)
        day += dt.timedelta(days=1)
    return out


def all_days(year: int) -> list[dt.date]:
    return sorted(days(D(year, 1, 1), D(year, 12, 31)))


# -- the expected days off, from DOMAIN.md §4 -----------------------------------------------------------------------
# Every date off (inclusive ranges, as in the table), and the make-up working Saturdays.
OFFICIAL_OFF: dict[int, set[dt.date]] = {
    2024: (
        {D(2024, 1, 1)}
        | days(D(2024, 2, 8), D(2024, 2, 14))
        | {D(2024, 4, 18)}
        | days(D(2024, 4, 27), D(2024, 5, 1))
        | days(D(2024, 8, 31), D(2024, 9, 3))
    ),
    2025: (
        {D(2025, 1, 1)}
        | days(D(2025, 1, 25), D(2025, 2, 2))
        | {D(2025, 4, 7)}
        | days(D(2025, 4, 30), D(2025, 5, 4))
        | days(D(2025, 8, 30), D(2025, 9, 2))
    ),
    2026: (
        days(D(2026, 1, 1), D(2026, 1, 4))
        | days(D(2026, 2, 14), D(2026, 2, 22))
        | {D(2026, 4, 27)}
        | days(D(2026, 4, 30), D(2026, 5, 1))
        | days(D(2026, 8, 29), D(2026, 9, 2))
    ),
}
OFFICIAL_MAKEUP: dict[int, set[dt.date]] = {
    2024: {D(2024, 5, 4)},
    2025: {D(2025, 4, 26)},
    2026: {D(2026, 1, 10), D(2026, 8, 22)},
}
OFFICIAL_SWAPPED = {D(2024, 4, 29), D(2025, 5, 2), D(2026, 1, 2), D(2026, 8, 31)}

# Years without a schedule: the Labour Code rules (Tết = eve + mùng 1–4; 02/09 + 01/09; a holiday on a weekend gives
# its compensatory day on the next working day after the run). Only the weekdays off are listed: weekends are off
# anyway.
RULE_WEEKDAYS_OFF: dict[int, set[dt.date]] = {
    # 01/01 Sun → Mon 02/01; Tết 22/01 (Sun): Sat 21–Wed 25, Sat+Sun lost → Thu 26, Fri 27;
    # Giỗ Tổ Sat 29/04, 30/04 Sun, 01/05 Mon → Tue 02/05, Wed 03/05; 01/09 Fri, 02/09 Sat → Mon 04/09.
    2023: (
        {D(2023, 1, 2)}
        | days(D(2023, 1, 23), D(2023, 1, 27))
        | {D(2023, 5, 1), D(2023, 5, 2), D(2023, 5, 3)}
        | {D(2023, 9, 1), D(2023, 9, 4)}
    ),
    # 01/01 Fri; Tết 06/02 (Sat): Fri 05/02–Tue 09/02, Sat+Sun lost → Wed 10/02, Thu 11/02; Giỗ Tổ Fri 16/04;
    # 30/04 Fri, 01/05 Sat → Mon 03/05; 01/09 Wed, 02/09 Thu.
    2027: (
        {D(2027, 1, 1), D(2027, 2, 5)}
        | days(D(2027, 2, 8), D(2027, 2, 11))
        | {D(2027, 4, 16), D(2027, 4, 30), D(2027, 5, 3), D(2027, 9, 1), D(2027, 9, 2)}
    ),
    # 01/01 Sat → Mon 03/01; Tết 26/01 (Wed): Tue 25–Sat 29, Sat lost → Mon 31/01; Giỗ Tổ Tue 04/04;
    # 30/04 Sun, 01/05 Mon → Tue 02/05; 01/09 Fri, 02/09 Sat → Mon 04/09.
    2028: (
        {D(2028, 1, 3)}
        | days(D(2028, 1, 25), D(2028, 1, 28))
        | {D(2028, 1, 31), D(2028, 4, 4), D(2028, 5, 1), D(2028, 5, 2), D(2028, 9, 1), D(2028, 9, 4)}
    ),
    # 01/01 Mon; Tết 13/02 (Tue): Mon 12–Fri 16; Giỗ Tổ Mon 23/04; 30/04 Mon, 01/05 Tue;
    # 01/09 Sat, 02/09 Sun → Mon 03/09, Tue 04/09.
    2029: (
        {D(2029, 1, 1)}
        | days(D(2029, 2, 12), D(2029, 2, 16))
        | {D(2029, 4, 23), D(2029, 4, 30), D(2029, 5, 1), D(2029, 9, 3), D(2029, 9, 4)}
    ),
}

# DOMAIN.md §4, "Known Gregorian dates": Tết (1/1 lunar) and Giỗ Tổ (10/3 lunar).
TET = {2023: D(2023, 1, 22), 2027: D(2027, 2, 6), 2028: D(2028, 1, 26), 2029: D(2029, 2, 13)}
GIO_TO = {2023: D(2023, 4, 29), 2027: D(2027, 4, 16), 2028: D(2028, 4, 4), 2029: D(2029, 4, 23)}


# -- the official schedules -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_official_year_every_day_is_classified_as_domain_md_says(year: int) -> None:
    off, makeup = OFFICIAL_OFF[year], OFFICIAL_MAKEUP[year]
    wrong = []
    for day in all_days(year):
        expected = day in makeup or (day.isoweekday() <= 5 and day not in off)
        if CAL.is_working_day(day) is not expected:
            wrong.append((day.isoformat(), expected))
    assert wrong == []


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_official_year_lists_its_days_off_and_makeup_days(year: int) -> None:
    listed = {d.date for d in CAL.non_working_days(year)}
    weekdays_off = {d for d in OFFICIAL_OFF[year] if d.isoweekday() <= 5}
    assert weekdays_off <= listed
    assert listed <= OFFICIAL_OFF[year] | {D(2026, 4, 26)}  # 2026: Giỗ Tổ itself falls on Sunday 26/04
    assert [d.date for d in CAL.makeup_days(year)] == sorted(OFFICIAL_MAKEUP[year])
    assert all(d.kind is DayKind.MAKEUP_WORKING for d in CAL.makeup_days(year))


@pytest.mark.parametrize(
    "day",
    [D(2024, 5, 4), D(2025, 4, 26), D(2026, 1, 10), D(2026, 8, 22)],
)
def test_makeup_saturdays_are_working_days(day: dt.date) -> None:
    assert day.isoweekday() == 6
    assert CAL.is_working_day(day)
    assert CAL.day_off(day) is None
    assert CAL.sessions_on(day) == CAL.office_hours.sessions


@pytest.mark.parametrize("day", sorted(OFFICIAL_SWAPPED))
def test_swapped_days_are_off_and_named_as_swapped(day: dt.date) -> None:
    assert day.isoweekday() <= 5
    assert not CAL.is_working_day(day)
    off = CAL.day_off(day)
    assert off is not None and off.kind is DayKind.SWAPPED
    assert "hoán đổi" in off.name


@pytest.mark.parametrize(
    "day",
    [
        D(2024, 1, 2), D(2024, 2, 7), D(2024, 2, 15), D(2024, 4, 17), D(2024, 4, 19), D(2024, 4, 26), D(2024, 5, 2),
        D(2024, 8, 30), D(2024, 9, 4), D(2025, 1, 2), D(2025, 1, 24), D(2025, 2, 3), D(2025, 4, 8), D(2025, 4, 29),
        D(2025, 5, 5), D(2025, 8, 29), D(2025, 9, 3), D(2026, 1, 5), D(2026, 2, 13), D(2026, 2, 23), D(2026, 4, 28),
        D(2026, 4, 29), D(2026, 5, 4), D(2026, 8, 28), D(2026, 9, 3),
    ],
)
def test_days_next_to_official_holidays_are_working_days(day: dt.date) -> None:
    assert CAL.is_working_day(day)


def test_official_entries_are_named_and_kinded() -> None:
    tet = CAL.day_off(D(2026, 2, 17))
    assert tet is not None and tet.kind is DayKind.HOLIDAY and "Tết Nguyên đán" in tet.name
    national = CAL.day_off(D(2025, 9, 2))
    assert national is not None and national.kind is DayKind.HOLIDAY and "Quốc khánh" in national.name
    assert CAL.day_off(D(2026, 3, 2)) is None
    listed = CAL.non_working_days(2024)
    assert [d.date for d in listed] == sorted(d.date for d in listed)


# -- the rules for years without a schedule -------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2023, 2027, 2028, 2029])
@pytest.mark.parametrize("cal", [CAL, RULES_ONLY], ids=["shipped-data", "no-data"])
def test_rule_year_every_day_is_classified_as_domain_md_says(cal: WorkCalendar, year: int) -> None:
    off = RULE_WEEKDAYS_OFF[year]
    wrong = [
        (day.isoformat(), expected)
        for day in all_days(year)
        if cal.is_working_day(day) is not (expected := day.isoweekday() <= 5 and day not in off)
    ]
    assert wrong == []
    assert cal.makeup_days(year) == []


@pytest.mark.parametrize("year", sorted(TET))
def test_rule_tet_is_the_eve_and_mung_1_to_4(year: int) -> None:
    tet = TET[year]
    run = days(tet - dt.timedelta(days=1), tet + dt.timedelta(days=3))
    for day in run:
        off = CAL.day_off(day)
        assert off is not None and off.kind is DayKind.HOLIDAY and off.name == "Tết Nguyên đán"
    assert CAL.day_off(tet - dt.timedelta(days=2)) is None  # the run starts on the eve, not before


@pytest.mark.parametrize("year", sorted(GIO_TO))
def test_rule_hung_kings_day_is_10_3_lunar(year: int) -> None:
    off = CAL.day_off(GIO_TO[year])
    assert off is not None and off.name == "Giỗ Tổ Hùng Vương" and off.kind is DayKind.HOLIDAY


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2023, 1, 2), "Nghỉ bù Tết Dương lịch"),
        (D(2023, 1, 26), "Nghỉ bù Tết Nguyên đán"),
        (D(2023, 1, 27), "Nghỉ bù Tết Nguyên đán"),
        (D(2023, 5, 2), "Nghỉ bù Giỗ Tổ Hùng Vương"),
        (D(2023, 5, 3), "Nghỉ bù Ngày Chiến thắng 30/4"),
        (D(2023, 9, 4), "Nghỉ bù Quốc khánh 2/9"),
        (D(2027, 2, 10), "Nghỉ bù Tết Nguyên đán"),
        (D(2027, 2, 11), "Nghỉ bù Tết Nguyên đán"),
        (D(2027, 5, 3), "Nghỉ bù Ngày Quốc tế Lao động 1/5"),
        (D(2028, 1, 3), "Nghỉ bù Tết Dương lịch"),
        (D(2028, 1, 31), "Nghỉ bù Tết Nguyên đán"),
        (D(2028, 5, 2), "Nghỉ bù Ngày Chiến thắng 30/4"),
        (D(2028, 9, 4), "Nghỉ bù Quốc khánh 2/9"),
        (D(2029, 9, 3), "Nghỉ bù Quốc khánh 2/9"),
        (D(2029, 9, 4), "Nghỉ bù Quốc khánh 2/9"),
    ],
)
def test_compensatory_days_are_named(day: dt.date, name: str) -> None:
    off = CAL.day_off(day)
    assert off is not None
    assert (off.kind, off.name) == (DayKind.COMPENSATORY, name)


@pytest.mark.parametrize("year", [2023, 2027, 2028, 2029, 2030, 2031, 2032, 2033])
def test_national_day_is_1_and_2_september_with_compensation(year: int) -> None:
    pair = [D(year, 9, 1), D(year, 9, 2)]
    assert all(not CAL.is_working_day(d) for d in pair)
    lost = sum(d.isoweekday() >= 6 for d in pair)
    after = [d for d in sorted(days(D(year, 9, 3), D(year, 9, 10))) if d.isoweekday() <= 5]
    compensatory = [d for d in after if CAL.day_off(d) is not None]
    assert compensatory == after[:lost]


@pytest.mark.parametrize("year", [2028, 2033])  # 01/01 on a Saturday both years
def test_new_year_on_saturday_gives_monday_off(year: int) -> None:
    assert D(year, 1, 1).isoweekday() == 6
    monday = D(year, 1, 3)
    assert not CAL.is_working_day(monday)
    assert CAL.is_working_day(D(year, 1, 4))


# -- an official entry overrides only its own occasion ---------------------------------------------------------------
def test_official_entry_replaces_only_its_occasion_in_its_year() -> None:
    tet_2027 = OfficialPeriod(
        D(2027, 2, 3), D(2027, 2, 10), "Tết Nguyên đán Đinh Mùi", (Occasion.TET,), swapped=(D(2027, 2, 3),)
    )
    cal = WorkCalendar({2027: YearSchedule(2027, (tet_2027,), (MakeupDay(D(2027, 2, 20), "Làm bù 03/02"),))})
    # Tết follows the decree: 03/02 (swapped) and 04/02 are off, the rule's compensatory Thu 11/02 is a working day.
    assert {d for d in days(D(2027, 2, 1), D(2027, 2, 12)) if not cal.is_working_day(d)} == days(
        D(2027, 2, 3), D(2027, 2, 10)
    ) | {D(2027, 2, 6), D(2027, 2, 7)}
    assert cal.is_working_day(D(2027, 2, 11))
    assert cal.day_off(D(2027, 2, 3)).kind is DayKind.SWAPPED  # type: ignore[union-attr]
    assert cal.is_working_day(D(2027, 2, 20))
    # Every other occasion of 2027 still follows the rules.
    for day in [D(2027, 1, 1), D(2027, 4, 16), D(2027, 4, 30), D(2027, 5, 3), D(2027, 9, 1), D(2027, 9, 2)]:
        assert not cal.is_working_day(day), day
    # Other years are untouched.
    assert {d for d in all_days(2028) if d.isoweekday() <= 5 and not cal.is_working_day(d)} == RULE_WEEKDAYS_OFF[2028]


def test_schedule_data_with_a_date_of_another_year_is_refused() -> None:
    data = {"2027": {"off": [{"from": "2028-01-01", "to": "2028-01-01", "name": "x", "occasions": ["new_year"]}]}}
    with pytest.raises(ValidationError) as err:
        schedules_from_data(data)
    assert err.value.field == "holidays"


def test_official_period_crossing_new_year_can_be_entered() -> None:
    data = {
        "2023": {
            "off": [
                {"from": "2022-12-31", "to": "2023-01-02", "name": "Tết Dương lịch", "occasions": ["new_year"]},
            ]
        }
    }
    cal = WorkCalendar(schedules_from_data(data))
    assert not cal.is_working_day(D(2023, 1, 2))  # Monday, inside the decreed period
    assert not cal.is_working_day(D(2022, 12, 31))
    assert cal.day_off(D(2022, 12, 31)).name == "Tết Dương lịch"
    assert cal.is_working_day(D(2023, 1, 3))  # the 2023 rule for New Year is replaced, not added to
    assert not any(d.kind.value == "compensatory" and d.date < D(2023, 1, 10) for d in cal.non_working_days(2023))


@pytest.mark.parametrize("year", ["2022", "2024"])  # a period belongs to the year it ends in
def test_period_outside_its_year_is_refused(year: str) -> None:
    with pytest.raises(ValidationError) as refused:
        schedules_from_data({year: {"off": [{"from": "2022-12-31", "to": "2023-01-02", "name": "X",
                                             "occasions": ["new_year"]}]}})
    assert refused.value.field == "holidays"


# -- the optional 24/11 holiday --------------------------------------------------------------------------------------
def test_optional_holiday_data() -> None:
    (culture,) = OPTIONAL
    assert (culture.key, culture.name, culture.month, culture.day, culture.from_year) == (
        "vn_culture_day", "Ngày Văn hóa Việt Nam", 11, 24, 2026,
    )


@pytest.mark.parametrize("year", [2026, 2027, 2028])  # 24/11 on Tue, Wed, Fri
def test_culture_day_is_a_working_day_unless_enabled(year: int) -> None:
    day = D(year, 11, 24)
    assert day.isoweekday() <= 5
    assert CAL.is_working_day(day)
    assert not CAL_CULTURE.is_working_day(day)
    off = CAL_CULTURE.day_off(day)
    assert off is not None and off.kind is DayKind.OPTIONAL and off.name == "Ngày Văn hóa Việt Nam"
    next_weekday = day + dt.timedelta(days=3 if day.isoweekday() == 5 else 1)
    assert CAL_CULTURE.is_working_day(next_weekday)  # no compensatory day for a weekday holiday


def test_culture_day_before_2026_is_a_working_day_even_when_enabled() -> None:
    assert CAL_CULTURE.is_working_day(D(2025, 11, 24))  # a Monday
    assert CAL_CULTURE.day_off(D(2025, 11, 24)) is None


@pytest.mark.parametrize(
    ("holiday", "compensatory"),
    [(D(2029, 11, 24), D(2029, 11, 26)), (D(2030, 11, 24), D(2030, 11, 25))],  # Saturday, Sunday
)
def test_culture_day_on_a_weekend_gives_a_compensatory_day_when_enabled(
    holiday: dt.date, compensatory: dt.date
) -> None:
    assert holiday.isoweekday() >= 6
    off = CAL_CULTURE.day_off(compensatory)
    assert off is not None and off.kind is DayKind.COMPENSATORY and "Ngày Văn hóa Việt Nam" in off.name
    assert CAL.is_working_day(compensatory)
    assert CAL_CULTURE.is_working_day(compensatory + dt.timedelta(days=1))


def test_unknown_enabled_key_changes_nothing() -> None:
    cal = WorkCalendar(SCHEDULES, optional_holidays=OPTIONAL, enabled_optional=frozenset({"no_such_day"}))
    assert cal.is_working_day(D(2026, 11, 24))


# -- counting working days -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
        (D(2026, 2, 15), 0, D(2026, 2, 15)),  # n = 0 returns start even on a day off
        (D(2026, 3, 2), 1, D(2026, 3, 3)),
        (D(2026, 3, 2), 5, D(2026, 3, 9)),
        (D(2026, 3, 7), 1, D(2026, 3, 9)),  # from a Saturday
        (D(2026, 2, 13), 1, D(2026, 2, 23)),  # across Tết 2026
        (D(2026, 2, 12), 2, D(2026, 2, 23)),
        (D(2026, 2, 11), 5, D(2026, 2, 25)),
        (D(2025, 12, 31), 1, D(2026, 1, 5)),  # across New Year 2026 (Fri 02/01 swapped)
        (D(2026, 1, 9), 1, D(2026, 1, 10)),  # make-up Saturday
        (D(2026, 8, 21), 1, D(2026, 8, 22)),  # make-up Saturday
        (D(2026, 8, 28), 1, D(2026, 9, 3)),  # National Day 2026 with Mon 31/08 swapped
        (D(2026, 8, 27), 3, D(2026, 9, 4)),
        (D(2024, 4, 26), 1, D(2024, 5, 2)),
        (D(2024, 4, 26), 3, D(2024, 5, 4)),  # the 3rd is make-up Saturday 04/05/2024
        (D(2025, 4, 25), 1, D(2025, 4, 26)),  # make-up Saturday 26/04/2025
        (D(2025, 4, 29), 1, D(2025, 5, 5)),
        (D(2025, 1, 24), 2, D(2025, 2, 4)),
        (D(2023, 4, 28), 1, D(2023, 5, 4)),  # rules: 29/04–03/05 off
        (D(2027, 2, 4), 1, D(2027, 2, 12)),  # rules: 05/02–11/02 off
    ],
)
def test_add_working_days(start: dt.date, n: int, expected: dt.date) -> None:
    assert CAL.add_working_days(start, n) == expected


def test_add_working_days_refuses_negative() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 3, 2), -1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 2), D(2026, 3, 3)),
        (D(2026, 3, 6), D(2026, 3, 9)),
        (D(2026, 2, 13), D(2026, 2, 23)),
        (D(2026, 2, 16), D(2026, 2, 23)),
        (D(2024, 5, 3), D(2024, 5, 4)),
        (D(2024, 5, 4), D(2024, 5, 6)),
        (D(2026, 12, 31), D(2027, 1, 4)),  # 01/01/2027 is a Friday: rules of 2027
    ],
)
def test_next_working_day_is_strictly_after(day: dt.date, expected: dt.date) -> None:
    assert CAL.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("after", "up_to", "expected"),
    [
        (D(2026, 3, 2), D(2026, 3, 2), 0),
        (D(2026, 3, 2), D(2026, 3, 1), 0),
        (D(2026, 3, 2), D(2026, 3, 3), 1),
        (D(2026, 3, 2), D(2026, 3, 9), 5),
        (D(2026, 2, 13), D(2026, 2, 23), 1),
        (D(2026, 2, 12), D(2026, 2, 22), 1),
        (D(2026, 8, 21), D(2026, 9, 4), 8),  # Sat 22/08 counts; 29/08–02/09 do not
        (D(2024, 12, 31), D(2025, 12, 31), 250),
    ],
)
def test_working_days_between(after: dt.date, up_to: dt.date, expected: int) -> None:
    assert CAL.working_days_between(after, up_to) == expected


def test_working_days_in_2024_2025_2026() -> None:
    # Weekdays minus weekday holidays plus make-up Saturdays, from DOMAIN.md §4.
    for year in (2024, 2025, 2026):
        weekdays = sum(d.isoweekday() <= 5 for d in all_days(year))
        off = sum(d.isoweekday() <= 5 for d in OFFICIAL_OFF[year])
        expected = weekdays - off + len(OFFICIAL_MAKEUP[year])
        assert CAL.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == expected


DATES = st.dates(min_value=D(2023, 1, 1), max_value=D(2029, 10, 31))


@settings(max_examples=150, deadline=None)
@given(start=DATES, n=st.integers(min_value=0, max_value=40))
def test_property_add_working_days_lands_on_working_days_and_counts_them(start: dt.date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n:
        assert CAL.is_working_day(end)
        assert end > start
        assert CAL.next_working_day(CAL.add_working_days(start, n - 1)) == end


@settings(max_examples=150, deadline=None)
@given(a=DATES, b=DATES, n=st.integers(min_value=0, max_value=30), m=st.integers(min_value=0, max_value=30))
def test_property_add_working_days_is_monotonic(a: dt.date, b: dt.date, n: int, m: int) -> None:
    a, b = min(a, b), max(a, b)
    n, m = min(n, m), max(n, m)
    assert CAL.add_working_days(a, n) <= CAL.add_working_days(b, n)
    assert CAL.add_working_days(a, n) <= CAL.add_working_days(a, m)


@settings(max_examples=150, deadline=None)
@given(day=DATES)
def test_property_next_working_day(day: dt.date) -> None:
    nxt = CAL.next_working_day(day)
    assert nxt > day and CAL.is_working_day(nxt)
    assert all(not CAL.is_working_day(d) for d in days(day + dt.timedelta(days=1), nxt - dt.timedelta(days=1)))
    assert CAL.working_day_on_or_after(day) == (day if CAL.is_working_day(day) else nxt)


@settings(max_examples=100, deadline=None)
@given(day=DATES)
def test_property_enabling_the_optional_holiday_only_removes_working_days(day: dt.date) -> None:
    if CAL_CULTURE.is_working_day(day):
        assert CAL.is_working_day(day)
    if CAL.is_working_day(day) and not CAL_CULTURE.is_working_day(day):
        assert (day.month, day.day) in {(11, 24), (11, 25), (11, 26)}


# -- office hours ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "saturday", "sessions", "saturday_sessions"),
    [
        ("07:00-11:30,13:30-17:00", "", ((T(7), T(11, 30)), (T(13, 30), T(17))), ()),
        (" 07:00 - 11:30 , 13:30 - 17:00 ", "", ((T(7), T(11, 30)), (T(13, 30), T(17))), ()),
        ("07:30-16:30", "", ((T(7, 30), T(16, 30)),), ()),
        ("07:00-11:30,11:30-17:00", "", ((T(7), T(11, 30)), (T(11, 30), T(17))), ()),
        ("07:00-11:30,13:30-17:00", "07:00-11:00", ((T(7), T(11, 30)), (T(13, 30), T(17))), ((T(7), T(11)),)),
        ("07:00-11:30,13:30-17:00,", "", ((T(7), T(11, 30)), (T(13, 30), T(17))), ()),
    ],
)
def test_office_hours_parse_valid(text: str, saturday: str, sessions: tuple, saturday_sessions: tuple) -> None:
    hours = OfficeHours.parse(text, saturday)
    assert hours.sessions == sessions
    assert hours.saturday_sessions == saturday_sessions
    assert hours.opening == sessions[0][0]
    assert hours.closing == sessions[-1][1]
    assert OfficeHours.parse(hours.format()) == OfficeHours(sessions=sessions)


@pytest.mark.parametrize(
    ("text", "saturday"),
    [
        ("", ""),
        (",", ""),
        ("07:00", ""),
        ("07:00-", ""),
        ("11:30-07:00", ""),
        ("07:00-07:00", ""),
        ("07:00-11:30,11:00-17:00", ""),  # overlapping sessions
        ("13:30-17:00,07:00-11:30", ""),  # out of order
        ("7h-11h30", ""),
        ("25:00-26:00", ""),
        ("07:00-11:30-12:00", ""),
        ("07:00-11:30,13:30-17:00", "11:00-07:00"),
        ("07:00-11:30,13:30-17:00", "sáng thứ bảy"),
    ],
)
def test_office_hours_parse_invalid(text: str, saturday: str) -> None:
    with pytest.raises(ValidationError) as err:
        OfficeHours.parse(text, saturday)
    assert err.value.field == "office_hours"
    assert re.search(r"[àáảãạăâđêôơưìíỉĩịòóỏõọùúủũụ]", err.value.message.lower())


def test_default_office_hours() -> None:
    hours = OfficeHours()
    assert hours.format() == "07:00-11:30,13:30-17:00"
    assert (hours.opening, hours.closing) == (T(7), T(17))
    assert hours.saturday_sessions == ()


SATURDAY_CAL = WorkCalendar(SCHEDULES, office_hours=OfficeHours.parse("07:00-11:30,13:30-17:00", "07:00-11:30"))


@pytest.mark.parametrize(
    ("moment", "plain", "with_saturday"),
    [
        ("2026-03-02 09:00", True, True),  # Monday
        ("2026-03-02 06:59", False, False),
        ("2026-03-02 07:00", True, True),
        ("2026-03-02 11:29", True, True),
        ("2026-03-02 11:30", False, False),  # closing of a session is exclusive
        ("2026-03-02 12:00", False, False),
        ("2026-03-02 13:30", True, True),
        ("2026-03-02 16:59", True, True),
        ("2026-03-02 17:00", False, False),
        ("2026-03-07 09:00", False, True),  # Saturday reception
        ("2026-03-07 11:30", False, False),
        ("2026-03-07 14:00", False, False),
        ("2026-03-08 09:00", False, False),  # Sunday
        ("2026-02-14 09:00", False, False),  # Saturday inside Tết 2026
        ("2026-08-29 09:00", False, False),  # Saturday inside National Day 2026
        ("2025-05-03 09:00", False, False),  # Saturday inside 30/4–1/5 2025
        ("2026-02-17 09:00", False, False),  # Tết on a weekday
        ("2026-08-31 09:00", False, False),  # swapped Monday
        ("2026-01-10 14:00", True, True),  # make-up Saturday: a full working day
        ("2026-08-22 16:00", True, True),
    ],
)
def test_is_reception_open(moment: str, plain: bool, with_saturday: bool) -> None:
    assert CAL.is_reception_open(vn(moment)) is plain
    assert SATURDAY_CAL.is_reception_open(vn(moment)) is with_saturday


def test_saturday_reception_does_not_make_saturday_a_working_day() -> None:
    assert not SATURDAY_CAL.is_working_day(D(2026, 3, 7))
    assert SATURDAY_CAL.sessions_on(D(2026, 3, 7)) == ()
    assert SATURDAY_CAL.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)
