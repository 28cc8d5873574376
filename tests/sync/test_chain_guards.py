"""Review of issue 6: a refused event never breaks another desk's verify, a desk restored from an old backup stops
before it forks its chain, a restored server makes the desks read its feed again, set-aside events keep the run's
outcome honest."""

from __future__ import annotations

import pytest

from desk_app.services.actions import DossierActions
from desk_app.services.context import ServiceContext
from desk_app.services.integrity import verify
from desk_app.services.queries import stats
from desk_app.sync.engine import SyncOutcome, run_sync
from desk_app.sync.protocol import Feed, FeedEvent
from tests.services._support import assert_vietnamese
from tests.sync._support import assert_verifies, execute, feed_of, receive_many, rows, scalar, states
from tests.sync.fake_hub import FakeHub
from tests.sync.test_inbox import take


def sync(ctx: ServiceContext, hub: FakeHub) -> SyncOutcome:
    return run_sync(ctx, transport=hub.transport, sleep=lambda _s: None)


def status_of(ctx: ServiceContext, code: str) -> str:
    return scalar(ctx, "SELECT status FROM dossiers WHERE code = ?", (code,))


# -- finding 2: what the server refused is a link of the chain on the other desks ---------------------------------
def test_an_event_the_server_refused_at_one_desk_keeps_every_other_desks_verify_ok(make_desk, hub):
    one, two = make_desk("one", desk=1), make_desk("two", desk=2)
    codes = receive_many(one, 3)
    one.clock.advance(hours=1)
    DossierActions(one).transfer(codes[0], "Công an xã")  # seq 4
    refused = {codes[1], codes[0]}  # a receipt (seq 2) and a transfer (seq 4)
    hub.reject = lambda e: "Nội dung không hợp lệ." if e.dossier_code in refused and e.seq in (2, 4) else None
    assert sync(one, hub).status == "set_aside"
    one.clock.advance(hours=1)
    DossierActions(one).transfer(codes[2], "Công an xã")  # seq 5: continues the chain over the refused links
    assert sync(one, hub).sent == 1

    outcome = sync(two, hub)
    assert outcome.received == 3  # receipts 1 and 3, the transfer 5
    assert_verifies(two)  # the chain of desk 1 is bridged over the links 2 and 4
    links = rows(two, "SELECT desk, seq, dossier_code, kind FROM chain_links ORDER BY seq")
    assert [tuple(r) for r in links] == [(1, 2, codes[1], "received"), (1, 4, codes[0], "transferred")]
    assert scalar(two, "SELECT count(*) FROM dossiers WHERE code = ?", (codes[1],)) == 0  # never applied
    assert status_of(two, codes[0]) == "received"  # the refused transfer changed nothing
    assert status_of(two, codes[2]) == status_of(one, codes[2]) != "received"  # the transfer after them applied
    assert scalar(two, "SELECT value FROM counters WHERE name = 'chain:1'") == 5
    again = sync(two, hub)  # the same feed once more (or a cursor reset): nothing doubled
    assert again.received == 0 and scalar(two, "SELECT count(*) FROM chain_links") == 2


def test_a_link_that_does_not_continue_the_chain_is_reported(make_desk, hub):
    one, two = make_desk("one", desk=1), make_desk("two", desk=2)
    receive_many(one, 3)
    hub.reject = lambda e: "Nội dung không hợp lệ." if e.seq == 2 else None
    sync(one, hub)
    sync(two, hub)
    assert_verifies(two)
    execute(two, "UPDATE chain_links SET prev_hash = ? WHERE seq = 2", ("1" * 64,))
    with two.read() as session:
        report = verify(session)
    assert any("bàn 1, sự kiện số 2" in p and "Chuỗi băm đứt" in p for p in report.problems), report.problems
    execute(two, "DELETE FROM chain_links")
    with two.read() as session:
        problems = verify(session).problems
    assert any("thiếu sự kiện số 2" in p for p in problems), problems


