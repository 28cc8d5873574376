"""Working days: weekly rest days, public holidays, compensatory and swapped days off, make-up Saturdays.

The rules of DOMAIN.md §4:

* Labour Code 2019 art. 112 holidays: 01/01; Tết (the last day of the lunar year and mùng 1–4); Giỗ Tổ Hùng Vương
  (10/3 lunar); 30/04; 01/05; Quốc khánh (02/09 and 01/09).
* A holiday that falls on a weekly rest day (or on another holiday) gives a compensatory day off on the next working
  day after the run of days off it belongs to (art. 112(3)).
* The Prime Minister's yearly schedule is data (:class:`YearSchedule`): an official period for an occasion replaces
  the rule for that occasion in that year, and may swap working days for announced make-up Saturdays.
* Optional holidays (24/11, Ngày Văn hóa Việt Nam, unconfirmed) are shipped switched off; the administrator enables
  them by key.

The calendar also knows the office hours, used by :mod:`desk_app.domain.deadlines`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.domain.lunar import last_day_of_lunar_year, lunar_to_solar

ONE_DAY = dt.timedelta(days=1)
MAX_DAYS_OFF_IN_A_ROW = 60  # no real schedule comes near it; past it the calendar is misconfigured


class Occasion(StrEnum):
    """The statutory holidays, as keys that official schedules refer to."""

    NEW_YEAR = "new_year"
    TET = "tet"
    HUNG_KINGS = "hung_kings"
    REUNIFICATION = "reunification"
    LABOUR = "labour"
    NATIONAL_DAY = "national_day"


OCCASION_NAMES: dict[Occasion, str] = {
    Occasion.NEW_YEAR: "Tết Dương lịch",
    Occasion.TET: "Tết Nguyên đán",
    Occasion.HUNG_KINGS: "Giỗ Tổ Hùng Vương",
    Occasion.REUNIFICATION: "Ngày Chiến thắng 30/4",
    Occasion.LABOUR: "Ngày Quốc tế Lao động 1/5",
    Occasion.NATIONAL_DAY: "Quốc khánh 2/9",
}


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a statutory or official day off
    COMPENSATORY = "compensatory"  # nghỉ bù: a holiday fell on a rest day
    SWAPPED = "swapped"  # nghỉ hoán đổi: a working day swapped for a make-up Saturday
    OPTIONAL = "optional"  # an administrator-enabled holiday (24/11)
    MAKEUP_WORKING = "makeup_working"  # làm bù: a Saturday that is a working day


@dataclass(frozen=True)
class DayOff:
    date: dt.date
    name: str
    kind: DayKind


@dataclass(frozen=True)
class OfficialPeriod:
    """A run of days off decreed for one or more occasions, inclusive at both ends."""

    start: dt.date
    end: dt.date
    name: str
    occasions: tuple[Occasion, ...]
    swapped: tuple[dt.date, ...] = ()

    def days(self) -> Iterable[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += ONE_DAY


@dataclass(frozen=True)
class MakeupDay:
    date: dt.date
    name: str


@dataclass(frozen=True)
class YearSchedule:
    """The official schedule for civil servants in one year (the Prime Minister's notice)."""

    year: int
    periods: tuple[OfficialPeriod, ...] = ()
    makeup_days: tuple[MakeupDay, ...] = ()
    source: str = ""

    def occasions(self) -> set[Occasion]:
        return {occasion for period in self.periods for occasion in period.occasions}


@dataclass(frozen=True)
class OptionalHoliday:
    """A fixed-date holiday that is off until the administrator switches it on."""

    key: str
    name: str
    month: int
    day: int
    from_year: int


@dataclass(frozen=True)
class OfficeHours:
    """Opening sessions of a working day, e.g. 07:00–11:30 and 13:30–17:00; optional Saturday reception."""

    sessions: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(7, 0), dt.time(11, 30)),
        (dt.time(13, 30), dt.time(17, 0)),
    )
    saturday_sessions: tuple[tuple[dt.time, dt.time], ...] = ()

    def __post_init__(self) -> None:
        for sessions in (self.sessions, self.saturday_sessions):
            previous_end = dt.time(0, 0)
            for start, end in sessions:
                if not previous_end <= start < end:
                    raise ValidationError(
                        "Giờ làm việc không hợp lệ: các buổi phải theo thứ tự, giờ mở cửa trước giờ đóng cửa "
                        "(ví dụ 07:00-11:30,13:30-17:00).",
                        field="office_hours",
                    )
                previous_end = end
        if not self.sessions:
            raise ValidationError("Cần ít nhất một buổi làm việc trong ngày.", field="office_hours")

    @property
    def opening(self) -> dt.time:
        return self.sessions[0][0]

    @property
    def closing(self) -> dt.time:
        return self.sessions[-1][1]

    @classmethod
    def parse(cls, text: str, saturday: str = "") -> OfficeHours:
        """Parse ``"07:00-11:30,13:30-17:00"`` (and the same form for Saturday reception, or empty)."""
        return cls(sessions=_parse_sessions(text), saturday_sessions=_parse_sessions(saturday) if saturday else ())

    def format(self) -> str:
        return _format_sessions(self.sessions)


