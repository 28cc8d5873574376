"""The sync engine against an in-memory server (httpx.MockTransport): states, retries, refusals, the record."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from desk_app.services.actions import DossierActions
from desk_app.sync import engine
from desk_app.sync.client import WRONG_TOKEN
from desk_app.sync.engine import SyncOutcome, probe, run_sync
from desk_app.sync.status import set_aside_events, sync_status
from tests.services._support import assert_vietnamese
from tests.sync._support import assert_verifies, execute, receive_many, rows, states
from tests.sync.fake_hub import TOKEN, URL, FakeHub


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sync(ctx, hub: FakeHub, **options) -> SyncOutcome:
    options.setdefault("sleep", Sleeps())
    return run_sync(ctx, transport=hub.transport, **options)


def pushes(hub: FakeHub) -> list[tuple[int, int]]:
    return [(b.events[0].seq, b.events[-1].seq) for b in hub.batches]


def test_round_trip_acknowledges_everything_and_records_the_run(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 3)
    outcome = sync(desk, hub)
    assert (outcome.status, outcome.exit_code, outcome.sent, outcome.received) == ("ok", 0, 3, 0)
    assert states(desk, 1) == {"acknowledged": 3}
    assert hub.count(1) == 3
    assert_vietnamese(outcome.message)
    run = rows(desk, "SELECT status, sent, received, set_aside FROM sync_runs")
    assert [tuple(r) for r in run] == [("ok", 3, 0, 0)]
    status = sync_status(desk)
    assert (status.configured, status.pending, status.set_aside, status.last_outcome) == (True, 0, 0, "ok")
    assert status.last_success_at == outcome.finished_at
    again = sync(desk, hub)  # nothing waits: no push at all
    assert (again.status, again.sent) == ("ok", 0) and len(hub.batches) == 1


def test_push_bodies_are_gzip_and_the_token_is_a_bearer_header(make_desk, hub):
    seen: list[httpx.Request] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return hub.handle(request)

    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    run_sync(desk, transport=httpx.MockTransport(spy), sleep=Sleeps())
    post = next(r for r in seen if r.method == "POST")
    assert post.headers["Content-Encoding"] == "gzip" and post.content[:2] == b"\x1f\x8b"
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in seen)
    assert all(TOKEN not in str(r.url) for r in seen)


def test_a_lost_acknowledgement_is_sent_again_and_never_doubled(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 4)
    hub.lose_answers = 1  # the server stores the batch, the answer never arrives
    sleeps = Sleeps()
    outcome = sync(desk, hub, sleep=sleeps)
    assert (outcome.status, outcome.sent) == ("ok", 4)
    assert pushes(hub) == [(1, 4), (1, 4)]
    assert hub.count(1) == 4  # held once
    assert states(desk, 1) == {"acknowledged": 4}
    assert sleeps == [1.0]


def test_a_lost_acknowledgement_with_the_server_gone_keeps_the_events_sent(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 4)
    hub.lose_answers = 1

    def then_down(request: httpx.Request) -> httpx.Response:
        if hub.batches:  # after the first push the server is gone
            raise httpx.ConnectError("refused", request=request)
        return hub.handle(request)

    sleeps = Sleeps()
    outcome = run_sync(desk, transport=httpx.MockTransport(then_down), sleep=sleeps)
    assert (outcome.status, outcome.exit_code, outcome.sent) == ("unreachable", 3, 0)
    assert sleeps == [1.0, 2.0, 4.0]
    assert states(desk, 1) == {"sent": 4}  # not acknowledged: no answer said so
    assert sync_status(desk).pending == 4
    outcome = sync(desk, hub)
    assert (outcome.status, outcome.sent) == ("ok", 4) and hub.count(1) == 4
    assert states(desk, 1) == {"acknowledged": 4}


def test_the_network_failing_for_a_while_is_retried_with_back_off(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    hub.fail_next = 2
    sleeps = Sleeps()
    outcome = sync(desk, hub, sleep=sleeps)
    assert (outcome.status, outcome.sent) == ("ok", 2)
    assert sleeps == [1.0, 2.0]


def test_unreachable_after_the_retries_nothing_lost(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    hub.fail_next = 100
    sleeps = Sleeps()
    outcome = sync(desk, hub, sleep=sleeps)
    assert (outcome.status, outcome.exit_code, outcome.sent) == ("unreachable", 3, 0)
    assert sleeps == [1.0, 2.0, 4.0]
    assert states(desk, 1) == {"to_send": 2}  # the status request failed: nothing was even marked sent
    assert "Không kết nối được" in outcome.message
    status = sync_status(desk)
    assert (status.last_outcome, status.last_success_at) == ("unreachable", None)


def test_a_wrong_token_sends_nothing_and_says_so(make_desk, hub):
    desk = make_desk("a", desk=1, token="another-token-that-is-wrong-123")
    receive_many(desk, 2)
    outcome = sync(desk, hub)
    assert (outcome.status, outcome.exit_code) == ("refused", 2)
    assert WRONG_TOKEN in outcome.message
    assert states(desk, 1) == {"to_send": 2}
    assert hub.batches == []
    assert "another-token" not in outcome.message


def test_a_token_of_another_commune_is_refused_before_sending(make_desk):
    other = FakeHub(commune="000.31.22.H21", name="UBND xã Mỹ Tân")
    desk = make_desk("a", desk=1)
    receive_many(desk, 1)
    outcome = sync(desk, other)
    assert outcome.status == "refused" and "000.31.22.H21" in outcome.message
    assert other.batches == [] and states(desk, 1) == {"to_send": 1}


def test_not_configured_asks_for_the_settings_without_a_request(make_desk, hub):
    desk = make_desk("a", desk=1, url="")
    outcome = sync(desk, hub)
    assert (outcome.status, outcome.exit_code) == ("not_configured", 2)
    assert "Thiết lập" in outcome.message and hub.requests == []
    assert not sync_status(desk).configured


def test_content_refused_is_set_aside_others_acknowledged_and_not_resent(make_desk, hub):
    desk = make_desk("a", desk=1)
    codes = receive_many(desk, 3)
    hub.reject = lambda e: "Hồ sơ mang mã cơ quan của xã khác." if e.dossier_code == codes[1] else None
    outcome = sync(desk, hub)
    assert (outcome.status, outcome.exit_code, outcome.sent) == ("set_aside", 4, 2)
    assert [(e.code, e.seq, e.reason) for e in outcome.set_aside] == [
        (codes[1], 2, "Hồ sơ mang mã cơ quan của xã khác.")]
    assert states(desk, 1) == {"acknowledged": 2, "set_aside": 1}
    assert [(e.code, e.kind) for e in set_aside_events(desk)] == [(codes[1], "received")]
    assert sync_status(desk).set_aside == 1
    desk.clock.advance(hours=1)
    DossierActions(desk).transfer(codes[2], "Công an xã")
    outcome = sync(desk, hub)  # the set-aside one stays aside, and the run still says so
    assert (outcome.status, outcome.exit_code, outcome.sent, outcome.waiting) == ("set_aside", 4, 1, 0)
    assert [e.seq for e in outcome.set_aside] == [2]
    assert "1 sự kiện của bàn này bị cấp trên từ chối" in outcome.message
    assert "Các sự kiện khác đã được cấp trên xác nhận" in outcome.message
    assert pushes(hub) == [(1, 3), (4, 4)]
    assert rows(desk, "SELECT status, set_aside FROM sync_runs ORDER BY id")[-1][:] == ("set_aside", 1)


def test_an_altered_event_under_a_known_uuid_is_set_aside_the_rest_go(make_desk, hub):
    desk = make_desk("a", desk=1)
    codes = receive_many(desk, 3)
    sync(desk, hub)
    execute(desk, "UPDATE dossier_events SET payload = json_set(payload, '$.fee_due', 5000), "
                  "sync_state = 'to_send' WHERE seq = 2")
    desk.clock.advance(hours=1)
    DossierActions(desk).transfer(codes[0], "Công an xã")
    outcome = sync(desk, hub)
    assert outcome.status == "set_aside"
    assert [(e.seq, e.code) for e in outcome.set_aside] == [(2, codes[1])]
    assert "nội dung khác" in outcome.set_aside[0].reason.lower()
    assert states(desk, 1) == {"acknowledged": 3, "set_aside": 1}
    assert hub.count(1) == 4


def test_a_server_restored_from_an_old_backup_gets_the_lost_events_again(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 5)
    sync(desk, hub)
    hub.forget_after(1, 2)
    outcome = sync(desk, hub)
    assert (outcome.status, outcome.sent) == ("ok", 3)
    assert "3 sự kiện được gửi lại" in outcome.message
    assert [s.event.seq for s in hub.events] == [1, 2, 3, 4, 5]
    assert states(desk, 1) == {"acknowledged": 5}


def test_a_gap_is_answered_by_sending_again_from_the_servers_head(make_desk, hub):
    """The status said more than the server holds when the batch arrived: the 409 gap names its head."""
    desk = make_desk("a", desk=1)
    receive_many(desk, 4)
    execute(desk, "UPDATE dossier_events SET sync_state = 'acknowledged' WHERE seq <= 2")
    second = rows(desk, "SELECT hash FROM dossier_events WHERE seq = 2")[0][0]

    def stale_status(request: httpx.Request) -> httpx.Response:
        response = hub.handle(request)
        if request.url.path.endswith("/status"):
            body = response.json()
            body["desks"] = {"1": {"seq": 2, "hash": second}}
            return httpx.Response(200, json=body)
        return response

    outcome = run_sync(desk, transport=httpx.MockTransport(stale_status), sleep=Sleeps())
    assert (outcome.status, outcome.sent) == ("ok", 4)
    assert pushes(hub) == [(3, 4), (1, 4)]
    assert hub.count(1) == 4 and states(desk, 1) == {"acknowledged": 4}


def test_large_outboxes_go_in_runs_without_holes(make_desk, hub, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_EVENTS", 7)
    desk = make_desk("a", desk=1)
    receive_many(desk, 20)
    seen = []
    outcome = sync(desk, hub, progress=seen.append)
    assert (outcome.status, outcome.sent) == ("ok", 20)
    assert pushes(hub) == [(1, 7), (8, 14), (15, 20)]
    phases = [p.phase for p in seen]
    assert phases[0] == "connect" and phases[-1] == "done" and phases.count("push") == 3 and "pull" in phases
    assert [p.message for p in seen if p.phase == "push"] == [
        "Đang gửi 0/20 sự kiện…", "Đang gửi 7/20 sự kiện…", "Đang gửi 14/20 sự kiện…"]
    assert seen[-1].sent == 20 and seen[-1].to_send == 20


def test_pull_brings_the_other_desks_work_and_verifies(make_desk, hub, monkeypatch):
    monkeypatch.setattr(engine, "FEED_PAGE", 3)
    one, two = make_desk("one", desk=1), make_desk("two", desk=2)
    codes = receive_many(two, 5)
    sync(two, hub)
    receive_many(one, 1)
    feeds_before = sum(1 for r in hub.requests if r[1] == "/feed")
    outcome = sync(one, hub)
    assert (outcome.status, outcome.sent, outcome.received) == ("ok", 1, 5)
    assert [r[0] for r in rows(one, "SELECT code FROM dossiers WHERE desk = 2 ORDER BY code")] == codes
    assert sum(1 for r in hub.requests if r[1] == "/feed") - feeds_before == 2  # pages of 3 and 2
    assert_verifies(one)
    assert sync(one, hub).received == 0


def test_cancel_stops_between_steps_nothing_lost(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 3)
    cancel = threading.Event()
    cancel.set()
    outcome = sync(desk, hub, cancel=cancel)
    assert outcome.status == "cancelled" and states(desk, 1) == {"to_send": 3}
    assert_vietnamese(outcome.message)


def test_cancel_during_the_back_off(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 1)
    hub.fail_next = 100
    cancel = threading.Event()
    outcome = sync(desk, hub, cancel=cancel, sleep=lambda s: cancel.set())
    assert outcome.status == "cancelled" and len(hub.requests) == 1


def test_the_token_is_never_logged(make_desk, hub, caplog):
    caplog.set_level(logging.DEBUG)
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    hub.lose_answers = 1
    sync(desk, hub)
    sync(make_desk("b", desk=2, token="a-wrong-token-for-the-log-test"), hub)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "sync" in text
    assert TOKEN not in text and "a-wrong-token" not in text


def test_probe(hub):
    assert probe(URL, transport=hub.transport)
    hub.fail_next = 1
    assert not probe(URL, transport=hub.transport)
    assert not probe("")


def test_status_survives_a_restart(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    first = sync(desk, hub)
    hub.fail_next = 100
    sync(desk, hub)
    receive_many(desk, 1)
    desk.db.close()
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import open_desk

    reopened = ServiceContext(open_desk(desk.db.data_dir), desk.clock, "test")
    try:
        status = sync_status(reopened)
        assert (status.pending, status.last_outcome, status.last_success_at) == (1, "unreachable",
                                                                                 first.finished_at)
        assert "Không kết nối được" in status.last_message
    finally:
        reopened.db.close()
    assert_verifies(desk)


@pytest.mark.parametrize("status", ["ok", "set_aside", "unreachable", "refused", "not_configured"])
def test_exit_codes(status):
    outcome = SyncOutcome(status, 0, 0, (), (), "", None, None)  # type: ignore[arg-type]
    assert outcome.exit_code == {"ok": 0, "set_aside": 4, "unreachable": 3, "refused": 2, "not_configured": 2}[status]


@pytest.mark.parametrize("url", ["ftp://hub.test", "http://", "hub.test:8000"])
def test_a_malformed_address_is_refused_without_a_request(make_desk, hub, url):
    desk = make_desk("a", desk=1)
    outcome = sync(desk, hub, hub_url=url)
    assert (outcome.status, outcome.exit_code) == ("refused", 2)
    assert "không hợp lệ" in outcome.message and hub.requests == []


def test_an_unreadable_answer_is_retried(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 1)
    broken = [True]

    def garbled(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and broken:
            broken.clear()
            hub.handle(request)  # stored; the answer arrives as a corrupt gzip body
            return httpx.Response(200, content=b"\x1f\x8bnot gzip", headers={"Content-Encoding": "gzip"})
        return hub.handle(request)

    outcome = run_sync(desk, transport=httpx.MockTransport(garbled), sleep=Sleeps())
    assert (outcome.status, outcome.sent) == ("ok", 1) and hub.count(1) == 1


def test_too_large_a_batch_is_halved(make_desk, hub):
    desk = make_desk("a", desk=1)
    receive_many(desk, 9)

    def small_bodies(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and hub.batches is not None:
            import gzip

            from desk_app.sync.protocol import PushBatch

            if len(PushBatch.model_validate_json(gzip.decompress(request.content)).events) > 4:
                return httpx.Response(413, json={"detail": "Lô quá lớn."})
        return hub.handle(request)

    outcome = run_sync(desk, transport=httpx.MockTransport(small_bodies), sleep=Sleeps())
    assert (outcome.status, outcome.sent) == ("ok", 9)
    assert pushes(hub) == [(1, 4), (5, 8), (9, 9)]


def test_an_event_the_chain_cannot_take_blocks_only_what_follows_and_says_so(make_desk, hub):
    """A link the server refuses at its head (chain break) is set aside; the events after it wait, and the run says
    why instead of trying for ever."""
    desk = make_desk("a", desk=1)
    receive_many(desk, 3)
    execute(desk, "UPDATE dossier_events SET prev_hash = ? WHERE seq = 2", ("1" * 64,))
    outcome = sync(desk, hub)
    assert outcome.status == "set_aside" and [e.seq for e in outcome.set_aside] == [2]
    assert states(desk, 1) == {"acknowledged": 1, "set_aside": 1, "sent": 1}
    assert any("Còn 1 sự kiện" in c for c in outcome.conflicts)
    assert pushes(hub) == [(1, 3), (1, 1)]  # the refused batch stored nothing: what came before it goes again
    assert hub.count(1) == 1
    again = sync(desk, hub)  # the next run tries the link once more, and stops there again
    assert again.status == "set_aside" and pushes(hub)[2:] == [(2, 3)] and hub.count(1) == 1


@pytest.mark.parametrize(("retry_after", "waited"), [("7", 7.0), ("3600", engine.MAX_RETRY_AFTER), (None, 1.0)])
def test_a_busy_server_is_waited_out_as_it_asks_within_a_minute_and_nothing_is_refused(make_desk, hub, retry_after,
                                                                                       waited):
    desk = make_desk("a", desk=1)
    receive_many(desk, 2)
    answered_busy: list[str] = []

    def busy_once(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events") and not answered_busy:
            answered_busy.append(request.url.path)
            headers = {"Retry-After": retry_after} if retry_after else {}
            return httpx.Response(429, json={"detail": "Quá nhiều yêu cầu; gửi lại sau."}, headers=headers)
        return hub.handle(request)

    sleeps = Sleeps()
    outcome = run_sync(desk, transport=httpx.MockTransport(busy_once), sleep=sleeps)
    assert (outcome.status, outcome.sent) == ("ok", 2)
    assert sleeps == [waited]