def test_a_trailing_link_is_the_chains_head(desks_one_two):
    one, two = desks_one_two
    receive_many(two, 2)
    feed = feed_of(two, 2)
    last = feed.events[1]
    page = Feed(events=[feed.events[0], FeedEvent(cursor=2, event=last.event, rejected="Hồ sơ của xã khác.")],
                publications=[], events_cursor=2, publications_cursor=0, more=False)
    result = take(one, page)
    assert (result.stored, result.links) == (1, 1)
    assert_verifies(one)  # the anchor chain:2 = 2 is met by the link


def test_events_for_a_code_whose_receipt_came_down_as_a_link_never_touch_the_local_dossier(desks_one_two):
    """Two dossiers under one code (a desk re-issued it): the other one's events are links, not applied here."""
    one, two = desks_one_two
    [code] = receive_many(one, 1)
    [theirs] = receive_many(two, 1)
    execute(two, "UPDATE dossier_events SET dossier_code = ? WHERE desk = 2", (code,))  # as if it bore our code
    two.clock.advance(hours=1)
    feed = feed_of(two, 2)
    receipt = feed.events[0].event
    from desk_app.domain.chain import event_hash
    from desk_app.sync.protocol import WireEvent

    values = receipt.model_dump(exclude={"hash"})
    forged = WireEvent(**values, hash=event_hash(**values))
    values = {**values, "uuid": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "seq": 2, "kind": "transferred",
              "payload": {"to": "Công an xã"}, "prev_hash": forged.hash}
    transfer = WireEvent(**values, hash=event_hash(**values))
    page = Feed(events=[FeedEvent(cursor=1, event=forged), FeedEvent(cursor=2, event=transfer)], publications=[],
                events_cursor=2, publications_cursor=0, more=False)
    result = take(one, page)
    assert (result.stored, result.links) == (0, 2)
    assert "khác với hồ sơ cấp trên" in result.conflicts[1]
    assert status_of(one, code) == "received" and theirs != code
    assert_verifies(one)


@pytest.fixture
def desks_one_two(make_desk):
    return make_desk("one", desk=1), make_desk("two", desk=2)


# -- finding 3: a desk restored from its own backup stops before it forks its chain -------------------------------
def _fork_refused(outcome: SyncOutcome, hub: FakeHub, before: int) -> None:
    assert (outcome.status, outcome.exit_code) == ("refused", 2)
    assert "bản sao lưu cũ" in outcome.message and "Không tiếp tục làm việc trên bàn này" in outcome.message
    assert "liên hệ cấp trên" in outcome.message and "trùng" in outcome.message
    assert_vietnamese(outcome.message)
    assert not any(path in ("/events", "/feed") for _m, path, _s in hub.requests[before:])  # nothing pushed, pulled


@pytest.mark.parametrize("written_after_restore", [1, 3])
def test_a_desk_restored_from_an_old_backup_refuses_to_sync(make_desk, hub, restore, written_after_restore):
    snapshot, reopen = restore
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    sync(desk, hub)
    backup = snapshot(desk, "backup")  # holds events 1-2
    receive_many(desk, 2)
    assert sync(desk, hub).sent == 2  # the server holds 1-4
    restored = reopen(backup, desk)
    restored.clock.advance(hours=1)
    receive_many(restored, written_after_restore)  # 3 (shorter than the server) or 3-5 (longer, 3-4 differ)
    before = len(hub.requests)
    outcome = sync(restored, hub)
    _fork_refused(outcome, hub, before)
    assert hub.count(1) == 4
    assert states(restored, 1) == {"acknowledged": 2, "to_send": written_after_restore}
    run = rows(restored, "SELECT status, message FROM sync_runs ORDER BY id DESC LIMIT 1")[0]
    assert tuple(run) == ("refused", outcome.message)


def test_a_restored_desk_with_nothing_new_is_refused_by_a_server_that_cannot_give_its_events_back(
        make_desk, hub, restore):
    """A server too old to give a desk its own events back (see tests/sync/test_recovery.py for the others)."""
    snapshot, reopen = restore
    hub.gives_back = False
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    sync(desk, hub)
    backup = snapshot(desk, "backup")
    receive_many(desk, 1)
    sync(desk, hub)
    outcome = sync(reopen(backup, desk), hub)
    assert outcome.status == "refused" and "máy này chỉ còn 2" in outcome.message
    assert "sự kiện số 3 không còn trên máy" in outcome.message


