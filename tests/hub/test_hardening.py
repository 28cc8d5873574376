"""Hostile push bodies: each refused with its documented status and a Vietnamese reason, never a 500, nothing
stored; the size limits hold before decompression, while inflating and while reading; out-of-range values never
reach the database; dates outside 2000–2099 are content the server stores as a refused link, never applies."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from desk_app.sync.protocol import MAX_BATCH_EVENTS, MAX_BODY_BYTES
from district_hub import body as body_module
from district_hub.body import LimitedBodyRequest, inflate
from district_hub.bounds import MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_TEXT, MAX_SEQ
from district_hub.db import HubDatabase
from district_hub.schema import dossiers, events
from tests.hub.support import Chain, auth, batch, code

PUSH = "/api/v1/events"
JSON = {"Content-Type": "application/json"}
GZIP = {**JSON, "Content-Encoding": "gzip"}
VIETNAMESE = set("ảãạăắằẳẵặâấầẩẫậđẻẽẹêếềểễệỉĩịỏõọôốồổỗộơớờởỡợủũụưứừửữựỷỹỵáàéèíìóòúùýỳ")


def stored(db: HubDatabase) -> tuple[int, int]:
    with db.read() as conn:
        return (conn.scalar(select(func.count()).select_from(events)) or 0,
                conn.scalar(select(func.count()).select_from(dossiers)) or 0)


def good() -> dict[str, Any]:
    chain = Chain()
    chain.receive(code(1))
    chain.receive(code(2))
    return batch(chain.events)


def encoded(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def changed(change: Callable[[dict[str, Any]], None]) -> bytes:
    value = good()
    change(value)
    return encoded(value)


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(target: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]  # type: ignore[index]
        target[int(last) if last.isdigit() else last] = value  # type: ignore[index]

    return change


def many_events(value: dict[str, Any]) -> None:
    chain = Chain()
    for _ in range(MAX_BATCH_EVENTS + 1):
        chain.event(code(1), "corrected", "2026-03-02 09:00:00", {"field": "x", "new": 1})
    value["events"] = chain.events


def same_uuid(value: dict[str, Any]) -> None:
    value["events"][1]["uuid"] = value["events"][0]["uuid"]


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


# (name, body, headers, status, a fragment of the Vietnamese detail or reason)
CASES: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("plain text type", encoded(good()), {"Content-Type": "text/plain"}, 415, "Content-Type: application/json"),
    ("form type", b"a=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "application/json"),
    ("no content type", encoded(good()), {}, 415, "application/json"),
    ("not UTF-8", encoded(good()).replace(b"Tr", b"\xff\xfe"), JSON, 422, "UTF-8"),
    ("not UTF-8, gzip", gz(encoded(good()).replace(b"Tr", b"\xc3\x28")), GZIP, 422, "UTF-8"),
    ("syntax error", b'{"protocol": 1,', JSON, 422, "không phải JSON hợp lệ"),
    ("NaN", encoded(good()).replace(b'"desk": 0', b'"desk": NaN', 1), JSON, 422, "không hợp lệ"),
    ("null", b"null", JSON, 422, "phải là một đối tượng JSON"),
    ("a list", b"[]", JSON, 422, "phải là một đối tượng JSON"),
    ("empty", b"", JSON, 422, "thiếu"),
    ("nested past the parser", b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", JSON, 422, "lồng nhau quá sâu"),
    ("payload nested too deep", changed(_set("events.0.payload.extra", nested(MAX_PAYLOAD_DEPTH))), JSON, 422,
     f"events.0.payload lồng nhau quá sâu (tối đa {MAX_PAYLOAD_DEPTH} mức)"),
    ("payload text too long", changed(_set("events.1.payload.note", "Ă" * (MAX_PAYLOAD_TEXT + 1))), JSON, 422,
     f"events.1.payload có chuỗi ký tự quá dài (tối đa {MAX_PAYLOAD_TEXT} ký tự)"),
    ("actor too long", changed(_set("events.0.actor", "a" * 201)), JSON, 422, "events.0.actor quá dài (tối đa 200"),
    ("unknown field", changed(_set("extra", 1)), JSON, 422, "nội dung extra không có trong giao thức"),
    ("unknown event field", changed(_set("events.1.note", "x")), JSON, 422, "events.1.note không có trong giao thức"),
    ("negative seq", changed(_set("events.0.seq", -1)), JSON, 422, "events.0.seq nhỏ hơn giá trị cho phép (tối thiểu 1)"),
    ("seq past int4", changed(_set("events.0.seq", MAX_SEQ + 1)), JSON, 422,
     f"events.0.seq lớn hơn giá trị cho phép (tối đa {MAX_SEQ})"),
    ("seq past int8", changed(_set("events.0.seq", 2**63)), JSON, 422, "events.0.seq lớn hơn giá trị cho phép"),
    ("seq of 31 digits", changed(_set("events.0.seq", 10**30)), JSON, 422, "events.0.seq lớn hơn giá trị cho phép"),
    ("desk out of range", changed(_set("desk", 10)), JSON, 422, "nội dung desk lớn hơn giá trị cho phép (tối đa 9)"),
    ("time not in the stored form", changed(_set("events.0.at", "2026-03-02T09:00:00")), JSON, 422,
     "events.0.at sai định dạng"),
    ("too many events", changed(many_events), JSON, 422,
     f"nội dung events có quá nhiều phần tử (tối đa {MAX_BATCH_EVENTS} phần tử)"),
    ("no events", changed(_set("events", [])), JSON, 422, "events có quá ít phần tử"),
    ("not gzip at all", b"plain bytes, not gzip", GZIP, 422, "gzip bị hỏng"),
    ("gzip header then garbage", b"\x1f\x8b\x08\x00garbage", GZIP, 422, "gzip bị"),
    ("cut gzip", gz(encoded(good()))[:-12], GZIP, 422, "gzip bị cắt cụt"),
    ("data after the gzip", gz(encoded(good())) + b"tail", GZIP, 422, "dữ liệu thừa"),
    ("brotli", encoded(good()), {**JSON, "Content-Encoding": "br"}, 422, "chỉ nhận gzip"),
    ("same UUID twice", changed(same_uuid), JSON, 400, "xuất hiện hai lần trong lô"),
]


@pytest.mark.parametrize(("name", "content", "headers", "status", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_body_is_refused_and_nothing_is_stored(client: TestClient, token: str, hub_db: HubDatabase,
                                                         name: str, content: bytes, headers: dict[str, str],
                                                         status: int, fragment: str) -> None:
    answer = client.post(PUSH, content=content, headers={**auth(token), **headers})
    assert answer.status_code == status, (name, answer.text[:300])
    body = answer.json()
    text = body["detail"] if "detail" in body else body["reason"]
    assert fragment in text, (name, text)
    assert VIETNAMESE & set(text.lower()), text  # a Vietnamese sentence, not a framework's English
    assert stored(hub_db) == (0, 0)


def test_the_same_batch_without_the_fault_is_stored(client: TestClient, token: str, hub_db: HubDatabase) -> None:
    """The baseline the cases above alter: the refusals come from their faults, not from the batch."""
    answer = client.post(PUSH, content=encoded(good()), headers={**auth(token), **JSON})
    assert answer.status_code == 200 and stored(hub_db) == (2, 2), answer.text
    chain = Chain(desk=1)
    chain.receive(code(3))
    answer = client.post(PUSH, content=gz(encoded(batch(chain.events))), headers={**auth(token), **GZIP})
    assert answer.status_code == 200 and stored(hub_db) == (3, 3), answer.text


@pytest.fixture
def hub_url(sqlite_url: str) -> str:
    return sqlite_url


def test_a_compressed_body_past_the_limit_is_refused_before_inflating(client: TestClient, token: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    inflated: list[int] = []
    monkeypatch.setattr(body_module, "inflate", lambda data, *a, **k: inflated.append(len(data)) or data)
    noise = gz(random.Random(7).randbytes(MAX_BODY_BYTES + 1024))  # incompressible: larger than the limit
    assert len(noise) > MAX_BODY_BYTES
    answer = client.post(PUSH, content=noise, headers={**auth(token), **GZIP})
    assert answer.status_code == 413 and "quá lớn" in answer.json()["detail"]
    assert inflated == []


class _SpyInflater:
    """zlib's decompressor, recording how much output each call was allowed and gave."""

    def __init__(self, real: Any, log: list[tuple[int, int]]) -> None:
        self.real, self.log = real, log

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out: bytes = self.real.decompress(data, max_length)
        self.log.append((max_length, len(out)))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_zip_bomb_is_stopped_while_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = gz(bytes(64 * 1024 * 1024))  # 64 MiB of zeros in ~64 kB
    assert len(bomb) < 100_000
    calls: list[tuple[int, int]] = []
    real = zlib.decompressobj
    monkeypatch.setattr(body_module.zlib, "decompressobj", lambda *a: _SpyInflater(real(*a), calls))
    with pytest.raises(HTTPException) as refused:
        inflate(bomb)
    assert refused.value.status_code == 413
    assert calls and all(0 < limit <= MAX_BODY_BYTES + 1 and out <= limit for limit, out in calls)


