"""Reading the record: find (code, CCCD, phone, accent-free words), show (masked ID), day counts, sync stats."""

from __future__ import annotations

import json

import pytest

from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.services.actions import DossierActions
from desk_app.services.queries import day_counts, find, show, stats
from tests.conftest import vn
from tests.services._support import DUC, assert_vietnamese, dossier, events, execute, payload, receive_one, snapshot

HOA = {"name": "Trần Thị Hoa", "id_number": "087300001234", "birth_date": "01/02/2000", "sex": "Nữ",
       "phone": "0987654321", "address": "Phường 1, thành phố Cần Thơ"}
DAT = {"name": "Lê Văn Đạt", "phone": "02773123456", "address": "Xã Tân Hòa, tỉnh Tiền Giang"}


NOW = vn("2026-03-02 09:00")  # the fixed clock's moment


@pytest.fixture
def people(ctx) -> dict[str, str]:
    return {
        "duc": receive_one(ctx, "XA.HT.01", DUC).code,
        "hoa": receive_one(ctx, "1.001193", HOA).code,
        "dat": receive_one(ctx, "XA.CT.04", DAT).code,
    }


def codes(db, text: str) -> list[str]:
    with db.session() as session:
        return [d["code"] for d in find(session, text)]


# -- find ----------------------------------------------------------------------------------------------------------
def test_find_by_exact_code(db, people):
    assert codes(db, people["hoa"]) == [people["hoa"]]
    assert codes(db, f"  {people['hoa'].lower()} ") == [people["hoa"]]
    assert codes(db, "000.31.22.H20-260302-0999") == []


def test_find_by_cccd(db, people):
    assert codes(db, "087084001234") == [people["duc"]]
    assert codes(db, "087 084 001 234") == [people["duc"]]
    assert codes(db, "087300001234") == [people["hoa"]]
    assert codes(db, "087084001235") == []


@pytest.mark.parametrize("typed", ["0912345678", "+84 912 345 678", "+84912345678", "84912345678", "0912.345.678",
                                   "0912 345 678"])
def test_find_by_mobile_in_any_form(db, people, typed):
    assert codes(db, typed) == [people["duc"]]


@pytest.mark.parametrize("typed", ["0912-345-678", "087-084-001234"])
def test_find_by_number_typed_with_dashes(db, people, typed):
    assert codes(db, typed) == [people["duc"]]


def test_find_by_landline_in_plus84_form(db, people):
    assert codes(db, "+84 277 3123 456") == [people["dat"]]
    assert codes(db, "02773123456") == [people["dat"]]


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("nguyen van duc", ["duc"]),
        ("Nguyễn Văn Đức", ["duc"]),
        ("NGUYEN VAN DUC", ["duc"]),
        ("dong thap", ["duc"]),
        ("Đồng Tháp", ["duc"]),
        ("ngu duc", ["duc"]),  # prefix words
        ("tran thi", ["hoa"]),
        ("tran", ["hoa", "duc"]),  # "tran" is also a prefix of "trạng" in "tình trạng hôn nhân"
        ("can tho", ["hoa"]),
        ("le van dat", ["dat"]),
        ("tien giang", ["dat"]),
        ("van", ["dat", "duc"]),  # both, newest first
        ("khai sinh", ["hoa"]),  # the procedure name is indexed too
        ("chung thuc hop dong", ["dat"]),
        ("nguyen thi", []),
        ("xyz", []),
    ],
)
def test_find_by_accent_free_words(db, people, typed, who):
    assert codes(db, typed) == [people[w] for w in who]


def test_find_newest_first(ctx, db, people):
    later = receive_one(ctx, "XA.HT.02", {**DUC, "name": "Nguyễn Văn Đức"}).code
    assert codes(db, "nguyen van duc") == [later, people["duc"]]
    assert codes(db, "087084001234") == [later, people["duc"]]


