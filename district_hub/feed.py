"""What a desk takes in (the feed) and what it asks first (the status of its commune's chains on the server).

The feed's cursor is the events table's id. The writes of one commune are serialised (see :mod:`district_hub.db`),
so its events' ids grow in commit order and a cursor never skips an event committed later with a smaller id.

A cursor is only ever an id this database gave out (or 0), and ids are never given twice (AUTOINCREMENT on SQLite, a
sequence on PostgreSQL), so a desk asking after an id beyond the commune's last event (or the last publication) holds
a cursor of another life of the database: it was restored from a backup. The feed then answers with nothing (the
cursors unchanged, ``more`` false) and gives the database a new instance id; the desk sees it in the status of its
next sync and reads the feed again from 0. Restoring a backup is to be followed by ``district-hub new-instance``
anyway: a desk whose cursor the refilled database already passed again cannot be told apart otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy import Connection, Row, func, select

from desk_app.sync.protocol import (
    MAX_FEED_LIMIT,
    ChainHead,
    Feed,
    FeedEvent,
    HubStatus,
    OwnEvents,
    Publication,
    WireEvent,
)
from district_hub.clock import Clock, from_text, iso_with_offset, system_now, to_text
from district_hub.db import HubDatabase
from district_hub.registry import Commune, instance_id, renew_instance, touch
from district_hub.schema import chain_heads, communes, events, publications

log = logging.getLogger(__name__)

DEFAULT_FEED_LIMIT = 500
PULL_MARK_EVERY = dt.timedelta(seconds=60)  # the "last sync" time needs no write on every page of a feed


def status(db: HubDatabase, commune: Commune, clock: Clock = system_now) -> HubStatus:
    with db.read() as conn:
        heads = conn.execute(select(chain_heads.c.desk, chain_heads.c.seq, chain_heads.c.hash)
                             .where(chain_heads.c.commune_id == commune.id).order_by(chain_heads.c.desk))
        desks = {str(r.desk): ChainHead(seq=r.seq, hash=r.hash) for r in heads}
        instance = instance_id(conn)
    return HubStatus(commune=commune.code, commune_name=commune.name, server_time=clock().isoformat(), desks=desks,
                     instance=instance)


def publication_of(row: Row[Any]) -> Publication:
    return Publication(id=row.id, kind=row.kind, published_at=iso_with_offset(row.published_at), sha256=row.sha256,
                       content=json.loads(row.content))


def _feed_event(r: Row[Any]) -> FeedEvent:
    return FeedEvent(cursor=r.id, rejected=r.rejected_reason, event=WireEvent(
        uuid=r.uuid, desk=r.desk, seq=r.seq, dossier_code=r.dossier_code, kind=r.kind, at=r.at,
        recorded_at=r.recorded_at, actor=r.actor, payload=json.loads(r.payload), prev_hash=r.prev_hash,
        hash=r.hash))


def own_events(db: HubDatabase, commune: Commune, desk: int, after: int = 0,
               limit: int = DEFAULT_FEED_LIMIT) -> OwnEvents:
    """Desk ``desk``'s own events after place ``after`` of its chain, in chain order (a restored desk takes them
    back). The chain's unique index (commune, desk, seq) serves the query."""
    limit = max(1, min(limit, MAX_FEED_LIMIT))
    with db.read() as conn:
        rows = conn.execute(select(events).where(
            events.c.commune_id == commune.id, events.c.desk == desk, events.c.seq > after,
        ).order_by(events.c.seq).limit(limit + 1)).all()
    return OwnEvents(events=[_feed_event(r) for r in rows[:limit]], more=len(rows) > limit)


def _events_page(conn: Connection, commune_id: int, desk: int, after: int, top: int,
                 limit: int) -> tuple[list[FeedEvent], int, bool]:
    """The page after ``after`` up to ``top``, the commune's last event id read first in the same transaction: every
    event at or below it is committed, so the cursor can move up to it even when none of them is for this desk."""
    rows = conn.execute(select(events).where(
        events.c.commune_id == commune_id, events.c.id > after, events.c.id <= top, events.c.desk != desk,
    ).order_by(events.c.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    page = [_feed_event(r) for r in rows]
    cursor = rows[-1].id if more else max(after, top)
    return page, cursor, more


def feed(db: HubDatabase, commune: Commune, desk: int, events_after: int = 0, publications_after: int = 0,
         limit: int = DEFAULT_FEED_LIMIT, clock: Clock = system_now) -> Feed:
    """The events of the commune's other desks and of the upper level after the cursor, and new publications."""
    limit = max(1, min(limit, MAX_FEED_LIMIT))
    now = clock()
    with db.read() as conn:
        top = conn.scalar(select(func.max(events.c.id)).where(events.c.commune_id == commune.id)) or 0
        last_publication = conn.scalar(select(func.max(publications.c.id))) or 0
        stale = events_after > top or publications_after > last_publication
        if not stale:
            page, events_cursor, more_events = _events_page(conn, commune.id, desk, events_after, top, limit)
            rows = conn.execute(select(publications).where(publications.c.id > publications_after)
                                .order_by(publications.c.id).limit(limit + 1)).all()
            last_pull = conn.scalar(select(communes.c.last_pull_at).where(communes.c.id == commune.id))
    if stale:
        return _restored(db, commune, desk, events_after, publications_after, clock)
    more_publications = len(rows) > limit
    rows = rows[:limit]
    published = [publication_of(r) for r in rows]
    if last_pull is None or from_text(last_pull) + PULL_MARK_EVERY <= now:
        with db.write() as conn:
            touch(conn, commune.id, "last_pull_at", to_text(now))
    return Feed(events=page, publications=published, events_cursor=events_cursor,
                publications_cursor=rows[-1].id if rows else publications_after,
                more=more_events or more_publications)



def _restored(db: HubDatabase, commune: Commune, desk: int, events_after: int, publications_after: int,
              clock: Clock) -> Feed:
    """A cursor this database never gave out: a new instance id, and nothing for now (the desk starts over)."""
    with db.write() as conn:
        renew_instance(conn, clock)
    log.warning("Bàn %s của xã %s hỏi sau vị trí %s/%s mà cơ sở dữ liệu này chưa từng cấp (khôi phục từ bản sao "
                "lưu?): đã đổi mã phiên bản cơ sở dữ liệu, các bàn sẽ đọc lại từ đầu.", desk, commune.code,
                events_after, publications_after)
    return Feed(events=[], publications=[], events_cursor=events_after, publications_cursor=publications_after,
                more=False)