def _request(headers: dict[str, str], chunks: list[bytes], pulled: list[int]) -> LimitedBodyRequest:
    async def receive() -> dict[str, Any]:
        pulled.append(1)
        index = len(pulled) - 1
        chunk = chunks[index] if index < len(chunks) else b""
        return {"type": "http.request", "body": chunk, "more_body": index + 1 < len(chunks)}

    scope = {"type": "http", "method": "POST", "path": PUSH, "headers": [
        (k.lower().encode(), v.encode()) for k, v in headers.items()]}
    return LimitedBodyRequest(scope, receive)


def test_a_declared_length_past_the_limit_is_refused_before_reading() -> None:
    pulled: list[int] = []
    request = _request({"content-length": str(MAX_BODY_BYTES + 1)}, [b"{}"], pulled)
    with pytest.raises(HTTPException) as refused:
        asyncio.run(request.body())
    assert refused.value.status_code == 413 and pulled == []


def test_a_streamed_body_is_cut_off_at_the_limit() -> None:
    pulled: list[int] = []
    chunk = bytes(1024 * 1024)
    request = _request({}, [chunk] * 100, pulled)  # 100 MiB announced by nothing
    with pytest.raises(HTTPException) as refused:
        asyncio.run(request.body())
    assert refused.value.status_code == 413
    assert len(pulled) == MAX_BODY_BYTES // len(chunk) + 1  # stopped at the first chunk past the limit


