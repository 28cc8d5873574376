"""The statistics report's data (Biểu số 06/VPCP/KSTT, DOMAIN.md §5): plain, frozen, shared by the report service,
its PDF and Excel exports, the command line's JSON and the dashboard. No session, no Qt."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

# The 11 figures of the official table's numbered columns (3–13), then the two shown apart.
COLUMNS: tuple[str, ...] = (
    "received_total", "received_online", "received_direct_postal", "carried_over",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "pending_total", "pending_in_time", "pending_overdue",
    "refused", "withdrawn",
)
COLUMN_VN: dict[str, str] = {
    "received_total": "Tổng số hồ sơ tiếp nhận",
    "received_online": "Trực tuyến",
    "received_direct_postal": "Trực tiếp và qua dịch vụ bưu chính",
    "carried_over": "Từ kỳ trước chuyển sang",
    "resolved_total": "Tổng số hồ sơ đã giải quyết",
    "resolved_early": "Trước hạn",
    "resolved_on_time": "Đúng hạn",
    "resolved_late": "Quá hạn",
    "pending_total": "Tổng số hồ sơ đang giải quyết",
    "pending_in_time": "Trong hạn",
    "pending_overdue": "Quá hạn",
    "refused": "Từ chối giải quyết",
    "withdrawn": "Công dân rút hồ sơ",
}


class ReportInconsistent(AssertionError):
    """The figures do not add up (DOMAIN.md §5): a bug in the report, never an output."""


@dataclass(frozen=True)
class Figures:
    received_total: int = 0
    received_online: int = 0
    received_direct_postal: int = 0
    carried_over: int = 0
    resolved_total: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    pending_total: int = 0
    pending_in_time: int = 0
    pending_overdue: int = 0
    refused: int = 0
    withdrawn: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def check(self, where: str) -> None:
        """The consistency checks of DOMAIN.md §5; raises ReportInconsistent naming the broken one."""
        checks = {
            "received = online + direct/postal + carried over":
                self.received_total == self.received_online + self.received_direct_postal + self.carried_over,
            "resolved = early + on time + late":
                self.resolved_total == self.resolved_early + self.resolved_on_time + self.resolved_late,
            "pending = within + overdue": self.pending_total == self.pending_in_time + self.pending_overdue,
            "received = resolved + pending": self.received_total == self.resolved_total + self.pending_total,
            "no negative figure": all(getattr(self, f.name) >= 0 for f in fields(self)),
        }
        broken = [name for name, holds in checks.items() if not holds]
        if broken:
            raise ReportInconsistent(f"{where}: {'; '.join(broken)} — {self.as_dict()}")


@dataclass(frozen=True)
class Satisfaction:
    very_satisfied: int = 0
    satisfied: int = 0
    unsatisfied: int = 0

    @property
    def total(self) -> int:
        return self.very_satisfied + self.satisfied + self.unsatisfied

    def percentages(self) -> dict[str, float]:
        """Each level's share in per cent (one decimal); all zero when nobody rated."""
        total = self.total
        return {key: round(100 * value / total, 1) if total else 0.0
                for key, value in (("very_satisfied", self.very_satisfied), ("satisfied", self.satisfied),
                                   ("unsatisfied", self.unsatisfied))}

    def as_dict(self) -> dict[str, int]:
        return {"very_satisfied": self.very_satisfied, "satisfied": self.satisfied, "unsatisfied": self.unsatisfied}


@dataclass(frozen=True)
class ReportRow:
    field_code: str
    field_name: str
    figures: Figures
    satisfaction: Satisfaction


@dataclass(frozen=True)
class LateItem:
    """A dossier behind a late or overdue figure (the Excel export's second sheet)."""

    kind: str  # "resolved_late" | "pending_overdue"
    code: str
    field_code: str
    procedure_name: str
    applicant_name: str
    received_at: dt.datetime
    due_at: dt.datetime  # the date judged against
    result_ready_at: dt.datetime | None


@dataclass(frozen=True)
class StatisticsReport:
    unit_name: str
    upper_body: str
    place: str
    date_from: dt.date
    date_to: dt.date
    against: str  # "original" (the original due date, by default) | "rescheduled"
    rows: tuple[ReportRow, ...]
    total: Figures
    satisfaction: Satisfaction
    satisfaction_by_clerk: dict[str, Satisfaction] | None  # only for the leader and the administrator
    late_items: tuple[LateItem, ...]
    made_at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        """The command line's JSON: rows (one per field, with `field` its name) and the total, each with the 13
        figures and its satisfaction counts."""
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "unit": self.unit_name,
            "against": self.against,
            "rows": [{"field": r.field_name, "field_code": r.field_code, **r.figures.as_dict(),
                      "satisfaction": r.satisfaction.as_dict()} for r in self.rows],
            "total": {**self.total.as_dict(), "satisfaction": self.satisfaction.as_dict()},
            "satisfaction": {**self.satisfaction.as_dict(), "percent": self.satisfaction.percentages()},
        }
