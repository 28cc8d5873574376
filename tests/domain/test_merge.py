"""Merging one dossier's events from several desks and the upper level: same order, same state, everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.domain.errors import TransitionError
from desk_app.domain.lifecycle import Event, EventKind, Status, fold
from desk_app.domain.merge import UPPER_LEVEL_DESK, Recorded, fold_merged, merged_order, moment_after
from desk_app.store.models import VN_TZ


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


RECEIVED = {"due_at": "2026-03-05T17:00:00+07:00", "components": []}


def rec(desk: int, seq: int, kind: EventKind, when: str, payload: dict | None = None) -> Recorded:
    return Recorded(desk, seq, Event(kind, at(when), payload if payload is not None else {}), f"{desk}-{seq}")


def history_across_desks() -> list[Recorded]:
    """Received at desk 1, transferred upward at desk 1, result ready from the upper level, returned at desk 2."""
    return [
        rec(1, 7, EventKind.RECEIVED, "2026-03-02 09:00", RECEIVED),
        rec(1, 8, EventKind.TRANSFERRED, "2026-03-02 10:00", {"to": "UBND tỉnh", "upper": True}),
        rec(UPPER_LEVEL_DESK, 1, EventKind.RESULT_READY, "2026-03-04 08:00", {"component": None, "upper": True}),
        rec(2, 3, EventKind.RETURNED, "2026-03-04 14:00", {"method": "desk"}),
    ]


def test_a_history_written_at_three_places_folds_to_the_returned_state() -> None:
    merged = fold_merged(reversed(history_across_desks()))  # arrival order does not matter
    assert merged.state.status is Status.RETURNED
    assert merged.state.result_ready_at == at("2026-03-04 08:00")
    assert merged.state.returned_at == at("2026-03-04 14:00")
    assert merged.conflicts == ()
    assert [r.desk for r in merged.applied] == [1, 1, UPPER_LEVEL_DESK, 2]
    assert merged.applied[2].from_upper_level


def test_two_desks_returning_the_same_result_offline_keep_the_first_and_report_the_second() -> None:
    events = [
        rec(1, 1, EventKind.RECEIVED, "2026-03-02 09:00", RECEIVED),
        rec(1, 2, EventKind.RESULT_READY, "2026-03-03 09:00", {"component": None}),
        rec(2, 5, EventKind.RETURNED, "2026-03-03 15:00", {"method": "desk"}),
        rec(1, 3, EventKind.RETURNED, "2026-03-03 15:30", {"method": "desk"}),
    ]
    merged = fold_merged(events)
    assert merged.state.returned_at == at("2026-03-03 15:00")
    [conflict] = merged.conflicts
    assert conflict.recorded.desk == 1 and conflict.recorded.seq == 3
    assert "Đã trả kết quả" in conflict.reason


def test_a_receipt_comes_before_anything_at_the_same_second() -> None:
    events = [rec(2, 1, EventKind.TRANSFERRED, "2026-03-02 09:00", {"to": "x"}),
              rec(3, 1, EventKind.RECEIVED, "2026-03-02 09:00", RECEIVED)]
    assert [r.event.kind for r in merged_order(events)] == [EventKind.RECEIVED, EventKind.TRANSFERRED]
    assert fold_merged(events).state.status is Status.IN_PROGRESS


def test_equal_moments_keep_each_desk_in_sequence_order() -> None:
    events = [rec(1, 3, EventKind.RESULT_READY, "2026-03-02 09:00", {"component": None}),
              rec(1, 2, EventKind.TRANSFERRED, "2026-03-02 09:00", {"to": "x"}),
              rec(1, 1, EventKind.RECEIVED, "2026-03-02 09:00", RECEIVED)]
    assert [r.seq for r in merged_order(events)] == [1, 2, 3]
    assert fold_merged(events).state.status is Status.RESULT_READY


def test_without_a_receipt_there_is_no_dossier() -> None:
    with pytest.raises(TransitionError, match="tiếp nhận"):
        fold_merged([rec(1, 2, EventKind.RETURNED, "2026-03-03 15:00", {"method": "desk"})])


def test_an_action_without_its_receipt_is_a_conflict_not_a_crash() -> None:
    events = [rec(1, 1, EventKind.RECEIVED, "2026-03-02 09:00", RECEIVED),
              rec(2, 1, EventKind.RESUBMITTED, "2026-03-02 10:00", {"due_at": "2026-03-06T17:00:00+07:00"})]
    merged = fold_merged(events)
    assert merged.state.status is Status.RECEIVED
    assert len(merged.conflicts) == 1


KINDS = [EventKind.TRANSFERRED, EventKind.SUPPLEMENT_REQUESTED, EventKind.RESULT_READY, EventKind.RETURNED,
         EventKind.REFUSED, EventKind.RESCHEDULED, EventKind.CORRECTED]
PAYLOADS = {
    EventKind.TRANSFERRED: {"to": "Công chức Tư pháp - Hộ tịch"},
    EventKind.SUPPLEMENT_REQUESTED: {"items": ["Bản sao CCCD"]},
    EventKind.RESULT_READY: {"component": None},
    EventKind.RETURNED: {"method": "desk"},
    EventKind.REFUSED: {"reason": "Không đủ điều kiện"},
    EventKind.RESCHEDULED: {"due_at": "2026-03-09T17:00:00+07:00"},
    EventKind.CORRECTED: {"field": "phone", "new": "0912345678"},
}


@st.composite
def histories(draw: st.DrawFn) -> list[Recorded]:
    """A receipt, then any events from up to three desks and the upper level at any later minutes."""
    events = [rec(1, 1, EventKind.RECEIVED, "2026-03-02 09:00", RECEIVED)]
    seqs = {1: 1, 2: 0, 3: 0, UPPER_LEVEL_DESK: 0}
    for _ in range(draw(st.integers(0, 8))):
        desk = draw(st.sampled_from(sorted(seqs)))
        seqs[desk] += 1
        kind = draw(st.sampled_from(KINDS))
        minute = draw(st.integers(0, 600))
        when = (at("2026-03-02 09:00") + dt.timedelta(minutes=minute)).isoformat(sep=" ")[:16]
        events.append(rec(desk, seqs[desk], kind, when, PAYLOADS[kind]))
    return events


@settings(max_examples=300, deadline=None)
@given(histories(), st.randoms())
def test_every_place_gets_the_same_state_whatever_order_the_events_arrived_in(
        events: list[Recorded], random: st.SearchStrategy) -> None:
    shuffled = list(events)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = fold_merged(events), fold_merged(shuffled)
    assert first.state == second.state
    assert [c.recorded for c in first.conflicts] == [c.recorded for c in second.conflicts]
    assert len(first.applied) + len(first.conflicts) == len(events)


@settings(max_examples=200, deadline=None)
@given(histories())
def test_the_applied_events_are_a_history_the_lifecycle_accepts(events: list[Recorded]) -> None:
    merged = fold_merged(events)
    assert fold(r.event for r in merged.applied) == merged.state


@pytest.mark.parametrize(("last_desk", "last_kind", "desk", "when", "expected"), [
    (UPPER_LEVEL_DESK, EventKind.RESULT_READY, 0, "2026-03-02 10:00:00", "2026-03-02 10:00:01"),  # tie, lower desk
    (2, EventKind.TRANSFERRED, 1, "2026-03-02 10:00:00", "2026-03-02 10:00:01"),
    (1, EventKind.TRANSFERRED, 2, "2026-03-02 10:00:00", "2026-03-02 10:00:00"),  # a higher desk already follows
    (0, EventKind.TRANSFERRED, 0, "2026-03-02 10:00:00", "2026-03-02 10:00:00"),  # own desk: the sequence follows
    (3, EventKind.RECEIVED, 0, "2026-03-02 10:00:00", "2026-03-02 10:00:00"),  # a receipt sorts first anyway
    (UPPER_LEVEL_DESK, EventKind.RESULT_READY, 0, "2026-03-02 10:05:00", "2026-03-02 10:05:00"),  # later: kept
])
def test_a_new_event_is_dated_to_follow_the_latest_event_it_answers(last_desk, last_kind, desk, when, expected):
    last = rec(last_desk, 4, last_kind, "2026-03-02 10:00", RECEIVED if last_kind is EventKind.RECEIVED else {})
    moment = moment_after(last, at(when), desk)
    assert moment == at(expected)
    new = Recorded(desk, 99 if desk == last_desk else 1, Event(EventKind.RETURNED, moment, {}))
    assert merged_order([new, last])[-1] is new
