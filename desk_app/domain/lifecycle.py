"""A dossier's lifecycle: statuses, event kinds, allowed transitions, and the fold from events to state.

Events are the record (ARCHITECTURE.md): each one carries, in its payload, the facts decided when it happened (the
due date computed at receipt, the new date of a reschedule, ...), so folding the events needs no calendar and gives
the same state on the desk, on another desk and on the upper-level server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from desk_app.domain.errors import TransitionError


class Status(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    VOIDED = "voided"


STATUS_VN: dict[Status, str] = {
    Status.RECEIVED: "Đã tiếp nhận",
    Status.IN_PROGRESS: "Đang xử lý",
    Status.SUPPLEMENT_REQUESTED: "Chờ bổ sung hồ sơ",
    Status.RESULT_READY: "Đã có kết quả",
    Status.RETURNED: "Đã trả kết quả",
    Status.REFUSED: "Từ chối giải quyết",
    Status.WITHDRAWN: "Công dân rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.VOIDED: "Đã hủy (nhập trùng)",
}

# TrangThaiHoSo of the national one-stop exchange (DOMAIN.md §7). A voided entry was never a dossier: no code.
NATIONAL_STATUS: dict[Status, int | None] = {
    Status.RECEIVED: 2,
    Status.IN_PROGRESS: 4,
    Status.SUPPLEMENT_REQUESTED: 5,
    Status.RESULT_READY: 9,
    Status.RETURNED: 10,
    Status.REFUSED: 3,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.VOIDED: None,
}

NATIONAL_STATUS_NAMES: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.IN_PROGRESS, Status.SUPPLEMENT_REQUESTED})
CLOSED_STATUSES = frozenset({Status.RETURNED, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.VOIDED})


class EventKind(StrEnum):
    RECEIVED = "received"
    CORRECTED = "corrected"
    VOIDED = "voided"
    TRANSFERRED = "transferred"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    RESUBMITTED = "resubmitted"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    RESCHEDULED = "rescheduled"


EVENT_VN: dict[EventKind, str] = {
    EventKind.RECEIVED: "Tiếp nhận hồ sơ",
    EventKind.CORRECTED: "Sửa thông tin nhập sai",
    EventKind.VOIDED: "Hủy hồ sơ nhập trùng",
    EventKind.TRANSFERRED: "Chuyển hồ sơ",
    EventKind.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung hồ sơ",
    EventKind.RESUBMITTED: "Nhận hồ sơ bổ sung",
    EventKind.RESULT_READY: "Có kết quả giải quyết",
    EventKind.RETURNED: "Trả kết quả",
    EventKind.REFUSED: "Từ chối giải quyết",
    EventKind.WITHDRAWN: "Công dân rút hồ sơ",
    EventKind.STOPPED: "Dừng xử lý",
    EventKind.RESCHEDULED: "Xin lỗi và hẹn lại ngày trả",
}

ALLOWED_FROM: dict[EventKind, frozenset[Status]] = {
    EventKind.CORRECTED: frozenset(Status) - {Status.VOIDED},
    EventKind.VOIDED: OPEN_STATUSES,
    EventKind.TRANSFERRED: frozenset({Status.RECEIVED, Status.IN_PROGRESS}),
    EventKind.SUPPLEMENT_REQUESTED: frozenset({Status.RECEIVED, Status.IN_PROGRESS}),
    EventKind.RESUBMITTED: frozenset({Status.SUPPLEMENT_REQUESTED}),
    EventKind.RESULT_READY: frozenset({Status.RECEIVED, Status.IN_PROGRESS}),
    EventKind.RETURNED: frozenset({Status.RESULT_READY}),
    EventKind.REFUSED: OPEN_STATUSES,
    EventKind.WITHDRAWN: OPEN_STATUSES,
    EventKind.STOPPED: OPEN_STATUSES,
    EventKind.RESCHEDULED: OPEN_STATUSES,
}


@dataclass(frozen=True)
class Event:
    """What the fold needs of a recorded event."""

    kind: EventKind
    at: dt.datetime
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Component:
    """One procedure of a bundle (or the single procedure of an ordinary dossier)."""

    procedure: str
    name: str
    resolving_body: str
    time_limit: str | None = None  # a bundle's part keeps its own limit and due date
    due_at: dt.datetime | None = None
    transferred_to: str | None = None
    ready_at: dt.datetime | None = None


@dataclass(frozen=True)
class DossierState:
    status: Status
    received_at: dt.datetime
    due_at: dt.datetime  # the appointment in force (the new date after a reschedule)
    original_due_at: dt.datetime  # the statutory due date, kept for early / on time / late
    components: tuple[Component, ...] = ()
    supplement_count: int = 0
    rescheduled: bool = False
    transferred_to: str | None = None
    result_ready_at: dt.datetime | None = None
    returned_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    close_reason: str | None = None
    corrections: dict[str, Any] = field(default_factory=dict)

    @property
    def national_status(self) -> int | None:
        return NATIONAL_STATUS[self.status]

    @property
    def is_bundle(self) -> bool:
        return len(self.components) > 1


def check_allowed(state: DossierState | None, kind: EventKind) -> None:
    """Raise :class:`TransitionError` (Vietnamese) when ``kind`` may not happen to a dossier in ``state``."""
    if kind is EventKind.RECEIVED:
        if state is not None:
            raise TransitionError("Hồ sơ này đã được tiếp nhận.", field="action")
        return
    if state is None:
        raise TransitionError("Hồ sơ chưa được tiếp nhận.", field="action")
    if state.status not in ALLOWED_FROM[kind]:
        raise TransitionError(
            f"Không thể '{EVENT_VN[kind].lower()}' khi hồ sơ đang ở trạng thái '{STATUS_VN[state.status]}'.",
            field="action",
        )
    if kind is EventKind.RESCHEDULED and state.rescheduled:
        raise TransitionError("Hồ sơ chỉ được hẹn lại ngày trả kết quả một lần, và đã hẹn lại rồi.", field="action")


def apply(state: DossierState | None, event: Event) -> DossierState:
    """The state after ``event``; raises :class:`TransitionError` if the lifecycle forbids it."""
    check_allowed(state, event.kind)
    p = event.payload
    if event.kind is EventKind.RECEIVED:
        due = dt.datetime.fromisoformat(p["due_at"])
        components = tuple(
            Component(c["procedure"], c["name"], c["resolving_body"], c.get("time_limit"),
                      dt.datetime.fromisoformat(c["due_at"]) if c.get("due_at") else None)
            for c in p.get("components", ())
        )
        return DossierState(Status.RECEIVED, event.at, due, due, components)
    assert state is not None
    kind = event.kind
    if kind is EventKind.CORRECTED:
        return replace(state, corrections={**state.corrections, p["field"]: p["new"]})
    if kind is EventKind.TRANSFERRED:
        index = p.get("component")
        components = state.components
        if index is not None:
            components = _with_component(components, index, transferred_to=p["to"])
        else:
            components = tuple(replace(c, transferred_to=c.transferred_to or p["to"]) for c in components)
        return replace(state, status=Status.IN_PROGRESS, transferred_to=p["to"], components=components)
    if kind is EventKind.SUPPLEMENT_REQUESTED:
        return replace(state, status=Status.SUPPLEMENT_REQUESTED, supplement_count=state.supplement_count + 1)
    if kind is EventKind.RESUBMITTED:
        statutory = dt.datetime.fromisoformat(p["due_at"])
        current = dt.datetime.fromisoformat(p.get("current_due_at") or p["due_at"])
        status = Status.IN_PROGRESS if state.transferred_to else Status.RECEIVED
        parts = p.get("component_due_at")
        components = state.components
        if parts and len(parts) == len(components):
            components = tuple(replace(c, due_at=dt.datetime.fromisoformat(d)) if d else c
                               for c, d in zip(components, parts, strict=True))
        return replace(state, status=status, due_at=current, original_due_at=statutory, components=components)
    if kind is EventKind.RESULT_READY:
        return _result_ready(state, event)
    if kind is EventKind.RETURNED:
        return replace(state, status=Status.RETURNED, returned_at=event.at, closed_at=event.at)
    if kind is EventKind.RESCHEDULED:
        return replace(state, due_at=dt.datetime.fromisoformat(p["due_at"]), rescheduled=True)
    closing = {
        EventKind.REFUSED: Status.REFUSED,
        EventKind.WITHDRAWN: Status.WITHDRAWN,
        EventKind.STOPPED: Status.STOPPED,
        EventKind.VOIDED: Status.VOIDED,
    }
    return replace(state, status=closing[kind], closed_at=event.at, close_reason=p.get("reason"))


def _with_component(components: tuple[Component, ...], index: int, **changes: Any) -> tuple[Component, ...]:
    if not 1 <= index <= len(components):
        raise TransitionError(
            f"Hồ sơ có {len(components)} thủ tục thành phần; không có thành phần số {index}.", field="component"
        )
    return tuple(replace(c, **changes) if i == index else c for i, c in enumerate(components, start=1))


def _result_ready(state: DossierState, event: Event) -> DossierState:
    index = event.payload.get("component")
    if index is None:
        components = tuple(replace(c, ready_at=c.ready_at or event.at) for c in state.components)
    else:
        if 1 <= index <= len(state.components) and state.components[index - 1].ready_at is not None:
            raise TransitionError(f"Thành phần số {index} đã có kết quả rồi.", field="component")
        components = _with_component(state.components, index, ready_at=event.at)
    if all(c.ready_at is not None for c in components):
        return replace(state, components=components, status=Status.RESULT_READY, result_ready_at=event.at)
    return replace(state, components=components)


def fold(events: Iterable[Event]) -> DossierState:
    """The state of a dossier from its events in order; raises :class:`TransitionError` on an impossible history."""
    state: DossierState | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise TransitionError("Hồ sơ không có sự kiện nào.", field="events")
    return state

