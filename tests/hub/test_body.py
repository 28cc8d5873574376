"""Request bodies: gzip accepted, 413 past the limit (after decompression), 422 with a Vietnamese detail; OpenAPI."""

from __future__ import annotations

import gzip
import json

import pytest
from fastapi.testclient import TestClient

from desk_app.sync.protocol import MAX_BODY_BYTES
from tests.hub.support import Chain, auth, batch, code

PUSH = "/api/v1/events"


@pytest.fixture
def hub_url(sqlite_url: str) -> str:
    """HTTP-level rules: the database does not matter here (the storage tests run on both)."""
    return sqlite_url


@pytest.fixture
def chain() -> Chain:
    chain = Chain()
    chain.receive(code(1))
    chain.receive(code(2))
    return chain


def headers(token: str, **extra: str) -> dict[str, str]:
    return {**auth(token), "Content-Type": "application/json", **extra}


def test_a_gzip_body_is_accepted(client: TestClient, token: str, chain: Chain) -> None:
    body = gzip.compress(json.dumps(batch(chain.events)).encode())
    answer = client.post(PUSH, content=body, headers=headers(token, **{"Content-Encoding": "gzip"}))
    assert answer.status_code == 200 and answer.json()["accepted"] == 2


def test_a_body_over_the_limit_after_decompression_is_413(client: TestClient, token: str, chain: Chain) -> None:
    big = batch(chain.events)
    big["app_version"] = " " * 10  # valid JSON padded with whitespace past the limit, compressing to almost nothing
    text = json.dumps(big)
    padded = text[:-1] + " " * (MAX_BODY_BYTES + 10) + "}"
    body = gzip.compress(padded.encode())
    assert len(body) < 100_000
    answer = client.post(PUSH, content=body, headers=headers(token, **{"Content-Encoding": "gzip"}))
    assert answer.status_code == 413 and "quá lớn" in answer.json()["detail"]
    plain = client.post(PUSH, content=padded.encode(), headers=headers(token))
    assert plain.status_code == 413


def test_malformed_bodies_are_422_in_vietnamese(client: TestClient, token: str, chain: Chain) -> None:
    broken = client.post(PUSH, content=b"{not json", headers=headers(token))
    assert broken.status_code == 422 and broken.json()["detail"] == "Dữ liệu gửi lên không phải JSON hợp lệ."
    bad_hash = batch(chain.events)
    bad_hash["events"][1] = {**bad_hash["events"][1], "hash": "XYZ", "extra": 1}
    answer = client.post(PUSH, json=bad_hash, headers=auth(token))
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "nội dung events.1.hash sai định dạng" in detail and "events.1.extra không có trong giao thức" in detail
    assert "XYZ" not in detail  # values are never echoed
    empty = client.post(PUSH, json={**batch(chain.events), "events": []}, headers=auth(token))
    assert empty.status_code == 422 and "quá ít phần tử" in empty.json()["detail"]
    corrupt = client.post(PUSH, content=b"\x1f\x8b\x08\x00garbage", headers=headers(token, **{
        "Content-Encoding": "gzip"}))
    assert corrupt.status_code == 422 and "gzip" in corrupt.json()["detail"]


def test_responses_are_compressed_when_asked(client: TestClient, token: str) -> None:
    chain = Chain(1)
    for n in range(1001, 1031):
        chain.receive(code(n))
    client.post(PUSH, json=batch(chain.events), headers=auth(token))
    answer = client.get("/api/v1/feed", params={"desk": 0}, headers={**auth(token), "Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
    assert len(answer.json()["events"]) == 30


def test_the_openapi_schema_documents_every_status(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    push = schema["paths"]["/api/v1/events"]["post"]
    assert set(push["responses"]) == {"200", "400", "401", "403", "409", "413", "415", "422", "429", "500"}
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PushBatch")
    assert push["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Refusal")
    assert {"/api/v1/health", "/api/v1/status", "/api/v1/feed"} <= set(schema["paths"])
    assert "/tra-cuu" not in schema["paths"]


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}
