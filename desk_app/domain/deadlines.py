"""The appointment (hẹn trả kết quả) for a procedure's time limit, and early / on time / late.

DOMAIN.md §3, rule by rule:

* Counting starts the day after receipt (Civil Code art. 147); an N-working-day limit received on day D is due on
  the N-th working day after D, at the receipt's clock time.
* A receipt outside office hours, or on a non-working day, counts as received at the next opening of the office.
* Same-day procedures are due at closing time of their day; received after the cut-off (15:00; exactly 15:00 is not
  after), they are due at closing of the next working day.
* Optionally (a setting, off by default) multi-day limits received after the cut-off count from the next working day.
* Calendar days and months end on the corresponding day; a period whose last day is not a working day ends on the
  next working day (art. 148).
* Working hours run only inside office hours.
* Supplement requests: the limit either restarts from the resubmission (Decree 61, the default) or pauses while the
  dossier is with the citizen (Decision 766), where more than one request counts the dossier as late.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from desk_app.domain.calendar import WorkCalendar
from desk_app.domain.errors import TransitionError, ValidationError


class TimeUnit(StrEnum):
    SAME_DAY = "same_day"
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    DAYS = "days"
    MONTHS = "months"


UNIT_NAMES_VN: dict[TimeUnit, str] = {
    TimeUnit.SAME_DAY: "trong ngày",
    TimeUnit.WORKING_DAYS: "ngày làm việc",
    TimeUnit.WORKING_HOURS: "giờ làm việc",
    TimeUnit.DAYS: "ngày",
    TimeUnit.MONTHS: "tháng",
}

_RULE_RE = re.compile(r"^\s*(?:(same_day)|(\d+)\s+(working_days|working_hours|days|months))\s*$")


@dataclass(frozen=True)
class TimeLimit:
    value: int
    unit: TimeUnit

    def __post_init__(self) -> None:
        if self.unit is TimeUnit.SAME_DAY and self.value != 0:
            raise ValidationError("Thời hạn 'trong ngày' không kèm số lượng.", field="time_limit")
        if self.unit is not TimeUnit.SAME_DAY and not 1 <= self.value <= 366:
            raise ValidationError("Thời hạn phải từ 1 đến 366 đơn vị.", field="time_limit")

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """Parse ``same_day``, ``N working_days``, ``N working_hours``, ``N days`` or ``N months``."""
        match = _RULE_RE.match(text)
        if not match:
            raise ValidationError(
                f"Không hiểu thời hạn '{text}'. Viết 'same_day', 'N working_days', 'N working_hours', "
                "'N days' hoặc 'N months' (N là số nguyên dương).",
                field="rule",
            )
        if match.group(1):
            return cls(0, TimeUnit.SAME_DAY)
        return cls(int(match.group(2)), TimeUnit(match.group(3)))

    def describe(self) -> str:
        """Vietnamese, as printed on the slip: "Trong ngày", "5 ngày làm việc"."""
        if self.unit is TimeUnit.SAME_DAY:
            return "Trong ngày"
        return f"{self.value} {UNIT_NAMES_VN[self.unit]}"

    def __str__(self) -> str:
        return "same_day" if self.unit is TimeUnit.SAME_DAY else f"{self.value} {self.unit.value}"


class SupplementRule(StrEnum):
    RESTART = "restart"  # Decree 61/2018: the limit runs again from the complete resubmission
    PAUSE = "pause"  # Decision 766: the clock stops while the dossier waits for the citizen


@dataclass(frozen=True)
class DeadlinePolicy:
    cutoff: dt.time = dt.time(15, 0)
    multi_day_after_cutoff_next_day: bool = False
    supplement_rule: SupplementRule = SupplementRule.RESTART


@dataclass(frozen=True)
class Appointment:
    due_at: dt.datetime
    counted_from: dt.datetime  # the effective receipt: the next opening if received outside office hours
    explanation: str  # Vietnamese, shown to the clerk beside the date


def _at(day: dt.date, clock: dt.time, like: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=like.tzinfo)


def _minute(moment: dt.datetime) -> dt.time:
    return moment.time().replace(second=0, microsecond=0)


def effective_receipt(received_at: dt.datetime, cal: WorkCalendar) -> dt.datetime:
    """The moment counting starts from: ``received_at`` inside office hours, else the next opening."""
    day, clock = received_at.date(), received_at.time()
    for start, end in cal.sessions_on(day):
        if clock < start:
            return _at(day, start, received_at)
        if clock < end:
            return received_at
    next_day = cal.next_working_day(day)
    return _at(next_day, cal.office_hours.opening, received_at)


def _fmt(moment: dt.datetime) -> str:
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


def appointment(
    limit: TimeLimit, received_at: dt.datetime, cal: WorkCalendar, policy: DeadlinePolicy = DeadlinePolicy()
) -> Appointment:
    """The due moment of a dossier received at ``received_at`` (timezone-aware) under ``limit``."""
    start = effective_receipt(received_at, cal)
    notes: list[str] = []
    if start != received_at:
        notes.append(f"nhận ngoài giờ làm việc nên tính từ {_fmt(start)}")
    after_cutoff = start.date() == received_at.date() and _minute(received_at) > policy.cutoff
    closing = cal.office_hours.closing
    unit = limit.unit

    if unit is TimeUnit.SAME_DAY:
        if after_cutoff:
            due = _at(cal.next_working_day(start.date()), closing, start)
            notes.append(f"nhận sau {policy.cutoff:%H:%M} nên hẹn ngày làm việc tiếp theo")
        else:
            due = _at(start.date(), closing, start)
        return Appointment(due, start, _explain("Trong ngày", notes))

    if after_cutoff and policy.multi_day_after_cutoff_next_day and unit is not TimeUnit.WORKING_HOURS:
        start = _at(cal.next_working_day(start.date()), cal.office_hours.opening, start)
        notes.append(f"nhận sau {policy.cutoff:%H:%M} nên tính từ ngày làm việc tiếp theo")

    if unit is TimeUnit.WORKING_DAYS:
        due = _at(cal.add_working_days(start.date(), limit.value), start.time(), start)
    elif unit is TimeUnit.DAYS:
        due = _roll_forward(_at(start.date() + dt.timedelta(days=limit.value), start.time(), start), cal, notes)
    elif unit is TimeUnit.MONTHS:
        due = _roll_forward(_at(add_months(start.date(), limit.value), start.time(), start), cal, notes)
    else:
        due = add_working_hours(start, dt.timedelta(hours=limit.value), cal)
    return Appointment(due, start, _explain(limit.describe(), notes))


def _roll_forward(due: dt.datetime, cal: WorkCalendar, notes: list[str]) -> dt.datetime:
    if cal.is_working_day(due.date()):
        return due
    notes.append("ngày cuối rơi vào ngày nghỉ nên lùi sang ngày làm việc tiếp theo")
    return _at(cal.next_working_day(due.date()), due.time(), due)


def _explain(head: str, notes: list[str]) -> str:
    return head + (" — " + "; ".join(notes) if notes else "")


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later; the month's last day when it has no such day (art. 148)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _stdcal.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_working_hours(start: dt.datetime, amount: dt.timedelta, cal: WorkCalendar) -> dt.datetime:
    """Consume ``amount`` of office time from ``start``; the result lies inside (or at the end of) a session."""
    if amount <= dt.timedelta(0):
        return start  # nothing to consume: the moment stays (a zero pause must not move a 17:00 due to tomorrow)
    remaining = amount
    day = start.date()
    cursor = start
    while True:
        for session_start, session_end in cal.sessions_on(day):
            begin = max(cursor, _at(day, session_start, start))
            end = _at(day, session_end, start)
            if begin >= end:
                continue
            if begin + remaining <= end:
                return begin + remaining
            remaining -= end - begin
        day = cal.next_working_day(day)
        cursor = _at(day, dt.time(0, 0), start)


def office_time_between(begin: dt.datetime, end: dt.datetime, cal: WorkCalendar) -> dt.timedelta:
    """Office time elapsed between two moments."""
    total = dt.timedelta()
    day = begin.date()
    while day <= end.date():
        for session_start, session_end in cal.sessions_on(day):
            lo = max(begin, _at(day, session_start, begin))
            hi = min(end, _at(day, session_end, begin))
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total


def due_after_supplement(
    limit: TimeLimit,
    *,
    previous_due: dt.datetime,
    requested_at: dt.datetime,
    resubmitted_at: dt.datetime,
    cal: WorkCalendar,
    policy: DeadlinePolicy = DeadlinePolicy(),
) -> dt.datetime:
    """The new due moment once the complete dossier comes back after a supplement request."""
    if resubmitted_at < requested_at:
        raise ValidationError("Thời điểm nộp bổ sung không thể trước thời điểm yêu cầu bổ sung.", field="at")
    if policy.supplement_rule is SupplementRule.RESTART or limit.unit is TimeUnit.SAME_DAY:
        return appointment(limit, resubmitted_at, cal, policy).due_at
    if limit.unit is TimeUnit.WORKING_HOURS:
        paused = office_time_between(requested_at, resubmitted_at, cal)
        return add_working_hours(previous_due, paused, cal)
    if limit.unit is TimeUnit.WORKING_DAYS:
        paused_days = cal.working_days_between(requested_at.date(), resubmitted_at.date())
        return _at(cal.add_working_days(previous_due.date(), paused_days), previous_due.time(), previous_due)
    shifted = previous_due + (resubmitted_at.date() - requested_at.date())
    return _roll_forward(shifted, cal, [])


SUPPLEMENT_WINDOW_WORKING_DAYS = 3


def supplement_moves_deadline(counted_from: dt.datetime, requested_at: dt.datetime, cal: WorkCalendar) -> bool:
    """A supplement request moves the time limit (restart or pause) only when made within 3 working days of
    receipt (DOMAIN.md §3); a later one is the resolving body's delay and leaves the due date where it was."""
    last_day = cal.add_working_days(counted_from.date(), SUPPLEMENT_WINDOW_WORKING_DAYS)
    return requested_at.date() <= last_day


