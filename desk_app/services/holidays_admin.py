"""The holidays of a year, as the administrator sees and edits them: the official periods off, the make-up working
days, and the days off the domain calendar derives from them (compensatory and swapped days included).

A year the administrator saves or imports is kept by later catalog reloads (the same mark ``import_holidays``
sets); every save and import leaves an audit record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desk_app.domain.calendar import (
    MAX_DAYS_OFF_IN_A_ROW,
    OCCASION_NAMES,
    DayKind,
    DayOff,
    Occasion,
    WorkCalendar,
    schedules_from_data,
)
from desk_app.domain.errors import DomainError, ValidationError
from desk_app.services.accounts import require
from desk_app.services.audit import record
from desk_app.services.catalog import ADMIN_SOURCE, import_holidays
from desk_app.services.context import ServiceContext
from desk_app.services.rules import load_rules
from desk_app.store.models import Holiday

ONE_DAY = dt.timedelta(days=1)
EDITED = "edited"  # in a row's data: the administrator entered this year on the settings screen
FIRST_YEAR, LAST_YEAR = 1901, 2100  # the lunar calendar's range

ORIGIN_LABELS = {
    "shipped": "Lịch chính thức có sẵn trong phần mềm",
    "imported": "Lịch do quản trị viên nhập từ tệp",
    "edited": "Lịch do quản trị viên sửa",
    "rules": "Chưa có lịch chính thức: các ngày lễ tính theo Bộ luật Lao động",
}

KIND_LABELS = {
    DayKind.HOLIDAY: "Nghỉ lễ",
    DayKind.COMPENSATORY: "Nghỉ bù",
    DayKind.SWAPPED: "Nghỉ hoán đổi",
    DayKind.OPTIONAL: "Nghỉ tùy chọn",
    DayKind.MAKEUP_WORKING: "Làm bù",
}

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _require_admin(ctx: ServiceContext) -> None:
    require(ctx, "admin", doing="thay đổi lịch nghỉ lễ")


@dataclass(frozen=True)
class PeriodEntry:
    """A run of days off in the year's schedule, both ends included."""

    name: str
    start: dt.date
    end: dt.date
    occasions: tuple[str, ...] = ()  # the statutory occasions it stands for (Occasion values); () for an extra day off
    swapped: tuple[dt.date, ...] = ()  # working days inside it swapped for a make-up day (nghỉ hoán đổi)


@dataclass(frozen=True)
class MakeupEntry:
    """A rest day that is a working day (làm bù)."""

    date: dt.date
    name: str


@dataclass(frozen=True)
class DayEntry:
    """One day of the year as the domain calendar sees it: a day off, or a make-up working day."""

    date: dt.date
    weekday: str  # "Thứ Hai"
    name: str
    kind: str  # DayKind value
    kind_label: str  # Vietnamese
    on_rest_day: bool  # falls on a weekly rest day (a holiday there gives a compensatory day)


@dataclass(frozen=True)
class YearView:
    year: int
    origin: str  # shipped | imported | edited | rules
    origin_label: str
    note: str  # the official notice the schedule comes from
    periods: tuple[PeriodEntry, ...]
    makeups: tuple[MakeupEntry, ...]
    days_off: tuple[DayEntry, ...]  # beyond the weekly rest days, in date order
    makeup_working: tuple[DayEntry, ...]
    summary: str  # Vietnamese, e.g. "18 ngày nghỉ rơi vào ngày làm việc; 2 ngày làm bù."


def occasion_choices() -> list[tuple[str, str]]:
    """The statutory occasions a period can stand for, with their Vietnamese names."""
    return [(occasion.value, OCCASION_NAMES[occasion]) for occasion in Occasion]


def default_year(ctx: ServiceContext) -> int:
    return ctx.clock.now().year


def parse_days(text: str, field: str = "swapped") -> tuple[dt.date, ...]:
    """Dates written ``dd/mm/yyyy`` (or ``yyyy-mm-dd``), separated by commas or semicolons."""
    days: list[dt.date] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "/" in part:
                day_text, month_text, year_text = part.split("/")
                days.append(dt.date(int(year_text), int(month_text), int(day_text)))
            else:
                days.append(dt.date.fromisoformat(part))
        except ValueError:
            raise ValidationError(f"Không đọc được ngày '{part}'. Viết theo dạng 02/01/2026, cách nhau dấu phẩy.",
                                  field=field) from None
    return tuple(days)


# -- reading --------------------------------------------------------------------------------------------------------
def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"Năm {year} ngoài khoảng lịch được tính ({FIRST_YEAR}–{LAST_YEAR}).", field="year")


def _rows(session: Session, year: int) -> list[Holiday]:
    query = select(Holiday).where(Holiday.year == year, Holiday.kind != "optional").order_by(Holiday.start)
    return list(session.scalars(query))


def _origin(rows: Sequence[Holiday]) -> str:
    if not rows:
        return "rules"
    if any(row.data.get(EDITED) for row in rows):
        return "edited"
    if any(row.data.get(ADMIN_SOURCE) for row in rows):
        return "imported"
    return "shipped"


