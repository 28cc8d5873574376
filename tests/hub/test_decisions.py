"""The upper level's decisions (district_hub.decisions): only on dossiers transferred upward and when the lifecycle
allows; a chained desk-99 event the desks pull; the projection updated at once."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from desk_app.domain.chain import GENESIS_HASH, canonical_json, event_hash
from desk_app.domain.errors import NotFoundError, TransitionError, ValidationError
from desk_app.domain.merge import UPPER_LEVEL_DESK
from district_hub.db import HubDatabase
from district_hub.decisions import decide
from district_hub.publishing import publish
from district_hub.schema import dossiers, events
from tests.hub.support import Chain, FixedClock, auth, batch, code


def _push(client: TestClient, token: str, chain: Chain) -> None:
    assert client.post("/api/v1/events", json=batch(chain.events), headers=auth(token)).status_code == 200


def _transferred(client: TestClient, token: str, *, upper: bool = True, n: int = 1) -> Chain:
    chain = Chain(desk=n)  # one desk per dossier here: each chain starts at the genesis
    chain.receive(code(n), inter_level=True)
    chain.event(code(n), "transferred", "2026-03-02 10:00:00", {"to": "UBND tỉnh", "upper": upper,
                                                                "component": None})
    _push(client, token, chain)
    return chain


def _row(db: HubDatabase, dossier: str) -> object:
    with db.read() as conn:
        return conn.execute(select(dossiers).where(dossiers.c.code == dossier)).one()


def test_a_result_decision_is_a_chained_upper_level_event_the_desks_pull(
        client: TestClient, token: str, hub_db: HubDatabase, hub_clock: FixedClock) -> None:
    _transferred(client, token)
    outcome = decide(hub_db, code(1), "result", officer="Lê Văn Tám", clock=hub_clock)
    assert outcome.seq == 1 and "Đã ghi quyết định" in outcome.message
    assert _row(hub_db, code(1)).status == "result_ready"  # type: ignore[attr-defined]
    feed = client.get("/api/v1/feed", params={"desk": 1}, headers=auth(token)).json()  # desk 1 sent the dossier
    [decision] = [e["event"] for e in feed["events"]]
    assert decision["desk"] == UPPER_LEVEL_DESK and decision["kind"] == "result_ready"
    assert decision["payload"] == {"component": None, "upper": True}
    assert decision["actor"] == "cấp trên: Lê Văn Tám" and decision["at"] == "2026-03-02 17:00:00"
    assert decision["prev_hash"] == GENESIS_HASH
    body = {k: v for k, v in decision.items() if k not in ("hash", "payload")}
    assert decision["hash"] == event_hash(**body, payload_json=canonical_json(decision["payload"]))
    status = client.get("/api/v1/status", headers=auth(token)).json()
    assert status["desks"][str(UPPER_LEVEL_DESK)] == {"seq": 1, "hash": decision["hash"]}


def test_a_supplement_decision_carries_items_reason_and_whether_the_deadline_moves(
        client: TestClient, token: str, hub_db: HubDatabase, hub_clock: FixedClock) -> None:
    _transferred(client, token, n=1)
    _transferred(client, token, n=2)
    decide(hub_db, code(1), "supplement", items=["  Bản sao   giấy khai sinh "], reason="Thiếu giấy tờ", clock=hub_clock)
    hub_clock.set("2026-03-20 09:00:00")  # past 3 working days from the receipt: the deadline no longer moves
    decide(hub_db, code(2), "supplement", items=["Tờ khai"], clock=hub_clock)
    with hub_db.read() as conn:
        rows = conn.execute(select(events).where(events.c.desk == UPPER_LEVEL_DESK).order_by(events.c.seq)).all()
    first, second = (json.loads(r.payload) for r in rows)
    assert first == {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ", "moves_deadline": True,
                     "upper": True}
    assert second["moves_deadline"] is False and second["reason"] is None
    assert [r.seq for r in rows] == [1, 2] and rows[1].prev_hash == rows[0].hash
    assert rows[0].actor == "cấp trên: dòng lệnh"
    assert _row(hub_db, code(1)).status == "supplement_requested"  # type: ignore[attr-defined]
    assert _row(hub_db, code(1)).supplement_count == 1  # type: ignore[attr-defined]


def test_the_published_holidays_count_for_the_three_working_days(
        client: TestClient, token: str, hub_db: HubDatabase, hub_clock: FixedClock) -> None:
    _transferred(client, token)  # counted from Monday 02/03/2026 09:00
    publish(hub_db, "holidays", {"years": {"2026": {"off": [
        {"from": "2026-03-03", "to": "2026-03-05", "name": "Nghỉ thử", "occasions": ["new_year"]}],
        "makeup_working": []}}})
    hub_clock.set("2026-03-09 09:00:00")  # without the days off this is the 5th working day; with them, the 2nd
    decide(hub_db, code(1), "supplement", items=["Tờ khai"], clock=hub_clock)
    with hub_db.read() as conn:
        payload = json.loads(conn.scalar(select(events.c.payload).where(events.c.desk == UPPER_LEVEL_DESK)))
    assert payload["moves_deadline"] is True


def test_refusals_are_clear(client: TestClient, token: str, hub_db: HubDatabase, hub_clock: FixedClock) -> None:
    with pytest.raises(NotFoundError, match="không có hồ sơ mã"):
        decide(hub_db, code(5), "result", clock=hub_clock)
    with pytest.raises(ValidationError, match="không đúng dạng"):
        decide(hub_db, "abc", "result", clock=hub_clock)
    _transferred(client, token, upper=False, n=1)
    with pytest.raises(TransitionError, match="chưa được xã chuyển lên cấp trên"):
        decide(hub_db, code(1), "result", clock=hub_clock)
    _transferred(client, token, n=2)
    with pytest.raises(ValidationError, match="giấy tờ phải bổ sung"):
        decide(hub_db, code(2), "supplement", items=["  "], clock=hub_clock)
    decide(hub_db, code(2), "result", clock=hub_clock)
    with pytest.raises(TransitionError, match="Không thể"):
        decide(hub_db, code(2), "supplement", items=["Tờ khai"], clock=hub_clock)
    with hub_db.read() as conn:
        assert len(conn.execute(select(events.c.id).where(events.c.desk == UPPER_LEVEL_DESK)).all()) == 1


def test_a_decision_is_never_dated_before_the_dossiers_last_event(
        client: TestClient, token: str, hub_db: HubDatabase, hub_clock: FixedClock) -> None:
    chain = _transferred(client, token)
    chain.event(code(1), "corrected", "2026-03-02 18:30:00", {"field": "phone", "old": "1", "new": "2"})
    _push(client, token, chain)
    outcome = decide(hub_db, code(1), "result", clock=hub_clock)  # the clock says 17:00
    assert outcome.at == "2026-03-02 18:30:00"
