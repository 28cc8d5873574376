"""POST /api/v1/events: idempotency by UUID, the chain checks and their 409s, content rejections, the projection."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from desk_app.domain.chain import GENESIS_HASH
from district_hub.db import HubDatabase
from district_hub.schema import dossiers, events
from tests.hub.support import AGENCY, OTHER_AGENCY, Chain, auth, batch, code, rehash

PUSH = "/api/v1/events"


def push(client: TestClient, token: str, events_: list[dict[str, Any]], **kw: Any) -> Any:
    return client.post(PUSH, json=batch(events_, **kw), headers=auth(token))


def stored(db: HubDatabase) -> list[Any]:
    with db.read() as conn:
        return conn.execute(select(events).order_by(events.c.id)).all()


def projection(db: HubDatabase) -> dict[str, Any]:
    with db.read() as conn:
        return {r.code: r for r in conn.execute(select(dossiers))}


def test_a_batch_is_stored_acknowledged_and_projected(client: TestClient, token: str, hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1))
    chain.receive(code(2), at="2026-03-02 10:00:00", key="XYZW2345")
    chain.event(code(1), "result_ready", "2026-03-03 08:00:00", {"component": None})
    answer = push(client, token, chain.events)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"desk": 0, "last_seq": 3, "last_hash": chain.head, "accepted": 3, "duplicates": 0,
                             "rejected": []}
    rows = stored(hub_db)
    assert [(r.desk, r.seq, r.kind) for r in rows] == [(0, 1, "received"), (0, 2, "received"), (0, 3, "result_ready")]
    assert rows[0].hash == chain.events[0]["hash"] and rows[0].at == "2026-03-02 09:00:00"
    view = projection(hub_db)
    assert view[code(1)].status == "result_ready" and view[code(1)].timeliness == "early"
    assert view[code(1)].received_at == "2026-03-02 09:00:00" and view[code(1)].due_at == "2026-03-05 09:00:00"
    assert view[code(2)].status == "received" and view[code(2)].lookup_key == "XYZW2345"


def test_the_same_batch_twice_is_acknowledged_without_a_second_row(client: TestClient, token: str,
                                                                   hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1))
    chain.event(code(1), "transferred", "2026-03-02 10:00:00", {"to": "Phòng Tư pháp", "upper": True,
                                                                "component": None})
    assert push(client, token, chain.events).json()["accepted"] == 2
    again = push(client, token, chain.events)
    assert again.status_code == 200
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 2 and again.json()["last_seq"] == 2
    # A resend that overlaps: the known prefix is acknowledged, the rest appended.
    chain.event(code(1), "result_ready", "2026-03-03 10:00:00", {"component": None})
    overlap = push(client, token, chain.events[1:])
    assert overlap.json()["duplicates"] == 1 and overlap.json()["accepted"] == 1 and overlap.json()["last_seq"] == 3
    assert len(stored(hub_db)) == 3


def test_a_known_uuid_with_another_content_is_a_uuid_conflict_and_nothing_is_stored(
        client: TestClient, token: str, hub_db: HubDatabase) -> None:
    chain = Chain()
    first = chain.receive(code(1))
    push(client, token, chain.events)
    altered = {**first, "payload": {**first["payload"], "fee_due": 50000}}  # hash left as it was
    answer = push(client, token, [altered])
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "uuid_conflict" and body["last_seq"] == 1 and "nội dung khác" in body["reason"]
    assert [e["uuid"] for e in body["events"]] == [first["uuid"]]
    # Even re-hashed consistently, the content is not what the server holds.
    assert push(client, token, [rehash(altered)]).json()["code"] == "uuid_conflict"
    assert len(stored(hub_db)) == 1 and json.loads(stored(hub_db)[0].payload)["fee_due"] == 0


def test_a_refused_batch_stores_nothing_of_its_good_events(client: TestClient, token: str,
                                                           hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1))
    push(client, token, chain.events)
    chain.receive(code(2))
    bad = chain.receive(code(3))
    forged = {**bad, "payload": {**bad["payload"], "lookup_key": "ZZZZ2345"}}  # hash no longer matches
    answer = push(client, token, [chain.events[1], forged])
    assert answer.status_code == 409 and answer.json()["code"] == "chain_break"
    assert "không khớp nội dung" in answer.json()["reason"]
    assert answer.json()["events"][0]["seq"] == 3
    assert len(stored(hub_db)) == 1


def test_a_break_in_the_chain_is_refused_with_the_servers_head(client: TestClient, token: str,
                                                               hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1))
    push(client, token, chain.events)
    stranger = Chain(seq=1, head="f" * 64)  # a second chain claiming seq 2 after another head
    stranger.receive(code(2))
    answer = push(client, token, stranger.events)
    assert answer.status_code == 409
    assert answer.json()["code"] == "chain_break" and answer.json()["last_seq"] == 1
    assert answer.json()["last_hash"] == chain.head
    # The same position taken by another event (a desk restored from an old backup re-issues seq 1).
    restored = Chain()
    restored.receive(code(5))
    taken = push(client, token, restored.events)
    assert taken.status_code == 409 and taken.json()["code"] == "chain_break"
    assert "số 1" in taken.json()["reason"]
    assert len(stored(hub_db)) == 1


def test_a_gap_names_the_last_sequence_number_held(client: TestClient, token: str, hub_db: HubDatabase) -> None:
    chain = Chain()
    for n in range(1, 6):
        chain.receive(code(n))
    assert push(client, token, chain.events[:2]).json()["last_seq"] == 2
    answer = push(client, token, chain.events[3:])
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "gap" and body["last_seq"] == 2 and body["last_hash"] == chain.events[1]["hash"]
    assert "gửi lại từ số 3" in body["reason"]
    resent = push(client, token, chain.events[2:])
    assert resent.status_code == 200 and resent.json()["last_seq"] == 5


def test_a_first_push_must_start_at_the_genesis(client: TestClient, token: str) -> None:
    chain = Chain()
    chain.receive(code(1))
    chain.receive(code(2))
    answer = push(client, token, chain.events[1:])
    assert answer.json()["code"] == "gap" and answer.json()["last_seq"] == 0
    assert answer.json()["last_hash"] == GENESIS_HASH


def test_events_the_server_will_not_apply_are_stored_as_links_and_never_block_the_rest(
        client: TestClient, token: str, hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1, agency=OTHER_AGENCY))  # another commune's code
    chain.event(code(9), "result_ready", "2026-03-02 10:00:00", {"component": None})  # unknown dossier
    chain.event(code(1), "received", "2026-03-02 10:00:00", {"procedure": "x"})  # receipt without what is needed
    chain.receive(code(2), at="2026-03-02 11:00:00")
    chain.receive(code(2), at="2026-03-02 11:30:00")  # the same code received twice
    chain.event(code(2), "returned", "2026-03-02 12:00:00", {"method": "desk"})  # lifecycle conflict: applied leniently
    answer = push(client, token, chain.events)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["accepted"] == 2 and body["last_seq"] == 6
    reasons = {r["seq"]: r["reason"] for r in body["rejected"]}
    assert set(reasons) == {1, 2, 3, 5}
    assert OTHER_AGENCY in reasons[1] and "chưa có hồ sơ" in reasons[2] and "thiếu mục" in reasons[3]
    assert "tiếp nhận khác" in reasons[5]
    rows = stored(hub_db)
    assert len(rows) == 6 and [r.rejected_reason is not None for r in rows] == [True, True, True, False, True, False]
    view = projection(hub_db)
    assert set(view) == {code(2)}
    assert view[code(2)].status == "received"
    conflicts = json.loads(view[code(2)].conflicts)
    assert [c["seq"] for c in conflicts] == [6] and "Đã tiếp nhận" in conflicts[0]["reason"]
    # Sent again, the rejected links are acknowledged as duplicates and listed again with their reasons.
    again = push(client, token, chain.events)
    assert again.json()["duplicates"] == 6 and {r["seq"] for r in again.json()["rejected"]} == {1, 2, 3, 5}


def test_the_projection_folds_every_desks_events_whatever_the_order_they_arrive(
        client: TestClient, token: str, hub_db: HubDatabase) -> None:
    desk0, desk1 = Chain(0), Chain(1)
    desk0.receive(code(1))
    push(client, token, desk0.events)
    # Desk 1 pulled it and returned it after desk 0 had sent the result (both are applied in merged order).
    desk1.event(code(1), "returned", "2026-03-04 10:00:00", {"method": "desk"}, actor="bàn 1: clerk")
    desk0.event(code(1), "result_ready", "2026-03-03 10:00:00", {"component": None})
    assert push(client, token, desk1.events).status_code == 200
    view = projection(hub_db)
    assert view[code(1)].status == "received" and json.loads(view[code(1)].conflicts)[0]["desk"] == 1
    assert push(client, token, desk0.events[1:]).status_code == 200
    view = projection(hub_db)
    assert view[code(1)].status == "returned" and json.loads(view[code(1)].conflicts) == []
    assert view[code(1)].returned_at == "2026-03-04 10:00:00" and view[code(1)].desk == 0


def test_a_batch_must_be_one_run_of_one_desks_chain(client: TestClient, token: str, hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1))
    chain.receive(code(2))
    holed = push(client, token, [chain.events[0], {**chain.events[1], "seq": 3}])
    assert holed.status_code == 400 and holed.json()["code"] == "bad_request"
    other_desk = push(client, token, chain.events, desk=1)
    assert other_desk.status_code == 400 and "bàn 0" in other_desk.json()["reason"]
    assert stored(hub_db) == []


def test_a_wrong_token_is_401_and_another_communes_batch_is_403(client: TestClient, token: str, other_token: str,
                                                                hub_db: HubDatabase) -> None:
    chain = Chain()
    chain.receive(code(1))
    wrong = client.post(PUSH, json=batch(chain.events), headers=auth("x" * 43))
    assert wrong.status_code == 401 and "Mã bí mật" in wrong.json()["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert client.post(PUSH, json=batch(chain.events)).status_code == 401
    foreign = push(client, other_token, chain.events)  # the token of commune H21, a batch that says H20
    assert foreign.status_code == 403 and foreign.json()["code"] == "wrong_commune"
    assert AGENCY in foreign.json()["reason"] and OTHER_AGENCY in foreign.json()["reason"]
    assert stored(hub_db) == []


def test_status_gives_the_commune_and_the_head_of_every_desk(client: TestClient, token: str) -> None:
    desk0, desk2 = Chain(0), Chain(2)
    desk0.receive(code(1))
    desk2.receive(code(2001))
    push(client, token, desk0.events)
    push(client, token, desk2.events)
    answer = client.get("/api/v1/status", headers=auth(token)).json()
    assert answer["commune"] == AGENCY and answer["commune_name"] == "UBND xã Mỹ Phong"
    assert answer["desks"] == {"0": {"seq": 1, "hash": desk0.head}, "2": {"seq": 1, "hash": desk2.head}}
    assert answer["server_time"] == "2026-03-02T17:00:00+07:00"


def test_event_counts_stay_exact_under_repeated_pushes(client: TestClient, token: str, hub_db: HubDatabase) -> None:
    chain = Chain()
    for n in range(1, 41):
        chain.receive(code(n))
    for start in (0, 10, 5, 20, 0, 30):
        assert push(client, token, chain.events[start:start + 15]).status_code == 200
    push(client, token, chain.events)
    with hub_db.read() as conn:
        assert conn.scalar(select(func.count()).select_from(events)) == 40
        assert conn.scalar(select(func.count()).select_from(dossiers)) == 40
