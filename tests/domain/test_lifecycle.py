"""A dossier's lifecycle: allowed transitions, national status codes and folding histories (DOMAIN.md §1, §3, §7)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.domain.deadlines import Timeliness, classify_resolved
from desk_app.domain.errors import TransitionError
from desk_app.domain.lifecycle import (
    CLOSED_STATUSES,
    EVENT_VN,
    NATIONAL_STATUS,
    NATIONAL_STATUS_NAMES,
    OPEN_STATUSES,
    STATUS_VN,
    Component,
    DossierState,
    Event,
    EventKind,
    Status,
    apply,
    check_allowed,
    fold,
)

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VIETNAMESE = set("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")


def vn(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def is_vietnamese(text: str) -> bool:
    return bool(VIETNAMESE & set(text.lower()))


def ev(kind: EventKind, at: str, **payload: Any) -> Event:
    return Event(kind, vn(at), payload)


# -- the national codes (DOMAIN.md §7) -------------------------------------------------------------------------------
def test_national_status_names_1_to_10() -> None:
    assert NATIONAL_STATUS_NAMES == {
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


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (Status.RECEIVED, 2),
        (Status.REFUSED, 3),
        (Status.IN_PROGRESS, 4),
        (Status.SUPPLEMENT_REQUESTED, 5),
        (Status.WITHDRAWN, 7),
        (Status.STOPPED, 8),
        (Status.RESULT_READY, 9),  # result ready and returned stay separate moments
        (Status.RETURNED, 10),
        (Status.VOIDED, None),  # a duplicate entry was never a dossier
    ],
)
def test_national_status_of_each_status(status: Status, code: int | None) -> None:
    assert NATIONAL_STATUS[status] == code
    assert state_in(status).national_status == code


def test_every_status_and_event_has_a_vietnamese_name() -> None:
    assert set(NATIONAL_STATUS) == set(Status)
    assert set(STATUS_VN) == set(Status)
    assert set(EVENT_VN) == set(EventKind)
    assert all(is_vietnamese(name) for name in [*STATUS_VN.values(), *EVENT_VN.values()])


def test_open_and_closed_statuses() -> None:
    assert OPEN_STATUSES == {Status.RECEIVED, Status.IN_PROGRESS, Status.SUPPLEMENT_REQUESTED}
    assert CLOSED_STATUSES == {Status.RETURNED, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.VOIDED}
    assert Status.RESULT_READY not in OPEN_STATUSES | CLOSED_STATUSES


# -- every transition ------------------------------------------------------------------------------------------------
RECEIVED_AT = vn("2026-03-02 09:00")
DUE = vn("2026-03-05 09:00")
OPEN = {Status.RECEIVED, Status.IN_PROGRESS, Status.SUPPLEMENT_REQUESTED}
ALL = set(Status)

# Written from the lifecycle the desk needs, independently of the module's own table.
EXPECTED_ALLOWED: dict[EventKind, set[Status]] = {
    EventKind.RECEIVED: set(),  # only for a dossier that does not exist yet
    EventKind.CORRECTED: ALL - {Status.VOIDED},
    EventKind.VOIDED: OPEN,
    EventKind.TRANSFERRED: {Status.RECEIVED, Status.IN_PROGRESS},
    EventKind.SUPPLEMENT_REQUESTED: {Status.RECEIVED, Status.IN_PROGRESS},
    EventKind.RESUBMITTED: {Status.SUPPLEMENT_REQUESTED},
    EventKind.RESULT_READY: {Status.RECEIVED, Status.IN_PROGRESS},
    EventKind.RETURNED: {Status.RESULT_READY},
    EventKind.REFUSED: OPEN,
    EventKind.WITHDRAWN: OPEN,
    EventKind.STOPPED: OPEN,
    EventKind.RESCHEDULED: OPEN,
}

PAYLOADS: dict[EventKind, dict[str, Any]] = {
    EventKind.RECEIVED: {"due_at": DUE.isoformat(), "components": []},
    EventKind.CORRECTED: {"field": "phone", "old": "0912345678", "new": "0912345679"},
    EventKind.VOIDED: {"reason": "Nhập trùng với hồ sơ 000.31.22.H20-260302-0001"},
    EventKind.TRANSFERRED: {"to": "Công chức Tư pháp - Hộ tịch", "upper": False, "component": None},
    EventKind.SUPPLEMENT_REQUESTED: {"items": ["Bản sao giấy chứng sinh"]},
    EventKind.RESUBMITTED: {"due_at": vn("2026-03-12 14:00").isoformat()},
    EventKind.RESULT_READY: {"component": None},
    EventKind.RETURNED: {},
    EventKind.REFUSED: {"reason": "Không thuộc thẩm quyền"},
    EventKind.WITHDRAWN: {"reason": "Công dân xin rút"},
    EventKind.STOPPED: {"reason": "Dừng theo yêu cầu của cơ quan có thẩm quyền"},
    EventKind.RESCHEDULED: {
        "previous_due_at": DUE.isoformat(), "due_at": vn("2026-03-10 09:00").isoformat(), "reason": "Chờ xác minh",
    },
}

EXPECTED_STATUS_AFTER: dict[EventKind, Status | None] = {  # None: unchanged
    EventKind.CORRECTED: None,
    EventKind.VOIDED: Status.VOIDED,
    EventKind.TRANSFERRED: Status.IN_PROGRESS,
    EventKind.SUPPLEMENT_REQUESTED: Status.SUPPLEMENT_REQUESTED,
    EventKind.RESUBMITTED: Status.RECEIVED,  # never transferred: back at the desk
    EventKind.RESULT_READY: Status.RESULT_READY,
    EventKind.RETURNED: Status.RETURNED,
    EventKind.REFUSED: Status.REFUSED,
    EventKind.WITHDRAWN: Status.WITHDRAWN,
    EventKind.STOPPED: Status.STOPPED,
    EventKind.RESCHEDULED: None,
}


def state_in(status: Status) -> DossierState:
    """A single-procedure dossier in ``status`` (never transferred, never rescheduled)."""
    component = Component("1.000894", "Đăng ký kết hôn", "UBND xã")
    ready = vn("2026-03-04 10:00") if status in {Status.RESULT_READY, Status.RETURNED} else None
    return DossierState(
        status=status,
        received_at=RECEIVED_AT,
        due_at=DUE,
        original_due_at=DUE,
        components=(Component(component.procedure, component.name, component.resolving_body, ready_at=ready),),
        result_ready_at=ready,
    )


CASES = [(kind, status) for kind in EventKind for status in Status]


@pytest.mark.parametrize(("kind", "status"), CASES, ids=[f"{k.value}-from-{s.value}" for k, s in CASES])
def test_transition_matrix(kind: EventKind, status: Status) -> None:
    state = state_in(status)
    event = Event(kind, vn("2026-03-04 15:00"), PAYLOADS[kind])
    if status in EXPECTED_ALLOWED[kind]:
        check_allowed(state, kind)
        after = apply(state, event)
        expected = EXPECTED_STATUS_AFTER[kind] or status
        assert after.status is expected
        assert after.received_at == RECEIVED_AT
    else:
        with pytest.raises(TransitionError) as err:
            apply(state, event)
        assert err.value.field == "action"
        assert is_vietnamese(err.value.message)
        if kind is EventKind.RECEIVED:
            assert err.value.message == "Hồ sơ này đã được tiếp nhận."
        else:
            assert err.value.message.startswith("Không thể")
            assert EVENT_VN[kind].lower() in err.value.message
            assert STATUS_VN[status] in err.value.message


@pytest.mark.parametrize("kind", [k for k in EventKind if k is not EventKind.RECEIVED])
def test_nothing_happens_to_a_dossier_that_was_never_received(kind: EventKind) -> None:
    with pytest.raises(TransitionError) as err:
        apply(None, Event(kind, vn("2026-03-02 09:00"), PAYLOADS[kind]))
    assert (err.value.field, err.value.message) == ("action", "Hồ sơ chưa được tiếp nhận.")


def test_receiving_creates_the_state() -> None:
    check_allowed(None, EventKind.RECEIVED)
    state = apply(None, Event(EventKind.RECEIVED, RECEIVED_AT, PAYLOADS[EventKind.RECEIVED]))
    assert (state.status, state.received_at, state.due_at, state.original_due_at) == (
        Status.RECEIVED, RECEIVED_AT, DUE, DUE,
    )
    assert state.national_status == 2
    assert (state.supplement_count, state.rescheduled, state.components) == (0, False, ())


# -- realistic histories ---------------------------------------------------------------------------------------------
SINGLE = ev(
    EventKind.RECEIVED,
    "2026-03-02 09:00",
    due_at=vn("2026-03-05 09:00").isoformat(),
    components=[
        {"procedure": "1.004873", "name": "Cấp Giấy xác nhận tình trạng hôn nhân", "resolving_body": "UBND xã"},
    ],
)


def states(events: list[Event]) -> list[DossierState]:
    out, state = [], None
    for event in events:
        state = apply(state, event)
        out.append(state)
    assert fold(events) == out[-1]
    return out


def test_receive_transfer_supplement_resubmit_result_return() -> None:
    events = [
        SINGLE,
        ev(EventKind.TRANSFERRED, "2026-03-02 09:30", to="Công chức Tư pháp - Hộ tịch", upper=False, component=None),
        ev(EventKind.SUPPLEMENT_REQUESTED, "2026-03-03 10:00", items=["Giấy xác nhận cư trú"]),
        ev(EventKind.RESUBMITTED, "2026-03-09 14:00", due_at=vn("2026-03-12 14:00").isoformat()),
        ev(EventKind.RESULT_READY, "2026-03-11 15:00", component=None),
        ev(EventKind.RETURNED, "2026-03-12 08:00"),
    ]
    history = states(events)
    assert [s.status for s in history] == [
        Status.RECEIVED, Status.IN_PROGRESS, Status.SUPPLEMENT_REQUESTED, Status.IN_PROGRESS, Status.RESULT_READY,
        Status.RETURNED,
    ]
    assert [s.national_status for s in history] == [2, 4, 5, 4, 9, 10]
    final = history[-1]
    assert final.supplement_count == 1
    assert final.due_at == final.original_due_at == vn("2026-03-12 14:00")  # restarted from the resubmission
    assert final.transferred_to == "Công chức Tư pháp - Hộ tịch"
    assert final.components[0].transferred_to == "Công chức Tư pháp - Hộ tịch"
    assert final.components[0].ready_at == vn("2026-03-11 15:00")
    assert final.result_ready_at == vn("2026-03-11 15:00")
    assert final.returned_at == final.closed_at == vn("2026-03-12 08:00")
    assert final.result_ready_at != final.returned_at
    assert final.close_reason is None
    assert classify_resolved(final.result_ready_at, final.original_due_at) is Timeliness.EARLY
    assert history[3].result_ready_at is None and history[3].returned_at is None


def test_resubmission_before_any_transfer_returns_to_the_desk() -> None:
    final = fold([
        SINGLE,
        ev(EventKind.SUPPLEMENT_REQUESTED, "2026-03-02 10:00"),
        ev(EventKind.RESUBMITTED, "2026-03-03 08:00", due_at=vn("2026-03-06 08:00").isoformat()),
    ])
    assert final.status is Status.RECEIVED and final.national_status == 2
    assert final.due_at == final.original_due_at == vn("2026-03-06 08:00")


def test_every_supplement_request_is_counted() -> None:
    final = fold([
        SINGLE,
        ev(EventKind.SUPPLEMENT_REQUESTED, "2026-03-02 10:00"),
        ev(EventKind.RESUBMITTED, "2026-03-03 08:00", due_at=vn("2026-03-06 08:00").isoformat()),
        ev(EventKind.SUPPLEMENT_REQUESTED, "2026-03-03 09:00"),
    ])
    assert (final.status, final.supplement_count) == (Status.SUPPLEMENT_REQUESTED, 2)
    with pytest.raises(TransitionError):
        apply(final, ev(EventKind.SUPPLEMENT_REQUESTED, "2026-03-03 10:00"))
    with pytest.raises(TransitionError):
        apply(final, ev(EventKind.RESULT_READY, "2026-03-03 10:00", component=None))


BUNDLE = ev(
    EventKind.RECEIVED,
    "2026-03-02 09:00",
    due_at=vn("2026-03-05 09:00").isoformat(),
    components=[
        {"procedure": "khai_tu", "name": "Đăng ký khai tử", "resolving_body": "UBND xã"},
        {"procedure": "xoa_thuong_tru", "name": "Xóa đăng ký thường trú", "resolving_body": "Công an xã"},
        {"procedure": "mai_tang", "name": "Hỗ trợ chi phí mai táng", "resolving_body": "UBND xã"},
    ],
)


def test_bundle_is_result_ready_only_when_every_component_is() -> None:
    events = [
        BUNDLE,
        ev(EventKind.TRANSFERRED, "2026-03-02 09:20", to="Công an xã", upper=False, component=2),
        ev(EventKind.TRANSFERRED, "2026-03-02 09:30", to="Công chức Tư pháp - Hộ tịch", upper=False, component=None),
        ev(EventKind.RESULT_READY, "2026-03-02 10:00", component=1),
        ev(EventKind.RESULT_READY, "2026-03-03 10:00", component=3),
        ev(EventKind.RESULT_READY, "2026-03-04 16:00", component=2),
    ]
    history = states(events)
    received = history[0]
    assert received.is_bundle and len(received.components) == 3
    assert [c.resolving_body for c in received.components] == ["UBND xã", "Công an xã", "UBND xã"]
    assert [c.transferred_to for c in history[2].components] == [
        "Công chức Tư pháp - Hộ tịch", "Công an xã", "Công chức Tư pháp - Hộ tịch",
    ]
    for partial in history[3:5]:
        assert partial.status is Status.IN_PROGRESS
        assert partial.result_ready_at is None
    assert [c.ready_at is not None for c in history[4].components] == [True, False, True]
    final = history[-1]
    assert final.status is Status.RESULT_READY and final.national_status == 9
    assert final.result_ready_at == vn("2026-03-04 16:00")
    assert [c.ready_at for c in final.components] == [
        vn("2026-03-02 10:00"), vn("2026-03-04 16:00"), vn("2026-03-03 10:00"),
    ]
    returned = apply(final, ev(EventKind.RETURNED, "2026-03-05 08:00"))
    assert returned.status is Status.RETURNED and returned.national_status == 10


def test_bundle_cannot_be_returned_before_every_result() -> None:
    partial = fold([BUNDLE, ev(EventKind.RESULT_READY, "2026-03-02 10:00", component=1)])
    assert partial.status is Status.RECEIVED
    with pytest.raises(TransitionError) as err:
        apply(partial, ev(EventKind.RETURNED, "2026-03-02 11:00"))
    assert err.value.field == "action" and is_vietnamese(err.value.message)


@pytest.mark.parametrize("component", [0, 4, -1])
def test_bundle_component_that_does_not_exist(component: int) -> None:
    with pytest.raises(TransitionError) as err:
        fold([BUNDLE, ev(EventKind.RESULT_READY, "2026-03-02 10:00", component=component)])
    assert err.value.field == "component"
    assert "3 thủ tục thành phần" in err.value.message
    with pytest.raises(TransitionError):
        fold([BUNDLE, ev(EventKind.TRANSFERRED, "2026-03-02 10:00", to="Công an xã", component=component)])


def test_bundle_component_result_recorded_twice() -> None:
    with pytest.raises(TransitionError) as err:
        fold([
            BUNDLE,
            ev(EventKind.RESULT_READY, "2026-03-02 10:00", component=1),
            ev(EventKind.RESULT_READY, "2026-03-02 11:00", component=1),
        ])
    assert err.value.field == "component"
    assert is_vietnamese(err.value.message)


def test_bundle_result_without_component_completes_the_rest() -> None:
    final = fold([
        BUNDLE,
        ev(EventKind.RESULT_READY, "2026-03-02 10:00", component=2),
        ev(EventKind.RESULT_READY, "2026-03-03 10:00", component=None),
    ])
    assert final.status is Status.RESULT_READY
    assert [c.ready_at for c in final.components] == [
        vn("2026-03-03 10:00"), vn("2026-03-02 10:00"), vn("2026-03-03 10:00"),
    ]


def test_reschedule_only_once_and_keep_the_original_due_date() -> None:
    rescheduled = fold([
        SINGLE,
        ev(EventKind.RESCHEDULED, "2026-03-04 10:00", previous_due_at=vn("2026-03-05 09:00").isoformat(),
           due_at=vn("2026-03-10 09:00").isoformat(), reason="Chờ xác minh"),
    ])
    assert rescheduled.rescheduled is True
    assert rescheduled.status is Status.RECEIVED
    assert rescheduled.due_at == vn("2026-03-10 09:00")
    assert rescheduled.original_due_at == vn("2026-03-05 09:00")
    with pytest.raises(TransitionError) as err:
        apply(rescheduled, ev(EventKind.RESCHEDULED, "2026-03-09 10:00", due_at=vn("2026-03-12 09:00").isoformat()))
    assert err.value.field == "action"
    assert "một lần" in err.value.message
    ready = apply(rescheduled, ev(EventKind.RESULT_READY, "2026-03-09 15:00", component=None))
    # Early / on time / late is judged against the original due date; reports can also show the new one.
    assert classify_resolved(ready.result_ready_at, ready.original_due_at) is Timeliness.LATE
    assert classify_resolved(ready.result_ready_at, ready.due_at) is Timeliness.EARLY


def test_corrections_are_recorded_and_the_last_one_wins() -> None:
    events = [
        SINGLE,
        ev(EventKind.CORRECTED, "2026-03-02 09:05", field="phone", old="0912345678", new="0912345679"),
        ev(EventKind.CORRECTED, "2026-03-02 09:06", field="address", old="Ấp 1", new="Ấp 2, xã Mỹ Phong"),
        ev(EventKind.CORRECTED, "2026-03-02 09:07", field="phone", old="0912345679", new="0987654321"),
        ev(EventKind.RESULT_READY, "2026-03-03 10:00", component=None),
        ev(EventKind.RETURNED, "2026-03-03 14:00"),
        ev(EventKind.CORRECTED, "2026-03-04 08:00", field="full_name", old="Nguyen Van A", new="Nguyễn Văn A"),
    ]
    history = states(events)
    assert history[1].corrections == {"phone": "0912345679"}
    assert history[1].status is Status.RECEIVED
    assert history[-1].corrections == {
        "phone": "0987654321", "address": "Ấp 2, xã Mỹ Phong", "full_name": "Nguyễn Văn A",
    }
    assert history[-1].status is Status.RETURNED
    assert history[0].corrections == {}  # the fold never mutates an earlier state


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        (EventKind.REFUSED, Status.REFUSED, 3),
        (EventKind.WITHDRAWN, Status.WITHDRAWN, 7),
        (EventKind.STOPPED, Status.STOPPED, 8),
        (EventKind.VOIDED, Status.VOIDED, None),
    ],
)
def test_closing_a_dossier(kind: EventKind, status: Status, code: int | None) -> None:
    final = fold([SINGLE, ev(kind, "2026-03-02 10:00", reason="Lý do ghi rõ")])
    assert (final.status, final.national_status) == (status, code)
    assert final.closed_at == vn("2026-03-02 10:00")
    assert final.close_reason == "Lý do ghi rõ"
    assert final.returned_at is None and final.result_ready_at is None
    for later in (EventKind.TRANSFERRED, EventKind.RESULT_READY, EventKind.RETURNED, EventKind.RESCHEDULED):
        with pytest.raises(TransitionError):
            apply(final, Event(later, vn("2026-03-02 11:00"), PAYLOADS[later]))


def test_voided_dossier_cannot_even_be_corrected() -> None:
    voided = fold([SINGLE, ev(EventKind.VOIDED, "2026-03-02 09:10", reason="Nhập trùng")])
    with pytest.raises(TransitionError):
        apply(voided, Event(EventKind.CORRECTED, vn("2026-03-02 09:20"), PAYLOADS[EventKind.CORRECTED]))


def test_empty_and_impossible_histories() -> None:
    with pytest.raises(TransitionError) as err:
        fold([])
    assert err.value.field == "events" and is_vietnamese(err.value.message)
    with pytest.raises(TransitionError):
        fold([ev(EventKind.TRANSFERRED, "2026-03-02 09:00", to="x", component=None)])
    with pytest.raises(TransitionError):
        fold([SINGLE, SINGLE])
    with pytest.raises(TransitionError):
        fold([SINGLE, ev(EventKind.RETURNED, "2026-03-02 10:00")])
    with pytest.raises(TransitionError):
        fold([SINGLE, ev(EventKind.RESUBMITTED, "2026-03-02 10:00", due_at=DUE.isoformat())])


# -- property: any sequence of events is either folded by the table or refused --------------------------------------
@settings(max_examples=200, deadline=None)
@given(kinds=st.lists(st.sampled_from([k for k in EventKind if k is not EventKind.RECEIVED]), max_size=12))
def test_property_random_histories_follow_the_table(kinds: list[EventKind]) -> None:
    state = apply(None, SINGLE)
    for i, kind in enumerate(kinds):
        event = Event(kind, vn("2026-03-02 10:00") + dt.timedelta(hours=i), PAYLOADS[kind])
        allowed = state.status in EXPECTED_ALLOWED[kind] and not (kind is EventKind.RESCHEDULED and state.rescheduled)
        if not allowed:
            with pytest.raises(TransitionError):
                apply(state, event)
            continue
        before = state
        state = apply(state, event)
        assert state.received_at == before.received_at
        assert state.supplement_count == before.supplement_count + (kind is EventKind.SUPPLEMENT_REQUESTED)
        if before.status in CLOSED_STATUSES:
            assert state.status is before.status  # only a correction can happen to a closed dossier
        if state.status is Status.RESULT_READY:
            assert state.result_ready_at is not None
        if state.status is Status.RETURNED:
            assert state.result_ready_at is not None and state.returned_at is not None
            assert state.result_ready_at <= state.returned_at
