"""Taking in the feed: one transaction per page with its cursors, idempotent by UUID, every touched dossier
re-projected, foreign chains anchored so ``verify`` checks them; what cannot be applied is reported."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from desk_app.config import catalog_dir
from desk_app.domain.chain import canonical_json
from desk_app.services.actions import DossierActions
from desk_app.sync import inbox
from desk_app.sync.inbox import EVENTS_CURSOR, PUBLICATIONS_CURSOR, take_in
from desk_app.sync.protocol import Feed, FeedEvent, Publication
from tests.sync._support import UpperChain, assert_verifies, feed_of, receive_many, rows, scalar


@pytest.fixture
def desks(make_desk):
    one = make_desk("one", desk=1)
    two = make_desk("two", desk=2)
    return one, two


def take(ctx, feed, own_desk=1):
    with ctx.db.write_session() as session, session.begin():
        return take_in(session, feed, own_desk=own_desk, now=ctx.clock.now())


def counter(ctx, name):
    return scalar(ctx, "SELECT value FROM counters WHERE name = ?", (name,))


def row_without_id(ctx, code):
    found = rows(ctx, "SELECT * FROM dossiers WHERE code = ?", (code,))
    assert len(found) == 1
    row = dict(zip(found[0].keys(), found[0], strict=True))
    del row["id"]
    return {**row, "documents": json.loads(row["documents"]), "components": json.loads(row["components"])}


def test_another_desks_dossiers_arrive_whole_and_verify(desks):
    one, two = desks
    codes = receive_many(two, 3)
    two.clock.advance(hours=1)
    DossierActions(two).transfer(codes[0], "Công chức Tư pháp - Hộ tịch")
    result = take(one, feed_of(two, 2))
    assert (result.stored, result.already_held, result.dossiers, result.conflicts) == (4, 0, 3, [])
    for code in codes:
        assert row_without_id(one, code) == row_without_id(two, code)
    assert rows(one, "SELECT DISTINCT sync_state FROM dossier_events WHERE desk = 2")[0][0] == "from_hub"
    assert counter(one, "chain:2") == 4
    assert counter(one, EVENTS_CURSOR) == 4
    assert_verifies(one)


def test_the_same_page_twice_doubles_nothing(desks):
    one, two = desks
    receive_many(two, 2)
    feed = feed_of(two, 2)
    take(one, feed)
    before = rows(one, "SELECT * FROM dossier_events ORDER BY id")
    again = take(one, feed)
    assert (again.stored, again.already_held) == (0, 2)
    assert rows(one, "SELECT * FROM dossier_events ORDER BY id") == before
    assert scalar(one, "SELECT count(*) FROM dossiers") == 2
    assert_verifies(one)


@pytest.mark.parametrize("failing", ["cursor", "reproject"])
def test_a_page_interrupted_midway_leaves_nothing(desks, monkeypatch, failing):
    """The events, the dossiers and the cursors of a page are one transaction: a fault anywhere in it keeps none."""
    one, two = desks
    receive_many(two, 3)
    feed = feed_of(two, 2)

    class Crash(Exception):
        pass

    if failing == "cursor":
        real = inbox.store_value

        def store_value(session, name, value):
            if name == EVENTS_CURSOR:
                raise Crash
            real(session, name, value)

        monkeypatch.setattr(inbox, "store_value", store_value)
    else:
        monkeypatch.setattr(inbox, "reproject", lambda *a: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        take(one, feed)
    assert scalar(one, "SELECT count(*) FROM dossier_events WHERE desk = 2") == 0
    assert scalar(one, "SELECT count(*) FROM dossiers") == 0
    assert counter(one, EVENTS_CURSOR) is None and counter(one, "chain:2") is None
    monkeypatch.undo()
    assert take(one, feed).stored == 3  # taken in whole the next time
    assert_verifies(one)


def test_an_upper_level_decision_updates_the_transferred_dossier(desks):
    one, _ = desks
    code = receive_many(one, 1, procedure="XA.BHXH.01")[0]
    one.clock.advance(hours=1)
    DossierActions(one).transfer(code, upper=True)
    upper = UpperChain()
    decision = upper.decide(code, "result_ready", "2026-03-03 10:00:00", {"component": None, "upper": True})
    result = take(one, Feed(events=[FeedEvent(cursor=7, event=decision)], publications=[], events_cursor=7,
                            publications_cursor=0, more=False))
    assert (result.stored, result.conflicts) == (1, [])
    assert row_without_id(one, code)["status"] == "result_ready"
    assert row_without_id(one, code)["result_ready_at"] == "2026-03-03 10:00:00"
    event = rows(one, "SELECT desk, sync_state FROM dossier_events WHERE uuid = ?", (decision.uuid,))[0]
    assert tuple(event) == (99, "from_hub")
    assert counter(one, "chain:99") == 1
    assert_verifies(one)
    one.clock.advance(days=2)
    DossierActions(one).return_result(code)  # the desk goes on from the upper level's decision
    assert_verifies(one)


def test_conflicting_events_are_reported_kept_and_verify_still_passes(desks):
    """Both desks returned the result while offline: the later return is kept in the record, not applied."""
    one, two = desks
    code = receive_many(one, 1)[0]
    take(two, feed_of(one, 1), own_desk=2)
    for ctx in (one, two):
        ctx.clock.advance(hours=1)
        DossierActions(ctx).result_ready(code)
        ctx.clock.advance(minutes=30)
        DossierActions(ctx).return_result(code)
    result = take(one, feed_of(two, 2))
    assert result.stored == 2
    assert len(result.conflicts) == 2 and all(code in c and "bàn 2" in c for c in result.conflicts)
    assert row_without_id(one, code)["status"] == "returned"
    assert_verifies(one)


def test_what_cannot_be_applied_is_reported_not_raised(desks):
    one, two = desks
    codes = receive_many(two, 2)
    two.clock.advance(hours=1)
    DossierActions(two).transfer(codes[1], "Công an xã")
    feed = feed_of(two, 2)
    receipt_1, receipt_2, transfer = feed.events
    tampered = receipt_1.event.model_copy(update={"payload": {**receipt_1.event.payload, "fee_due": 1}})
    broken = Feed(events=[FeedEvent(cursor=1, event=tampered),  # altered on the way: hash fails
                          FeedEvent(cursor=2, event=receipt_2.event, rejected="Hồ sơ của xã khác."),
                          FeedEvent(cursor=3, event=transfer.event)],  # its dossier never came
                  publications=[], events_cursor=3, publications_cursor=0, more=False)
    result = take(one, broken)
    assert result.stored == 0 and len(result.conflicts) == 3
    assert "mã băm" in result.conflicts[0] and "từ chối" in result.conflicts[1]
    assert "không có hồ sơ này" in result.conflicts[2]
    assert counter(one, EVENTS_CURSOR) == 3  # reported once, never asked for again
    assert_verifies(one)


def publication(pid, kind, content):
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return Publication(id=pid, kind=kind, published_at="2026-03-02T10:00:00+07:00", sha256=digest, content=content)


def test_published_catalog_and_holidays_are_applied_bad_ones_reported(desks):
    one, _ = desks
    catalog = json.loads((catalog_dir() / "procedures.json").read_text(encoding="utf-8"))
    catalog = copy.deepcopy(catalog)
    catalog["catalog_version"] = "2026.2"
    catalog["procedures"][0]["name"] = "Đăng ký khai sinh (bản cấp trên ban hành)"
    code = catalog["procedures"][0]["code"]
    holidays = {"years": {"2027": {"source": "Thông báo của cấp trên", "off": [
        {"from": "2027-01-01", "to": "2027-01-01", "name": "Tết Dương lịch", "occasions": ["new_year"]}],
        "makeup_working": []}}}
    bad = publication(3, "catalog", {"catalog_version": "x"})
    wrong_digest = publication(4, "holidays", holidays).model_copy(update={"sha256": "0" * 64})
    feed = Feed(events=[], publications=[publication(1, "catalog", catalog), publication(2, "holidays", holidays),
                                         bad, wrong_digest], events_cursor=0, publications_cursor=4, more=False)
    result = take(one, feed)
    assert result.publications == 2 and len(result.notes) == 2 and len(result.conflicts) == 2
    assert scalar(one, "SELECT name FROM procedures WHERE code = ?", (code,)) == catalog["procedures"][0]["name"]
    assert scalar(one, "SELECT source FROM holidays WHERE year = 2027") == "Thông báo của cấp trên"
    assert counter(one, PUBLICATIONS_CURSOR) == 4
    assert scalar(one, "SELECT count(*) FROM audit_log WHERE action = 'holidays'") == 1


def test_an_upper_level_supplement_request_then_the_desk_takes_the_supplement(desks):
    one, _ = desks
    code = receive_many(one, 1, procedure="XA.BHXH.01")[0]
    one.clock.advance(hours=1)
    DossierActions(one).transfer(code, upper=True)
    request = UpperChain().decide(code, "supplement_requested", "2026-03-03 08:30:00", {
        "items": ["Giấy chứng sinh bản chính"], "reason": "Thiếu giấy chứng sinh", "moves_deadline": True,
        "upper": True})
    result = take(one, Feed(events=[FeedEvent(cursor=1, event=request)], publications=[], events_cursor=1,
                            publications_cursor=0, more=False))
    assert (result.stored, result.conflicts) == (1, [])
    row = row_without_id(one, code)
    assert (row["status"], row["supplement_count"]) == ("supplement_requested", 1)
    one.clock.advance(days=2)
    DossierActions(one).resubmit(code)
    assert row_without_id(one, code)["status"] == "in_progress"
    assert_verifies(one)