def _entries(rows: Sequence[Holiday]) -> tuple[tuple[PeriodEntry, ...], tuple[MakeupEntry, ...]]:
    periods, makeups = [], []
    for row in rows:
        assert row.start is not None and row.end is not None
        if row.kind == "period":
            periods.append(PeriodEntry(
                name=row.name, start=row.start, end=row.end,
                occasions=tuple(row.data.get("occasions", ())),
                swapped=tuple(dt.date.fromisoformat(d) for d in row.data.get("swapped", ())),
            ))
        elif row.kind == "makeup":
            makeups.append(MakeupEntry(row.start, row.name))
    return tuple(periods), tuple(makeups)


def _year_json(note: str, periods: Sequence[PeriodEntry], makeups: Sequence[MakeupEntry]) -> dict[str, Any]:
    """The shape of holidays.json's ``years`` entries (what the domain reads and the audit records)."""
    return {
        "source": note,
        "off": [{"from": p.start.isoformat(), "to": p.end.isoformat(), "name": p.name,
                 "occasions": list(p.occasions), "swapped": [d.isoformat() for d in p.swapped]} for p in periods],
        "makeup_working": [{"date": m.date.isoformat(), "name": m.name} for m in makeups],
    }


def _stored_json(session: Session, year: int) -> dict[str, Any]:
    rows = _rows(session, year)
    note = next((row.source for row in rows if row.source), "")
    return _year_json(note, *_entries(rows))


def _day(day: DayOff, weekly_rest: frozenset[int]) -> DayEntry:
    return DayEntry(day.date, WEEKDAY_NAMES[day.date.weekday()], day.name, day.kind.value, KIND_LABELS[day.kind],
                    day.date.isoweekday() in weekly_rest)


def _view(calendar: WorkCalendar, year: int, origin: str, note: str, periods: Sequence[PeriodEntry],
          makeups: Sequence[MakeupEntry]) -> YearView:
    rest = calendar.weekly_rest
    days_off = tuple(_day(d, rest) for d in calendar.non_working_days(year))
    makeup_working = tuple(_day(d, rest) for d in calendar.makeup_days(year))
    on_working_days = sum(not d.on_rest_day for d in days_off)
    summary = (f"Năm {year}: {len(days_off)} ngày nghỉ lễ, nghỉ bù và hoán đổi, trong đó {on_working_days} ngày "
               f"rơi vào ngày làm việc; {len(makeup_working)} ngày làm bù.")
    return YearView(year, origin, ORIGIN_LABELS[origin], note, tuple(periods), tuple(makeups), days_off,
                    makeup_working, summary)


def _sorted(periods: Sequence[PeriodEntry], makeups: Sequence[MakeupEntry]) -> tuple[
        list[PeriodEntry], list[MakeupEntry]]:
    return sorted(periods, key=lambda p: (p.start, p.end)), sorted(makeups, key=lambda m: m.date)


def year_schedule(ctx: ServiceContext, year: int) -> YearView:
    """The year's official schedule as stored, and every day off the deadlines will count with it."""
    _check_year(year)
    with ctx.read() as session:
        rows = _rows(session, year)
        periods, makeups = _entries(rows)
        note = next((row.source for row in rows if row.source), "")
        calendar = load_rules(session).calendar
        return _view(calendar, year, _origin(rows), note, periods, makeups)