def test_find_summary_has_no_personal_numbers(db, people):
    with db.session() as session:
        (summary,) = find(session, "087084001234")
    assert set(summary) == {"code", "name", "procedure", "procedure_code", "status", "status_vn", "received_at",
                            "due_at"}
    assert summary["name"] == "Nguyễn Văn Đức"
    assert summary["status_vn"] == "Đã tiếp nhận"


def test_find_refuses_an_empty_query(db):
    with db.session() as session, pytest.raises(ValidationError) as raised:
        find(session, "   ")
    assert raised.value.field == "text"
    assert_vietnamese(raised.value.message)


def test_find_with_punctuation_only_gives_nothing(db, people):
    assert codes(db, "%%% ---") == []


def test_find_is_read_only(db, people):
    before = snapshot(db)
    for text in ("nguyen", "0912345678", people["duc"]):
        codes(db, text)
    assert snapshot(db) == before


# -- show ----------------------------------------------------------------------------------------------------------
def test_show_masks_the_id_number_everywhere(ctx, db, people):
    DossierActions(ctx).correct(people["duc"], "id_number", "087084009999")
    with db.session() as session:
        detail = show(session, people["duc"], NOW)
    assert detail["applicant"]["id_number"] == "087******999"
    received, corrected = detail["events"]
    assert received["payload"]["applicant"]["id_number"] == "087******234"
    assert corrected["payload"] == {"field": "id_number", "old": "087******234", "new": "087******999"}
    text = json.dumps(detail, ensure_ascii=False)
    assert "087084001234" not in text and "087084009999" not in text
    # the record itself keeps the real numbers
    with db.session() as session:
        assert show(session, people["duc"], NOW)["applicant"]["name"] == "Nguyễn Văn Đức"
    assert dossier(db, people["duc"])["id_number"] == "087084009999"
    assert payload(events(db, people["duc"])[0])["applicant"]["id_number"] == "087084001234"


def test_show_masks_a_legacy_cmnd(ctx, db):
    code = receive_one(ctx, "XA.HT.01", {"name": "Võ Văn Kiệt", "id_number": "361234567"}).code
    with db.session() as session:
        detail = show(session, code, NOW)
    assert detail["applicant"]["id_number"] == "361***567"
    assert "361234567" not in json.dumps(detail)


def test_show_without_id_number(db, people):
    with db.session() as session:
        detail = show(session, people["dat"], NOW)
    assert detail["applicant"]["id_number"] is None
    assert detail["events"][0]["payload"]["applicant"]["id_number"] is None


def test_show_detail(db, people):
    with db.session() as session:
        detail = show(session, people["duc"], NOW)
    assert detail["code"] == people["duc"]
    assert detail["status"] == "received" and detail["national_status"] == 2
    assert detail["ledger"] == {"year": 2026, "book": "01/2026", "number": 1}
    assert detail["due_at"] == detail["original_due_at"] == "2026-03-05T09:00:00+07:00"
    assert [(e["kind"], e["seq"], e["desk"], e["sync_state"]) for e in detail["events"]] == [
        ("received", 1, 0, "to_send")]


def test_show_unknown_code(db):
    with db.session() as session:
        with pytest.raises(NotFoundError) as raised:
            show(session, "000.31.22.H20-260302-0999", NOW)
        assert raised.value.field == "code"
        assert_vietnamese(raised.value.message)
        with pytest.raises(ValidationError):
            show(session, "HS-1", NOW)


# -- day counts ----------------------------------------------------------------------------------------------------
@pytest.fixture
def day(ctx, clock):
    """Monday 02/03/2026 at 09:00, with dossiers received today, last week and over the weekend."""
    actions = DossierActions(ctx)
    made = {
        "today_3days": receive_one(ctx, "XA.HT.01").code,  # due Thursday
        "today_same_day": receive_one(ctx, "1.001193").code,  # due today 17:00
        "today_ready": receive_one(ctx, "1.001193").code,  # due today, but resolved
        "last_week_open": receive_one(ctx, "XA.HT.01", received_at=vn("2026-02-23 09:00")).code,  # due 26/02
        "last_week_refused": receive_one(ctx, "XA.HT.01", received_at=vn("2026-02-23 09:00")).code,
        "sunday_night": receive_one(ctx, "XA.HT.01", received_at=vn("2026-03-01 23:59:59")).code,  # due Thu 07:00
    }
    actions.result_ready(made["today_ready"])
    actions.refuse(made["last_week_refused"], "Không đủ điều kiện")
    return made


