"""The dossier as the detail view shows it: the actions the domain allows in each state (bundle parts, reschedule
once, not on or after the due date), the history in words, and the audited reveal of the ID number."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desk_app.domain.errors import NotFoundError
from desk_app.services.actions import DossierActions
from desk_app.services.dossier_view import ACTION_KEYS, SPECS, allowed_keys, detail, reveal_id
from tests.conftest import vn
from tests.services._support import DUC, assert_vietnamese, count, receive_one, rows

FULL_ID = DUC["id_number"]
ALWAYS_PRINTABLE = {"reprint_slip", "print_control"}


@pytest.fixture
def actions(ctx) -> DossierActions:
    return DossierActions(ctx)


@pytest.fixture
def code(ctx) -> str:
    """XA.HT.01 (3 working days) received Monday 02/03/2026 09:00: due Thursday 05/03 09:00."""
    return receive_one(ctx, "XA.HT.01").code


@pytest.fixture
def bundle(ctx) -> str:
    """XA.HT.16, "3 trong 1": death registration, removal from the residence register, funeral allowance."""
    return receive_one(ctx, "XA.HT.16").code


def keys(ctx, code: str) -> set[str]:
    return set(allowed_keys(ctx, code))


def spec(ctx, code: str, key: str):
    return next(s for s in detail(ctx, code)["allowed_actions"] if s.key == key)


# -- allowed actions, status by status ---------------------------------------------------------------------------
def test_a_received_dossier_offers_the_processing_actions_and_no_return(ctx, code):
    assert keys(ctx, code) == {"transfer", "result_ready", "request_supplement", "reschedule", "refuse",
                               "withdraw", "stop", "correct", "void"} | ALWAYS_PRINTABLE


def test_in_progress_offers_the_same_as_received(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.transfer(code, "Công chức Tư pháp - Hộ tịch")
    assert detail(ctx, code)["status"] == "in_progress"
    assert keys(ctx, code) == {"transfer", "result_ready", "request_supplement", "reschedule", "refuse",
                               "withdraw", "stop", "correct", "void"} | ALWAYS_PRINTABLE


def test_waiting_for_the_supplement_offers_resubmit_and_the_supplement_form(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.request_supplement(code, ["Bản sao giấy chứng sinh"], "Thiếu giấy chứng sinh")
    assert keys(ctx, code) == {"resubmit", "reschedule", "refuse", "withdraw", "stop", "correct", "void",
                               "print_supplement"} | ALWAYS_PRINTABLE
    clock.advance(hours=2)
    actions.resubmit(code)
    after = keys(ctx, code)
    assert "resubmit" not in after
    assert {"transfer", "result_ready", "request_supplement", "print_supplement"} <= after


def test_result_ready_offers_the_return_and_nothing_that_changes_the_deadline(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.result_ready(code)
    assert keys(ctx, code) == {"return_result", "correct"} | ALWAYS_PRINTABLE


def test_a_returned_dossier_can_only_be_corrected_and_reprinted(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.result_ready(code)
    clock.advance(minutes=5)
    actions.return_result(code, rating=3)
    assert keys(ctx, code) == {"correct"} | ALWAYS_PRINTABLE


@pytest.mark.parametrize(("ending", "form_key"), [
    ("refuse", "print_refusal"),
    ("withdraw", None),
    ("stop", "print_stop"),
])
def test_an_ended_dossier_offers_its_own_form(ctx, actions, clock, code, ending, form_key):
    clock.advance(minutes=5)
    getattr(actions, ending)(code, "Lý do ghi rõ ràng")
    expected = {"correct"} | ALWAYS_PRINTABLE | ({form_key} if form_key else set())
    assert keys(ctx, code) == expected  # the other endings' forms are not offered: their events never happened


def test_a_voided_entry_offers_nothing_at_all(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.void(code, "Nhập trùng với hồ sơ khác")
    view = detail(ctx, code)
    assert view["allowed_actions"] == []
    assert_vietnamese(view["blocked"]["correct"])


# -- reschedule: once, and at the latest the day before the due date ----------------------------------------------
def test_reschedule_is_offered_once_and_then_the_apology_can_be_reprinted(ctx, actions, clock, code):
    assert "reschedule" in keys(ctx, code)
    clock.moment = vn("2026-03-04 10:00")
    actions.reschedule(code, dt.date(2026, 3, 10), "Chờ xác minh của Công an xã")
    view = detail(ctx, code)
    offered = {s.key for s in view["allowed_actions"]}
    assert "reschedule" not in offered
    assert "print_apology" in offered
    assert "một lần" in view["blocked"]["reschedule"]
    assert view["due_at"].startswith("2026-03-10T09:00")
    assert view["original_due_at"].startswith("2026-03-05T09:00")


def test_a_dossier_due_today_can_no_longer_be_rescheduled(ctx, clock, code):
    clock.moment = vn("2026-03-04 16:59")  # the day before the due date: still in time
    assert "reschedule" in keys(ctx, code)
    clock.moment = vn("2026-03-05 07:30")  # the due date itself: too late, as the domain says
    view = detail(ctx, code)
    assert "reschedule" not in {s.key for s in view["allowed_actions"]}
    assert "05/03/2026" in view["blocked"]["reschedule"]
    assert_vietnamese(view["blocked"]["reschedule"])


def test_a_same_day_procedure_is_never_reschedulable(ctx):
    same_day = receive_one(ctx, "XA.CT.01").code
    assert "reschedule" not in keys(ctx, same_day)


def test_the_suggested_new_date_is_the_next_working_day_after_the_due_date(ctx, code):
    assert detail(ctx, code)["suggested_new_due"] == dt.date(2026, 3, 6)


# -- bundles: each part's result on its own ------------------------------------------------------------------------
def test_a_bundle_offers_result_ready_per_remaining_component(ctx, actions, clock, bundle):
    ready = spec(ctx, bundle, "result_ready")
    assert [c.index for c in ready.components] == [1, 2, 3]
    assert ready.components[1].label.startswith("2. Xóa đăng ký thường trú")
    assert ready.components[1].resolving_body == "Công an xã"
    assert [c.index for c in spec(ctx, bundle, "transfer").components] == [1, 2, 3]

    clock.advance(minutes=5)
    actions.result_ready(bundle, component=2)
    assert [c.index for c in spec(ctx, bundle, "result_ready").components] == [1, 3]
    assert "return_result" not in keys(ctx, bundle)

    clock.advance(minutes=5)
    actions.result_ready(bundle, component=1)
    clock.advance(minutes=5)
    actions.result_ready(bundle, component=3)
    view = detail(ctx, bundle)
    assert view["status"] == "result_ready"
    assert {s.key for s in view["allowed_actions"]} == {"return_result", "correct"} | ALWAYS_PRINTABLE
    assert [c["ready_at"] for c in view["components_vn"]] == [
        "09:10 ngày 02/03/2026", "09:05 ngày 02/03/2026", "09:15 ngày 02/03/2026"]


def test_an_ordinary_dossier_names_no_components(ctx, code):
    view = detail(ctx, code)
    assert not view["is_bundle"]
    assert view["components_vn"] == []
    assert spec(ctx, code, "result_ready").components == ()


# -- specs -----------------------------------------------------------------------------------------------------------
def test_every_action_has_a_vietnamese_label_and_its_own_shortcut():
    shortcuts = [SPECS[k].shortcut for k in ACTION_KEYS]
    assert len(set(shortcuts)) == len(shortcuts)
    for key in ACTION_KEYS:
        assert SPECS[key].label_vn
    assert f"{SPECS['result_ready'].label_vn} ({SPECS['result_ready'].shortcut})" == "Có kết quả (F7)"


# -- the history in words --------------------------------------------------------------------------------------------
def test_the_timeline_says_what_happened_with_its_details(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.transfer(code, "Công chức Tư pháp - Hộ tịch")
    clock.advance(minutes=5)
    actions.request_supplement(code, ["Bản sao giấy chứng sinh", "Tờ khai có chữ ký"], "Thiếu chữ ký")
    clock.advance(hours=1)
    actions.resubmit(code)
    clock.moment = vn("2026-03-04 10:00")
    actions.reschedule(code, dt.date(2026, 3, 12), "Chờ xác minh")
    clock.advance(minutes=5)
    actions.correct(code, "name", "Nguyễn Văn Đực")
    timeline = detail(ctx, code)["timeline"]
    assert [t["what"] for t in timeline] == [
        "Tiếp nhận hồ sơ", "Chuyển hồ sơ", "Yêu cầu bổ sung hồ sơ", "Nhận hồ sơ bổ sung",
        "Xin lỗi và hẹn lại ngày trả", "Sửa thông tin nhập sai"]
    assert timeline[0]["at"] == "09:00 ngày 02/03/2026"
    assert timeline[0]["actor"] == "test:clerk"
    assert timeline[1]["details"] == "Đến: Công chức Tư pháp - Hộ tịch"
    assert timeline[2]["details"] == "Cần bổ sung: Bản sao giấy chứng sinh; Tờ khai có chữ ký. Lý do: Thiếu chữ ký"
    assert timeline[3]["details"] == "Hẹn trả mới 10:10 ngày 05/03/2026"  # restarted from the resubmission
    assert timeline[4]["details"] == ("Hẹn cũ 10:10 ngày 05/03/2026 → hẹn mới 10:10 ngày 12/03/2026. "
                                      "Lý do: Chờ xác minh")
    assert timeline[5]["details"] == "Họ và tên: Nguyễn Văn Đức → Nguyễn Văn Đực"


def test_the_detail_describes_the_dossier_in_words(ctx, code):
    view = detail(ctx, code)
    assert view["channel_vn"] == "Trực tiếp"
    assert view["collect_at"] == "Bộ phận Tiếp nhận và Trả kết quả UBND xã Mỹ Phong"
    assert view["time_limit_vn"] == "3 ngày làm việc"
    assert view["due_at_vn"] == "09:00 ngày 05/03/2026"
    assert view["applicant_vn"]["birth_date"] == "05/09/1984"
    assert view["applicant_vn"]["sex"] == "Nam"
    assert view["transfer_targets"] == ["UBND xã"]  # the procedure's resolving body; no transfers yet


def test_recent_transfer_targets_are_offered(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.transfer(code, "Ông Trần Văn Bình")
    other = receive_one(ctx, "XA.HT.01").code
    assert "Ông Trần Văn Bình" in detail(ctx, other)["transfer_targets"]


# -- the ID number -------------------------------------------------------------------------------------------------
def test_the_detail_never_holds_the_full_id_number(ctx, actions, clock, code):
    clock.advance(minutes=5)
    actions.correct(code, "id_number", "087084001235")  # old and new number both in the event
    view = detail(ctx, code)
    text = json.dumps(view, default=str, ensure_ascii=False)
    assert FULL_ID not in text
    assert "087084001235" not in text
    assert view["applicant_vn"]["id_number"] == "087******235"


def test_reveal_returns_the_number_and_audits_it_without_the_number(ctx, code):
    assert count(ctx.db, "audit_log") == 0
    assert reveal_id(ctx, code) == FULL_ID
    audit = rows(ctx.db, "SELECT * FROM audit_log")
    assert len(audit) == 1
    assert audit[0]["action"] == "reveal_id"
    assert audit[0]["target"] == code
    assert audit[0]["actor"] == "test:clerk"
    assert audit[0]["at"].startswith("2026-03-02 09:00")
    assert FULL_ID not in json.dumps(dict(audit[0]))


def test_reveal_of_a_dossier_without_an_id_number_shows_and_records_nothing(ctx):
    no_id = receive_one(ctx, "XA.CT.01", applicant={"name": "Lê Văn Tám"}).code
    assert reveal_id(ctx, no_id) is None
    assert count(ctx.db, "audit_log") == 0


def test_reveal_of_an_unknown_dossier_is_refused_and_records_nothing(ctx):
    with pytest.raises(NotFoundError):
        reveal_id(ctx, "000.31.22.H20-260302-0099")
    assert count(ctx.db, "audit_log") == 0


def test_the_timeline_says_where_an_event_was_written_and_which_were_left_out(ctx, actions, clock, db, code):
    """After a sync the history holds another desk's and the upper level's events: each says where it comes from;
    one the lifecycle refuses in the merged order (both desks returned the result offline) says it was not applied,
    and one the upper level refused says why."""
    from sqlalchemy import select

    from desk_app.domain.merge import UPPER_LEVEL_DESK
    from desk_app.store.events import SyncState, append_event
    from desk_app.store.models import Dossier

    clock.moment = vn("2026-03-02 09:10")
    actions.transfer(code, upper=True)
    with db.write_session() as session, session.begin():
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        ready = append_event(session, dossier=row, desk=UPPER_LEVEL_DESK, kind="result_ready",
                             at=vn("2026-03-03 08:00"), recorded_at=vn("2026-03-03 08:00"), actor="cấp trên: cli",
                             payload={"component": None, "upper": True})
        returned = append_event(session, dossier=row, desk=2, kind="returned", at=vn("2026-03-03 09:00"),
                                recorded_at=vn("2026-03-03 09:00"), actor="nv.binh", payload={"method": "desk"})
        ready.sync_state = returned.sync_state = SyncState.FROM_HUB.value
    clock.moment = vn("2026-03-03 10:00")
    with db.write_session() as session, session.begin():  # desk 0 returned it too, before it pulled desk 2's
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        late = append_event(session, dossier=row, desk=0, kind="returned", at=vn("2026-03-03 09:30"),
                            recorded_at=vn("2026-03-03 09:30"), actor="test:clerk", payload={"method": "desk"})
        late.sync_state, late.sync_reason = SyncState.SET_ASIDE.value, "thử nghiệm"
    shown = detail(ctx, code)
    rows_by_kind = [(t["kind"], t["actor"], t["details"]) for t in shown["timeline"]]
    assert rows_by_kind[2][0] == "result_ready" and rows_by_kind[2][1].startswith("UBND tỉnh")
    assert rows_by_kind[3][:2] == ("returned", "nv.binh (bàn 2)")
    assert rows_by_kind[4][1] == "test:clerk"
    assert "Không áp dụng" in rows_by_kind[4][2] and "Đã trả kết quả" in rows_by_kind[4][2]
    assert "Cấp trên chưa nhận sự kiện này: thử nghiệm" in rows_by_kind[4][2]
