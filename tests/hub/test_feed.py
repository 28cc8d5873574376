"""GET /api/v1/feed: the other desks' events and the upper level's, never the asking desk's own; cursors; more."""

from __future__ import annotations

from fastapi.testclient import TestClient

from district_hub.db import HubDatabase
from district_hub.publishing import publish
from tests.hub.support import Chain, auth, batch, code


def _setup(client: TestClient, token: str) -> tuple[Chain, Chain]:
    desk0, desk1 = Chain(0), Chain(1)
    for n in range(1, 4):
        desk0.receive(code(n))
    desk1.receive(code(1001))
    desk1.event(code(1), "result_ready", "2026-03-03 09:00:00", {"component": None}, actor="bàn 1: clerk")
    assert client.post("/api/v1/events", json=batch(desk0.events), headers=auth(token)).status_code == 200
    assert client.post("/api/v1/events", json=batch(desk1.events), headers=auth(token)).status_code == 200
    return desk0, desk1


def test_the_feed_holds_the_other_desks_events_in_order(client: TestClient, token: str) -> None:
    desk0, desk1 = _setup(client, token)
    feed0 = client.get("/api/v1/feed", params={"desk": 0}, headers=auth(token)).json()
    assert [e["event"]["uuid"] for e in feed0["events"]] == [e["uuid"] for e in desk1.events]
    assert feed0["events"][0]["event"] == desk1.events[0]  # exactly as the desk sent it: the hash still holds
    assert feed0["more"] is False and feed0["events_cursor"] == feed0["events"][-1]["cursor"]
    feed1 = client.get("/api/v1/feed", params={"desk": 1}, headers=auth(token)).json()
    assert [e["event"]["uuid"] for e in feed1["events"]] == [e["uuid"] for e in desk0.events]
    # Desk 1 is done with everything up to the commune's last event, its own included: the cursor says so.
    assert feed1["events_cursor"] == feed0["events_cursor"]
    again = client.get("/api/v1/feed", params={"desk": 1, "events_after": feed1["events_cursor"]},
                       headers=auth(token)).json()
    assert again["events"] == [] and again["events_cursor"] == feed1["events_cursor"] and again["more"] is False


def test_the_feed_pages_with_limit_and_more(client: TestClient, token: str) -> None:
    _setup(client, token)
    seen, cursor, pages = [], 0, 0
    while True:
        page = client.get("/api/v1/feed", params={"desk": 1, "events_after": cursor, "limit": 2},
                          headers=auth(token)).json()
        pages += 1
        seen += [e["event"]["seq"] for e in page["events"]]
        cursor = page["events_cursor"]
        if not page["more"]:
            break
    assert seen == [1, 2, 3] and pages == 2


def test_a_commune_never_sees_another_communes_events(client: TestClient, token: str, other_token: str) -> None:
    _setup(client, token)
    feed = client.get("/api/v1/feed", params={"desk": 0}, headers=auth(other_token)).json()
    assert feed["events"] == [] and feed["events_cursor"] == 0


def test_rejected_links_come_with_their_reason(client: TestClient, token: str) -> None:
    desk0 = Chain(0)
    desk0.event(code(7), "result_ready", "2026-03-02 10:00:00", {"component": None})
    client.post("/api/v1/events", json=batch(desk0.events), headers=auth(token))
    feed = client.get("/api/v1/feed", params={"desk": 1}, headers=auth(token)).json()
    assert "chưa có hồ sơ" in feed["events"][0]["rejected"]


def test_publications_come_after_their_cursor(client: TestClient, token: str, hub_db: HubDatabase) -> None:
    publish(hub_db, "holidays", {"years": {"2027": {"off": [], "makeup_working": []}}})
    first = client.get("/api/v1/feed", params={"desk": 0}, headers=auth(token)).json()
    assert [p["kind"] for p in first["publications"]] == ["holidays"]
    publication = first["publications"][0]
    assert publication["content"]["years"]["2027"]["off"] == [] and len(publication["sha256"]) == 64
    assert publication["published_at"].endswith("+07:00")
    later = client.get("/api/v1/feed", params={"desk": 0, "publications_after": first["publications_cursor"]},
                       headers=auth(token)).json()
    assert later["publications"] == [] and later["publications_cursor"] == first["publications_cursor"]


def test_the_feed_needs_the_token_and_a_desk(client: TestClient, token: str) -> None:
    assert client.get("/api/v1/feed", params={"desk": 0}).status_code == 401
    missing = client.get("/api/v1/feed", headers=auth(token))
    assert missing.status_code == 422 and "tham số desk thiếu" in missing.json()["detail"]
    assert client.get("/api/v1/feed", params={"desk": 0, "limit": 999999}, headers=auth(token)).status_code == 422