def counts_at(db, moment):
    with db.session() as session:
        found = day_counts(session, moment)
    return found.received_today, found.due_today, found.overdue


def test_day_counts_in_the_morning(db, day):
    assert counts_at(db, vn("2026-03-02 09:00")) == (3, 1, 1)


def test_day_counts_after_closing(db, day):
    # Due today at 17:00 and still open at 17:30 is counted by date, as early / on time / late are: due today.
    assert counts_at(db, vn("2026-03-02 17:30")) == (3, 1, 1)


def test_day_counts_on_thursday(db, day):
    # Thursday 08:00: Monday's same-day one and last week's are overdue (due dates passed); the Sunday-night
    # filing (due 07:00) and Monday's 3-day one (due 09:00) are due today.
    assert counts_at(db, vn("2026-03-05 08:00")) == (0, 2, 2)


def test_day_counts_ignore_closed_dossiers(ctx, db, day):
    DossierActions(ctx).withdraw(day["last_week_open"], "Rút")
    assert counts_at(db, vn("2026-03-02 09:00")) == (3, 1, 0)


def test_day_counts_do_not_count_voided_duplicates(ctx, db):
    first = receive_one(ctx).code
    receive_one(ctx)
    DossierActions(ctx).void(first, "Nhập trùng")
    assert counts_at(db, vn("2026-03-02 09:00"))[0] == 1


def test_day_counts_on_an_empty_desk(db):
    assert counts_at(db, vn("2026-03-02 09:00")) == (0, 0, 0)


# -- stats ---------------------------------------------------------------------------------------------------------
def test_stats_by_sync_state(ctx, db, people):
    DossierActions(ctx).transfer(people["duc"], "Tư pháp")
    with db.session() as session:
        assert stats(session) == {
            "dossiers": 3, "events": 4,
            "events_by_sync_state": {"to_send": 4, "sent": 0, "acknowledged": 0, "set_aside": 0, "from_hub": 0},
        }
    execute(db, "UPDATE dossier_events SET sync_state = 'acknowledged' WHERE seq IN (1, 2)")
    execute(db, "UPDATE dossier_events SET sync_state = 'set_aside', sync_reason = 'x' WHERE seq = 3")
    with db.session() as session:
        assert stats(session)["events_by_sync_state"] == {"to_send": 1, "sent": 0, "acknowledged": 2, "set_aside": 1,
                                                            "from_hub": 0}


def test_stats_on_an_empty_desk(db):
    with db.session() as session:
        assert stats(session) == {
            "dossiers": 0, "events": 0,
            "events_by_sync_state": {"to_send": 0, "sent": 0, "acknowledged": 0, "set_aside": 0, "from_hub": 0},
        }


def test_show_judges_timeliness_by_date(ctx, db, clock):
    code = receive_one(ctx, "XA.HT.01", DUC).code  # 3 working days: due Thursday 05/03 09:00
    with db.session() as session:
        assert show(session, code, vn("2026-03-05 16:00"))["timeliness"] == "within"  # still due today
        assert show(session, code, vn("2026-03-06 08:00"))["timeliness"] == "overdue"
    clock.moment = vn("2026-03-04 10:00")
    DossierActions(ctx).result_ready(code)
    with db.session() as session:
        detail = show(session, code, vn("2026-03-20 08:00"))
    assert (detail["timeliness"], detail["timeliness_vn"]) == ("early", "Trước hạn")
