"""Receiving a dossier: code, ledger, lookup key, appointment, bundle, defaults, fee, refusals, the received event."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from desk_app.domain.errors import DomainError, NotFoundError, ValidationError
from desk_app.domain.lifecycle import Event, EventKind, fold
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.services.intake import LOOKUP_ALPHABET
from tests.conftest import vn
from tests.services._support import (
    AGENCY,
    DUC,
    GENESIS,
    assert_vietnamese,
    count,
    dossier,
    events,
    independent_hash,
    payload,
    receive_one,
    rows,
    scalar,
    set_settings,
    snapshot,
)

CODE_RE = re.compile(r"^(\d{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2})-(\d{2})(\d{2})(\d{2})-(\d{4})$")


def counter(db, name: str) -> int | None:
    return scalar(db, "SELECT value FROM counters WHERE name = ?", (name,))


# -- the dossier code ----------------------------------------------------------------------------------------------
def test_first_code_has_agency_date_and_sequence(ctx, db):
    receipt = receive_one(ctx)
    assert receipt.code == f"{AGENCY}-260302-0001"
    match = CODE_RE.match(receipt.code)
    assert match and match.group(1) == AGENCY and match.group(5) == "0001"
    row = dossier(db, receipt.code)
    assert row["desk"] == 0
    assert [e["dossier_code"] for e in events(db, receipt.code)] == [receipt.code]
    assert counter(db, "code:0:260302") == 1


def test_codes_of_one_day_run_in_sequence(ctx, db):
    codes = [receive_one(ctx).code for _ in range(3)]
    assert codes == [f"{AGENCY}-260302-{n:04d}" for n in (1, 2, 3)]
    assert counter(db, "code:0:260302") == 3
    assert scalar(db, "SELECT count(DISTINCT code) FROM dossiers") == 3


def test_desk_one_issues_from_its_own_block(ctx, db):
    set_settings(db, desk="1")
    first, second = receive_one(ctx), receive_one(ctx)
    assert first.code == f"{AGENCY}-260302-1001"
    assert second.code == f"{AGENCY}-260302-1002"
    assert counter(db, "code:1:260302") == 1002
    assert counter(db, "code:0:260302") is None
    row = dossier(db, first.code)
    assert (row["desk"], row["ledger_desk"], row["ledger_number"]) == (1, 1, 1)
    assert first.ledger_book == "02/2026"
    (event,) = events(db, first.code)
    assert (event["desk"], event["seq"], event["prev_hash"]) == (1, 1, GENESIS)


def test_two_desks_never_issue_the_same_code(ctx, db, clock, tmp_path: Path):
    other_db = open_desk(tmp_path / "desk-1")
    try:
        initialise(other_db, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong", "desk": "1"})
        other = ServiceContext(other_db, clock, "test:clerk-2")
        codes_0, codes_1 = set(), set()
        for day in ("2026-03-02 09:00", "2026-03-03 09:00"):
            clock.moment = vn(day)
            for _ in range(4):
                codes_0.add(receive_one(ctx).code)
                codes_1.add(receive_one(other).code)
        assert len(codes_0) == len(codes_1) == 8
        assert codes_0.isdisjoint(codes_1)
        assert all(1 <= int(c[-4:]) <= 999 for c in codes_0)
        assert all(1001 <= int(c[-4:]) <= 1999 for c in codes_1)
        stored_1 = {r["code"] for r in rows(other_db, "SELECT code FROM dossiers")}
        assert stored_1 == codes_1
    finally:
        other_db.close()


def test_day_sequence_restarts_next_day_but_ledger_continues(ctx, db, clock):
    monday = [receive_one(ctx) for _ in range(2)]
    clock.advance(days=1)
    tuesday = receive_one(ctx)
    assert [r.code[-11:] for r in monday] == ["260302-0001", "260302-0002"]
    assert tuesday.code == f"{AGENCY}-260303-0001"
    assert [r.ledger_number for r in (*monday, tuesday)] == [1, 2, 3]
    assert counter(db, "code:0:260302") == 2
    assert counter(db, "code:0:260303") == 1
    assert counter(db, "ledger:0:2026") == 3
    numbers = [r["ledger_number"] for r in rows(db, "SELECT ledger_number FROM dossiers ORDER BY id")]
    assert numbers == [1, 2, 3]


def test_ledger_restarts_in_a_new_year(ctx, db, clock):
    clock.moment = vn("2026-12-31 09:00")
    old = [receive_one(ctx) for _ in range(2)]
    clock.moment = vn("2027-01-04 09:00")
    new = [receive_one(ctx) for _ in range(2)]
    assert [(r.ledger_book, r.ledger_number) for r in old] == [("01/2026", 1), ("01/2026", 2)]
    assert [(r.ledger_book, r.ledger_number) for r in new] == [("01/2027", 1), ("01/2027", 2)]
    assert new[0].code == f"{AGENCY}-270104-0001"
    assert counter(db, "ledger:0:2026") == 2
    assert counter(db, "ledger:0:2027") == 2
    stored = [tuple(r) for r in rows(db, "SELECT ledger_year, ledger_number FROM dossiers ORDER BY id")]
    assert stored == [(2026, 1), (2026, 2), (2027, 1), (2027, 2)]


def test_ledger_start_is_honoured(ctx, db, clock):
    set_settings(db, ledger_start="120/2026")
    first, second = receive_one(ctx), receive_one(ctx)
    assert (first.ledger_number, second.ledger_number) == (120, 121)
    for changed in ("50/2026", "500/2026"):  # the book has entries: its numbering must stay continuous
        with pytest.raises(ValidationError) as refused:
            set_settings(db, ledger_start=changed)
        assert refused.value.field == "ledger_start"
    assert receive_one(ctx).ledger_number == 122
    numbers = [r["ledger_number"] for r in rows(db, "SELECT ledger_number FROM dossiers ORDER BY id")]
    assert numbers == [120, 121, 122]
    assert payload(events(db, first.code)[0])["ledger"] == {"year": 2026, "desk": 0, "number": 120}
    clock.moment = vn("2027-01-04 09:00")  # the next year's book starts at 1: the start was for 2026 only
    assert receive_one(ctx).ledger_number == 1


# -- the lookup key ------------------------------------------------------------------------------------------------
def test_lookup_key_is_eight_unambiguous_characters_and_unique(ctx, db):
    receipts = [receive_one(ctx) for _ in range(25)]
    keys = [r.lookup_key for r in receipts]
    assert all(len(k) == 8 and set(k) <= set(LOOKUP_ALPHABET) for k in keys)
    assert not set("".join(keys)) & set("01OIL")
    assert len(set(keys)) == len(keys)
    stored = {r["code"]: r["lookup_key"] for r in rows(db, "SELECT code, lookup_key FROM dossiers")}
    assert stored == {r.code: r.lookup_key for r in receipts}
    for receipt in receipts:
        assert payload(events(db, receipt.code)[0])["lookup_key"] == receipt.lookup_key


def test_lookup_key_is_not_derived_from_the_code(ctx, db, clock, tmp_path: Path):
    other_db = open_desk(tmp_path / "twin")
    try:
        initialise(other_db, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong"})
        twin = ServiceContext(other_db, clock, "test:clerk")
        mine = [receive_one(ctx) for _ in range(3)]
        theirs = [receive_one(twin) for _ in range(3)]
        assert [r.code for r in mine] == [r.code for r in theirs]  # same codes on two databases ...
        assert all(a.lookup_key != b.lookup_key for a, b in zip(mine, theirs))  # ... different keys
    finally:
        other_db.close()


# -- the appointment -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("procedure", "received", "due", "limit"),
    [
        ("1.001193", "2026-03-02 15:30", "2026-03-03 17:00", "same_day"),  # after 15:00: next working day
        ("1.001193", "2026-03-02 15:00", "2026-03-02 17:00", "same_day"),  # exactly 15:00 is not after
        ("1.001193", "2026-03-06 16:00", "2026-03-09 17:00", "same_day"),  # Friday after 15:00 -> Monday
        ("XA.HT.01", "2026-03-02 09:00", "2026-03-05 09:00", "3 working_days"),
        ("XA.HT.01", "2026-03-05 14:10", "2026-03-10 14:10", "3 working_days"),  # over the weekend
        ("XA.HT.16", "2026-03-02 09:00", "2026-03-16 09:00", "10 working_days"),
    ],
)
def test_due_date_follows_the_catalog_rule(ctx, db, clock, procedure, received, due, limit):
    clock.moment = vn(received)
    receipt = receive_one(ctx, procedure)
    assert receipt.received_at == vn(received)
    assert receipt.due_at == vn(due)
    row = dossier(db, receipt.code)
    assert row["received_at"] == f"{received}:00"
    assert row["due_at"] == row["original_due_at"] == f"{due}:00"
    assert row["time_limit"] == limit
    event_payload = payload(events(db, receipt.code)[0])
    assert dt.datetime.fromisoformat(event_payload["due_at"]) == vn(due)
    assert event_payload["time_limit"] == limit


def test_explanation_says_why_after_the_cutoff(ctx, clock):
    clock.moment = vn("2026-03-02 15:30")
    receipt = receive_one(ctx, "1.001193")
    assert "15:00" in receipt.explanation
    assert_vietnamese(receipt.explanation)


# -- bundles -------------------------------------------------------------------------------------------------------
def test_death_bundle_gives_three_components_with_their_resolving_bodies(ctx, db):
    receipt = receive_one(ctx, "XA.HT.16")
    row = dossier(db, receipt.code)
    components = json.loads(row["components"])
    # Each part keeps its own limit and due date (received Monday 02/03 09:00); the bundle is due with its longest.
    assert components == [
        {"procedure": "1.000656", "name": "Đăng ký khai tử", "resolving_body": "Công chức Tư pháp - Hộ tịch",
         "time_limit": "same_day", "due_at": "2026-03-02T17:00:00+07:00", "transferred_to": None, "ready_at": None},
        {"procedure": "XA.CTRU.03", "name": "Xóa đăng ký thường trú", "resolving_body": "Công an xã",
         "time_limit": "1 working_days", "due_at": "2026-03-03T09:00:00+07:00", "transferred_to": None,
         "ready_at": None},
        {"procedure": "XA.BTXH.03", "name": "Hỗ trợ chi phí mai táng", "resolving_body": "Công chức Văn hóa - Xã hội",
         "time_limit": "10 working_days", "due_at": "2026-03-16T09:00:00+07:00", "transferred_to": None,
         "ready_at": None},
    ]
    assert row["due_at"] == "2026-03-16 09:00:00"
    assert payload(events(db, receipt.code)[0])["components"] == [
        {k: v for k, v in c.items() if k not in ("transferred_to", "ready_at")} for c in components
    ]
    assert row["procedure_code"] == "XA.HT.16"


def test_birth_bundle_components(ctx, db):
    receipt = receive_one(ctx, "XA.HT.17")
    components = json.loads(dossier(db, receipt.code)["components"])
    assert [(c["procedure"], c["resolving_body"]) for c in components] == [
        ("1.001193", "Công chức Tư pháp - Hộ tịch"), ("XA.CTRU.01", "Công an xã"), ("XA.BHXH.01", "Bảo hiểm xã hội tỉnh"),
    ]


def test_single_procedure_is_one_component(ctx, db):
    receipt = receive_one(ctx, "XA.HT.01")
    (component,) = json.loads(dossier(db, receipt.code)["components"])
    assert component["procedure"] == "XA.HT.01"
    assert component["resolving_body"] == "UBND xã"


# -- defaults, fee -------------------------------------------------------------------------------------------------
def test_defaults_whole_checklist_direct_at_desk_one_set(ctx, db):
    receipt = receive_one(ctx, "XA.HT.01")
    row = dossier(db, receipt.code)
    checklist = json.loads(scalar(db, "SELECT documents FROM procedures WHERE code = 'XA.HT.01'"))
    assert len(checklist) == 4
    assert json.loads(row["documents"]) == checklist
    assert row["channel"] == "direct"
    assert row["return_method"] == "desk"
    assert row["return_address"] is None
    assert row["copies"] == 1
    assert row["fee_due"] == 15000 == receipt.fee_due
    assert row["fee_exemption"] is None
    assert row["fee_paid"] == 0
    assert row["status"] == "received"
    assert (row["supplement_count"], row["rescheduled"], row["transferred_to"]) == (0, 0, None)
    assert row["result_ready_at"] is None and row["returned_at"] is None and row["closed_at"] is None
    event_payload = payload(events(db, receipt.code)[0])
    assert event_payload["documents"] == checklist
    assert (event_payload["channel"], event_payload["return_method"], event_payload["copies"]) == ("direct", "desk", 1)


def test_applicant_is_normalised_before_storing(ctx, db):
    receipt = receive_one(ctx, applicant={**DUC, "phone": "+84 912 345 678"})
    row = dossier(db, receipt.code)
    assert row["applicant_name"] == "Nguyễn Văn Đức"
    assert row["phone"] == "0912345678"
    assert row["id_number"] == "087084001234"
    assert (row["birth_date"], row["sex"]) == ("1984-09-05", "male")
    assert payload(events(db, receipt.code)[0])["applicant"] == {
        "name": "Nguyễn Văn Đức", "id_number": "087084001234", "birth_date": "1984-09-05", "sex": "male",
        "phone": "0912345678", "email": None, "address": "Ấp Mỹ Tây, xã Mỹ Phong, tỉnh Đồng Tháp",
    }


def test_unusual_phone_prefix_warns_but_is_stored(ctx, db):
    receipt = receive_one(ctx, applicant={"name": "Lê Văn Tám", "phone": "0612345678"})
    assert receipt.warnings and all(isinstance(w, str) for w in receipt.warnings)
    assert_vietnamese(receipt.warnings[0])
    assert dossier(db, receipt.code)["phone"] == "0612345678"


def test_given_documents_channel_and_postal_return(ctx, db):
    receipt = receive_one(
        ctx, "XA.HT.01", channel="postal", return_method="postal", copies=2,
        documents=[{"name": " Tờ khai ", "originals": 1, "copies": 0}, {"name": "CCCD", "originals": 0, "copies": 1}],
    )
    row = dossier(db, receipt.code)
    assert json.loads(row["documents"]) == [
        {"name": "Tờ khai", "originals": 1, "copies": 0}, {"name": "CCCD", "originals": 0, "copies": 1},
    ]
    assert (row["channel"], row["return_method"]) == ("postal", "postal")
    assert row["return_address"] == DUC["address"]  # the applicant's address by default
    assert row["copies"] == 2 and row["fee_due"] == 30000


def test_fee_is_catalog_fee_times_sets(ctx, db):
    receipt = receive_one(ctx, "XA.CT.04", copies=3)
    assert receipt.fee_due == 150000
    assert dossier(db, receipt.code)["fee_due"] == 150000
    assert payload(events(db, receipt.code)[0])["fee_due"] == 150000


def test_exemption_for_an_exemptable_procedure(ctx, db):
    receipt = receive_one(ctx, "XA.HT.01", copies=2, fee_exemption="poor")
    row = dossier(db, receipt.code)
    assert receipt.fee_due == 0 == row["fee_due"]
    assert row["fee_exemption"] == "Hộ nghèo"
    assert payload(events(db, receipt.code)[0])["fee_exemption"] == "Hộ nghèo"


def test_exemption_refused_for_a_procedure_that_is_not_exemptable(ctx, db):
    before = snapshot(db)
    with pytest.raises(ValidationError) as raised:
        receive_one(ctx, "XA.CT.04", fee_exemption="poor")
    assert raised.value.field == "fee_exemption"
    assert_vietnamese(raised.value.message)
    assert snapshot(db) == before


# -- refusals ------------------------------------------------------------------------------------------------------
REFUSALS = [
    # id, procedure, applicant changes, request options, exception, field
    ("unknown procedure", "XA.ZZ.99", {}, {}, NotFoundError, "procedure"),
    ("CCCD 11 digits", "XA.HT.01", {"id_number": "08708400123"}, {}, ValidationError, "id_number"),
    ("CCCD letters", "XA.HT.01", {"id_number": "08708400123A"}, {}, ValidationError, "id_number"),
    ("CCCD unknown province", "XA.HT.01", {"id_number": "999084001234"}, {}, ValidationError, "id_number"),
    ("CCCD century digit", "XA.HT.01", {"id_number": "087784001234"}, {}, ValidationError, "id_number"),
    ("CCCD vs birth year", "XA.HT.01", {"birth_date": "05/09/1985"}, {}, ValidationError, "id_number"),
    ("CCCD vs sex", "XA.HT.01", {"sex": "Nữ"}, {}, ValidationError, "id_number"),
    ("bad phone", "XA.HT.01", {"phone": "12345"}, {}, ValidationError, "phone"),
    ("old 11-digit mobile", "XA.HT.01", {"phone": "01689123456"}, {}, ValidationError, "phone"),
    ("empty name", "XA.HT.01", {"name": ""}, {}, ValidationError, "name"),
    ("blank name", "XA.HT.01", {"name": "   "}, {}, ValidationError, "name"),
    ("birth date in the future", "XA.HT.01", {"id_number": None, "birth_date": "01/01/2030"}, {}, ValidationError,
     "birth_date"),
    ("bad email", "XA.HT.01", {"email": "duc@@example"}, {}, ValidationError, "email"),
    ("unknown applicant field", "XA.HT.01", {"nickname": "Tí"}, {}, ValidationError, "nickname"),
    ("postal return without address", "XA.HT.01", {"address": None}, {"return_method": "postal"}, ValidationError,
     "return_address"),
    ("home return without address", "XA.HT.01", {"address": "  "}, {"return_method": "home"}, ValidationError,
     "return_address"),
    ("copies 0", "XA.HT.01", {}, {"copies": 0}, ValidationError, "copies"),
    ("copies 51", "XA.HT.01", {}, {"copies": 51}, ValidationError, "copies"),
    ("unknown channel", "XA.HT.01", {}, {"channel": "fax"}, ValidationError, "channel"),
    ("unknown return method", "XA.HT.01", {}, {"return_method": "drone"}, ValidationError, "return_method"),
    ("empty document list", "XA.HT.01", {}, {"documents": []}, ValidationError, "documents"),
    ("document without copies", "XA.HT.01", {}, {"documents": [{"name": "Tờ khai", "originals": 0, "copies": 0}]},
     ValidationError, "documents"),
    ("fee exemption not allowed", "XA.KD.01", {}, {"fee_exemption": "merit"}, ValidationError, "fee_exemption"),
]


@pytest.mark.parametrize(("procedure", "changes", "options", "error", "field"),
                         [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusal_names_the_field_and_writes_nothing(ctx, db, procedure, changes, options, error, field):
    receive_one(ctx)  # a dossier already there: the refusal must not disturb the counters either
    before = snapshot(db)
    counts = {t: count(db, t) for t in ("dossiers", "dossier_events", "counters")}
    applicant = {k: v for k, v in {**DUC, **changes}.items() if v is not None}
    with pytest.raises(error) as raised:
        receive_one(ctx, procedure, applicant=applicant, **options)
    assert isinstance(raised.value, DomainError)
    assert raised.value.field == field
    assert_vietnamese(raised.value.message)
    assert {t: count(db, t) for t in counts} == counts
    assert snapshot(db) == before
    assert receive_one(ctx).code == f"{AGENCY}-260302-0002"  # no sequence number was consumed


def test_refusal_message_does_not_repeat_the_typed_id_number(ctx):
    with pytest.raises(ValidationError) as raised:
        receive_one(ctx, applicant={**DUC, "birth_date": "05/09/1985"})
    assert "087084001234" not in raised.value.message


def test_future_received_at_is_refused_and_nothing_written(ctx, db, clock):
    before = snapshot(db)
    with pytest.raises(ValidationError) as raised:
        receive_one(ctx, received_at=clock.now() + dt.timedelta(hours=1))
    assert_vietnamese(raised.value.message)
    assert "tương lai" in raised.value.message
    assert snapshot(db) == before


def test_future_received_at_names_the_received_at_field(ctx, clock):
    with pytest.raises(ValidationError) as raised:
        receive_one(ctx, received_at=clock.now() + dt.timedelta(hours=1))
    assert raised.value.field == "received_at"


def test_received_at_a_few_minutes_ahead_is_tolerated(ctx, db, clock):
    receipt = receive_one(ctx, received_at=clock.now() + dt.timedelta(minutes=4))
    assert dossier(db, receipt.code)["received_at"] == "2026-03-02 09:04:00"


def test_back_dated_receipt_uses_its_own_day_for_the_code(ctx, db, clock):
    receive_one(ctx)
    receipt = receive_one(ctx, received_at=vn("2026-02-27 10:00"))  # Friday, entered on Monday
    assert receipt.code == f"{AGENCY}-260227-0001"
    assert receipt.ledger_number == 2
    assert receipt.due_at == vn("2026-03-04 10:00")


def test_a_desk_never_overflows_into_the_next_desk_block(ctx, db):
    with closing(sqlite3.connect(db.path)) as conn:
        conn.execute("INSERT INTO counters (name, value) VALUES ('code:0:260302', 998)")
        conn.commit()
    assert receive_one(ctx).code.endswith("-0999")
    before = snapshot(db)
    with pytest.raises(DomainError) as raised:
        receive_one(ctx)
    assert raised.value.field == "code"
    assert_vietnamese(raised.value.message)
    assert snapshot(db) == before


def test_inactive_procedure_is_refused(ctx, db):
    with closing(sqlite3.connect(db.path)) as conn:
        conn.execute("UPDATE procedures SET active = 0 WHERE code = 'XA.KD.04'")
        conn.commit()
    before = snapshot(db)
    with pytest.raises(ValidationError) as raised:
        receive_one(ctx, "XA.KD.04")
    assert raised.value.field == "procedure"
    assert_vietnamese(raised.value.message)
    assert snapshot(db) == before


# -- the received event and the projection -------------------------------------------------------------------------
def test_received_event_opens_the_chain(ctx, db, clock):
    receipt = receive_one(ctx)
    (event,) = events(db, receipt.code)
    assert event["kind"] == "received"
    assert (event["desk"], event["seq"]) == (0, 1)
    assert event["prev_hash"] == GENESIS
    assert re.fullmatch(r"[0-9a-f]{64}", event["hash"])
    assert event["hash"] == independent_hash(event)
    assert uuid.UUID(event["uuid"]).version == 4
    assert event["actor"] == "test:clerk"
    assert event["at"] == event["recorded_at"] == "2026-03-02 09:00:00"
    assert event["sync_state"] == "to_send"
    assert event["dossier_id"] == dossier(db, receipt.code)["id"]


def test_second_receipt_chains_on_the_first(ctx, db, clock):
    first = receive_one(ctx)
    clock.advance(minutes=3)
    second = receive_one(ctx, received_at=vn("2026-03-02 08:30"))
    (e1,), (e2,) = events(db, first.code), events(db, second.code)
    assert (e2["seq"], e2["prev_hash"]) == (2, e1["hash"])
    assert e2["hash"] == independent_hash(e2)
    assert e2["at"] == "2026-03-02 08:30:00" and e2["recorded_at"] == "2026-03-02 09:03:00"
    assert e1["uuid"] != e2["uuid"]


def test_projection_matches_the_received_event(ctx, db):
    receipt = receive_one(ctx, "XA.HT.16", copies=2, return_method="home")
    row = dossier(db, receipt.code)
    (event,) = events(db, receipt.code)
    p = payload(event)
    assert p["procedure"] == row["procedure_code"] == "XA.HT.16"
    assert p["procedure_name"] == row["procedure_name"]
    assert p["field"] == row["field_code"] == "HT"
    assert p["applicant"]["name"] == row["applicant_name"]
    assert p["applicant"]["id_number"] == row["id_number"]
    assert p["applicant"]["phone"] == row["phone"]
    assert p["applicant"]["address"] == row["address"]
    assert p["documents"] == json.loads(row["documents"])
    assert p["copies"] == row["copies"] == 2
    assert p["channel"] == row["channel"]
    assert p["return_method"] == row["return_method"] == "home"
    assert p["return_address"] == row["return_address"] == DUC["address"]
    assert p["fee_due"] == row["fee_due"]
    assert p["time_limit"] == row["time_limit"]
    assert p["lookup_key"] == row["lookup_key"] == receipt.lookup_key
    assert p["ledger"] == {"year": row["ledger_year"], "desk": row["ledger_desk"], "number": row["ledger_number"]}
    assert event["at"] == row["received_at"]
    assert row["last_event_seq"] == event["seq"]
    state = fold([Event(EventKind.RECEIVED, vn(event["at"][:16]), p)])
    assert state.status.value == row["status"]
    assert state.due_at == vn(row["due_at"][:16]) == vn(row["original_due_at"][:16])
    assert [c.procedure for c in state.components] == [c["procedure"] for c in json.loads(row["components"])]
    assert p["counted_from"] == "2026-03-02T09:00:00+07:00"


def test_receipt_outside_office_hours_counts_from_next_opening(ctx, db, clock):
    clock.moment = vn("2026-03-07 10:00")  # Saturday, an online filing
    receipt = receive_one(ctx, "XA.HT.01", channel="online")
    assert receipt.due_at == vn("2026-03-12 07:00")
    assert payload(events(db, receipt.code)[0])["counted_from"] == "2026-03-09T07:00:00+07:00"
    assert receipt.code.endswith("260307-0001")  # the code still carries the real receipt date


# -- variants and counted fees -------------------------------------------------------------------------------------
def test_marriage_needing_verification_takes_five_working_days(ctx, db):
    plain = receive_one(ctx, "1.000894")
    checked = receive_one(ctx, "1.000894", variant="verification")
    assert plain.due_at == vn("2026-03-02 17:00")  # same day
    assert checked.due_at == vn("2026-03-09 09:00")  # 5 working days from Monday 09:00
    assert dossier(db, checked.code)["time_limit"] == "5 working_days"
    assert payload(events(db, checked.code)[0])["variant"] == "verification"


def test_unknown_variant_is_refused_naming_the_known_ones(ctx, db):
    before = snapshot(db)
    with pytest.raises(ValidationError) as refused:
        receive_one(ctx, "1.000894", variant="urgent")
    assert refused.value.field == "variant"
    assert "verification" in refused.value.message
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("procedure", "quantity", "copies", "fee"),
    [
        ("XA.CT.01", 1, 1, 2000),
        ("XA.CT.01", 5, 1, 7000),  # 2 × 2.000 + 3 × 1.000
        ("XA.CT.01", 5, 2, 14000),  # two copies of a five-page paper
        ("XA.CT.01", 400, 1, 200000),  # capped a copy
        ("XA.HT.10", 3, 1, 24000),  # three extracts at 8.000 đ
        ("XA.CT.04", 9, 1, 50000),  # a contract: flat
    ],
)
def test_fee_follows_the_catalog_rule(ctx, procedure, quantity, copies, fee):
    assert receive_one(ctx, procedure, quantity=quantity, copies=copies).fee_due == fee


def test_quantity_must_be_a_positive_count(ctx, db):
    for quantity in (0, True, "3"):
        with pytest.raises(ValidationError) as refused:
            receive_one(ctx, "XA.CT.01", quantity=quantity)
        assert refused.value.field == "quantity"


@pytest.mark.parametrize("item", [
    {"name": "Tờ khai", "originals": "1", "copies": 0},
    {"name": "Tờ khai", "originals": 1.7, "copies": 0},
    {"name": "Tờ khai", "originals": True, "copies": 0},
    {"name": "Tờ khai", "originals": 10**23, "copies": 0},
    {"name": {"x": 1}, "originals": 1, "copies": 0},
])
def test_document_counts_must_be_small_whole_numbers(ctx, db, item):
    before = snapshot(db)
    with pytest.raises(ValidationError) as refused:
        receive_one(ctx, documents=[item])
    assert refused.value.field == "documents"
    assert snapshot(db) == before


def test_a_receipt_dated_years_back_is_refused_as_a_likely_typo(ctx, db):
    before = snapshot(db)
    with pytest.raises(ValidationError) as refused:
        receive_one(ctx, received_at=vn("2016-03-02 09:00"))  # 2016 typed for 2026
    assert refused.value.field == "received_at"
    assert snapshot(db) == before
    set_settings(db, max_backdate_days="4000")  # an administrator entering an old paper ledger
    assert receive_one(ctx, received_at=vn("2016-03-02 09:00")).code.endswith("-160302-0001")