# -- checking an edited year ----------------------------------------------------------------------------------------
def _check_entries(session: Session, year: int, periods: Sequence[PeriodEntry],
                   makeups: Sequence[MakeupEntry]) -> WorkCalendar:
    """Refuse a schedule the domain would refuse, naming the row (``periods.2.end``, ``makeups.0.date``...).

    Returns the desk's calendar with this schedule in place of the stored one.
    """
    _check_year(year)
    if not periods:
        raise ValidationError(
            f"Lịch năm {year} cần ít nhất một đợt nghỉ. Năm không có lịch chính thức thì các ngày lễ được tính theo "
            "Bộ luật Lao động.", field="periods")
    known = {o.value for o in Occasion}
    for index, period in enumerate(periods):
        row = f"periods.{index}"
        if not period.name.strip():
            raise ValidationError(f"Đợt nghỉ thứ {index + 1}: cần ghi tên đợt nghỉ.", field=f"{row}.name")
        unknown = [o for o in period.occasions if o not in known]
        if unknown:
            raise ValidationError(f"Đợt nghỉ '{period.name}': không có dịp lễ '{unknown[0]}'.", field=f"{row}.occasions")
        if period.end < period.start:
            raise ValidationError(f"Đợt nghỉ '{period.name}': ngày kết thúc {period.end:%d/%m/%Y} trước ngày bắt đầu "
                                  f"{period.start:%d/%m/%Y}.", field=f"{row}.end")
        try:  # the domain's own rules, one row at a time so the refusal names the row
            schedules_from_data({str(year): _year_json("", [period], [])})
        except DomainError as error:
            if period.swapped and "hoán đổi" in error.message:
                column = "swapped"
            else:
                column = "end" if period.end.year != year else "start"
            raise ValidationError(error.message, field=f"{row}.{column}") from None
    for index, makeup in enumerate(makeups):
        row = f"makeups.{index}"
        if not makeup.name.strip():
            raise ValidationError(f"Ngày làm bù thứ {index + 1}: cần ghi lý do (ví dụ 'Làm bù cho ngày 02/01').",
                                  field=f"{row}.name")
        try:
            schedules_from_data({str(year): _year_json("", [], [makeup])})
        except DomainError as error:
            raise ValidationError(error.message, field=f"{row}.date") from None
    for index, period in enumerate(periods):
        for other_index in range(index):
            other = periods[other_index]
            if period.start <= other.end and other.start <= period.end:
                raise ValidationError(
                    f"Đợt nghỉ '{period.name}' trùng ngày với đợt '{other.name}' "
                    f"({other.start:%d/%m/%Y}–{other.end:%d/%m/%Y}).", field=f"periods.{index}.start")
    seen: dict[dt.date, int] = {}
    for index, makeup in enumerate(makeups):
        if makeup.date in seen:
            raise ValidationError(f"Ngày làm bù {makeup.date:%d/%m/%Y} đã có ở dòng {seen[makeup.date] + 1}.",
                                  field=f"makeups.{index}.date")
        seen[makeup.date] = index
        inside = next((p for p in periods if p.start <= makeup.date <= p.end), None)
        if inside is not None:
            raise ValidationError(f"Ngày làm bù {makeup.date:%d/%m/%Y} nằm trong đợt nghỉ '{inside.name}'.",
                                  field=f"makeups.{index}.date")
    schedule = schedules_from_data({str(year): _year_json("", periods, makeups)})[year]
    current = load_rules(session).calendar
    calendar = dataclasses.replace(current, schedules={**current.schedules, year: schedule})
    for index, period in enumerate(periods):
        try:
            calendar.next_working_day(period.start - ONE_DAY)
        except DomainError:
            raise ValidationError(
                f"Đợt nghỉ '{period.name}' làm cơ quan nghỉ liền quá {MAX_DAYS_OFF_IN_A_ROW} ngày: kiểm tra lại "
                "ngày bắt đầu và kết thúc.", field=f"periods.{index}.end") from None
    return calendar


def preview_year(ctx: ServiceContext, year: int, periods: Sequence[PeriodEntry],
                 makeups: Sequence[MakeupEntry], note: str = "") -> YearView:
    """What the year would look like with this schedule, without saving it (refused as ``save_year`` would)."""
    with ctx.read() as session:
        calendar = _check_entries(session, year, periods, makeups)  # refusals name the rows as given
        return _view(calendar, year, "edited", note, *_sorted(periods, makeups))


# -- writing --------------------------------------------------------------------------------------------------------
def save_year(ctx: ServiceContext, year: int, periods: Sequence[PeriodEntry], makeups: Sequence[MakeupEntry],
              note: str | None = None) -> YearView:
    """Replace the year's schedule with the administrator's, kept over later catalog updates, and audit it.

    ``note`` names the official notice; ``None`` keeps the one stored.
    """
    _require_admin(ctx)
    ordered_periods, ordered_makeups = list(periods), list(makeups)
    with ctx.write() as (session, now):
        _check_entries(session, year, ordered_periods, ordered_makeups)
        before = _stored_json(session, year)
        text = str(before["source"]) if note is None else note.strip()
        ordered_periods, ordered_makeups = _sorted(ordered_periods, ordered_makeups)
        session.execute(delete(Holiday).where(Holiday.year == year, Holiday.kind != "optional"))
        mark = {ADMIN_SOURCE: True, EDITED: True}
        for period in ordered_periods:
            session.add(Holiday(
                year=year, kind="period", start=period.start, end=period.end, name=period.name.strip(),
                data={"occasions": list(period.occasions), "swapped": [d.isoformat() for d in period.swapped],
                      **mark},
                source=text))
        for makeup in ordered_makeups:
            session.add(Holiday(year=year, kind="makeup", start=makeup.date, end=makeup.date,
                                name=makeup.name.strip(), data=dict(mark), source=text))
        after = _year_json(text, ordered_periods, ordered_makeups)
        record(session, at=now, actor=ctx.actor, action="holidays", target=str(year),
               detail={"operation": "edit", "before": before, "after": after})
    return year_schedule(ctx, year)


def import_year_file(ctx: ServiceContext, path: Path) -> list[int]:
    """Import an official schedule file (the shape of holidays.json's ``years``); returns the years it replaced."""
    _require_admin(ctx)
    with ctx.write() as (session, now):
        stored = {row.year for row in session.scalars(select(Holiday).where(Holiday.kind != "optional"))}
        before = {year: _stored_json(session, year) for year in stored if year is not None}
        years = import_holidays(session, path)
        session.flush()
        for year in years:
            record(session, at=now, actor=ctx.actor, action="holidays", target=str(year),
                   detail={"operation": "import", "file": path.name, "before": before.get(year),
                           "after": _stored_json(session, year)})
    return years
