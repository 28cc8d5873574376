"""Appointments and early / on time / late (DOMAIN.md §3), on the official calendar of §4.

Office hours are the common 07:00–11:30, 13:30–17:00. Every expected moment is worked out by hand from DOMAIN.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from desk_app.domain.calendar import WorkCalendar, optional_from_data, schedules_from_data
from desk_app.domain.deadlines import (
    TIMELINESS_VN,
    DeadlinePolicy,
    SupplementRule,
    TimeLimit,
    Timeliness,
    TimeUnit,
    add_months,
    add_working_hours,
    appointment,
    classify_pending,
    classify_resolved,
    due_after_supplement,
    effective_receipt,
    office_time_between,
)
from desk_app.domain.errors import ValidationError

D = dt.date
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOLIDAYS = json.loads(
    (Path(__file__).parents[2] / "database" / "catalog" / "holidays.json").read_text(encoding="utf-8")
)
CAL = WorkCalendar(schedules_from_data(HOLIDAYS["years"]), optional_holidays=optional_from_data(HOLIDAYS["optional"]))
NEXT_DAY = DeadlinePolicy(multi_day_after_cutoff_next_day=True)
PAUSE = DeadlinePolicy(supplement_rule=SupplementRule.PAUSE)
RESTART = DeadlinePolicy(supplement_rule=SupplementRule.RESTART)


def vn(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


SAME_DAY = TimeLimit(0, TimeUnit.SAME_DAY)


def wd(n: int) -> TimeLimit:
    return TimeLimit(n, TimeUnit.WORKING_DAYS)


def wh(n: int) -> TimeLimit:
    return TimeLimit(n, TimeUnit.WORKING_HOURS)


def cd(n: int) -> TimeLimit:
    return TimeLimit(n, TimeUnit.DAYS)


def months(n: int) -> TimeLimit:
    return TimeLimit(n, TimeUnit.MONTHS)


def test_default_policy() -> None:
    policy = DeadlinePolicy()
    assert policy.cutoff == dt.time(15, 0)
    assert policy.multi_day_after_cutoff_next_day is False
    assert policy.supplement_rule is SupplementRule.RESTART


# -- same day and the 15:00 rule -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-03-02 07:00", "2026-03-02 17:00"),  # Monday
        ("2026-03-02 09:00", "2026-03-02 17:00"),
        ("2026-03-02 14:59", "2026-03-02 17:00"),
        ("2026-03-02 15:00:00", "2026-03-02 17:00"),  # exactly 15:00 is not after 15:00
        ("2026-03-02 15:00:59", "2026-03-02 17:00"),  # still 15:00 on the clock
        ("2026-03-02 15:01", "2026-03-03 17:00"),
        ("2026-03-02 16:59", "2026-03-03 17:00"),
        ("2026-03-02 12:00", "2026-03-02 17:00"),  # lunch: counts from 13:30, same day
        ("2026-03-02 06:30", "2026-03-02 17:00"),  # before opening: counts from 07:00
        ("2026-03-02 18:00", "2026-03-03 17:00"),  # after closing: next working day
        ("2026-03-02 23:59", "2026-03-03 17:00"),
        ("2026-03-06 15:30", "2026-03-09 17:00"),  # Friday after 15:00 → Monday
        ("2026-03-07 09:00", "2026-03-09 17:00"),  # Saturday reception → Monday
        ("2026-03-07 16:00", "2026-03-09 17:00"),
        ("2026-03-08 10:00", "2026-03-09 17:00"),  # an online filing on Sunday
        ("2026-02-13 15:30", "2026-02-23 17:00"),  # after 15:00 on the last day before Tết 2026
        ("2026-02-17 09:00", "2026-02-23 17:00"),  # online during Tết
        ("2026-01-09 15:30", "2026-01-10 17:00"),  # next working day is make-up Saturday 10/01/2026
        ("2026-01-10 10:00", "2026-01-10 17:00"),  # received on the make-up Saturday
        ("2026-01-10 15:30", "2026-01-12 17:00"),
        ("2026-08-28 15:30", "2026-09-03 17:00"),  # National Day 2026 with Mon 31/08 swapped
        ("2024-04-26 15:05", "2024-05-02 17:00"),
        ("2024-05-03 16:00", "2024-05-04 17:00"),  # make-up Saturday 04/05/2024
    ],
)
def test_same_day(received: str, due: str) -> None:
    result = appointment(SAME_DAY, vn(received), CAL)
    assert result.due_at == vn(due)
    assert result.due_at.tzinfo is VN_TZ
    assert result.explanation.startswith("Trong ngày")


def test_same_day_after_cutoff_is_explained() -> None:
    result = appointment(SAME_DAY, vn("2026-03-02 15:01"), CAL)
    assert "sau 15:00" in result.explanation
    assert "sau 15:00" not in appointment(SAME_DAY, vn("2026-03-02 15:00"), CAL).explanation


def test_cutoff_is_a_setting() -> None:
    policy = DeadlinePolicy(cutoff=dt.time(16, 0))
    assert appointment(SAME_DAY, vn("2026-03-02 15:30"), CAL, policy).due_at == vn("2026-03-02 17:00")
    assert appointment(SAME_DAY, vn("2026-03-02 16:01"), CAL, policy).due_at == vn("2026-03-03 17:00")


# -- the effective receipt -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("received", "counted_from"),
    [
        ("2026-03-02 09:15", "2026-03-02 09:15"),
        ("2026-03-02 09:15:42", "2026-03-02 09:15:42"),
        ("2026-03-02 07:00", "2026-03-02 07:00"),
        ("2026-03-02 06:30", "2026-03-02 07:00"),
        ("2026-03-02 11:30", "2026-03-02 13:30"),
        ("2026-03-02 12:00", "2026-03-02 13:30"),
        ("2026-03-02 16:59", "2026-03-02 16:59"),
        ("2026-03-02 17:00", "2026-03-03 07:00"),
        ("2026-03-02 18:00", "2026-03-03 07:00"),
        ("2026-03-06 18:00", "2026-03-09 07:00"),
        ("2026-03-07 09:00", "2026-03-09 07:00"),
        ("2026-02-13 20:00", "2026-02-23 07:00"),
        ("2026-01-02 09:00", "2026-01-05 07:00"),  # swapped Friday 02/01/2026
        ("2026-01-10 09:00", "2026-01-10 09:00"),  # make-up Saturday
    ],
)
def test_effective_receipt(received: str, counted_from: str) -> None:
    assert effective_receipt(vn(received), CAL) == vn(counted_from)
    assert appointment(wd(1), vn(received), CAL).counted_from == vn(counted_from)


def test_receipt_outside_office_hours_is_explained() -> None:
    assert "ngoài giờ" in appointment(wd(3), vn("2026-03-02 18:00"), CAL).explanation
    assert "ngoài giờ" not in appointment(wd(3), vn("2026-03-02 10:00"), CAL).explanation


# -- working days ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "received", "due"),
    [
        (1, "2026-03-02 09:15", "2026-03-03 09:15"),
        (3, "2026-03-02 09:15", "2026-03-05 09:15"),
        (5, "2026-03-02 09:15", "2026-03-09 09:15"),
        (3, "2026-03-02 15:30", "2026-03-05 15:30"),  # after 15:00: the setting is off by default
        (3, "2026-03-02 12:00", "2026-03-05 13:30"),  # lunch counts from 13:30
        (3, "2026-03-02 06:30", "2026-03-05 07:00"),  # before opening counts from 07:00
        (3, "2026-03-02 18:00", "2026-03-06 07:00"),  # after closing: received Tue 07:00
        (3, "2026-03-07 09:00", "2026-03-12 07:00"),  # Saturday: received Mon 07:00
        (5, "2026-02-11 10:00", "2026-02-25 10:00"),  # across Tết 2026: 12, 13, 23, 24, 25
        (1, "2026-02-13 16:00", "2026-02-23 16:00"),
        (3, "2026-08-27 14:00", "2026-09-04 14:00"),  # 28/08, then 03/09, 04/09 (31/08 swapped)
        (1, "2026-08-21 10:00", "2026-08-22 10:00"),  # make-up Saturday counts
        (5, "2026-08-18 10:00", "2026-08-24 10:00"),  # 19, 20, 21, Sat 22 (make-up), Mon 24
        (3, "2024-04-26 16:00", "2024-05-04 16:00"),  # 02/05, 03/05, Sat 04/05 (make-up)
        (2, "2025-01-24 09:00", "2025-02-04 09:00"),  # across Tết 2025
        (1, "2025-04-25 08:00", "2025-04-26 08:00"),  # make-up Saturday 26/04/2025
        (3, "2025-12-30 10:00", "2026-01-06 10:00"),  # 31/12, 05/01, 06/01 (02/01/2026 swapped)
        (3, "2026-01-08 10:00", "2026-01-12 10:00"),  # 09/01, Sat 10/01 (make-up), 12/01
    ],
)
def test_working_days(n: int, received: str, due: str) -> None:
    result = appointment(wd(n), vn(received), CAL)
    assert result.due_at == vn(due)
    assert result.explanation.startswith(f"{n} ngày làm việc")


# -- calendar days and months ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("limit", "received", "due"),
    [
        (cd(30), "2026-03-02 09:00", "2026-04-01 09:00"),
        (cd(1), "2026-03-06 09:00", "2026-03-09 09:00"),  # Saturday 07/03 → Monday (art. 148)
        (cd(30), "2026-03-27 09:00", "2026-04-28 09:00"),  # Sun 26/04 (Giỗ Tổ), Mon 27/04 off → Tue 28/04
        (cd(10), "2026-02-04 10:00", "2026-02-23 10:00"),  # Sat 14/02, Tết → Mon 23/02
        (cd(7), "2026-08-24 10:00", "2026-09-03 10:00"),  # Mon 31/08 is swapped off → Thu 03/09
        (cd(30), "2026-03-07 09:00", "2026-04-08 07:00"),  # Saturday: counted from Mon 09/03 07:00
        (cd(3), "2026-02-03 16:00", "2026-02-06 16:00"),
        (months(1), "2023-01-31 09:00", "2023-02-28 09:00"),  # month-end clamping
        (months(1), "2024-01-31 09:00", "2024-02-29 09:00"),  # leap year
        (months(1), "2026-03-31 09:00", "2026-05-04 09:00"),  # 30/04 → 30/4, 1/5, weekend → Mon 04/05
        (months(3), "2025-11-28 09:00", "2026-03-02 09:00"),  # Sat 28/02/2026 → Mon 02/03
        (months(12), "2024-02-29 09:00", "2025-02-28 09:00"),
        (months(1), "2026-01-15 14:20", "2026-02-23 14:20"),  # 15/02/2026 is in Tết
        (months(2), "2026-07-02 10:00", "2026-09-03 10:00"),  # 02/09 → Thu 03/09
    ],
)
def test_calendar_days_and_months(limit: TimeLimit, received: str, due: str) -> None:
    assert appointment(limit, vn(received), CAL).due_at == vn(due)


def test_roll_forward_is_explained() -> None:
    assert "ngày nghỉ" in appointment(cd(1), vn("2026-03-06 09:00"), CAL).explanation
    assert "ngày nghỉ" not in appointment(cd(1), vn("2026-03-05 09:00"), CAL).explanation


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2024, 1, 29), 1, D(2024, 2, 29)),
        (D(2024, 1, 28), 1, D(2024, 2, 28)),
        (D(2024, 8, 31), 1, D(2024, 9, 30)),
        (D(2024, 10, 31), 4, D(2025, 2, 28)),
        (D(2025, 12, 15), 2, D(2026, 2, 15)),
        (D(2025, 11, 30), 1, D(2025, 12, 30)),
        (D(2025, 12, 31), 12, D(2026, 12, 31)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
    ],
)
def test_add_months(day: dt.date, n: int, expected: dt.date) -> None:
    assert add_months(day, n) == expected


# -- working hours ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "received", "due"),
    [
        (1, "2026-03-02 09:00", "2026-03-02 10:00"),
        (2, "2026-03-02 09:30", "2026-03-02 11:30"),  # ends exactly at the end of the morning
        (4, "2026-03-02 09:00", "2026-03-02 15:00"),  # 2 h 30 before lunch, 1 h 30 after
        (1, "2026-03-02 11:00", "2026-03-02 14:00"),
        (1, "2026-03-02 12:00", "2026-03-02 14:30"),  # received at lunch: from 13:30
        (4, "2026-03-02 13:30", "2026-03-03 07:30"),
        (8, "2026-03-02 07:00", "2026-03-02 17:00"),  # a whole day
        (8, "2026-03-02 09:00", "2026-03-03 09:00"),  # overnight
        (2, "2026-03-06 16:00", "2026-03-09 08:00"),  # over the weekend
        (1, "2026-03-07 09:00", "2026-03-09 08:00"),  # Saturday reception
        (1, "2026-02-13 16:30", "2026-02-23 07:30"),  # over Tết 2026
        (1, "2026-08-21 16:30", "2026-08-22 07:30"),  # into make-up Saturday 22/08/2026
        (16, "2026-03-02 07:00", "2026-03-03 17:00"),
        (1, "2026-03-02 18:00", "2026-03-03 08:00"),
    ],
)
def test_working_hours(n: int, received: str, due: str) -> None:
    assert appointment(wh(n), vn(received), CAL).due_at == vn(due)


@pytest.mark.parametrize(
    ("begin", "end", "hours"),
    [
        ("2026-03-02 09:00", "2026-03-02 10:00", 1),
        ("2026-03-02 07:00", "2026-03-02 17:00", 8),
        ("2026-03-02 11:00", "2026-03-02 14:00", 1),
        ("2026-03-06 16:00", "2026-03-09 08:00", 2),
        ("2026-03-07 08:00", "2026-03-07 12:00", 0),
        ("2026-02-13 16:30", "2026-02-23 07:30", 1),
    ],
)
def test_office_time_between(begin: str, end: str, hours: float) -> None:
    assert office_time_between(vn(begin), vn(end), CAL) == dt.timedelta(hours=hours)


# -- the "after 15:00 counts from the next working day" setting --------------------------------------------------------
@pytest.mark.parametrize(
    ("limit", "received", "off", "on"),
    [
        (wd(3), "2026-03-02 15:30", "2026-03-05 15:30", "2026-03-06 07:00"),
        (wd(3), "2026-03-02 15:00", "2026-03-05 15:00", "2026-03-05 15:00"),  # exactly 15:00: not after
        (wd(3), "2026-03-02 14:59", "2026-03-05 14:59", "2026-03-05 14:59"),
        (wd(1), "2026-02-13 15:30", "2026-02-23 15:30", "2026-02-24 07:00"),
        (wd(3), "2026-03-07 15:30", "2026-03-12 07:00", "2026-03-12 07:00"),  # Saturday: already next opening
        (wd(3), "2026-03-02 18:00", "2026-03-06 07:00", "2026-03-06 07:00"),  # after closing: same either way
        (cd(30), "2026-03-02 15:30", "2026-04-01 15:30", "2026-04-02 07:00"),
        (months(1), "2026-03-02 15:30", "2026-04-02 15:30", "2026-04-03 07:00"),
        (wh(1), "2026-03-02 15:30", "2026-03-02 16:30", "2026-03-02 16:30"),  # hours are not multi-day
        (SAME_DAY, "2026-03-02 15:30", "2026-03-03 17:00", "2026-03-03 17:00"),
    ],
)
def test_multi_day_after_cutoff_setting(limit: TimeLimit, received: str, off: str, on: str) -> None:
    assert appointment(limit, vn(received), CAL).due_at == vn(off)
    assert appointment(limit, vn(received), CAL, NEXT_DAY).due_at == vn(on)


# -- TimeLimit -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value", "unit", "described"),
    [
        ("same_day", 0, TimeUnit.SAME_DAY, "Trong ngày"),
        ("  same_day ", 0, TimeUnit.SAME_DAY, "Trong ngày"),
        ("3 working_days", 3, TimeUnit.WORKING_DAYS, "3 ngày làm việc"),
        ("5  working_days ", 5, TimeUnit.WORKING_DAYS, "5 ngày làm việc"),
        ("8 working_hours", 8, TimeUnit.WORKING_HOURS, "8 giờ làm việc"),
        ("30 days", 30, TimeUnit.DAYS, "30 ngày"),
        ("1 months", 1, TimeUnit.MONTHS, "1 tháng"),
        ("366 days", 366, TimeUnit.DAYS, "366 ngày"),
        ("1 working_days", 1, TimeUnit.WORKING_DAYS, "1 ngày làm việc"),
    ],
)
def test_time_limit_parse_valid(text: str, value: int, unit: TimeUnit, described: str) -> None:
    limit = TimeLimit.parse(text)
    assert (limit.value, limit.unit) == (value, unit)
    assert limit.describe() == described
    assert TimeLimit.parse(str(limit)) == limit


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "same day", "Same_day", "2 same_day", "0 days", "0 working_days", "367 days", "3", "working_days",
        "3 weeks", "-1 days", "3.5 days", "3working_days", "3 Working_days", "ba ngày", "3 working_days x",
        "7-10 working_days",
    ],
)
def test_time_limit_parse_invalid(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        TimeLimit.parse(text)
    assert err.value.field in {"rule", "time_limit"}
    assert "Thời hạn" in err.value.message or "thời hạn" in err.value.message


@pytest.mark.parametrize(
    ("value", "unit"),
    [(1, TimeUnit.SAME_DAY), (0, TimeUnit.WORKING_DAYS), (367, TimeUnit.DAYS), (-1, TimeUnit.MONTHS)],
)
def test_time_limit_constructor_refuses(value: int, unit: TimeUnit) -> None:
    with pytest.raises(ValidationError) as err:
        TimeLimit(value, unit)
    assert err.value.field == "time_limit"


LIMITS = st.one_of(
    st.just(SAME_DAY),
    st.builds(TimeLimit, st.integers(1, 366), st.sampled_from([u for u in TimeUnit if u is not TimeUnit.SAME_DAY])),
)


@given(limit=LIMITS)
def test_property_time_limit_text_round_trip(limit: TimeLimit) -> None:
    assert TimeLimit.parse(str(limit)) == limit


# -- supplement requests: restart (Decree 61) vs pause (Decision 766) ------------------------------------------------
def test_restart_recomputes_from_the_resubmission() -> None:
    received = vn("2026-03-02 09:00")
    due = appointment(wd(3), received, CAL).due_at
    assert due == vn("2026-03-05 09:00")
    new = due_after_supplement(
        wd(3), previous_due=due, requested_at=vn("2026-03-03 10:00"), resubmitted_at=vn("2026-03-09 14:00"), cal=CAL
    )
    assert new == vn("2026-03-12 14:00")
    # The default rule is restart.
    assert new == due_after_supplement(
        wd(3), previous_due=due, requested_at=vn("2026-03-03 10:00"), resubmitted_at=vn("2026-03-09 14:00"),
        cal=CAL, policy=RESTART,
    )


@pytest.mark.parametrize(
    ("limit", "previous_due", "requested", "resubmitted", "restart", "pause"),
    [
        # 3 working days from Mon 02/03 09:00: due Thu 05/03 09:00. Waited Wed, Thu, Fri, Mon: shift 4 working days.
        (wd(3), "2026-03-05 09:00", "2026-03-03 10:00", "2026-03-09 14:00", "2026-03-12 14:00", "2026-03-11 09:00"),
        # Request and resubmission on the same day: no working day waited.
        (wd(3), "2026-03-05 09:00", "2026-03-03 10:00", "2026-03-03 16:00", "2026-03-06 16:00", "2026-03-05 09:00"),
        # Across Tết 2026: waited Thu 12, Fri 13, Mon 23 → shift 3 (due Fri 13/02 → Wed 25/02).
        (wd(2), "2026-02-13 10:00", "2026-02-11 14:00", "2026-02-23 09:00", "2026-02-25 09:00", "2026-02-25 10:00"),
        # 5 working days from Tue 18/08/2026 10:00: due Mon 24/08 10:00. Waited 21, Sat 22 (make-up), 24, 25, 26, 27:
        # shift 6 → 25, 26, 27, 28, then 03/09, 04/09 (29/08–02/09 off, Mon 31/08 swapped).
        (wd(5), "2026-08-24 10:00", "2026-08-20 10:00", "2026-08-27 09:00", "2026-09-08 09:00", "2026-09-04 10:00"),
        # Working hours: waited 10:00–11:30 and 13:30–14:00 = 2 office hours.
        (wh(8), "2026-03-03 09:00", "2026-03-02 10:00", "2026-03-02 14:00", "2026-03-03 14:00", "2026-03-03 11:00"),
        # Calendar days: waited 6 days.
        (cd(30), "2026-04-01 09:00", "2026-03-03 10:00", "2026-03-09 08:00", "2026-04-08 08:00", "2026-04-07 09:00"),
        # ... and the shifted last day is Sunday 26/04 (Giỗ Tổ), Monday 27/04 is off: Tue 28/04.
        (cd(30), "2026-04-22 09:00", "2026-03-23 10:00", "2026-03-27 10:00", "2026-04-28 10:00", "2026-04-28 09:00"),
        # Same-day procedures are recomputed from the resubmission under either rule.
        (SAME_DAY, "2026-03-02 17:00", "2026-03-02 10:00", "2026-03-04 15:30", "2026-03-05 17:00",
         "2026-03-05 17:00"),
    ],
)
def test_supplement_restart_and_pause(
    limit: TimeLimit, previous_due: str, requested: str, resubmitted: str, restart: str, pause: str
) -> None:
    kwargs = dict(previous_due=vn(previous_due), requested_at=vn(requested), resubmitted_at=vn(resubmitted), cal=CAL)
    assert due_after_supplement(limit, **kwargs, policy=RESTART) == vn(restart)  # type: ignore[arg-type]
    assert due_after_supplement(limit, **kwargs, policy=PAUSE) == vn(pause)  # type: ignore[arg-type]


def test_pause_without_office_time_waited_keeps_the_due_moment() -> None:
    # 8 working hours from Mon 07:00: due Mon 17:00. The request and the resubmission both fall in the lunch break:
    # no office time passed, so the appointment must not move (not to Tuesday 07:00, another calendar date).
    due = appointment(wh(8), vn("2026-03-02 07:00"), CAL).due_at
    assert due == vn("2026-03-02 17:00")
    new = due_after_supplement(
        wh(8), previous_due=due, requested_at=vn("2026-03-02 11:45"), resubmitted_at=vn("2026-03-02 13:15"),
        cal=CAL, policy=PAUSE,
    )
    assert new == due
    assert classify_resolved(vn("2026-03-02 16:00"), new) is Timeliness.ON_TIME


def test_resubmission_before_request_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        due_after_supplement(
            wd(3), previous_due=vn("2026-03-05 09:00"), requested_at=vn("2026-03-03 10:00"),
            resubmitted_at=vn("2026-03-03 09:00"), cal=CAL,
        )
    assert err.value.field == "at"


# -- early / on time / late ------------------------------------------------------------------------------------------
DUE = vn("2026-03-05 09:15")


@pytest.mark.parametrize(
    ("ready", "expected"),
    [
        ("2026-03-02 10:00", Timeliness.EARLY),
        ("2026-03-04 16:59", Timeliness.EARLY),
        ("2026-03-05 07:00", Timeliness.ON_TIME),
        ("2026-03-05 09:15", Timeliness.ON_TIME),
        ("2026-03-05 16:30", Timeliness.ON_TIME),  # later than the hour but the same date: by calendar date
        ("2026-03-05 23:59", Timeliness.ON_TIME),
        ("2026-03-06 07:00", Timeliness.LATE),
        ("2026-04-01 10:00", Timeliness.LATE),
    ],
)
def test_classify_resolved_by_calendar_date(ready: str, expected: Timeliness) -> None:
    assert classify_resolved(vn(ready), DUE) is expected
    assert classify_resolved(vn(ready), DUE, supplement_requests=2) is expected  # restart: requests do not matter


@pytest.mark.parametrize(
    ("ready", "requests", "expected"),
    [
        ("2026-03-02 10:00", 0, Timeliness.EARLY),
        ("2026-03-02 10:00", 1, Timeliness.EARLY),
        ("2026-03-02 10:00", 2, Timeliness.LATE),  # more than one supplement request counts as late
        ("2026-03-05 10:00", 1, Timeliness.ON_TIME),
        ("2026-03-05 10:00", 3, Timeliness.LATE),
        ("2026-03-06 10:00", 1, Timeliness.LATE),
    ],
)
def test_classify_resolved_pause_rule(ready: str, requests: int, expected: Timeliness) -> None:
    assert classify_resolved(vn(ready), DUE, supplement_requests=requests, policy=PAUSE) is expected


@pytest.mark.parametrize(
    ("as_of", "requests", "policy", "expected"),
    [
        ("2026-03-04 17:00", 0, RESTART, Timeliness.WITHIN),
        ("2026-03-05 09:15", 0, RESTART, Timeliness.WITHIN),
        ("2026-03-05 09:16", 0, RESTART, Timeliness.WITHIN),  # still due today: resolving it today is on time
        ("2026-03-05 23:59", 0, RESTART, Timeliness.WITHIN),
        ("2026-03-06 00:00", 0, RESTART, Timeliness.OVERDUE),
        ("2026-03-31 23:59", 0, RESTART, Timeliness.OVERDUE),
        ("2026-03-04 17:00", 2, RESTART, Timeliness.WITHIN),
        ("2026-03-04 17:00", 1, PAUSE, Timeliness.WITHIN),
        ("2026-03-04 17:00", 2, PAUSE, Timeliness.OVERDUE),
    ],
)
def test_classify_pending(as_of: str, requests: int, policy: DeadlinePolicy, expected: Timeliness) -> None:
    assert classify_pending(DUE, vn(as_of), supplement_requests=requests, policy=policy) is expected


def test_timeliness_names() -> None:
    assert TIMELINESS_VN == {
        Timeliness.EARLY: "Trước hạn",
        Timeliness.ON_TIME: "Đúng hạn",
        Timeliness.LATE: "Quá hạn",
        Timeliness.WITHIN: "Trong hạn",
        Timeliness.OVERDUE: "Quá hạn",
    }


# -- properties ------------------------------------------------------------------------------------------------------
MOMENTS = st.builds(
    lambda day, minute: dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=VN_TZ),
    st.dates(min_value=D(2023, 1, 1), max_value=D(2029, 6, 30)),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)
SHORT_LIMITS = st.one_of(
    st.just(SAME_DAY),
    st.builds(wd, st.integers(1, 30)),
    st.builds(wh, st.integers(1, 40)),
    st.builds(cd, st.integers(1, 60)),
    st.builds(months, st.integers(1, 12)),
)
POLICIES = st.sampled_from([DeadlinePolicy(), NEXT_DAY])


@settings(max_examples=300, deadline=None)
@given(limit=SHORT_LIMITS, received=MOMENTS, policy=POLICIES)
def test_property_appointment(limit: TimeLimit, received: dt.datetime, policy: DeadlinePolicy) -> None:
    result = appointment(limit, received, CAL, policy)
    start = result.counted_from
    # The due date is never a non-working day, and never before the receipt.
    assert CAL.is_working_day(result.due_at.date())
    assert result.due_at >= received
    assert result.due_at > start or limit.unit is TimeUnit.SAME_DAY
    # Counting starts inside office hours on a working day.
    assert CAL.is_working_day(start.date())
    assert any(s <= start.time() < e for s, e in CAL.office_hours.sessions)
    assert start >= received
    if limit.unit is TimeUnit.SAME_DAY:
        assert result.due_at.time() == CAL.office_hours.closing
        assert result.due_at.date() in {start.date(), CAL.next_working_day(start.date())}
    elif limit.unit is TimeUnit.WORKING_DAYS:
        assert CAL.working_days_between(start.date(), result.due_at.date()) == limit.value
        assert result.due_at.time() == start.time()
    elif limit.unit is TimeUnit.WORKING_HOURS:
        assert office_time_between(start, result.due_at, CAL) == dt.timedelta(hours=limit.value)
    elif limit.unit is TimeUnit.DAYS:
        assert result.due_at.date() == CAL.working_day_on_or_after(start.date() + dt.timedelta(days=limit.value))
        assert result.due_at.time() == start.time()
    else:
        assert limit.unit is TimeUnit.MONTHS
        assert result.due_at.date() == CAL.working_day_on_or_after(add_months(start.date(), limit.value))
        assert result.due_at.time() == start.time()


@settings(max_examples=200, deadline=None)
@given(received=MOMENTS)
def test_property_same_day_is_due_at_closing_of_the_effective_day(received: dt.datetime) -> None:
    result = appointment(SAME_DAY, received, CAL)
    start = effective_receipt(received, CAL)
    after_cutoff = start.date() == received.date() and received.time() >= dt.time(15, 1)
    expected_day = CAL.next_working_day(start.date()) if after_cutoff else start.date()
    assert result.due_at == dt.datetime.combine(expected_day, dt.time(17, 0), tzinfo=VN_TZ)


@settings(max_examples=200, deadline=None)
@given(a=MOMENTS, b=MOMENTS, n=st.integers(1, 20))
def test_property_working_day_appointments_are_monotonic_in_receipt(a: dt.datetime, b: dt.datetime, n: int) -> None:
    a, b = min(a, b), max(a, b)
    assert appointment(wd(n), a, CAL).due_at <= appointment(wd(n), b, CAL).due_at
    assert appointment(wd(n), a, CAL).due_at <= appointment(wd(n + 1), a, CAL).due_at


@settings(max_examples=150, deadline=None)
@given(start=MOMENTS, hours=st.integers(0, 30), minutes=st.integers(0, 59))
def test_property_add_working_hours_consumes_exactly_office_time(start: dt.datetime, hours: int, minutes: int) -> None:
    begin = effective_receipt(start, CAL)
    amount = dt.timedelta(hours=hours, minutes=minutes)
    assume(amount > dt.timedelta(0))
    end = add_working_hours(begin, amount, CAL)
    assert office_time_between(begin, end, CAL) == amount
    assert CAL.is_working_day(end.date())
    assert any(s < end.time() <= e for s, e in CAL.office_hours.sessions)


@settings(max_examples=150, deadline=None)
@given(
    received=MOMENTS,
    n=st.integers(1, 15),
    wait_from=st.integers(0, 10 * 24 * 60),
    wait=st.integers(0, 20 * 24 * 60),
)
def test_property_pause_never_moves_the_appointment_earlier(
    received: dt.datetime, n: int, wait_from: int, wait: int
) -> None:
    for limit in (wd(n), wh(n), cd(n)):
        due = appointment(limit, received, CAL).due_at
        requested = received + dt.timedelta(minutes=wait_from)
        resubmitted = requested + dt.timedelta(minutes=wait)
        new = due_after_supplement(
            limit, previous_due=due, requested_at=requested, resubmitted_at=resubmitted, cal=CAL, policy=PAUSE
        )
        assert new >= due
        assert CAL.is_working_day(new.date())
        if limit.unit is TimeUnit.WORKING_HOURS and office_time_between(requested, resubmitted, CAL) == dt.timedelta():
            assert new == due
        if limit.unit is TimeUnit.WORKING_DAYS:
            assert CAL.working_days_between(due.date(), new.date()) == CAL.working_days_between(
                requested.date(), resubmitted.date()
            )
