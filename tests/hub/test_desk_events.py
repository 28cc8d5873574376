"""The server takes the events a real desk records (services.intake, services.actions) as they are: every hash
checks, nothing is rejected, the projection agrees with the desk's own."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from desk_app.domain.chain import canonical_json, event_hash
from desk_app.services.actions import DossierActions
from desk_app.services.clock import FixedClock as DeskClock
from desk_app.services.context import ServiceContext
from desk_app.store.db import Database
from district_hub.db import HubDatabase
from district_hub.decisions import decide
from district_hub.schema import dossiers
from tests.hub.support import AGENCY, auth
from tests.services._support import receive_one, set_settings


def wire_events(db: Database) -> list[dict[str, Any]]:
    """The desk's chain as the protocol carries it (straight from the file, times as stored text)."""
    with closing(sqlite3.connect(db.path)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT uuid, desk, seq, dossier_code, kind, at, recorded_at, actor, payload, prev_hash, "
                            "hash FROM dossier_events ORDER BY desk, seq").fetchall()
    return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]


def test_a_real_desks_chain_is_taken_whole(ctx: ServiceContext, db: Database, clock: DeskClock,
                                           client: TestClient, token: str, hub_db: HubDatabase) -> None:
    set_settings(db, upper_level_name="UBND tỉnh Đồng Tháp")
    actions = DossierActions(ctx)
    plain = receive_one(ctx)
    upward = receive_one(ctx, procedure="XA.BHXH.01")
    clock.advance(minutes=30)
    actions.transfer(upward.code, upper=True)
    actions.result_ready(plain.code)
    actions.return_result(plain.code, rating=3)
    events = wire_events(db)
    answer = client.post("/api/v1/events", json={"commune": AGENCY, "desk": 0, "events": events},
                         headers=auth(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == len(events) == 5 and answer.json()["rejected"] == []
    with hub_db.read() as conn:
        view = {r.code: r for r in conn.execute(select(dossiers))}
    assert view[plain.code].status == "returned" and view[upward.code].status == "in_progress"
    assert view[upward.code].transferred_upward and view[plain.code].lookup_key == plain.lookup_key
    # The upper level decides; the event it writes verifies with the desk's own hash function.
    decide(hub_db, upward.code, "supplement", items=["Giấy chứng sinh"])
    feed = client.get("/api/v1/feed", params={"desk": 0}, headers=auth(token)).json()
    [decision] = [e["event"] for e in feed["events"]]
    body = {k: v for k, v in decision.items() if k not in ("hash", "payload")}
    assert event_hash(**body, payload_json=canonical_json(decision["payload"])) == decision["hash"]
    assert decision["payload"]["upper"] is True and decision["payload"]["items"] == ["Giấy chứng sinh"]