@pytest.mark.parametrize(("value", "status"), [(2**63 - 1, 200), (2**63, 422), (10**30, 422), (-1, 422)])
def test_feed_cursors_out_of_range_are_422(client: TestClient, token: str, value: int, status: int) -> None:
    for name in ("events_after", "publications_after"):
        answer = client.get("/api/v1/feed", params={"desk": 0, name: value}, headers=auth(token))
        assert answer.status_code == status, answer.text
        if status == 422:
            assert f"tham số {name}" in answer.json()["detail"]


DATES = [("0001-01-01 00:00:00", None), ("1999-12-31 23:59:59", None), ("2100-01-01 00:00:00", None),
         ("9999-12-31 23:59:59", None), ("2026-02-30 09:00:00", None), ("2026-03-02 25:00:00", None),
         ("2026-03-02 09:00:00", "0001-01-01T00:00:00+07:00"), ("2026-03-02 09:00:00", "9999-12-31T23:59:59+07:00"),
         ("2026-03-02 09:00:00", "2026-13-01T00:00:00")]


@pytest.mark.parametrize(("at", "due"), DATES)
def test_dates_out_of_range_are_stored_as_refused_links_never_applied(client: TestClient, token: str,
                                                                      hub_db: HubDatabase, at: str,
                                                                      due: str | None) -> None:
    """The protocol's rule for content the server will not apply: the event is a link of the desk's chain (refusing
    the batch would stall every later event of the desk), stored with its reason and never applied."""
    chain = Chain()
    chain.receive(code(1))
    received = chain.events[0]
    if due is None:
        chain.events.clear()
        chain.seq, chain.head = 0, received["prev_hash"]
        chain.event(code(1), "received", at, received["payload"])
    else:
        chain.events.clear()
        chain.seq, chain.head = 0, received["prev_hash"]
        chain.event(code(1), "received", at, {**received["payload"], "due_at": due})
    answer = client.post(PUSH, json=batch(chain.events), headers=auth(token))
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["accepted"] == 0 and len(result["rejected"]) == 1
    reason = result["rejected"][0]["reason"]
    assert "2000–2099" in reason or "thời điểm hẹn trả" in reason, reason
    assert stored(hub_db) == (1, 0)  # a link of the chain, no dossier


MOMENTS = st.one_of(st.sampled_from(["0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00", "2026-02-29T00:00:00",
                                     "", "x", "2026-03-02", "2026-03-02T09:00:00-12:00", "\u202e2026"]),
                    st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=30))
ODD = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=20),
                st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@settings(max_examples=40, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(due=MOMENTS, counted=MOMENTS, component=ODD, moment=MOMENTS, kind=st.sampled_from(
    ["result_ready", "rescheduled", "transferred", "resubmitted", "returned", "supplement_requested"]))
def test_hostile_payload_values_never_fail_the_server(client: TestClient, token: str, due: str, counted: str,
                                                      component: Any, moment: str, kind: str) -> None:
    """Events whose hashes verify but whose payload values are hostile: stored (applied or refused), never a 500."""
    chain = Chain(desk=3)
    answer = client.get("/api/v1/status", headers=auth(token)).json()
    head = answer["desks"].get("3")
    if head:
        chain.seq, chain.head = head["seq"], head["hash"]
    dossier = code(1000 + (chain.seq % 5000))
    chain.receive(dossier)  # a valid receipt, then one with hostile values and a hostile follow-up
    chain.event(code(9000 + chain.seq), "received", "2026-03-02 09:00:00",
                {**chain.events[-1]["payload"], "due_at": due, "counted_from": counted,
                 "components": [{"procedure": "1", "name": "n", "resolving_body": "b", "due_at": moment}]})
    chain.event(dossier, kind, "2026-03-02 10:00:00",
                {"component": component, "due_at": due, "current_due_at": moment, "component_due_at": [moment],
                 "to": "UBND tỉnh", "upper": True, "items": ["Tờ khai"], "reason": "x", "field": "x", "new": 1})
    answer = client.post(PUSH, json=batch(chain.events), headers=auth(token))
    assert answer.status_code == 200, answer.text