def dates_after_resubmission(
    limit: TimeLimit,
    *,
    statutory_due: dt.datetime,
    current_due: dt.datetime,
    rescheduled: bool,
    requested_at: dt.datetime,
    resubmitted_at: dt.datetime,
    cal: WorkCalendar,
    policy: DeadlinePolicy = DeadlinePolicy(),
) -> tuple[dt.datetime, dt.datetime]:
    """The statutory due moment and the appointment in force once the complete dossier is back.

    A date promised in an apology moves by the same pause; a restart never brings the appointment before it.
    """
    def after(previous: dt.datetime) -> dt.datetime:
        return due_after_supplement(limit, previous_due=previous, requested_at=requested_at,
                                    resubmitted_at=resubmitted_at, cal=cal, policy=policy)

    statutory = after(statutory_due)
    if not rescheduled:
        return statutory, statutory
    if policy.supplement_rule is SupplementRule.PAUSE:
        return statutory, after(current_due)
    return statutory, max(statutory, current_due)


def check_new_appointment(
    current_due: dt.datetime, new_due: dt.datetime, *, sent_at: dt.datetime, cal: WorkCalendar
) -> None:
    """An apology with a new date (Mẫu 04): sent at the latest the day before the due date, to a later working day."""
    if sent_at.date() >= current_due.date():
        last_day = current_due.date() - dt.timedelta(days=1)
        raise TransitionError(
            f"Phiếu xin lỗi và hẹn lại phải gửi chậm nhất trước ngày hẹn trả một ngày; hồ sơ hẹn trả "
            f"{current_due:%d/%m/%Y} nên hạn cuối để hẹn lại là {last_day:%d/%m/%Y}.",
            field="at",
        )
    if new_due.date() <= current_due.date():
        raise ValidationError(
            f"Ngày hẹn mới phải sau ngày hẹn cũ ({current_due:%d/%m/%Y}).", field="new_due")
    if not cal.is_working_day(new_due.date()):
        raise ValidationError(f"Ngày hẹn mới {new_due:%d/%m/%Y} là ngày nghỉ; hãy chọn một ngày làm việc.",
                              field="new_due")
    clock = new_due.time().replace(second=0, microsecond=0)
    if not any(start <= clock <= end for start, end in cal.office_hours.sessions):
        raise ValidationError(
            f"Giờ hẹn mới {clock:%H:%M} ngoài giờ làm việc ({cal.office_hours.format()}); hãy chọn giờ trong buổi "
            "làm việc.", field="new_due")