def test_a_desk_in_step_with_the_server_or_ahead_of_it_goes_on(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    sync(desk, hub)
    receive_many(desk, 2)  # ahead: the server's head (2) is ours
    assert sync(desk, hub).status == "ok"
    hub.forget_after(1, 1)  # the server restored from an older backup: ours is longer, same event at its head
    assert (sync(desk, hub).status, hub.count(1)) == ("ok", 4)


# -- finding 4: a server restored from a backup: the feed is read again --------------------------------------------
def test_a_new_server_instance_resets_the_feed_cursors(make_desk, hub):
    one, two, three = make_desk("one", desk=1), make_desk("two", desk=2), make_desk("three", desk=3)
    hub.instance = "db-2026-03-01"
    receive_many(two, 3)
    sync(two, hub)
    assert sync(one, hub).received == 3
    # The server restored from a backup taken before desk 2's events: its feed positions start again at 1.
    hub.events = []
    receive_many(three, 2)
    sync(three, hub)  # stored at positions 1-2, below desk 1's cursor (3)
    assert sync(one, hub).received == 0  # still the same instance named: the cursors are kept (events missed)
    hub.instance = "db-2026-03-05"
    outcome = sync(one, hub)
    assert outcome.received == 2 and "nhận lại từ đầu" in outcome.message
    assert scalar(one, "SELECT count(*) FROM dossiers WHERE desk = 3") == 2
    assert scalar(one, "SELECT value FROM settings WHERE key = 'sync:hub_instance'") == "db-2026-03-05"
    assert sync(one, hub).received == 0 and "nhận lại" not in sync(one, hub).message
    assert_verifies(one)


def test_an_old_server_naming_no_instance_changes_nothing(make_desk, hub):
    one, two = make_desk("one", desk=1), make_desk("two", desk=2)
    receive_many(two, 2)
    sync(two, hub)
    sync(one, hub)
    assert scalar(one, "SELECT value FROM counters WHERE name = 'sync:events_cursor'") == 2
    assert scalar(one, "SELECT count(*) FROM settings WHERE key = 'sync:hub_instance'") == 0


# -- findings 6 and 7: the outcome and its words -------------------------------------------------------------------
def test_a_chain_stalled_at_a_refused_link_is_said_run_after_run(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 3)
    execute(desk, "UPDATE dossier_events SET prev_hash = ? WHERE seq = 2", ("1" * 64,))
    first = sync(desk, hub)
    assert (first.status, first.waiting) == ("set_aside", 1)
    assert "1 sự kiện ghi sau đó chưa gửi được" in first.message
    again = sync(desk, hub)
    assert (again.status, again.exit_code, len(again.set_aside), again.waiting) == ("set_aside", 4, 1, 1)
    assert "Các sự kiện khác đã được cấp trên xác nhận" not in again.message


def test_unreachable_says_how_many_wait_and_that_they_are_kept(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    hub.fail_next = 100
    outcome = sync(desk, hub)
    assert outcome.status == "unreachable" and outcome.waiting == 2
    assert "2 sự kiện của bàn này đang chờ gửi, vẫn được giữ nguyên trên máy" in outcome.message


def test_the_summary_says_where_received_events_come_from_and_stats_count_every_state(make_desk, hub):
    one, two = make_desk("one", desk=1), make_desk("two", desk=2)
    receive_many(two, 2)
    sync(two, hub)
    receive_many(one, 1)
    outcome = sync(one, hub)
    assert "nhận 2 sự kiện từ máy chủ cấp trên (của các bàn khác và của cấp trên)" in outcome.message
    with one.read() as session:
        figures = stats(session)
    assert figures["events_by_sync_state"] == {"to_send": 0, "sent": 0, "acknowledged": 1, "set_aside": 0,
                                               "from_hub": 2}
    assert sum(figures["events_by_sync_state"].values()) == figures["events"]
