"""The deadlines dashboard ("Theo dõi hạn giải quyết"): today's counts, the urgent notice, the last 12 months.

The counts are the dossier list's quick filters counted (:func:`desk_app.services.dossier_list.preset_condition`), so
a tile and the list it opens always agree; all of them come from one statement of scalar sub-queries, each a range of
an index (``ix_dossiers_status_due`` for the deadlines, ``ix_dossiers_status`` for the states,
``ix_dossiers_received_at`` for today's receipts). bench/dashboard.py times them over a million dossiers.

The monthly series is two grouped queries (``strftime('%Y-%m', ...)``): receipts by month and channel, and results by
the month they were ready, classified early / on time / late in SQL exactly as
:func:`desk_app.domain.deadlines.classify_resolved` does in Python (the day the result was ready against the original
due date, by calendar date; under the "pause" supplement rule, more than one supplement request is late). No
dossier is loaded into Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session

from desk_app.domain.deadlines import SupplementRule
from desk_app.domain.lifecycle import Status
from desk_app.services.context import ServiceContext
from desk_app.services.dossier_list import preset_condition
from desk_app.services.rules import DeskRules, load_rules
from desk_app.store.models import Dossier

# The tiles, in the order the dashboard shows them; each is a quick filter of the dossier list except
# received_today (see DashboardCounts).
COUNT_PRESETS: tuple[str, ...] = ("overdue", "apology_needed", "due_today", "due_soon", "waiting_supplement",
                                  "ready_not_collected")
CHANNEL_KEYS: tuple[str, ...] = ("direct", "online", "postal")
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class DashboardCounts:
    day: dt.date  # the day the counts are for (an urgent notice starts afresh on a new day)
    due_today: int  # open, not waiting for the citizen, due today
    due_soon: int  # the same, due within the next 2 working days (today excluded)
    overdue: int  # the same, due before today
    waiting_supplement: int  # waiting for the citizen's documents (the clock does not run against the desk)
    ready_not_collected: int  # result ready, not yet handed over
    apology_needed: int  # due on the next working day, not rescheduled: the apology must go out today
    received_today: int  # received today, entries voided as duplicates excluded (as the status bar counts)

    def of(self, name: str) -> int:
        return int(getattr(self, name))


def _received_today(now: dt.datetime) -> ColumnElement[bool]:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = now.replace(hour=23, minute=59, second=59, microsecond=0)
    return and_(Dossier.received_at.between(start, end), Dossier.status != Status.VOIDED.value)


def counts_at(session: Session, now: dt.datetime, rules: DeskRules) -> DashboardCounts:
    """The counts as of ``now``, in one statement: a COUNT over an index range per tile."""

    def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return select(func.count()).select_from(Dossier).where(condition).scalar_subquery()

    names = (*COUNT_PRESETS, "received_today")
    conditions = [preset_condition(p, now, rules) for p in COUNT_PRESETS] + [_received_today(now)]
    row = session.execute(select(*(counted(c).label(n) for c, n in zip(conditions, names, strict=True)))).one()
    return DashboardCounts(day=now.date(), **{n: int(row._mapping[n] or 0) for n in names})


def dashboard_counts(ctx: ServiceContext) -> DashboardCounts:
    """Today's counts for the dashboard's tiles (each equals the row count of the matching list)."""
    now = ctx.clock.now()
    with ctx.read() as session:
        return counts_at(session, now, load_rules(session))


# -- the urgent notice ------------------------------------------------------------------------------------------------
def urgent_text(current: DashboardCounts, previous: DashboardCounts | None) -> str | None:
    """What became urgent since ``previous`` (Vietnamese), or None when nothing new did.

    With no previous counts, or previous counts of another day (the window was opened, or the day turned), the
    notice tells every urgent figure of the day: overdue, apology needed (today is the last day to send an apology
    for a dossier that will not be ready in time), due today. During the day it tells only a rise of the overdue or apology-needed figures. A rise of "due today" alone
    is not news during the day: it is a same-day procedure just received (a copy certified while the citizen waits).
    """
    fresh = previous is None or previous.day != current.day
    parts: list[str] = []

    def rise(name: str) -> int:
        return 0 if previous is None else current.of(name) - previous.of(name)

    if current.overdue and (fresh or rise("overdue") > 0):
        parts.append(f"{current.overdue} hồ sơ đã quá hạn" if fresh
                     else f"thêm {rise('overdue')} hồ sơ quá hạn (tổng {current.overdue})")
    if current.apology_needed and (fresh or rise("apology_needed") > 0):
        head = (f"{current.apology_needed} hồ sơ" if fresh
                else f"thêm {rise('apology_needed')} hồ sơ (tổng {current.apology_needed})")
        parts.append(f"{head} hẹn trả vào ngày làm việc tiếp theo chưa có kết quả — nếu không kịp, phải gửi phiếu "
                     "xin lỗi và hẹn lại ngay trong hôm nay")
    if current.due_today and fresh:
        parts.append(f"{current.due_today} hồ sơ đến hạn trả hôm nay")
    if not parts:
        return None
    return "Cần chú ý: " + "; ".join(parts) + "."


def urgent_notice(ctx: ServiceContext, previous: DashboardCounts | None) -> str | None:
    """The notice for what became urgent since ``previous`` (see :func:`urgent_text`), from today's counts."""
    return urgent_text(dashboard_counts(ctx), previous)


