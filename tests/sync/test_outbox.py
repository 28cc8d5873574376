"""The outbox's states: to_send → sent (before the request) → acknowledged (the server's answer) or set aside."""

from __future__ import annotations

import pytest

from desk_app.store.events import SyncState
from desk_app.sync import outbox
from desk_app.sync.protocol import PushResult, Rejected
from tests.sync._support import execute, receive_many, rows, states


@pytest.fixture
def desk(make_desk):
    ctx = make_desk("a", desk=1)
    receive_many(ctx, 6)
    return ctx


def write(ctx):
    return ctx.db.write_session()


def batch_of(ctx, server_seq=0, limit=100):
    with ctx.read() as session:
        return outbox.next_batch(session, 1, server_seq, limit)


def uuid_of(ctx, seq):
    return rows(ctx, "SELECT uuid FROM dossier_events WHERE desk = 1 AND seq = ?", (seq,))[0][0]


def result(batch, last_seq, rejected=()):
    return PushResult(desk=1, last_seq=last_seq, last_hash="0" * 64, accepted=len(batch), duplicates=0,
                      rejected=list(rejected))


def test_new_events_wait_and_go_in_sequence_order(desk):
    assert states(desk, 1) == {"to_send": 6}
    batch = batch_of(desk, limit=4)
    assert [e.seq for e in batch.events] == [1, 2, 3, 4]
    with desk.read() as session:
        assert outbox.pending_count(session, 1) == 6


def test_sent_before_the_request_acknowledged_only_by_the_answer(desk):
    batch = batch_of(desk, limit=4)
    with write(desk) as session, session.begin():
        outbox.mark_sent(session, 1, batch)
    assert states(desk, 1) == {"sent": 4, "to_send": 2}
    with desk.read() as session:
        assert outbox.pending_count(session, 1) == 6  # sent is still waiting for the acknowledgement
    with write(desk) as session, session.begin():
        done, aside = outbox.acknowledge(session, 1, batch, result(batch, last_seq=3))
    assert (done, aside) == (3, [])
    assert states(desk, 1) == {"acknowledged": 3, "sent": 1, "to_send": 2}  # seq 4 not covered by last_seq


def test_a_refused_event_is_set_aside_with_the_reason_and_the_rest_acknowledged(desk):
    batch = batch_of(desk)
    refused = Rejected(uuid=uuid_of(desk, 3), seq=3, reason="Hồ sơ mang mã cơ quan của xã khác.")
    with write(desk) as session, session.begin():
        outbox.mark_sent(session, 1, batch)
        done, aside = outbox.acknowledge(session, 1, batch, result(batch, 6, [refused]))
    assert (done, aside) == (5, [3])
    found = rows(desk, "SELECT seq, sync_state, sync_reason FROM dossier_events WHERE desk = 1 ORDER BY seq")
    assert [(r[0], r[1]) for r in found] == [(1, "acknowledged"), (2, "acknowledged"), (3, "set_aside"),
                                             (4, "acknowledged"), (5, "acknowledged"), (6, "acknowledged")]
    assert found[2][2] == "Hồ sơ mang mã cơ quan của xã khác."
    with desk.read() as session:
        assert outbox.pending_count(session, 1) == 0
        assert outbox.set_aside_count(session, 1) == 1
        listed = outbox.set_aside_events(session, 1)
    assert [(e.seq, e.kind, e.reason) for e in listed] == [(3, "received", "Hồ sơ mang mã cơ quan của xã khác.")]
    assert batch_of(desk, server_seq=6) is None  # never sent again: nothing waits, the server holds the link


def test_an_event_waiting_again_below_the_servers_head_goes_alone(desk):
    execute(desk, "UPDATE dossier_events SET sync_state = 'acknowledged'")
    execute(desk, "UPDATE dossier_events SET sync_state = 'to_send' WHERE seq IN (2, 3, 5)")
    assert [e.seq for e in batch_of(desk, server_seq=6).events] == [2, 3]  # a run without holes
    execute(desk, "UPDATE dossier_events SET sync_state = 'acknowledged' WHERE seq IN (2, 3)")
    assert [e.seq for e in batch_of(desk, server_seq=6).events] == [5]


def test_above_the_servers_head_set_aside_events_go_as_links(desk):
    execute(desk, "UPDATE dossier_events SET sync_state = 'acknowledged' WHERE seq <= 2")
    execute(desk, "UPDATE dossier_events SET sync_state = 'set_aside', sync_reason = 'x' WHERE seq = 3")
    assert [e.seq for e in batch_of(desk, server_seq=2).events] == [3, 4, 5, 6]
    # the server holds the link: the set-aside event is skipped
    assert [e.seq for e in batch_of(desk, server_seq=3).events] == [4, 5, 6]


def test_a_server_behind_what_we_took_as_acknowledged_gets_them_again(desk):
    execute(desk, "UPDATE dossier_events SET sync_state = 'acknowledged'")
    with write(desk) as session, session.begin():
        assert outbox.acknowledged_beyond(session, 1, 4) == 2
        assert outbox.requeue_beyond(session, 1, 4) == 2
    assert states(desk, 1) == {"acknowledged": 4, "to_send": 2}
    assert [e.seq for e in batch_of(desk, server_seq=4).events] == [5, 6]


def test_events_of_other_desks_are_never_in_a_batch(desk):
    execute(desk, "UPDATE dossier_events SET sync_state = 'acknowledged'")
    execute(desk, "UPDATE dossier_events SET sync_state = ? WHERE seq = 6", (SyncState.FROM_HUB.value,))
    assert batch_of(desk, server_seq=5) is None


def test_the_batch_after_one_still_on_its_way_starts_after_it(desk):
    first = batch_of(desk, limit=3)
    with write(desk) as session, session.begin():
        outbox.mark_sent(session, 1, first)  # 1–3 on their way, not yet acknowledged
    with desk.read() as session:
        assert outbox.next_batch(session, 1, 0, 100).first == 1  # from the server's head
        ahead = outbox.next_batch(session, 1, 0, 2, after=first.last)
        assert [e.seq for e in ahead.events] == [4, 5]
        assert outbox.next_batch(session, 1, 0, 100, after=6) is None  # nothing after the chain's end
