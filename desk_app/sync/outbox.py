"""The outbox is the event log itself: this desk's events in sequence order, each with its own sync state.

``to_send`` → ``sent`` (committed before the request goes out) → ``acknowledged`` only on the server's explicit
acknowledgement (a :class:`PushResult` whose ``last_seq`` covers the event). An event the server refuses is
``set_aside`` with the server's reason in ``sync_reason``: kept, shown to the clerk, never deleted, and skipped by
later batches, so it never holds up the others. Events taken in from the server (``from_hub``) are never sent.

The server checks each desk's chain, so a batch is always a run of consecutive sequence numbers. It starts at the
first event still waiting when the server already holds that part of the chain (a repeat is acknowledged again, not
stored twice), otherwise just after the server's head, where events set aside earlier go again as links of the
chain (the server stores a refused content as a link only, and needs every link).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.orm import Session

from desk_app.store.events import SyncState
from desk_app.store.models import DossierEvent

if TYPE_CHECKING:  # the protocol's pydantic models load with the first batch, not with the status bar at start-up
    from pydantic import TypeAdapter

    from desk_app.sync.protocol import PushResult, Rejected, WireEvent

PENDING = (SyncState.TO_SEND.value, SyncState.SENT.value)
_E = DossierEvent


@dataclass(frozen=True)
class SetAsideEvent:
    """An event of this desk the server refused, and why (shown to the clerk with the dossier's code)."""

    code: str
    kind: str
    seq: int
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class Batch:
    """A run of this desk's chain to push: ``first``..``last`` without holes."""

    events: tuple[WireEvent, ...]

    @property
    def first(self) -> int:
        return self.events[0].seq

    @property
    def last(self) -> int:
        return self.events[-1].seq

    def __len__(self) -> int:
        return len(self.events)


def pending_count(session: Session, desk: int) -> int:
    """This desk's events not yet acknowledged (set-aside ones apart)."""
    return session.scalar(select(func.count()).select_from(_E).where(
        _E.desk == desk, _E.sync_state.in_(PENDING))) or 0


def set_aside_count(session: Session, desk: int) -> int:
    return session.scalar(select(func.count()).select_from(_E).where(
        _E.desk == desk, _E.sync_state == SyncState.SET_ASIDE.value)) or 0


def set_aside_events(session: Session, desk: int, seqs: Iterable[int] | None = None) -> list[SetAsideEvent]:
    """This desk's set-aside events in sequence order (only ``seqs`` when given)."""
    query = select(_E.dossier_code, _E.kind, _E.seq, _E.at, _E.sync_reason).where(
        _E.desk == desk, _E.sync_state == SyncState.SET_ASIDE.value).order_by(_E.seq)
    if seqs is not None:
        wanted = sorted(set(seqs))
        if not wanted:
            return []
        query = query.where(_E.seq.in_(wanted))
    return [SetAsideEvent(code, kind, seq, at, reason or "") for code, kind, seq, at, reason in session.execute(query)]


def chain_end(session: Session, desk: int) -> int:
    """The last sequence number of this desk's chain (0 when it has written nothing)."""
    return session.scalar(select(func.max(_E.seq)).where(_E.desk == desk)) or 0


def hash_at(session: Session, desk: int, seq: int) -> str | None:
    """The hash of this desk's event number ``seq`` (None when the chain holds none there)."""
    return session.scalar(select(_E.hash).where(_E.desk == desk, _E.seq == seq))


def acknowledged_beyond(session: Session, desk: int, server_seq: int) -> int:
    """How many events we hold as acknowledged that the server's head no longer covers."""
    return session.scalar(select(func.count()).select_from(_E).where(
        _E.desk == desk, _E.seq > server_seq, _E.sync_state == SyncState.ACKNOWLEDGED.value)) or 0


def requeue_beyond(session: Session, desk: int, server_seq: int) -> int:
    """The server holds this desk's chain only up to ``server_seq`` (restored from an older backup, or it lost a
    batch): what we took as acknowledged after that goes back to ``to_send``. Returns how many."""
    result = session.execute(update(_E).where(
        _E.desk == desk, _E.seq > server_seq, _E.sync_state == SyncState.ACKNOWLEDGED.value,
    ).values(sync_state=SyncState.TO_SEND.value).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# Each event as the wire's JSON object, built by SQLite from the stored text (times as stored, the payload's JSON as
# is), then read into WireEvents by pydantic in one pass: no datetime or dict round trip per event in Python.
_WIRE_ROWS = text(
    "SELECT seq, sync_state, json_object('uuid', uuid, 'desk', desk, 'seq', seq, 'dossier_code', dossier_code, "
    "'kind', kind, 'at', at, 'recorded_at', recorded_at, 'actor', actor, 'payload', json(payload), "
    "'prev_hash', prev_hash, 'hash', hash) FROM dossier_events WHERE desk = :desk AND seq >= :start "
    "ORDER BY seq LIMIT :limit")


@cache
def _wire_list() -> TypeAdapter[list[WireEvent]]:
    from pydantic import TypeAdapter

    from desk_app.sync.protocol import WireEvent

    return TypeAdapter(list[WireEvent])


def next_batch(session: Session, desk: int, server_seq: int, limit: int, *, after: int | None = None) -> Batch | None:
    """The next run to push, or None when nothing is waiting.

    Waiting events the server already holds (``seq <= server_seq``, e.g. one re-marked ``to_send``) go first, in a
    run that stops at the first event not waiting; otherwise the run starts just after the server's head and takes
    every event from there (set-aside ones as links).

    ``after``: the run that follows a batch still on its way, which ends at ``after`` (once the server stores it,
    its head is there): it starts at ``after + 1`` whatever the states of the batch before it.
    """
    if after is not None:
        start, server_seq = after + 1, after
    else:
        first_pending = session.scalar(select(func.min(_E.seq)).where(_E.desk == desk, _E.sync_state.in_(PENDING)))
        beyond = chain_end(session, desk) > server_seq
        if first_pending is None and not beyond:
            return None
        start = server_seq + 1 if first_pending is None or (beyond and first_pending > server_seq) else first_pending
    rows = session.execute(_WIRE_ROWS, {"desk": desk, "start": start, "limit": limit}).all()
    objects: list[str] = []
    expected = start
    for seq, state, wire_json in rows:
        if seq != expected:
            break  # a hole in our own chain: verify would say so; send what runs without it
        if seq <= server_seq and state not in PENDING:
            break  # held by the server and not waiting: the run of repeats ends here
        if seq > server_seq and state == SyncState.FROM_HUB.value:
            break  # never ours to send
        objects.append(wire_json)
        expected += 1
    if not objects:
        return None
    return Batch(tuple(_wire_list().validate_json("[" + ",".join(objects) + "]")))


def mark_sent(session: Session, desk: int, batch: Batch) -> None:
    """Before the request goes out: its waiting events are ``sent`` until the server acknowledges them."""
    session.execute(update(_E).where(
        _E.desk == desk, _E.seq.between(batch.first, batch.last), _E.sync_state == SyncState.TO_SEND.value,
    ).values(sync_state=SyncState.SENT.value).execution_options(synchronize_session=False))


def acknowledge(session: Session, desk: int, batch: Batch, result: PushResult) -> tuple[int, list[int]]:
    """The server stored the batch: events it covers are acknowledged, those it refused set aside with its reason.

    Returns (how many events became acknowledged, the sequence numbers set aside).
    """
    rejected = {r.uuid: r for r in result.rejected}
    top = min(batch.last, result.last_seq)
    acknowledged = 0
    if top >= batch.first:
        query = update(_E).where(
            _E.desk == desk, _E.seq.between(batch.first, top), _E.sync_state != SyncState.ACKNOWLEDGED.value,
            _E.sync_state != SyncState.FROM_HUB.value)
        if rejected:
            query = query.where(_E.uuid.not_in(list(rejected)))
        outcome = session.execute(query.values(sync_state=SyncState.ACKNOWLEDGED.value, sync_reason=None)
                                  .execution_options(synchronize_session=False))
        acknowledged = int(outcome.rowcount or 0)  # type: ignore[attr-defined]
    in_batch = {e.uuid: e.seq for e in batch.events}
    aside = set_aside(session, desk, [r for r in rejected.values() if r.uuid in in_batch])
    return acknowledged, aside


def set_aside(session: Session, desk: int, refused: Iterable[Rejected]) -> list[int]:
    """Set these events aside with the server's reason (never deleted); returns their sequence numbers."""
    done: list[int] = []
    for item in refused:
        session.execute(update(_E).where(
            _E.desk == desk, _E.uuid == item.uuid, _E.sync_state != SyncState.FROM_HUB.value,
        ).values(sync_state=SyncState.SET_ASIDE.value, sync_reason=item.reason[:2000])
            .execution_options(synchronize_session=False))
        done.append(item.seq)
    return done


def state_counts(session: Session, desk: int) -> dict[str, int]:
    """This desk's events by sync state."""
    rows = session.execute(select(_E.sync_state, func.count()).where(_E.desk == desk).group_by(_E.sync_state))
    return {state: count for state, count in rows}


def states_of(session: Session, desk: int, seqs: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(seqs))
    if not wanted:
        return {}
    rows = session.execute(select(_E.seq, _E.sync_state).where(and_(_E.desk == desk, _E.seq.in_(wanted))))
    return {seq: state for seq, state in rows}
