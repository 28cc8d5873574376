"""The OpenAPI schema says what the API does: the push's Content-Encoding, the feed's parameters, only the statuses
an endpoint can return; an unexpected failure answers 500 with an ErrorBody (JSON on the API, a page elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from district_hub.app import SERVER_ERROR, create_app
from district_hub.db import HubDatabase
from tests.hub.support import FixedClock, auth


@pytest.fixture
def schema(client: TestClient) -> dict[str, Any]:
    result: dict[str, Any] = client.get("/openapi.json").json()
    return result


def test_the_push_declares_its_content_encoding(schema: dict[str, Any]) -> None:
    push = schema["paths"]["/api/v1/events"]["post"]
    header = {p["name"]: p for p in push["parameters"] if p["in"] == "header"}["Content-Encoding"]
    assert header["required"] is False and "gzip" in header["schema"]["enum"] and "giải nén" in header["description"]
    assert push["responses"]["500"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_the_feed_describes_its_parameters(schema: dict[str, Any]) -> None:
    feed = schema["paths"]["/api/v1/feed"]["get"]
    described = {p["name"]: p.get("description", "") for p in feed["parameters"]}
    assert set(described) == {"desk", "events_after", "publications_after", "limit"}
    assert all(len(text) > 20 for text in described.values()), described
    assert "instance" in described["events_after"] and "more" in described["limit"]
    assert set(feed["responses"]) == {"200", "401", "422", "429", "500"}


def test_the_status_lists_only_what_it_can_return(schema: dict[str, Any]) -> None:
    status = schema["paths"]["/api/v1/status"]["get"]
    assert set(status["responses"]) == {"200", "401", "429", "500"}


def test_an_unexpected_failure_is_an_error_body(hub_db: HubDatabase, token: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("district_hub.api.feed", broken)
    monkeypatch.setattr("district_hub.web.pages.lookup_page", broken)
    with TestClient(create_app(database=hub_db, clock=FixedClock()), raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/feed", params={"desk": 0}, headers=auth(token))
        assert answer.status_code == 500 and answer.json() == {"detail": SERVER_ERROR}
        page = client.get("/tra-cuu")
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "boom" not in page.text and "Thử lại sau" in page.text
