"""The store's building blocks: times kept as Vietnamese local text, the per-desk hash chain, counters."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing

import pytest

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.store.counters import code_counter, last_value, ledger_counter, store_value
from desk_app.store.events import GENESIS_HASH, canonical_json, chain_head, hash_of_row, latest_recorded_at
from desk_app.store.models import VN_TZ, DossierEvent, VNDateTime, to_db_time
from tests.conftest import vn


def test_times_are_stored_as_vietnamese_local_text():
    column = VNDateTime()
    assert column.process_bind_param(vn("2026-03-02 09:15"), None) == "2026-03-02 09:15:00"
    utc = dt.datetime(2026, 3, 2, 2, 15, tzinfo=dt.timezone.utc)
    assert column.process_bind_param(utc, None) == "2026-03-02 09:15:00"
    assert to_db_time(utc) == "2026-03-02 09:15:00"
    back = column.process_result_value("2026-03-02 09:15:00", None)
    assert back == vn("2026-03-02 09:15") and back.tzinfo == VN_TZ
    assert column.process_bind_param(None, None) is None and column.process_result_value(None, None) is None


def test_naive_times_are_refused_by_the_store():
    with pytest.raises(ValueError, match="naive"):
        VNDateTime().process_bind_param(dt.datetime(2026, 3, 2, 9, 15), None)


def test_canonical_json_is_stable_and_keeps_vietnamese():
    assert canonical_json({"b": 1, "a": "Đức"}) == '{"a":"Đức","b":1}'


def test_empty_chain_starts_at_genesis(db):
    with db.session() as session:
        assert chain_head(session, 0) == (0, GENESIS_HASH)
        assert chain_head(session, 7) == (0, GENESIS_HASH)
        assert latest_recorded_at(session, 0) is None


def test_chain_head_and_hash_of_stored_events(db):
    clock = FixedClock(vn("2026-03-02 09:00"))
    ctx = ServiceContext(db, clock, "test:clerk")
    receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Nguyễn Văn Đức"}))
    clock.advance(minutes=1)
    receive(ctx, ReceiveRequest("XA.HT.01", {"name": "Trần Thị Hoa"}))
    with db.session() as session:
        stored = session.query(DossierEvent).order_by(DossierEvent.seq).all()
        assert [hash_of_row(e) for e in stored] == [e.hash for e in stored]
        assert chain_head(session, 0) == (2, stored[-1].hash)
        assert latest_recorded_at(session, 0) == vn("2026-03-02 09:01")


def test_counters_round_trip(db):
    assert code_counter(1, "260302") == "code:1:260302"
    assert ledger_counter(0, 2026) == "ledger:0:2026"
    with db.session() as session, session.begin():
        assert last_value(session, "code:1:260302") is None
        store_value(session, "code:1:260302", 1001)
        session.flush()
        store_value(session, "code:1:260302", 1002)
    with closing(sqlite3.connect(db.path)) as conn:
        assert conn.execute("SELECT name, value FROM counters").fetchall() == [("code:1:260302", 1002)]
