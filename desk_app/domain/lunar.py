"""The Vietnamese lunar calendar (âm lịch), computed for time zone UTC+7.

Where the algorithm comes from
------------------------------
This is a straight, typed transcription of Hồ Ngọc Đức's published astronomical algorithm
("Thuật toán tính âm lịch", https://www.informatik.uni-leipzig.de/~duc/amlich/calrules.html and the
reference JavaScript ``amlich.js``): new moons from Jean Meeus' *Astronomical Algorithms* (truncated
series), the sun's apparent longitude for the solar terms, month 11 as the month containing the
winter solstice, and the leap month as the first month of a 13-month year without a principal term
(trung khí). The function names of the original are kept in snake_case so the two can be compared
line by line: ``jd_from_date``, ``jd_to_date``, ``get_new_moon_day``, ``get_sun_longitude``,
``get_lunar_month11``, ``get_leap_month_offset``, ``convert_solar2lunar``, ``convert_lunar2solar``.

Why UTC+7 matters
-----------------
A lunar month starts on the civil day that contains the new moon, and a principal term belongs to
the month whose civil days contain it, so the result depends on the time zone. Vietnam uses UTC+7
(since 1968 for the calendar); China uses UTC+8. When a new moon or a solar term falls between
23:00 and midnight Beijing time, the two calendars disagree, e.g. Tết 1985 (Vietnam 1985-01-21,
China 1985-02-20: a whole month apart, because the leap month differs) and Tết 2007 (Vietnam
2007-02-17, China 2007-02-18). A Chinese-calendar library therefore gives wrong Vietnamese dates.
Every function takes ``tz`` (hours east of UTC, default :data:`TIME_ZONE` = 7.0) only so the tests
can show that difference; the application always uses the default.

Supported range
---------------
Lunar years :data:`MIN_LUNAR_YEAR`..:data:`MAX_LUNAR_YEAR` (1900..2100), i.e. Gregorian dates from
1900-01-31 (Tết Canh Tý 1900) to 2101-01-28 (the last day of lunar year 2100). Anything outside
raises :class:`ValueError`. Pure standard library, no I/O.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

__all__ = [
    "TIME_ZONE",
    "MIN_LUNAR_YEAR",
    "MAX_LUNAR_YEAR",
    "LunarDate",
    "lunar_to_solar",
    "solar_to_lunar",
    "lunar_new_year",
    "last_day_of_lunar_year",
    "lunar_month_length",
    "leap_month",
]

TIME_ZONE: float = 7.0
"""Vietnam's time zone (hours east of UTC) used for the calendar."""

MIN_LUNAR_YEAR: int = 1900
MAX_LUNAR_YEAR: int = 2100

_PI = math.pi
_DR = _PI / 180.0
_SYNODIC_MONTH = 29.530588853
_NEW_MOON_EPOCH = 2415021.076998695  # JD of the new moon of 1900-01-01 (k = 0)


@dataclass(frozen=True)
class LunarDate:
    """A date of the Vietnamese lunar calendar; ``leap`` marks the leap (nhuận) month."""

    year: int
    month: int
    day: int
    leap: bool = False


# --------------------------------------------------------------------------------------------------
# Hồ Ngọc Đức's algorithm
# --------------------------------------------------------------------------------------------------


def jd_from_date(dd: int, mm: int, yy: int) -> int:
    """Julian day number of a day/month/year (Gregorian after 1582-10-15, Julian before)."""
    a = (14 - mm) // 12
    y = yy + 4800 - a
    m = mm + 12 * a - 3
    jd = dd + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045
    if jd < 2299161:
        jd = dd + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return jd


def jd_to_date(jd: int) -> tuple[int, int, int]:
    """Inverse of :func:`jd_from_date`: ``(day, month, year)``."""
    if jd > 2299160:  # after 1582-10-05: Gregorian
        a = jd + 32044
        b = (4 * a + 3) // 146097
        c = a - (b * 146097) // 4
    else:
        b = 0
        c = jd + 32082
    d = (4 * c + 3) // 1461
    e = c - (1461 * d) // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = b * 100 + d - 4800 + m // 10
    return day, month, year


def _new_moon(k: int) -> float:
    """Julian day (UT, fractional) of the k-th new moon after the one of 1900-01-01."""
    t = k / 1236.85
    t2 = t * t
    t3 = t2 * t
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * _DR)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3  # sun's mean anomaly
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3  # moon's mean anomaly
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3  # moon's argument of latitude
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * _DR) + 0.0021 * math.sin(2 * _DR * m)
    c1 = c1 - 0.4068 * math.sin(mpr * _DR) + 0.0161 * math.sin(_DR * 2 * mpr)
    c1 = c1 - 0.0004 * math.sin(_DR * 3 * mpr)
    c1 = c1 + 0.0104 * math.sin(_DR * 2 * f) - 0.0051 * math.sin(_DR * (m + mpr))
    c1 = c1 - 0.0074 * math.sin(_DR * (m - mpr)) + 0.0004 * math.sin(_DR * (2 * f + m))
    c1 = c1 - 0.0004 * math.sin(_DR * (2 * f - m)) - 0.0006 * math.sin(_DR * (2 * f + mpr))
    c1 = c1 + 0.0010 * math.sin(_DR * (2 * f - mpr)) + 0.0005 * math.sin(_DR * (2 * mpr + m))
    if t < -11:
        deltat = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        deltat = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - deltat