def _parse_sessions(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    sessions = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        try:
            start_text, end_text = part.split("-")
            sessions.append((dt.time.fromisoformat(start_text), dt.time.fromisoformat(end_text)))
        except ValueError:
            raise ValidationError(
                f"Không đọc được buổi làm việc '{part}'. Viết theo dạng 07:00-11:30,13:30-17:00.",
                field="office_hours",
            ) from None
    return tuple(sessions)


def _format_sessions(sessions: Sequence[tuple[dt.time, dt.time]]) -> str:
    return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in sessions)


@dataclass(frozen=True)
class _YearDays:
    off: dict[dt.date, DayOff]
    makeup: dict[dt.date, MakeupDay]


@dataclass
class WorkCalendar:
    """Which days are working days, and when the office is open.

    ``weekly_rest`` holds ISO weekday numbers (6 = Saturday, 7 = Sunday).
    """

    schedules: Mapping[int, YearSchedule] = field(default_factory=dict)
    weekly_rest: frozenset[int] = frozenset({6, 7})
    optional_holidays: Sequence[OptionalHoliday] = ()
    enabled_optional: frozenset[str] = frozenset()
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    _years: dict[int, _YearDays] = field(default_factory=dict, init=False, repr=False)

    # -- days -------------------------------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        year = self._year(day.year)
        if day in year.makeup:
            return True
        if day.isoweekday() in self.weekly_rest:
            return False
        return day not in year.off

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        start = day
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
            if (day - start).days > MAX_DAYS_OFF_IN_A_ROW:
                raise DomainError(
                    f"Lịch làm việc không có ngày làm việc nào sau {start:%d/%m/%Y} trong "
                    f"{MAX_DAYS_OFF_IN_A_ROW} ngày: kiểm tra ngày nghỉ hằng tuần và lịch nghỉ.",
                    field="calendar",
                )
        return day

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself is not counted; n = 0 gives ``start``)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, after: dt.date, up_to: dt.date) -> int:
        """How many working days d satisfy ``after < d <= up_to``."""
        count, day = 0, after + ONE_DAY
        while day <= up_to:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count

    def non_working_days(self, year: int) -> list[DayOff]:
        """The year's days off beyond the ordinary weekly rest days, with names, in date order."""
        return sorted(self._year(year).off.values(), key=lambda d: d.date)

    def makeup_days(self, year: int) -> list[DayOff]:
        """The year's make-up working days (làm bù), which are working days although they fall on a rest day."""
        return [
            DayOff(m.date, m.name, DayKind.MAKEUP_WORKING)
            for m in sorted(self._year(year).makeup.values(), key=lambda m: m.date)
        ]

    def day_off(self, day: dt.date) -> DayOff | None:
        return self._year(day.year).off.get(day)

    # -- office hours -----------------------------------------------------------------------------------------
    def sessions_on(self, day: dt.date) -> tuple[tuple[dt.time, dt.time], ...]:
        """The office sessions counted for deadlines on ``day``: empty on a non-working day."""
        return self.office_hours.sessions if self.is_working_day(day) else ()

    def is_reception_open(self, moment: dt.datetime) -> bool:
        """Whether the desk receives at this moment (working-day sessions, or Saturday reception if set)."""
        day, clock = moment.date(), moment.timetz().replace(tzinfo=None)
        sessions = self.sessions_on(day)
        if not sessions and day.isoweekday() == 6 and day not in self._year(day.year).off:
            sessions = self.office_hours.saturday_sessions
        return any(start <= clock < end for start, end in sessions)

    # -- building a year --------------------------------------------------------------------------------------
    def _year(self, year: int) -> _YearDays:
        cached = self._years.get(year)
        if cached is None:
            cached = self._build_year(year)
            self._years[year] = cached
        return cached

    def _build_year(self, year: int) -> _YearDays:
        schedule = self.schedules.get(year, YearSchedule(year))
        off: dict[dt.date, DayOff] = {}
        # A decreed period may cross the new year (31/12/2022–02/01/2023 is New Year 2023's): the next year's
        # schedule may hold days of this one.
        neighbours = [self.schedules[y] for y in (year, year + 1) if y in self.schedules]
        makeup = {m.date: m for s in neighbours for m in s.makeup_days if m.date.year == year}
        for period in (p for s in neighbours for p in s.periods):
            for day in period.days():
                if day.year != year:
                    continue
                kind = DayKind.SWAPPED if day in period.swapped else DayKind.HOLIDAY
                name = f"{period.name} (nghỉ hoán đổi)" if kind is DayKind.SWAPPED else period.name
                off[day] = DayOff(day, name, kind)
        official = schedule.occasions()
        rule_runs = [(occasion, days) for occasion, days in _rule_days(year) if occasion not in official]
        for holiday in self.optional_holidays:
            if holiday.key in self.enabled_optional and year >= holiday.from_year:
                rule_runs.append((holiday.name, [dt.date(year, holiday.month, holiday.day)]))
        rule_runs.sort(key=lambda run: run[1][0])
        owed: list[tuple[str, dt.date, int]] = []
        for occasion, days in rule_runs:
            name = OCCASION_NAMES.get(occasion, str(occasion)) if isinstance(occasion, Occasion) else occasion
            kind = DayKind.HOLIDAY if isinstance(occasion, Occasion) else DayKind.OPTIONAL
            lost = 0
            for day in days:
                if day.isoweekday() in self.weekly_rest or day in off:
                    lost += 1
                off.setdefault(day, DayOff(day, name, kind))
            if lost:
                owed.append((name, days[-1], lost))
        for name, last, lost in owed:
            day = last
            while lost:
                day += ONE_DAY
                if day.isoweekday() in self.weekly_rest or day in off:
                    continue
                off[day] = DayOff(day, f"Nghỉ bù {name}", DayKind.COMPENSATORY)
                lost -= 1
        return _YearDays(off=off, makeup=makeup)