# -- the last 12 months ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthPoint:
    year: int
    month: int
    direct: int = 0  # received at the counter
    online: int = 0
    postal: int = 0
    resolved: int = 0  # results ready this month
    in_time: int = 0  # of which early or on time

    @property
    def received(self) -> int:
        return self.direct + self.online + self.postal

    @property
    def on_time_rate(self) -> float | None:
        """Early or on time, in per cent of the month's results; None when no result was ready that month."""
        return 100.0 * self.in_time / self.resolved if self.resolved else None

    @property
    def label(self) -> str:
        """Vietnamese short month: "T3/26"."""
        return f"T{self.month}/{self.year % 100:02d}"

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _month_start(year: int, month: int, like: dt.datetime) -> dt.datetime:
    return dt.datetime(year, month, 1, tzinfo=like.tzinfo)


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def in_time_case(supplement_rule: SupplementRule) -> ColumnElement[int]:
    """1 when a resolved dossier was early or on time, else 0: classify_resolved in SQL (calendar dates of the
    stored local times; the original due date; more than one supplement request is late under "pause")."""
    on_or_before = func.date(Dossier.result_ready_at) <= func.date(Dossier.original_due_at)
    if supplement_rule is SupplementRule.PAUSE:
        return case((Dossier.supplement_count > 1, 0), (on_or_before, 1), else_=0)
    return case((on_or_before, 1), else_=0)


def series_at(session: Session, now: dt.datetime, rules: DeskRules, months: int = MONTHS_SHOWN) -> list[MonthPoint]:
    if months < 1:
        raise ValueError("months must be positive")
    first = _shift(now.year, now.month, -(months - 1))
    start = _month_start(*first, now)
    end = _month_start(*_shift(now.year, now.month, 1), now)  # the current month included, to its end
    received_month = func.strftime("%Y-%m", Dossier.received_at)
    received = session.execute(
        select(received_month, Dossier.channel, func.count())
        .where(Dossier.received_at >= start, Dossier.received_at < end, Dossier.status != Status.VOIDED.value)
        .group_by(received_month, Dossier.channel)
    ).all()
    ready_month = func.strftime("%Y-%m", Dossier.result_ready_at)
    resolved = session.execute(
        select(ready_month, func.count(), func.sum(cast(in_time_case(rules.policy.supplement_rule), Integer)))
        .where(Dossier.result_ready_at >= start, Dossier.result_ready_at < end)
        .group_by(ready_month)
    ).all()
    by_month: dict[str, dict[str, int]] = {}
    for month, channel, n in received:
        if channel in CHANNEL_KEYS:
            by_month.setdefault(month, {})[channel] = int(n)
    for month, n, in_time in resolved:
        by_month.setdefault(month, {}).update(resolved=int(n), in_time=int(in_time or 0))
    points = []
    for i in range(months):
        year, month = _shift(*first, i)
        points.append(MonthPoint(year, month, **by_month.get(f"{year:04d}-{month:02d}", {})))
    return points


def monthly_series(ctx: ServiceContext, months: int = MONTHS_SHOWN) -> list[MonthPoint]:
    """The last ``months`` months, the current one included, oldest first: received by channel, and the results
    ready each month with how many were early or on time. Months without any dossier are there, with zeros."""
    now = ctx.clock.now()
    with ctx.read() as session:
        return series_at(session, now, load_rules(session), months)


@dataclass(frozen=True)
class DashboardData:
    as_of: dt.datetime
    counts: DashboardCounts
    series: list[MonthPoint] | None  # None: not asked for this time


def dashboard_data(ctx: ServiceContext, *, series: bool = True) -> DashboardData:
    """Counts (and the monthly series) in one read session: what the dashboard's refresh runs off the GUI thread."""
    now = ctx.clock.now()
    with ctx.read() as session:
        rules = load_rules(session)
        return DashboardData(now, counts_at(session, now, rules), series_at(session, now, rules) if series else None)


__all__ = [
    "CHANNEL_KEYS", "COUNT_PRESETS", "DashboardCounts", "DashboardData", "MonthPoint", "counts_at",
    "dashboard_counts", "dashboard_data", "in_time_case", "monthly_series", "series_at", "urgent_notice",
    "urgent_text",
]
