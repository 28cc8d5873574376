"""An event row on the wire and back: the same text, the same hash, verified independently."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk_app.services.actions import DossierActions
from desk_app.store.events import hash_of_row
from desk_app.store.models import DossierEvent
from desk_app.sync.outbox import next_batch
from desk_app.sync.protocol import WireEvent
from desk_app.sync.wire import computed_hash, hash_verifies, row_values, to_wire
from tests.services._support import independent_hash
from tests.sync._support import receive_many, rows


@pytest.fixture
def desk(make_desk):
    ctx = make_desk("a", desk=1)
    code = receive_many(ctx, 1)[0]
    ctx.clock.advance(hours=1)
    DossierActions(ctx).correct(code, "name", "Nguyễn Văn Ân")
    DossierActions(ctx).request_supplement(code, ["Bản sao giấy khai sinh có chứng thực"], "Thiếu bản sao")
    return ctx


def test_to_wire_keeps_the_stored_text_and_the_hash_verifies(desk):
    raw = rows(desk, "SELECT * FROM dossier_events ORDER BY seq")
    with desk.read() as session:
        events = [to_wire(e) for e in session.scalars(select(DossierEvent).order_by(DossierEvent.seq))]
    assert len(events) == 3
    for event, row in zip(events, raw, strict=True):
        assert (event.at, event.recorded_at) == (row["at"], row["recorded_at"])
        assert event.hash == row["hash"] == independent_hash(row)
        assert hash_verifies(event)
        assert computed_hash(event) == event.hash
    assert events[1].prev_hash == events[0].hash


def test_the_outbox_read_gives_the_same_wire_events(desk):
    with desk.read() as session:
        orm = [to_wire(e) for e in session.scalars(select(DossierEvent).order_by(DossierEvent.seq))]
        batch = next_batch(session, 1, 0, 100)
    assert batch is not None and list(batch.events) == orm


def test_wire_json_round_trip_and_back_to_a_row(desk):
    with desk.read() as session:
        row = session.scalars(select(DossierEvent).order_by(DossierEvent.seq)).first()
        event = to_wire(row)
    again = WireEvent.model_validate_json(event.model_dump_json())
    assert again == event and hash_verifies(again)
    copy = DossierEvent(**row_values(again, dossier_id=1, sync_state="from_hub"))
    assert hash_of_row(copy) == event.hash
    assert to_wire(copy) == event


def test_an_altered_event_no_longer_verifies(desk):
    with desk.read() as session:
        event = to_wire(session.scalars(select(DossierEvent).order_by(DossierEvent.seq)).first())
    altered = event.model_copy(update={"payload": {**event.payload, "fee_due": 999}})
    assert not hash_verifies(altered)
    assert not hash_verifies(event.model_copy(update={"at": "2026-03-02 09:00:01"}))
    assert not hash_verifies(event.model_copy(update={"seq": 2}))