def _rule_days(year: int) -> list[tuple[Occasion, list[dt.date]]]:
    """The Labour Code holidays of a year by the default rules (DOMAIN.md §4)."""
    try:
        tet_eve = last_day_of_lunar_year(year - 1)
        hung_kings = lunar_to_solar(year, 3, 10)
    except ValueError:
        raise ValidationError(f"Không tính được lịch nghỉ năm {year}: lịch âm chỉ tính cho 1901–2100.",
                              field="year") from None
    return [
        (Occasion.NEW_YEAR, [dt.date(year, 1, 1)]),
        (Occasion.TET, [tet_eve + dt.timedelta(days=i) for i in range(5)]),
        (Occasion.HUNG_KINGS, [hung_kings]),
        (Occasion.REUNIFICATION, [dt.date(year, 4, 30)]),
        (Occasion.LABOUR, [dt.date(year, 5, 1)]),
        (Occasion.NATIONAL_DAY, [dt.date(year, 9, 1), dt.date(year, 9, 2)]),
    ]


# -- reading the schedule data (database/catalog/holidays.json, or the holidays table) ---------------------------
def schedules_from_data(data: Mapping[str, object]) -> dict[int, YearSchedule]:
    """Build year schedules from the JSON shape of ``holidays.json``'s ``years`` object."""
    schedules: dict[int, YearSchedule] = {}
    for year_text, entry in data.items():
        if not isinstance(entry, Mapping):
            raise ValidationError(f"Lịch năm {year_text} phải là một đối tượng có 'off' và 'makeup_working'.",
                                  field="holidays")
        year = int(year_text)
        if not 1901 <= year <= 2100:
            raise ValidationError(f"Năm {year} ngoài khoảng lịch được tính (1901–2100).", field="holidays")
        periods = tuple(
            OfficialPeriod(
                start=dt.date.fromisoformat(p["from"]),
                end=dt.date.fromisoformat(p["to"]),
                name=p["name"],
                occasions=tuple(Occasion(o) for o in p["occasions"]),
                swapped=tuple(dt.date.fromisoformat(s) for s in p.get("swapped", ())),
            )
            for p in entry.get("off", ())
        )
        makeup = tuple(MakeupDay(dt.date.fromisoformat(m["date"]), m["name"]) for m in entry.get("makeup_working", ()))
        for period in periods:
            # A period belongs to the year it ends in: New Year 2023 (31/12/2022–02/01/2023) is 2023's, so the
            # occasions a year's schedule lists are exactly the occasions it decrees for that year.
            if period.end < period.start or period.end.year != year or period.start.year < year - 1:
                raise ValidationError(
                    f"Đợt nghỉ {period.start:%d/%m/%Y}–{period.end:%d/%m/%Y} không thuộc lịch năm {year} "
                    "(một đợt nghỉ thuộc năm của ngày kết thúc).",
                    field="holidays")
        for period in periods:
            stray = [d for d in period.swapped if not period.start <= d <= period.end]
            if stray:
                raise ValidationError(f"Ngày nghỉ hoán đổi {stray[0]:%d/%m/%Y} nằm ngoài đợt nghỉ '{period.name}'.",
                                      field="holidays")
        for day in makeup:
            if day.date.year != year:
                raise ValidationError(f"Ngày làm bù {day.date:%d/%m/%Y} không thuộc lịch năm {year}.", field="holidays")
            if day.date.isoweekday() < 6:
                raise ValidationError(f"Ngày làm bù {day.date:%d/%m/%Y} không phải thứ Bảy hoặc Chủ nhật.",
                                      field="holidays")
        schedules[year] = YearSchedule(year, periods, makeup, str(entry.get("source", "")))
    return schedules


def optional_from_data(items: Iterable[Mapping[str, object]]) -> list[OptionalHoliday]:
    return [
        OptionalHoliday(
            key=str(i["key"]),
            name=str(i["name"]),
            month=int(i["month"]),  # type: ignore[call-overload]
            day=int(i["day"]),  # type: ignore[call-overload]
            from_year=int(i["from_year"]),  # type: ignore[call-overload]
        )
        for i in items
    ]
