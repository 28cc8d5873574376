"""Helpers of the sync tests: receiving dossiers, raw looks at the event log."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from desk_app.services.context import ServiceContext
from desk_app.services.intake import ReceiveRequest, receive
from desk_app.services.integrity import verify

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Võ Văn Em", "Đỗ Thị Giang"]


def receive_many(ctx: ServiceContext, n: int, procedure: str = "XA.HT.01") -> list[str]:
    return [receive(ctx, ReceiveRequest(procedure, {"name": NAMES[i % len(NAMES)]})).code for i in range(n)]


def rows(ctx: ServiceContext, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(ctx.db.path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def scalar(ctx: ServiceContext, sql: str, params: tuple[Any, ...] = ()) -> Any:
    found = rows(ctx, sql, params)
    return found[0][0] if found else None


def execute(ctx: ServiceContext, sql: str, params: tuple[Any, ...] = ()) -> None:
    with closing(sqlite3.connect(ctx.db.path)) as conn, conn:
        conn.execute(sql, params)


def states(ctx: ServiceContext, desk: int) -> dict[str, int]:
    return {r[0]: r[1] for r in rows(ctx, "SELECT sync_state, count(*) FROM dossier_events WHERE desk = ? "
                                          "GROUP BY sync_state", (desk,))}


def assert_verifies(ctx: ServiceContext) -> None:
    with ctx.read() as session:
        report = verify(session)
    assert report.ok, report.problems


def feed_of(ctx: ServiceContext, desk: int, *, start_cursor: int = 0, more: bool = False, publications=()):
    """A feed page holding every event of ``desk`` in ``ctx``'s log, as the server would serve it."""
    from sqlalchemy import select

    from desk_app.store.models import DossierEvent
    from desk_app.sync.protocol import Feed, FeedEvent
    from desk_app.sync.wire import to_wire

    with ctx.read() as session:
        events = [to_wire(e) for e in session.scalars(select(DossierEvent).where(DossierEvent.desk == desk)
                                                       .order_by(DossierEvent.seq))]
    items = [FeedEvent(cursor=start_cursor + i, event=e) for i, e in enumerate(events, start=1)]
    publications = list(publications)
    return Feed(events=items, publications=publications, events_cursor=start_cursor + len(items),
                publications_cursor=max([p.id for p in publications], default=0), more=more)


class UpperChain:
    """The upper level's chain of decisions (desk 99) for one commune, written as the server writes it."""

    def __init__(self) -> None:
        from desk_app.domain.chain import GENESIS_HASH

        self.seq, self.hash = 0, GENESIS_HASH

    def decide(self, code: str, kind: str, at: str, payload: dict[str, Any]):
        import uuid

        from desk_app.domain.chain import event_hash
        from desk_app.sync.protocol import WireEvent

        self.seq += 1
        values: dict[str, Any] = {
            "uuid": str(uuid.uuid4()), "desk": 99, "seq": self.seq, "dossier_code": code, "kind": kind, "at": at,
            "recorded_at": at, "actor": "cấp trên: cán bộ tỉnh", "payload": payload, "prev_hash": self.hash}
        digest = event_hash(**values)
        self.hash = digest
        return WireEvent(**values, hash=digest)
