"""An in-memory upper-level server behind an ``httpx.MockTransport``, following desk_app/sync/protocol.py.

It keeps each desk's chain as the real server does (idempotent by UUID, 409 for a different content under a known
UUID, for a chain break and for a gap), and can be told to misbehave: fail the next requests at the network level,
or store a push and then lose the answer (the acknowledgement never reaches the desk).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from desk_app.domain.chain import GENESIS_HASH
from desk_app.sync.protocol import (
    API_PREFIX,
    ChainHead,
    ErrorBody,
    Feed,
    FeedEvent,
    HubStatus,
    OwnEvents,
    Publication,
    PushBatch,
    PushResult,
    Refusal,
    Rejected,
    WireEvent,
)
from desk_app.sync.wire import hash_verifies

TOKEN = "fake-commune-token-0123456789abcdef"
URL = "http://hub.test"


@dataclass
class Stored:
    cursor: int
    event: WireEvent
    rejected: str | None = None


@dataclass
class FakeHub:
    commune: str
    name: str = "UBND xã Mỹ Phong"
    token: str = TOKEN
    instance: str = ""  # HubStatus.instance: empty as an old server (names no database)
    events: list[Stored] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    fail_next: int = 0  # the next requests fail with a connection error
    lose_answers: int = 0  # the next pushes are stored, then the answer is lost
    reject: Callable[[WireEvent], str | None] = lambda event: None  # content refused (stored as a link only)
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, status)
    batches: list[PushBatch] = field(default_factory=list)
    gives_back: bool = True  # answers GET /desks/D/events (an older server does not)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # -- what the server holds --------------------------------------------------------------------------------
    def by_uuid(self) -> dict[str, Stored]:
        return {s.event.uuid: s for s in self.events}

    def head(self, desk: int) -> tuple[int, str]:
        chain = [s.event for s in self.events if s.event.desk == desk]
        return (chain[-1].seq, chain[-1].hash) if chain else (0, GENESIS_HASH)

    def count(self, desk: int | None = None) -> int:
        return sum(1 for s in self.events if desk is None or s.event.desk == desk)

    def add(self, event: WireEvent, rejected: str | None = None) -> None:
        self.events.append(Stored(len(self.events) + 1, event, rejected))

    def forget_after(self, desk: int, seq: int) -> None:
        """As if restored from a backup taken when it held this desk's chain up to ``seq``."""
        self.events = [s for s in self.events if s.event.desk != desk or s.event.seq <= seq]

    # -- the HTTP side ------------------------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(API_PREFIX)
        if self.fail_next > 0:
            self.fail_next -= 1
            self.requests.append((request.method, path, 0))
            raise httpx.ConnectError("connection refused", request=request)
        response = self._answer(request, path)
        self.requests.append((request.method, path, response.status_code))
        return response

    def _answer(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(401, ErrorBody(detail="Mã bí mật không hợp lệ."))
        if path == "/status":
            desks = {str(d): ChainHead(seq=self.head(d)[0], hash=self.head(d)[1])
                     for d in sorted({s.event.desk for s in self.events})}
            return _json(200, HubStatus(commune=self.commune, commune_name=self.name,
                                        server_time="2026-03-02T17:00:00+07:00", desks=desks,
                                        instance=self.instance))
        if path == "/events" and request.method == "POST":
            return self._push(request)
        if path == "/feed":
            return self._feed(request)
        if path.startswith("/desks/") and path.endswith("/events") and self.gives_back:
            return self._own(request, int(path.split("/")[2]))
        return httpx.Response(404, json={"detail": "không có"})

    def _push(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        batch = PushBatch.model_validate_json(body)
        self.batches.append(batch)
        if batch.commune != self.commune:
            return _json(403, ErrorBody(detail="Lô dữ liệu của xã khác."))
        seq, last_hash = self.head(batch.desk)
        if batch.events[0].seq > seq + 1:
            return _json(409, Refusal(code="gap", reason=f"Máy chủ mới có đến sự kiện số {seq}.", last_seq=seq,
                                      last_hash=last_hash))
        known = self.by_uuid()
        new: list[tuple[WireEvent, str | None]] = []
        duplicates = 0
        for event in batch.events:
            held = known.get(event.uuid)
            if held is not None:
                if held.event != event:
                    return _json(409, Refusal(
                        code="uuid_conflict", reason="Sự kiện đã gửi trước đây nay có nội dung khác.", last_seq=seq,
                        last_hash=last_hash, events=[Rejected(uuid=event.uuid, seq=event.seq,
                                                              reason="Nội dung khác với bản cấp trên đã nhận.")]))
                duplicates += 1
                continue
            if event.seq != seq + 1 or event.prev_hash != last_hash or not hash_verifies(event):
                return _json(409, Refusal(
                    code="chain_break", reason="Sự kiện không nối tiếp chuỗi của bàn.", last_seq=self.head(
                        batch.desk)[0], last_hash=self.head(batch.desk)[1],
                    events=[Rejected(uuid=event.uuid, seq=event.seq, reason="Không nối tiếp chuỗi sự kiện.")]))
            new.append((event, self.reject(event)))
            seq, last_hash = event.seq, event.hash
        for event, reason in new:
            self.add(event, reason)
        result = PushResult(desk=batch.desk, last_seq=seq, last_hash=last_hash,
                            accepted=sum(1 for _, r in new if r is None), duplicates=duplicates,
                            rejected=[Rejected(uuid=e.uuid, seq=e.seq, reason=r) for e, r in new if r])
        if self.lose_answers > 0:
            self.lose_answers -= 1
            raise httpx.ReadError("connection reset by peer", request=request)
        return _json(200, result)

    def _feed(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        desk = int(params["desk"])
        after, pub_after, limit = int(params["events_after"]), int(params["publications_after"]), int(params["limit"])
        chosen = [s for s in self.events if s.cursor > after and s.event.desk != desk]
        page = chosen[:limit]
        publications = [p for p in self.publications if p.id > pub_after]
        feed = Feed(events=[FeedEvent(cursor=s.cursor, event=s.event, rejected=s.rejected) for s in page],
                    publications=publications,
                    events_cursor=page[-1].cursor if page else max(after, len(self.events)),
                    publications_cursor=max([p.id for p in publications], default=pub_after),
                    more=len(chosen) > limit)
        return _json(200, feed)


    def _own(self, request: httpx.Request, desk: int) -> httpx.Response:
        after, limit = int(request.url.params["after"]), int(request.url.params["limit"])
        chosen = sorted((s for s in self.events if s.event.desk == desk and s.event.seq > after),
                        key=lambda s: s.event.seq)
        return _json(200, OwnEvents(events=[FeedEvent(cursor=s.cursor, event=s.event, rejected=s.rejected)
                                            for s in chosen[:limit]], more=len(chosen) > limit))


def _json(status: int, model: Any) -> httpx.Response:
    return httpx.Response(status, content=model.model_dump_json().encode("utf-8"),
                          headers={"Content-Type": "application/json"})