def _sun_longitude(jdn: float) -> float:
    """Sun's apparent longitude in radians, in [0, 2π), at Julian day ``jdn`` (UT)."""
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2  # mean anomaly
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2  # mean longitude
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(_DR * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(_DR * 2 * m) + 0.000290 * math.sin(_DR * 3 * m)
    lon = (l0 + dl) * _DR
    return lon - 2 * _PI * math.floor(lon / (2 * _PI))


def get_new_moon_day(k: int, tz: float = TIME_ZONE) -> int:
    """Julian day number of the civil day (in zone ``tz``) containing the k-th new moon."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def get_sun_longitude(day_number: int, tz: float = TIME_ZONE) -> int:
    """Sector 0..11 (30° each, 0 = from the vernal equinox) of the sun's longitude at the start of the day."""
    return math.floor(_sun_longitude(day_number - 0.5 - tz / 24) / _PI * 6)


def get_lunar_month11(yy: int, tz: float = TIME_ZONE) -> int:
    """Julian day number of the first day of lunar month 11 (the one containing the winter solstice) of ``yy``."""
    off = jd_from_date(31, 12, yy) - 2415021
    k = math.floor(off / _SYNODIC_MONTH)
    nm = get_new_moon_day(k, tz)
    if get_sun_longitude(nm, tz) >= 9:  # sun already past 270°: that month starts after the solstice
        nm = get_new_moon_day(k - 1, tz)
    return nm


def get_leap_month_offset(a11: int, tz: float = TIME_ZONE) -> int:
    """Offset (1..) after month 11 starting at JD ``a11`` of the first month that contains no principal term."""
    k = math.floor((a11 - _NEW_MOON_EPOCH) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = get_sun_longitude(get_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = get_sun_longitude(get_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            break
    return i - 1


def convert_solar2lunar(dd: int, mm: int, yy: int, tz: float = TIME_ZONE) -> tuple[int, int, int, bool]:
    """Solar day/month/year -> ``(lunar_day, lunar_month, lunar_year, leap)``.

    Identical to the original except that the month containing the day is searched for, not guessed.
    """
    day_number = jd_from_date(dd, mm, yy)
    k = math.floor((day_number - _NEW_MOON_EPOCH) / _SYNODIC_MONTH) + 1
    month_start = get_new_moon_day(k, tz)
    # The original tries k + 1 and then k once. Deviation: the mean-month estimate can be off by more
    # (e.g. 2054-05-07 and 2062-04-09 at UTC+7, where the original returns "day 0"), so search until
    # month_start <= day_number < start of the next month.
    while month_start > day_number:
        k -= 1
        month_start = get_new_moon_day(k, tz)
    while (next_start := get_new_moon_day(k + 1, tz)) <= day_number:
        k += 1
        month_start = next_start
    a11 = get_lunar_month11(yy, tz)
    b11 = a11
    if a11 >= month_start:
        lunar_year = yy
        a11 = get_lunar_month11(yy - 1, tz)
    else:
        lunar_year = yy + 1
        b11 = get_lunar_month11(yy + 1, tz)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    lunar_leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:  # 13-month year
        leap_month_diff = get_leap_month_offset(a11, tz)
        if diff >= leap_month_diff:
            lunar_month = diff + 10
            if diff == leap_month_diff:
                lunar_leap = True
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return lunar_day, lunar_month, lunar_year, lunar_leap


def _month_index(lunar_month: int, lunar_year: int, lunar_leap: bool, tz: float) -> int | None:
    """k of the new moon that starts the given lunar month, or None if that (leap) month does not exist."""
    if lunar_month < 11:
        a11 = get_lunar_month11(lunar_year - 1, tz)
        b11 = get_lunar_month11(lunar_year, tz)
    else:
        a11 = get_lunar_month11(lunar_year, tz)
        b11 = get_lunar_month11(lunar_year + 1, tz)
    k = math.floor(0.5 + (a11 - _NEW_MOON_EPOCH) / _SYNODIC_MONTH)
    off = lunar_month - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:
        leap_off = get_leap_month_offset(a11, tz)
        leap_month = leap_off - 2
        if leap_month < 0:
            leap_month += 12
        if lunar_leap and lunar_month != leap_month:
            return None
        if lunar_leap or off >= leap_off:
            off += 1
    elif lunar_leap:
        return None
    return k + off


def convert_lunar2solar(
    lunar_day: int, lunar_month: int, lunar_year: int, lunar_leap: bool, tz: float = TIME_ZONE
) -> tuple[int, int, int] | None:
    """Lunar date -> solar ``(day, month, year)``, or None when the leap month does not exist that year.

    Like the original, the day is not checked against the month length (day 30 of a 29-day month
    gives the first day of the next month); :func:`lunar_to_solar` does that check.
    """
    k = _month_index(lunar_month, lunar_year, lunar_leap, tz)
    if k is None:
        return None
    return jd_to_date(get_new_moon_day(k, tz) + lunar_day - 1)


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not MIN_LUNAR_YEAR <= year <= MAX_LUNAR_YEAR:
        raise ValueError(
            f"Năm âm lịch {year} nằm ngoài phạm vi hỗ trợ ({MIN_LUNAR_YEAR}–{MAX_LUNAR_YEAR})."
        )


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"Tháng âm lịch phải từ 1 đến 12 (nhận được {month}).")


def _month_label(year: int, month: int, leap: bool) -> str:
    return f"tháng {month}{' nhuận' if leap else ''} năm {year}"


def _month_start_and_length(year: int, month: int, leap: bool, tz: float) -> tuple[int, int]:
    """(JD of day 1, number of days) of an existing lunar month; ValueError otherwise."""
    _check_year(year)
    _check_month(month)
    k = _month_index(month, year, leap, tz)
    if k is None:
        lm = leap_month(year, tz=tz)
        has = f"chỉ có tháng {lm} nhuận" if lm else "không có tháng nhuận"
        raise ValueError(
            f"Không có {_month_label(year, month, leap)} trong âm lịch (năm {year} {has})."
        )
    start = get_new_moon_day(k, tz)
    return start, get_new_moon_day(k + 1, tz) - start


def _jd_to_pydate(jd: int) -> datetime.date:
    day, month, year = jd_to_date(jd)
    return datetime.date(year, month, day)


def leap_month(year: int, *, tz: float = TIME_ZONE) -> int:
    """The month number that is doubled by a leap month in lunar year ``year`` (months 1..12), or 0 if none.

    The leap month 11 or 12 belongs to the lunar year of the month it follows.
    """
    _check_year(year)
    for month in range(1, 13):
        if _month_index(month, year, True, tz) is not None:
            return month
    return 0


def lunar_month_length(year: int, month: int, leap: bool = False, *, tz: float = TIME_ZONE) -> int:
    """Number of days (29 or 30) of the lunar month; ValueError if the month does not exist."""
    return _month_start_and_length(year, month, leap, tz)[1]


def lunar_to_solar(
    year: int, month: int, day: int, leap: bool = False, *, tz: float = TIME_ZONE
) -> datetime.date:
    """The Gregorian date of a lunar date; ValueError (Vietnamese message) if it does not exist."""
    start, length = _month_start_and_length(year, month, leap, tz)
    if not 1 <= day <= length:
        raise ValueError(
            f"Ngày âm lịch {day} không tồn tại: {_month_label(year, month, leap)} chỉ có {length} ngày."
        )
    return _jd_to_pydate(start + day - 1)


def solar_to_lunar(d: datetime.date, *, tz: float = TIME_ZONE) -> LunarDate:
    """The lunar date of a Gregorian date; ValueError outside lunar years 1900–2100."""
    supported = f"năm âm lịch {MIN_LUNAR_YEAR}–{MAX_LUNAR_YEAR}"
    if not MIN_LUNAR_YEAR - 1 <= d.year <= MAX_LUNAR_YEAR + 1:
        raise ValueError(f"Ngày {d:%d/%m/%Y} nằm ngoài phạm vi lịch âm hỗ trợ ({supported}).")
    lday, lmonth, lyear, lleap = convert_solar2lunar(d.day, d.month, d.year, tz)
    if not MIN_LUNAR_YEAR <= lyear <= MAX_LUNAR_YEAR:
        raise ValueError(
            f"Ngày {d:%d/%m/%Y} thuộc năm âm lịch {lyear}, ngoài phạm vi hỗ trợ ({supported})."
        )
    return LunarDate(year=lyear, month=lmonth, day=lday, leap=lleap)


def lunar_new_year(year: int, *, tz: float = TIME_ZONE) -> datetime.date:
    """Tết Nguyên đán: mùng 1 tháng Giêng of lunar year ``year``."""
    return lunar_to_solar(year, 1, 1, tz=tz)


def last_day_of_lunar_year(year: int, *, tz: float = TIME_ZONE) -> datetime.date:
    """The last day of lunar year ``year`` ("30 Tết", the eve of the next Tết).

    That is day 30 or day 29 of month 12, whichever the month has.
    """
    _check_year(year)
    k = _month_index(1, year + 1, False, tz)
    assert k is not None  # month 1 always exists
    return _jd_to_pydate(get_new_moon_day(k, tz) - 1)
