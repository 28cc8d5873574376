"""The push pipeline: the desk builds the next batch while the server stores one, and nothing it built ahead is
marked, sent or lost when the answer changes the plan (a refusal, a dropped network)."""

from __future__ import annotations

import threading

import httpx
import pytest

from desk_app.sync import engine
from desk_app.sync.engine import SyncOutcome, run_sync
from desk_app.sync.protocol import API_PREFIX, Refusal, Rejected
from tests.sync._support import assert_verifies, receive_many, rows, states
from tests.sync.fake_hub import FakeHub, _json


def sync(ctx, transport: httpx.BaseTransport) -> SyncOutcome:
    return run_sync(ctx, transport=transport, sleep=lambda _seconds: None)


def state_of(ctx, first: int, last: int) -> set[str]:
    return {r[0] for r in rows(ctx, "SELECT sync_state FROM dossier_events WHERE desk = 1 AND seq BETWEEN ? AND ?",
                               (first, last))}


def pushes(hub: FakeHub) -> list[tuple[int, int]]:
    return [(b.events[0].seq, b.events[-1].seq) for b in hub.batches]


def is_push(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == f"{API_PREFIX}/events"


@pytest.fixture
def desk(make_desk, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_EVENTS", 5)
    ctx = make_desk("a", desk=1)
    receive_many(ctx, 15)
    return ctx


def test_the_next_batch_is_built_while_the_server_stores_the_one_before(desk, hub, monkeypatch):
    built_after: list[int] = []
    second_built = threading.Event()
    real_next_batch = engine.next_batch

    def spying_next_batch(session, desk_no, server_seq, limit, *, after=None):
        batch = real_next_batch(session, desk_no, server_seq, limit, after=after)
        if after is not None:
            built_after.append(after)
            second_built.set()
        return batch

    monkeypatch.setattr(engine, "next_batch", spying_next_batch)
    seen_while_storing: list[tuple[bool, set[str]]] = []

    def slow_server(request: httpx.Request) -> httpx.Response:
        if is_push(request) and not seen_while_storing:
            # The first batch is "being stored": the desk must meanwhile build the next one, and leave it unmarked.
            seen_while_storing.append((second_built.wait(timeout=10), state_of(desk, 6, 10)))
        return hub.handle(request)

    outcome = sync(desk, httpx.MockTransport(slow_server))
    assert (outcome.status, outcome.sent) == ("ok", 15)
    assert seen_while_storing == [(True, {"to_send"})]
    assert built_after[:2] == [5, 10]
    assert pushes(hub) == [(1, 5), (6, 10), (11, 15)]  # each built ahead, sent once, in order
    assert states(desk, 1) == {"acknowledged": 15} and hub.count(1) == 15
    assert_verifies(desk)


def test_a_refused_link_drops_the_batch_built_after_it(desk, hub):
    def refuse_the_second_batch(request: httpx.Request) -> httpx.Response:
        if is_push(request) and len(hub.batches) == 1:
            event = hub.batches[0].events[-1]  # the server holds 1–5; event 6 does not continue its chain
            uuid6 = rows(desk, "SELECT uuid FROM dossier_events WHERE desk = 1 AND seq = 6")[0][0]
            hub.batches.append(None)  # type: ignore[arg-type]  # counted, not stored
            return _json(409, Refusal(code="chain_break", reason="Sự kiện không nối tiếp chuỗi của bàn.",
                                      last_seq=event.seq, last_hash=event.hash,
                                      events=[Rejected(uuid=uuid6, seq=6, reason="Không nối tiếp chuỗi sự kiện.")]))
        return hub.handle(request)

    outcome = sync(desk, httpx.MockTransport(refuse_the_second_batch))
    hub.batches = [b for b in hub.batches if b is not None]
    assert outcome.status == "set_aside" and outcome.sent == 5 and outcome.waiting == 9
    assert pushes(hub) == [(1, 5)] and len([r for r in hub.requests if r[0] == "POST"]) == 1
    # 6 set aside; 7–10 went with the refused request; 11–15 were built ahead, never sent and never marked.
    assert [state_of(desk, *span) for span in ((1, 5), (6, 6), (7, 10), (11, 15))] == [
        {"acknowledged"}, {"set_aside"}, {"sent"}, {"to_send"}]
    assert len(outcome.conflicts) == 1  # the chain stalled once, said once


def test_a_network_lost_mid_run_leaves_the_batch_built_ahead_waiting(desk, hub):
    def drop_after_the_first_batch(request: httpx.Request) -> httpx.Response:
        if is_push(request) and hub.batches:
            hub.fail_next = 100
        return hub.handle(request)

    outcome = sync(desk, httpx.MockTransport(drop_after_the_first_batch))
    assert (outcome.status, outcome.sent, outcome.waiting) == ("unreachable", 5, 10)
    assert [state_of(desk, *span) for span in ((1, 5), (6, 10), (11, 15))] == [
        {"acknowledged"}, {"sent"}, {"to_send"}]
    hub.fail_next = 0
    again = sync(desk, hub.transport)  # the next run sends the rest once, in order
    assert (again.status, again.sent) == ("ok", 10)
    assert pushes(hub) == [(1, 5), (6, 10), (11, 15)]
    assert states(desk, 1) == {"acknowledged": 15} and hub.count(1) == 15
    assert_verifies(desk)


def test_a_gap_answer_drops_the_batch_built_ahead_and_sends_again_from_the_servers_head(desk, hub):
    def forget_before_the_second_batch(request: httpx.Request) -> httpx.Response:
        if is_push(request) and len(hub.batches) == 1:
            hub.forget_after(1, 0)  # restored from a backup taken before the first batch: it answers "gap"
        return hub.handle(request)

    outcome = sync(desk, httpx.MockTransport(forget_before_the_second_batch))
    assert (outcome.status, outcome.waiting) == ("ok", 0)
    assert pushes(hub) == [(1, 5), (6, 10), (1, 5), (6, 10), (11, 15)]  # 11–15, built ahead of the gap, went last
    assert states(desk, 1) == {"acknowledged": 15} and hub.count(1) == 15


def test_too_large_halves_the_batch_and_drops_the_one_built_ahead(desk, hub):
    too_large: list[httpx.Request] = []

    def small_server(request: httpx.Request) -> httpx.Response:
        if is_push(request) and not too_large:
            too_large.append(request)
            return httpx.Response(413, json={"detail": "Gói dữ liệu quá lớn."})
        return hub.handle(request)

    outcome = sync(desk, httpx.MockTransport(small_server))
    assert (outcome.status, outcome.sent) == ("ok", 15)
    assert [b - a + 1 for a, b in pushes(hub)] == [2] * 7 + [1]  # halved from 5, never the batch built ahead
    assert pushes(hub)[0] == (1, 2) and states(desk, 1) == {"acknowledged": 15}


def test_ctrl_c_during_a_request_stops_at_once_and_leaves_no_builder_running(desk, hub):
    def interrupted(request: httpx.Request) -> httpx.Response:
        if is_push(request):
            raise KeyboardInterrupt
        return hub.handle(request)

    with pytest.raises(KeyboardInterrupt):
        sync(desk, httpx.MockTransport(interrupted))
    assert not [t for t in threading.enumerate() if t.name.startswith("sync-build")]
    assert [state_of(desk, *span) for span in ((1, 5), (6, 15))] == [{"sent"}, {"to_send"}]
    again = sync(desk, hub.transport)  # nothing lost: the next run sends everything once
    assert (again.status, again.sent) == ("ok", 15) and hub.count(1) == 15