class Timeliness(StrEnum):
    EARLY = "early"  # trước hạn
    ON_TIME = "on_time"  # đúng hạn
    LATE = "late"  # quá hạn (resolved)
    WITHIN = "within"  # trong hạn (pending)
    OVERDUE = "overdue"  # quá hạn (pending)


TIMELINESS_VN: dict[Timeliness, str] = {
    Timeliness.EARLY: "Trước hạn",
    Timeliness.ON_TIME: "Đúng hạn",
    Timeliness.LATE: "Quá hạn",
    Timeliness.WITHIN: "Trong hạn",
    Timeliness.OVERDUE: "Quá hạn",
}


def classify_resolved(
    ready_at: dt.datetime,
    due_at: dt.datetime,
    *,
    supplement_requests: int = 0,
    policy: DeadlinePolicy = DeadlinePolicy(),
) -> Timeliness:
    """Compare the day the result was ready with the due date, by calendar date."""
    if policy.supplement_rule is SupplementRule.PAUSE and supplement_requests > 1:
        return Timeliness.LATE
    if ready_at.date() < due_at.date():
        return Timeliness.EARLY
    if ready_at.date() == due_at.date():
        return Timeliness.ON_TIME
    return Timeliness.LATE


def classify_pending(
    due_at: dt.datetime,
    as_of: dt.date | dt.datetime,
    *,
    supplement_requests: int = 0,
    policy: DeadlinePolicy = DeadlinePolicy(),
) -> Timeliness:
    """A dossier not yet resolved on ``as_of`` (e.g. the last day of a report period), by calendar date like
    :func:`classify_resolved`: still due that day is within the deadline, a due date already past is overdue."""
    if policy.supplement_rule is SupplementRule.PAUSE and supplement_requests > 1:
        return Timeliness.OVERDUE
    day = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    return Timeliness.OVERDUE if day > due_at.date() else Timeliness.WITHIN
