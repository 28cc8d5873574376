"""GET /api/v1/desks/{desk}/events: a desk's own events, as a desk restored from an older backup takes them back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.hub.support import Chain, auth, batch, code


def _pushed(client: TestClient, token: str) -> Chain:
    desk1, desk2 = Chain(1), Chain(2)
    for n in range(1, 6):
        desk1.receive(code(1000 + n))
    desk2.receive(code(2001))
    desk1.event(code(1001), "result_ready", "2026-03-03 09:00:00", {"component": None}, actor="bàn 1: clerk")
    for chain in (desk1, desk2):
        assert client.post("/api/v1/events", json=batch(chain.events), headers=auth(token)).status_code == 200
    return desk1


def test_a_desk_gets_its_own_events_after_a_place_in_chain_order_page_by_page(client: TestClient,
                                                                                token: str) -> None:
    desk1 = _pushed(client, token)
    seen, after, pages = [], 2, 0
    while True:
        page = client.get("/api/v1/desks/1/events", params={"after": after, "limit": 2}, headers=auth(token))
        assert page.status_code == 200
        body = page.json()
        pages += 1
        seen += [item["event"] for item in body["events"]]
        if not body["more"]:
            break
        after = body["events"][-1]["event"]["seq"]
    assert seen == desk1.events[2:]  # exactly as sent: the hashes still hold
    assert pages == 2 and all(event["desk"] == 1 for event in seen)


def test_another_communes_token_gets_nothing_and_no_token_is_refused(client: TestClient, token: str,
                                                                    other_token: str) -> None:
    _pushed(client, token)
    other = client.get("/api/v1/desks/1/events", headers=auth(other_token))
    assert other.status_code == 200 and other.json() == {"events": [], "more": False}
    assert client.get("/api/v1/desks/1/events").status_code == 401


def test_a_desk_number_out_of_range_is_refused_in_vietnamese(client: TestClient, token: str) -> None:
    answer = client.get("/api/v1/desks/10/events", headers=auth(token))
    assert answer.status_code == 422 and "detail" in answer.json()


def test_a_place_beyond_any_sequence_number_is_refused_in_vietnamese_not_a_500(client: TestClient, token: str) -> None:
    for after in ("2147483648", "99999999999999999999"):
        answer = client.get("/api/v1/desks/0/events", params={"after": after}, headers=auth(token))
        assert answer.status_code == 422, after
        assert "detail" in answer.json()
