"""The lifecycle actions: each one's event and projection, every forbidden transition, times and the clock check."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from desk_app.domain.lifecycle import STATUS_VN, Status

from desk_app.domain.errors import DomainError, NotFoundError, TransitionError, ValidationError
from desk_app.services.actions import DossierActions
from desk_app.services.context import ClockError
from desk_app.services.queries import find
from tests.conftest import vn
from tests.services._support import (
    act_as_desk,
    DUC,
    assert_vietnamese,
    count,
    dossier,
    events,
    independent_hash,
    payload,
    receive_one,
    rows,
    set_settings,
    snapshot,
)


@pytest.fixture
def actions(ctx) -> DossierActions:
    return DossierActions(ctx)


@pytest.fixture
def code(ctx) -> str:
    """XA.HT.01 (3 working days) received Monday 02/03/2026 09:00: due Thursday 05/03 09:00."""
    return receive_one(ctx, "XA.HT.01").code


@pytest.fixture
def bundle(ctx) -> str:
    return receive_one(ctx, "XA.HT.16").code


def last_event(db, code: str):
    return events(db, code)[-1]


def assert_chained(db, code: str) -> None:
    """The dossier's events follow each other in the desk's chain and each hash is right."""
    all_events = rows(db, "SELECT * FROM dossier_events ORDER BY desk, seq")
    previous = {}
    for event in all_events:
        assert event["prev_hash"] == previous.get(event["desk"], "0" * 64)
        assert event["hash"] == independent_hash(event)
        previous[event["desk"]] = event["hash"]
    assert dossier(db, code)["last_event_seq"] == last_event(db, code)["seq"]


def refused(db, call: Callable[[], Any], error: type[DomainError], field: str | None = None) -> DomainError:
    """``call`` raises ``error`` (naming ``field``) with a Vietnamese message, and nothing is written."""
    before = snapshot(db)
    with pytest.raises(error) as raised:
        call()
    if field is not None:
        assert raised.value.field == field
    assert_vietnamese(raised.value.message)
    assert snapshot(db) == before
    return raised.value


# -- transfer ------------------------------------------------------------------------------------------------------
def test_transfer_to_a_named_body(actions, db, clock, code):
    clock.advance(minutes=30)
    result = actions.transfer(code, "  Công chức   Tư pháp - Hộ tịch ")
    assert result.status == "in_progress"
    row = dossier(db, code)
    assert row["status"] == "in_progress"
    assert row["transferred_to"] == "Công chức Tư pháp - Hộ tịch"
    assert json.loads(row["components"])[0]["transferred_to"] == "Công chức Tư pháp - Hộ tịch"
    assert row["due_at"] == "2026-03-05 09:00:00"
    event = last_event(db, code)
    assert (event["kind"], event["seq"], event["at"], event["actor"]) == ("transferred", 2, "2026-03-02 09:30:00",
                                                                         "test:clerk")
    assert payload(event) == {"to": "Công chức Tư pháp - Hộ tịch", "upper": False, "component": None}
    assert_chained(db, code)


def test_transfer_upper_uses_the_upper_level_setting(actions, db, code):
    set_settings(db, upper_level_name="UBND tỉnh Đồng Tháp")
    actions.transfer(code, upper=True)
    assert dossier(db, code)["transferred_to"] == "UBND tỉnh Đồng Tháp"
    assert payload(last_event(db, code)) == {"to": "UBND tỉnh Đồng Tháp", "upper": True, "component": None}


def test_transfer_needs_a_destination(actions, db, code):
    refused(db, lambda: actions.transfer(code, "   "), ValidationError, "to")
    refused(db, lambda: actions.transfer(code, None), ValidationError, "to")


def test_transfer_one_component_of_a_bundle(actions, db, bundle):
    actions.transfer(bundle, "Công an xã", component=2)
    components = json.loads(dossier(db, bundle)["components"])
    assert [c["transferred_to"] for c in components] == [None, "Công an xã", None]
    assert payload(last_event(db, bundle)) == {"to": "Công an xã", "upper": False, "component": 2}
    actions.transfer(bundle, "Tư pháp")  # the rest, without touching component 2
    components = json.loads(dossier(db, bundle)["components"])
    assert [c["transferred_to"] for c in components] == ["Tư pháp", "Công an xã", "Tư pháp"]


def test_transfer_to_a_component_that_does_not_exist(actions, db, bundle):
    refused(db, lambda: actions.transfer(bundle, "Công an xã", component=4), TransitionError, "component")
    refused(db, lambda: actions.transfer(bundle, "Công an xã", component=0), TransitionError, "component")


def test_unknown_dossier_code(actions, db):
    refused(db, lambda: actions.transfer("000.31.22.H20-260302-0999", "X"), NotFoundError, "code")
    refused(db, lambda: actions.transfer("not a code", "X"), ValidationError, "code")


def test_code_typed_in_lower_case_with_spaces_is_found(actions, db, code):
    actions.transfer(" " + code.lower().replace("-", " - ") + " ", "Tư pháp")
    assert dossier(db, code)["status"] == "in_progress"


# -- supplement and resubmission -----------------------------------------------------------------------------------
def test_request_supplement(actions, db, clock, code):
    clock.moment = vn("2026-03-02 10:00")
    actions.request_supplement(code, ["  Bản sao   giấy khai sinh ", "", "Ảnh 3x4"], reason=" Thiếu  giấy tờ ")
    row = dossier(db, code)
    assert (row["status"], row["supplement_count"]) == ("supplement_requested", 1)
    assert payload(last_event(db, code)) == {"items": ["Bản sao giấy khai sinh", "Ảnh 3x4"], "reason": "Thiếu giấy tờ",
                                             "moves_deadline": True}


def test_a_supplement_asked_after_three_working_days_does_not_move_the_due_date(actions, db, clock, code):
    # Received Monday 02/03 09:00, due Thursday 05/03 09:00; the 3 working days for asking end Thursday 05/03.
    clock.moment = vn("2026-03-06 09:00")
    actions.request_supplement(code, ["Giấy xác nhận cư trú"])
    assert payload(last_event(db, code))["moves_deadline"] is False
    clock.moment = vn("2026-03-10 09:00")
    actions.resubmit(code)
    row = dossier(db, code)
    assert row["due_at"] == row["original_due_at"] == "2026-03-05 09:00:00"  # still late, as it was
    assert payload(last_event(db, code))["rule"] == "late_request"


def test_bundle_parts_move_with_the_resubmission(actions, db, clock, ctx):
    bundle = receive_one(ctx, "XA.HT.16").code  # Monday 02/03 09:00
    clock.moment = vn("2026-03-02 10:00")
    actions.request_supplement(bundle, ["Giấy báo tử"])
    clock.moment = vn("2026-03-09 09:00")
    actions.resubmit(bundle)  # restart: each part counted again from Monday 09/03 09:00
    parts = [c["due_at"] for c in json.loads(dossier(db, bundle)["components"])]
    assert parts == ["2026-03-09T17:00:00+07:00", "2026-03-10T09:00:00+07:00", "2026-03-23T09:00:00+07:00"]
    assert dossier(db, bundle)["due_at"] == "2026-03-23 09:00:00"


def test_request_supplement_needs_items(actions, db, code):
    refused(db, lambda: actions.request_supplement(code, ["", "  "]), ValidationError, "items")


def _supplement_round_trip(actions, clock, code) -> None:
    clock.moment = vn("2026-03-02 10:00")
    actions.request_supplement(code, ["Bản sao giấy khai sinh"])
    clock.moment = vn("2026-03-04 10:00")
    actions.resubmit(code)


def test_resubmit_restarts_the_time_limit_by_default(actions, db, clock, code):
    _supplement_round_trip(actions, clock, code)
    row = dossier(db, code)
    # 3 working days counted again from Wednesday 04/03 10:00: Thursday, Friday, Monday.
    assert row["due_at"] == row["original_due_at"] == "2026-03-09 10:00:00"
    assert (row["status"], row["supplement_count"]) == ("received", 1)
    assert payload(last_event(db, code)) == {
        "previous_due_at": "2026-03-05T09:00:00+07:00", "due_at": "2026-03-09T10:00:00+07:00",
        "current_due_at": "2026-03-09T10:00:00+07:00", "rule": "restart", "component_due_at": [None],
    }


def test_resubmit_pauses_the_clock_when_set(actions, db, clock, code):
    set_settings(db, supplement_rule="pause")
    _supplement_round_trip(actions, clock, code)
    row = dossier(db, code)
    # Paused Tuesday and Wednesday (2 working days): Thursday 05/03 09:00 moves to Monday 09/03 09:00.
    assert row["due_at"] == row["original_due_at"] == "2026-03-09 09:00:00"
    assert payload(last_event(db, code))["rule"] == "pause"


def test_resubmit_returns_a_transferred_dossier_to_in_progress(actions, db, clock, code):
    actions.transfer(code, "Tư pháp")
    _supplement_round_trip(actions, clock, code)
    assert dossier(db, code)["status"] == "in_progress"


def test_paused_supplement_after_reschedule_keeps_the_promised_date(actions, db, clock, code):
    set_settings(db, supplement_rule="pause")
    clock.moment = vn("2026-03-03 09:00")
    actions.reschedule(code, dt.date(2026, 3, 13), "Cần xác minh thêm")  # promised Friday 13/03 09:00
    clock.moment = vn("2026-03-03 10:00")
    actions.request_supplement(code, ["Bản sao giấy khai sinh"])
    clock.moment = vn("2026-03-04 10:00")
    actions.resubmit(code)  # one working day (Wednesday) paused
    row = dossier(db, code)
    assert row["due_at"] == "2026-03-16 09:00:00"  # the promised Friday, moved by the paused Wednesday
    assert row["original_due_at"] == "2026-03-06 09:00:00"  # the statutory date, moved the same way


def test_second_supplement_round_counts_two(actions, db, clock, code):
    _supplement_round_trip(actions, clock, code)
    actions.request_supplement(code, ["Giấy xác nhận cư trú"])
    clock.moment = vn("2026-03-05 08:00")
    actions.resubmit(code)
    row = dossier(db, code)
    assert row["supplement_count"] == 2
    assert row["due_at"] == "2026-03-10 08:00:00"


# -- result ready, return, rating ----------------------------------------------------------------------------------
def test_result_ready(actions, db, clock, code):
    clock.moment = vn("2026-03-04 14:00")
    actions.result_ready(code)
    row = dossier(db, code)
    assert (row["status"], row["result_ready_at"]) == ("result_ready", "2026-03-04 14:00:00")
    assert row["returned_at"] is None and row["closed_at"] is None
    assert json.loads(row["components"])[0]["ready_at"] == "2026-03-04T14:00:00+07:00"
    assert payload(last_event(db, code)) == {"component": None}


def test_bundle_result_ready_per_component(actions, db, clock, bundle):
    clock.moment = vn("2026-03-03 10:00")
    actions.result_ready(bundle, component=2)
    row = dossier(db, bundle)
    assert row["status"] == "received" and row["result_ready_at"] is None
    assert [c["ready_at"] for c in json.loads(row["components"])] == [None, "2026-03-03T10:00:00+07:00", None]
    refused(db, lambda: actions.result_ready(bundle, component=2), TransitionError, "component")
    refused(db, lambda: actions.result_ready(bundle, component=4), TransitionError, "component")
    refused(db, lambda: actions.return_result(bundle), TransitionError, "action")  # not all results are in
    clock.moment = vn("2026-03-04 10:00")
    actions.result_ready(bundle, component=1)
    assert dossier(db, bundle)["status"] == "received"
    clock.moment = vn("2026-03-05 15:00")
    actions.result_ready(bundle, component=3)
    row = dossier(db, bundle)
    assert (row["status"], row["result_ready_at"]) == ("result_ready", "2026-03-05 15:00:00")
    assert [c["ready_at"][:10] for c in json.loads(row["components"])] == ["2026-03-04", "2026-03-03", "2026-03-05"]
    assert [payload(e) for e in events(db, bundle)[1:]] == [{"component": 2}, {"component": 1}, {"component": 3}]
    assert_chained(db, bundle)


def test_bundle_result_ready_without_component_completes_the_rest(actions, db, bundle):
    actions.result_ready(bundle, component=1)
    actions.result_ready(bundle)
    row = dossier(db, bundle)
    assert row["status"] == "result_ready"
    assert all(c["ready_at"] for c in json.loads(row["components"]))


def test_return_with_rating_keeps_the_rating_apart(actions, db, clock, code):
    actions.result_ready(code)
    clock.moment = vn("2026-03-04 09:15")
    actions.return_result(code, rating=3)
    row = dossier(db, code)
    assert (row["status"], row["returned_at"], row["closed_at"]) == (
        "returned", "2026-03-04 09:15:00", "2026-03-04 09:15:00")
    assert payload(last_event(db, code)) == {"method": "desk"}
    ratings = rows(db, "SELECT * FROM ratings")
    assert [dict(r) for r in ratings] == [
        {"id": 1, "rated_on": "2026-03-04", "field_code": "HT", "clerk": "test:clerk", "level": 3}
    ]
    columns = {r["name"] for r in rows(db, "PRAGMA table_info(ratings)")}
    assert columns == {"id", "rated_on", "field_code", "clerk", "level"}  # no dossier, no citizen
    assert not rows(db, "PRAGMA foreign_key_list(ratings)")
    for event in rows(db, "SELECT payload FROM dossier_events"):
        keys = set(_keys(json.loads(event["payload"])))
        assert not keys & {"rating", "level", "satisfaction"}, keys
        assert "hài lòng" not in json.loads(event["payload"]).__repr__().lower()


def _keys(value: Any):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_return_without_rating_stores_no_rating(actions, db, code):
    actions.result_ready(code)
    actions.return_result(code)
    assert count(db, "ratings") == 0
    assert dossier(db, code)["status"] == "returned"


def test_rating_outside_the_scale_is_refused(actions, db, code):
    actions.result_ready(code)
    refused(db, lambda: actions.return_result(code, rating=5), ValidationError, "rating")
    refused(db, lambda: actions.return_result(code, rating=0), ValidationError, "rating")


def test_refused_return_stores_no_rating(actions, db, code):
    # Returning before the result is ready is refused: the rating must not be left behind either.
    refused(db, lambda: actions.return_result(code, rating=1), TransitionError, "action")
    assert count(db, "ratings") == 0


def test_postal_return_method_in_payload(ctx, actions, db):
    code = receive_one(ctx, return_method="postal").code
    actions.result_ready(code)
    actions.return_result(code)
    assert payload(last_event(db, code)) == {"method": "postal"}


# -- endings -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("action", "status"), [("refuse", "refused"), ("withdraw", "withdrawn"),
                                                ("stop", "stopped"), ("void", "voided")])
def test_closing_actions(actions, db, clock, code, action, status):
    clock.advance(hours=1)
    getattr(actions, action)(code, "  Lý do   cụ thể ")
    row = dossier(db, code)
    assert (row["status"], row["close_reason"], row["closed_at"]) == (status, "Lý do cụ thể", "2026-03-02 10:00:00")
    assert payload(last_event(db, code)) == {"reason": "Lý do cụ thể"}
    assert last_event(db, code)["kind"] == status


@pytest.mark.parametrize("action", ["refuse", "withdraw", "stop", "void"])
def test_closing_actions_need_a_reason(actions, db, code, action):
    refused(db, lambda: getattr(actions, action)(code, "  "), ValidationError, "reason")
    refused(db, lambda: getattr(actions, action)(code, None), ValidationError, "reason")
    refused(db, lambda: getattr(actions, action)(code, "x" * 1001), ValidationError, "reason")


# -- reschedule (apology and new date) -----------------------------------------------------------------------------
def test_reschedule_with_a_date_keeps_the_clock_time(actions, db, clock, code):
    clock.moment = vn("2026-03-03 10:00")
    actions.reschedule(code, dt.date(2026, 3, 10), "Cần xác minh thêm")
    row = dossier(db, code)
    assert row["due_at"] == "2026-03-10 09:00:00"
    assert row["original_due_at"] == "2026-03-05 09:00:00"  # kept for early / on time / late
    assert row["rescheduled"] == 1
    assert payload(last_event(db, code)) == {
        "previous_due_at": "2026-03-05T09:00:00+07:00", "due_at": "2026-03-10T09:00:00+07:00",
        "reason": "Cần xác minh thêm",
    }


def test_reschedule_with_a_datetime(actions, db, clock, code):
    actions.reschedule(code, vn("2026-03-10 14:00"), "Chờ ý kiến cơ quan khác")
    assert dossier(db, code)["due_at"] == "2026-03-10 14:00:00"


def test_reschedule_only_once(actions, db, code):
    actions.reschedule(code, dt.date(2026, 3, 10), "Lần một")
    error = refused(db, lambda: actions.reschedule(code, dt.date(2026, 3, 12), "Lần hai"), TransitionError)
    assert "một lần" in error.message


def test_reschedule_on_the_due_date_is_too_late(actions, db, clock, code):
    clock.moment = vn("2026-03-05 08:00")
    refused(db, lambda: actions.reschedule(code, dt.date(2026, 3, 10), "Muộn"), TransitionError, "at")


def test_reschedule_the_day_before_is_allowed(actions, db, clock, code):
    clock.moment = vn("2026-03-04 16:45")
    actions.reschedule(code, dt.date(2026, 3, 10), "Đúng hạn gửi phiếu")
    assert dossier(db, code)["rescheduled"] == 1


@pytest.mark.parametrize("new_due", [dt.date(2026, 3, 5), dt.date(2026, 3, 4), vn("2026-03-05 08:59")])
def test_reschedule_to_a_date_not_later_is_refused(actions, db, code, new_due):
    refused(db, lambda: actions.reschedule(code, new_due, "Lý do"), ValidationError, "new_due")


@pytest.mark.parametrize("new_due", [dt.date(2026, 3, 7), dt.date(2026, 3, 8), dt.date(2026, 4, 27),
                                     dt.date(2026, 4, 30)])
def test_reschedule_to_a_day_off_is_refused(actions, db, code, new_due):
    refused(db, lambda: actions.reschedule(code, new_due, "Lý do"), ValidationError, "new_due")


def test_reschedule_needs_a_reason(actions, db, code):
    refused(db, lambda: actions.reschedule(code, dt.date(2026, 3, 10), " "), ValidationError, "reason")


def test_reschedule_same_day_procedure_is_always_too_late(ctx, actions, db):
    code = receive_one(ctx, "1.001193").code
    refused(db, lambda: actions.reschedule(code, dt.date(2026, 3, 3), "Lý do"), TransitionError, "at")


# -- correct -------------------------------------------------------------------------------------------------------
def test_correct_name_updates_projection_payload_and_search(actions, db, clock, code):
    clock.advance(minutes=10)
    actions.correct(code, "name", "  nguyễn văn  đạt ")
    row = dossier(db, code)
    assert row["applicant_name"] == "Nguyễn Văn Đạt"
    assert "nguyen van dat" in row["search_folded"]
    assert payload(last_event(db, code)) == {"field": "name", "old": "Nguyễn Văn Đức", "new": "Nguyễn Văn Đạt"}
    with db.session() as session:
        assert [d["code"] for d in find(session, "nguyen van dat")] == [code]
        assert [d["code"] for d in find(session, "Đạt")] == [code]
        assert find(session, "nguyen van duc") == []
    # the received event, being the record, still holds what was typed then
    assert payload(events(db, code)[0])["applicant"]["name"] == "Nguyễn Văn Đức"


def test_correct_phone_normalises_and_search_finds_it(actions, db, code):
    actions.correct(code, "phone", "+84 987 654 321")
    assert dossier(db, code)["phone"] == "0987654321"
    assert payload(last_event(db, code)) == {"field": "phone", "old": "0912345678", "new": "0987654321"}
    with db.session() as session:
        assert [d["code"] for d in find(session, "0987654321")] == [code]
        assert find(session, "0912345678") == []


def test_correct_birth_date_and_id_number_together_checked(actions, db, code):
    # a birth date that disagrees with the CCCD already stored is refused, at the field the clerk changed
    refused(db, lambda: actions.correct(code, "birth_date", "05/09/1985"), ValidationError, "birth_date")
    # a CCCD that disagrees with the birth date already stored is refused
    refused(db, lambda: actions.correct(code, "id_number", "087085001234"), ValidationError, "id_number")
    refused(db, lambda: actions.correct(code, "id_number", "087184001234"), ValidationError, "id_number")  # female
    refused(db, lambda: actions.correct(code, "id_number", "12345"), ValidationError, "id_number")
    actions.correct(code, "id_number", "087084009999")
    assert dossier(db, code)["id_number"] == "087084009999"
    assert payload(last_event(db, code)) == {"field": "id_number", "old": "087084001234", "new": "087084009999"}


def test_correct_refusals(actions, db, code):
    refused(db, lambda: actions.correct(code, "name", ""), ValidationError, "name")
    refused(db, lambda: actions.correct(code, "phone", "123"), ValidationError, "phone")
    refused(db, lambda: actions.correct(code, "procedure_code", "XA.HT.02"), ValidationError, "field")
    refused(db, lambda: actions.correct(code, "name", "NGUYỄN VĂN ĐỨC"), ValidationError, "value")  # no change


def test_correct_return_address(ctx, actions, db):
    code = receive_one(ctx, return_method="postal", return_address="Số 5, ấp 2").code
    refused(db, lambda: actions.correct(code, "return_address", "  "), ValidationError, "return_address")
    actions.correct(code, "return_address", " Số 7,  ấp 3 ")
    assert dossier(db, code)["return_address"] == "Số 7, ấp 3"
    assert payload(last_event(db, code)) == {"field": "return_address", "old": "Số 5, ấp 2", "new": "Số 7, ấp 3"}


def test_correct_is_allowed_after_the_return(actions, db, code):
    actions.result_ready(code)
    actions.return_result(code)
    actions.correct(code, "email", "duc@example.com")
    row = dossier(db, code)
    assert (row["status"], row["email"]) == ("returned", "duc@example.com")


def test_void_then_nothing_more(actions, db, code):
    actions.void(code, "Nhập trùng với hồ sơ khác")
    assert dossier(db, code)["status"] == "voided"
    refused(db, lambda: actions.correct(code, "email", "duc@example.com"), TransitionError, "action")
    refused(db, lambda: actions.void(code, "Lần nữa"), TransitionError, "action")


# -- every transition ----------------------------------------------------------------------------------------------
OPEN = {"received", "in_progress", "supplement_requested"}
ALL = OPEN | {"result_ready", "returned", "refused", "withdrawn", "stopped", "voided"}

# action -> (call, statuses it is allowed from, status afterwards (None: unchanged))
ACTIONS: dict[str, tuple[Callable[[DossierActions, str], Any], set[str], str | None]] = {
    "transfer": (lambda a, c: a.transfer(c, "Tư pháp"), {"received", "in_progress"}, "in_progress"),
    "request_supplement": (lambda a, c: a.request_supplement(c, ["Tờ khai"]), {"received", "in_progress"},
                           "supplement_requested"),
    "resubmit": (lambda a, c: a.resubmit(c), {"supplement_requested"}, None),
    "result_ready": (lambda a, c: a.result_ready(c), {"received", "in_progress"}, "result_ready"),
    "return_result": (lambda a, c: a.return_result(c), {"result_ready"}, "returned"),
    "refuse": (lambda a, c: a.refuse(c, "Không đủ điều kiện"), OPEN, "refused"),
    "withdraw": (lambda a, c: a.withdraw(c, "Công dân xin rút"), OPEN, "withdrawn"),
    "stop": (lambda a, c: a.stop(c, "Dừng theo yêu cầu"), OPEN, "stopped"),
    "void": (lambda a, c: a.void(c, "Nhập trùng"), OPEN, "voided"),
    "reschedule": (lambda a, c: a.reschedule(c, dt.date(2026, 3, 10), "Cần xác minh"), OPEN, None),
    "correct": (lambda a, c: a.correct(c, "email", "duc@example.com"), ALL - {"voided"}, None),
}

TO_STATUS: dict[str, list[Callable[[DossierActions, str], Any]]] = {
    "received": [],
    "in_progress": [lambda a, c: a.transfer(c, "Tư pháp")],
    "supplement_requested": [lambda a, c: a.request_supplement(c, ["Tờ khai"])],
    "result_ready": [lambda a, c: a.result_ready(c)],
    "returned": [lambda a, c: a.result_ready(c), lambda a, c: a.return_result(c)],
    "refused": [lambda a, c: a.refuse(c, "Không đủ điều kiện")],
    "withdrawn": [lambda a, c: a.withdraw(c, "Rút")],
    "stopped": [lambda a, c: a.stop(c, "Dừng")],
    "voided": [lambda a, c: a.void(c, "Trùng")],
}


@pytest.mark.parametrize("status", sorted(ALL))
def test_every_action_from_every_status(ctx, actions, db, status):
    for name, (call, allowed_from, after) in ACTIONS.items():
        code = receive_one(ctx).code
        for step in TO_STATUS[status]:
            step(actions, code)
        assert dossier(db, code)["status"] == status
        if status in allowed_from:
            call(actions, code)
            expected = after or (status if name != "resubmit" else "received")
            assert dossier(db, code)["status"] == expected, name
        else:
            error = refused(db, lambda: call(actions, code), TransitionError, "action")
            assert "Không thể" in error.message and STATUS_VN[Status(status)] in error.message, (name, error.message)
    assert not any(e["hash"] != independent_hash(e) for e in rows(db, "SELECT * FROM dossier_events"))


# -- times and the clock -------------------------------------------------------------------------------------------
def test_at_in_the_future_is_refused(actions, db, clock, code):
    refused(db, lambda: actions.transfer(code, "Tư pháp", at=clock.now() + dt.timedelta(minutes=10)),
            ValidationError, "at")


def test_at_a_few_minutes_ahead_is_tolerated(actions, db, clock, code):
    actions.transfer(code, "Tư pháp", at=clock.now() + dt.timedelta(minutes=4))
    assert last_event(db, code)["at"] == "2026-03-02 09:04:00"
    assert last_event(db, code)["recorded_at"] == "2026-03-02 09:00:00"


def test_at_before_the_previous_event_is_refused(actions, db, clock, code):
    clock.moment = vn("2026-03-02 11:00")
    actions.transfer(code, "Tư pháp", at=vn("2026-03-02 10:00"))
    refused(db, lambda: actions.result_ready(code, at=vn("2026-03-02 09:59")), ValidationError, "at")
    refused(db, lambda: actions.result_ready(code, at=vn("2026-03-02 08:00")), ValidationError, "at")
    actions.result_ready(code, at=vn("2026-03-02 10:00"))  # the same moment is fine
    assert dossier(db, code)["result_ready_at"] == "2026-03-02 10:00:00"


def test_at_given_naive_is_vietnamese_time(actions, db, clock, code):
    clock.moment = vn("2026-03-02 11:00")
    actions.transfer(code, "Tư pháp", at=dt.datetime(2026, 3, 2, 10, 30))
    assert last_event(db, code)["at"] == "2026-03-02 10:30:00"


def test_at_given_in_utc_is_stored_as_vietnamese_time(actions, db, clock, code):
    clock.moment = vn("2026-03-02 11:00")
    actions.transfer(code, "Tư pháp", at=dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.timezone.utc))
    assert last_event(db, code)["at"] == "2026-03-02 10:30:00"
    assert last_event(db, code)["hash"] == independent_hash(last_event(db, code))


def test_clock_behind_the_latest_event_stops_every_write(ctx, actions, db, clock, code):
    clock.moment = vn("2026-03-02 08:57")  # three minutes before the event recorded at 09:00
    error = refused(db, lambda: actions.transfer(code, "Tư pháp"), ClockError, "clock")
    assert "ĐỒNG HỒ" in error.message
    refused(db, lambda: receive_one(ctx), ClockError, "clock")
    refused(db, lambda: actions.void(code, "Trùng", at=vn("2026-03-02 08:50")), ClockError, "clock")


def test_a_clock_once_set_ahead_can_be_acknowledged_and_work_resumes(ctx, db, clock):
    from desk_app.services.context import acknowledge_clock

    clock.moment = vn("2030-01-01 09:00")  # someone set the PC clock four years ahead and received a dossier
    wrong = receive_one(ctx).code
    clock.moment = vn("2026-03-02 10:00")  # the clock is put right: every write is refused...
    refused(db, lambda: receive_one(ctx), ClockError, "clock")
    with db.write_session() as session, session.begin():  # ...until the administrator declares that time wrong
        assert acknowledge_clock(session, clock.now()) == vn("2030-01-01 09:00")
    fixed = receive_one(ctx).code
    assert dossier(db, fixed)["received_at"] == "2026-03-02 10:00:00"
    assert wrong != fixed
    clock.moment = vn("2026-03-02 09:00")  # the guard works again from the new, correct time
    refused(db, lambda: receive_one(ctx), ClockError, "clock")
    with db.write_session() as session, session.begin():
        assert acknowledge_clock(session, vn("2026-03-02 10:05")) is None  # nothing to acknowledge


def test_clock_slightly_behind_is_tolerated(ctx, db, clock, code):
    clock.moment = vn("2026-03-02 08:58:30")  # within the two minutes two desks' clocks may differ
    receipt = receive_one(ctx)
    assert dossier(db, receipt.code)["received_at"] == "2026-03-02 08:58:30"


def test_clock_check_uses_the_recorded_time_not_the_given_one(ctx, db, clock):
    clock.moment = vn("2026-03-02 11:00")
    receive_one(ctx, received_at=vn("2026-03-02 08:00"))  # recorded at 11:00
    clock.moment = vn("2026-03-02 10:00")
    refused(db, lambda: receive_one(ctx), ClockError, "clock")


def test_actions_append_to_the_desk_chain_across_dossiers(ctx, actions, db, clock):
    first = receive_one(ctx).code
    second = receive_one(ctx).code
    actions.transfer(first, "Tư pháp")
    actions.request_supplement(second, ["Tờ khai"])
    chain = rows(db, "SELECT dossier_code, seq FROM dossier_events ORDER BY seq")
    seqs = [(r["dossier_code"], r["seq"]) for r in chain]
    assert seqs == [(first, 1), (second, 2), (first, 3), (second, 4)]
    assert_chained(db, first)
    assert_chained(db, second)


def test_actions_on_desk_one_chain_separately(ctx, actions, db, code):
    act_as_desk(db, 1)
    actions.transfer(code, "Tư pháp")
    event = last_event(db, code)
    assert (event["desk"], event["seq"], event["prev_hash"]) == (1, 1, "0" * 64)
    assert dossier(db, code)["desk"] == 0  # the dossier stays the receiving desk's


def test_result_of_an_action(actions, code):
    result = actions.transfer(code, "Tư pháp")
    assert (result.code, result.kind.value, result.status) == (code, "transferred", "in_progress")
    assert result.due_at == vn("2026-03-05 09:00")
    assert_vietnamese(result.message)


def test_applicant_data_is_unchanged_by_lifecycle_actions(actions, db, code):
    before = dict(dossier(db, code))
    actions.transfer(code, "Tư pháp")
    actions.result_ready(code)
    after = dict(dossier(db, code))
    for column in ("applicant_name", "id_number", "birth_date", "sex", "phone", "address", "search_folded", "code",
                   "lookup_key", "ledger_number", "fee_due", "documents"):
        assert after[column] == before[column], column
    assert DUC["address"] == after["address"]


def test_free_text_typed_decomposed_is_stored_composed(ctx, db) -> None:
    """Unikey/EVKey can deliver decomposed Vietnamese: reasons and supplement items are stored in NFC."""
    import unicodedata

    from desk_app.services.actions import DossierActions
    from desk_app.services.intake import ReceiveRequest, receive

    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    code = receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Lê Văn Tám"})).code
    DossierActions(ctx).request_supplement(code, [nfd("Giấy chứng sinh")], nfd("Thiếu giấy tờ gốc"))
    DossierActions(ctx).withdraw(code, nfd("Công dân rút hồ sơ"))
    import json
    import sqlite3
    with sqlite3.connect(db.path) as conn:
        payloads = [json.loads(r[0]) for r in conn.execute("SELECT payload FROM dossier_events ORDER BY id")]
    assert payloads[1]["items"] == ["Giấy chứng sinh"] and payloads[1]["reason"] == "Thiếu giấy tờ gốc"
    assert payloads[2]["reason"] == "Công dân rút hồ sơ"


def test_another_desks_clock_ahead_does_not_stop_this_desk(ctx, actions, db, clock, code):
    """Events pulled from another desk carry that desk's clock: only this desk's own last write guards its clock."""
    from sqlalchemy import select

    from desk_app.store.events import SyncState, append_event
    from desk_app.store.models import Dossier

    with db.write_session() as session, session.begin():
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        event = append_event(session, dossier=row, desk=2, kind="corrected", at=vn("2026-03-02 09:30"),
                             recorded_at=vn("2026-03-02 12:00"), actor="bàn 2",
                             payload={"field": "phone", "old": None, "new": "0912345678"})
        event.sync_state = SyncState.FROM_HUB.value
    clock.moment = vn("2026-03-02 09:40")  # hours behind desk 2's clock, after this desk's own last write
    actions.transfer(code, "Tư pháp")
    assert dossier(db, code)["status"] == "in_progress"


def test_an_action_at_the_same_second_as_the_upper_levels_decision_still_follows_it(ctx, actions, db, clock, code):
    """The upper level's clock ran ahead: its "result ready" is dated after this desk's clock. The return the clerk
    records at once must sort after it in the merged order every place uses, or every other place would drop it."""
    from sqlalchemy import select

    from desk_app.domain.merge import UPPER_LEVEL_DESK
    from desk_app.services.integrity import verify
    from desk_app.services.replay import reproject
    from desk_app.store.events import SyncState, append_event
    from desk_app.store.models import Dossier

    actions.transfer(code, upper=True)
    with db.write_session() as session, session.begin():
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        decided = append_event(session, dossier=row, desk=UPPER_LEVEL_DESK, kind="result_ready",
                               at=vn("2026-03-02 09:02"), recorded_at=vn("2026-03-02 09:02"), actor="cấp trên: cli",
                               payload={"component": None, "upper": True})
        decided.sync_state = SyncState.FROM_HUB.value
        from desk_app.services.actions import recorded_events

        reproject(row, recorded_events(session, row))
    clock.moment = vn("2026-03-02 09:01")  # a minute behind the upper level's clock, within the tolerance
    actions.return_result(code)
    assert last_event(db, code)["at"] == "2026-03-02 09:02:01"
    assert dossier(db, code)["status"] == "returned"
    with db.session() as session:
        assert verify(session).ok
