"""Taking back this desk's own events from the upper level, after the desk was restored from an older backup.

The server holds every event the desk sent. When the desk's chain ends before the server's copy of it, and the
server's next event continues the desk's last one (its ``prev_hash`` is the desk's head), nothing was written here
since the backup was restored: the events between are this desk's own, sent before, and they are taken back as
they were (acknowledged, or set aside with the server's reason), each checked against its hash and its place in
the chain. The day's dossier-code and ledger counters move past what they used, so the next dossier gets the next
number, never one the upper level already holds.

Anything else (a chain that does not continue, an altered event, a code taken here) is a fork: nothing is taken,
and the caller refuses the sync as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.codes import parse_dossier_code
from desk_app.domain.errors import DomainError
from desk_app.domain.lifecycle import EventKind
from desk_app.services.replay import events_of, replay, reproject
from desk_app.store.counters import code_counter, last_value, ledger_counter, store_value
from desk_app.store.events import SyncState, chain_counter, chain_head
from desk_app.store.models import Dossier, DossierEvent
from desk_app.sync.protocol import FeedEvent, OwnEvents
from desk_app.sync.wire import hash_verifies, row_values


class NotOurs(Exception):
    """What the server holds does not continue this desk's chain: a fork, not something to take back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class TakenBack:
    events: int = 0
    dossiers: int = 0  # dossiers created or brought up to date
    set_aside: int = 0  # events the server had refused, taken back as set aside with its reason
    conflicts: list[str] = field(default_factory=list)


def continues(session: Session, desk: int, first: FeedEvent) -> bool:
    """Whether the server's first event after the desk's head continues it (nothing was written here since)."""
    seq, digest = chain_head(session, desk)
    return first.event.seq == seq + 1 and first.event.prev_hash == digest


def take_back(session: Session, page: OwnEvents, *, desk: int, now: dt.datetime) -> TakenBack:
    """Take one page of the desk's own events into the caller's transaction (all or nothing: raises NotOurs)."""
    result = TakenBack()
    seq, digest = chain_head(session, desk)
    touched: dict[int, Dossier] = {}
    for item in page.events:
        event = item.event
        where = f"sự kiện số {event.seq} của bàn {event.desk}"
        if event.desk != desk:
            raise NotOurs(f"máy chủ trả về {where}, không phải của bàn {desk}")
        if event.seq != seq + 1 or event.prev_hash != digest:
            raise NotOurs(f"{where} không nối tiếp sự kiện số {seq} trên máy này")
        if not hash_verifies(event):
            raise NotOurs(f"{where} không khớp mã băm của nó")
        dossier = _dossier_for(session, item)
        state = SyncState.SET_ASIDE if item.rejected else SyncState.ACKNOWLEDGED
        session.add(DossierEvent(**row_values(event, dossier_id=dossier.id, sync_state=state.value,
                                              sync_reason=item.rejected)))
        touched[dossier.id] = dossier
        seq, digest = event.seq, event.hash
        result.events += 1
        result.set_aside += item.rejected is not None
    session.flush()
    grouped = events_of(session, list(touched))
    for dossier_id, dossier in touched.items():
        reproject(dossier, grouped[dossier_id])
        _move_counters(session, dossier)
    if seq > (last_value(session, chain_counter(desk)) or 0):
        store_value(session, chain_counter(desk), seq)
    result.dossiers = len(touched)
    del now  # the events keep their own times; the caller records the run
    return result


def _dossier_for(session: Session, item: FeedEvent) -> Dossier:
    event = item.event
    if event.kind != EventKind.RECEIVED.value:
        dossier = session.scalar(select(Dossier).where(Dossier.code == event.dossier_code))
        if dossier is None:
            raise NotOurs(f"máy không có hồ sơ {event.dossier_code} mà sự kiện số {event.seq} nói tới")
        return dossier
    probe = DossierEvent(**row_values(event, dossier_id=0, sync_state=SyncState.ACKNOWLEDGED.value))
    try:
        columns = replay([probe]).columns
    except (DomainError, KeyError, TypeError, ValueError):
        raise NotOurs(f"nội dung tiếp nhận của hồ sơ {event.dossier_code} không đầy đủ") from None
    taken = session.scalar(select(Dossier.id).where(
        (Dossier.code == event.dossier_code) | (Dossier.lookup_key == columns["lookup_key"])))
    if taken is not None:
        raise NotOurs(f"máy đã có một hồ sơ khác mang mã {event.dossier_code} hoặc cùng mã tra cứu")
    dossier = Dossier(**columns)
    session.add(dossier)
    session.flush()
    return dossier


def _move_counters(session: Session, dossier: Dossier) -> None:
    """The day's code counter and the year's ledger counter past what this dossier used (never back)."""
    code = parse_dossier_code(dossier.code)
    if code.desk == dossier.desk:
        name = code_counter(dossier.desk, f"{code.day:%y%m%d}")
        if code.sequence > (last_value(session, name) or 0):
            store_value(session, name, code.sequence)
    ledger = ledger_counter(dossier.ledger_desk, dossier.ledger_year)
    if dossier.ledger_number > (last_value(session, ledger) or 0):
        store_value(session, ledger, dossier.ledger_number)
