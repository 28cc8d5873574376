"""Taking in a desk's batch of events: one transaction, every hash and link checked, idempotent by event UUID.

The rules (desk_app/sync/protocol.py):

- an event the server already holds under the same UUID, identical in every field, is a duplicate: acknowledged
  again, never stored twice;
- a known UUID with a different content is refused (``uuid_conflict``); a sequence number the server holds under
  another UUID, a hash that does not match the event's content, or a ``prev_hash`` that is not the head of the desk's
  chain is a ``chain_break``; a batch whose first new event comes after a hole is a ``gap`` (the server names the
  last sequence number it holds). A refused batch stores nothing;
- an event that continues the chain but whose content the server will not apply (:mod:`district_hub.checks`) is
  stored as a link with its reason and listed in ``rejected``; it never blocks the events after it;
- after the batch, every dossier it touched is refolded from all its stored events (:mod:`district_hub.projection`).

The usual batch starts right after the head of its desk's chain: then none of its events can be stored yet under
its sequence number (the head moves with every stored event), and the unique index on ``uuid`` refuses any UUID the
server already holds. Such a batch is stored without looking its UUIDs up first; when the insert or a check fails
anyway, the transaction is rolled back and the batch judged again with the lookups (:func:`push`), so the answer is
the same as if they had been made from the start.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError

from desk_app.domain.chain import GENESIS_HASH, canonical_json, event_hash
from desk_app.domain.lifecycle import Event
from desk_app.domain.merge import Recorded
from desk_app.sync.protocol import PushBatch, PushResult, Refusal, Rejected, WireEvent
from district_hub.bulk import insert_values, per_dialect
from district_hub.chains import chain_head, set_head
from district_hub.checks import KINDS, RECEIVED, history_problem, own_problem
from district_hub.clock import Clock, system_now, to_text
from district_hub.db import HubDatabase
from district_hub.projection import chunks, refold
from district_hub.registry import Commune, lock_commune, touch
from district_hub.schema import events

log = logging.getLogger(__name__)

STORED_FIELDS = ("desk", "seq", "dossier_code", "kind", "at", "recorded_at", "actor", "payload", "prev_hash",
                 "hash")
ROW_COLUMNS = ("commune_id", "uuid", *STORED_FIELDS, "stored_at", "rejected_reason")


class BatchRefused(Exception):
    """The whole batch is refused: nothing of it was stored. ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.status = status
        self.refusal = refusal


class _LookUp(Exception):
    """The batch was judged without looking its UUIDs up and did not go through: judge it again with them."""


@dataclass(slots=True)
class _Incoming:
    event: WireEvent
    payload_json: str  # the canonical JSON: what the hash covers and what is stored
    hash_ok: bool
    own_problem: str | None  # what is wrong with the event by itself (checks.own_problem)
    at: dt.datetime | None

    def stored(self) -> tuple[Any, ...]:
        """The values of :data:`STORED_FIELDS`, in that order."""
        e = self.event
        return (e.desk, e.seq, e.dossier_code, e.kind, e.at, e.recorded_at, e.actor, self.payload_json, e.prev_hash,
                e.hash)


_canonical_json = canonical_json  # the text the hash covers (desk_app.domain.chain: one encoder, made once)


def _prepare(event: WireEvent, commune_code: str, code_problems: dict[str, str | None]) -> _Incoming:
    payload_json = _canonical_json(event.payload)  # once: for the hash and for the stored row
    expected = event_hash(uuid=event.uuid, desk=event.desk, seq=event.seq, dossier_code=event.dossier_code,
                          kind=event.kind, at=event.at, recorded_at=event.recorded_at, actor=event.actor,
                          payload_json=payload_json, prev_hash=event.prev_hash)
    problem, at = own_problem(event, commune_code, code_problems)
    return _Incoming(event, payload_json, expected == event.hash, problem, at)


def prepare(batch: PushBatch, commune_code: str) -> list[_Incoming]:
    """Hash and check every event of the batch by itself (no database: runs before the write lock is taken)."""
    code_problems: dict[str, str | None] = {}  # each dossier code of the batch is checked once
    return [_prepare(e, commune_code, code_problems) for e in batch.events]


def _rejected(event: WireEvent, reason: str) -> Rejected:
    return Rejected(uuid=event.uuid, seq=event.seq, reason=reason)


def check_shape(commune: Commune, batch: PushBatch) -> None:
    """The batch is for this commune and is one run of one desk's chain (else it is refused whole)."""
    if batch.commune != commune.code:
        raise BatchRefused(403, Refusal(
            code="wrong_commune",
            reason=f"Lô này ghi xã {batch.commune}, nhưng mã bí mật đang dùng là của xã {commune.code}. Kiểm tra mã "
                   "cơ quan và mã bí mật trong phần thiết lập đồng bộ."))
    first = batch.events[0].seq
    seen: set[str] = set()
    for offset, event in enumerate(batch.events):
        problem = None
        if event.desk != batch.desk:
            problem = f"Sự kiện số {event.seq} thuộc bàn {event.desk}, nhưng lô là của bàn {batch.desk}."
        elif event.seq != first + offset:
            problem = (f"Các sự kiện của một lô phải liền nhau theo số thứ tự; sau số {first + offset - 1} lại là "
                       f"số {event.seq}.")
        elif event.uuid in seen:
            problem = f"Mã định danh (UUID) {event.uuid} xuất hiện hai lần trong lô."
        if problem:
            raise BatchRefused(400, Refusal(code="bad_request", reason=problem,
                                            events=[_rejected(event, problem)]))
        seen.add(event.uuid)


# The statements of the push path, built once (building one costs SQLAlchemy more than running it).
_KNOWN = per_dialect(lambda key_in: select(
    events.c.uuid, events.c.commune_id, events.c.rejected_reason, *(events.c[f] for f in STORED_FIELDS),
).where(key_in(events.c.uuid, "uuids")))
_TAKEN = select(events.c.seq, events.c.uuid).where(
    events.c.commune_id == bindparam("commune"), events.c.desk == bindparam("the_desk"),
    events.c.seq.between(bindparam("first"), bindparam("last")))
_RECEIVED = per_dialect(lambda key_in: select(events.c.dossier_code).where(
    events.c.commune_id == bindparam("commune"), key_in(events.c.dossier_code, "codes"),
    events.c.kind == RECEIVED, events.c.rejected_reason.is_(None)))


def _known(conn: Connection, uuids: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in chunks(uuids):
        for row in conn.execute(_KNOWN[conn.dialect.name], {"uuids": list(part)}):
            found[row.uuid] = row
    return found


def _taken(conn: Connection, commune_id: int, desk: int, first: int, last: int) -> dict[int, str]:
    rows = conn.execute(_TAKEN, {"commune": commune_id, "the_desk": desk, "first": first, "last": last})
    return {row.seq: row.uuid for row in rows}


def _received_codes(conn: Connection, commune_id: int, codes: set[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(codes)):
        found.update(conn.scalars(_RECEIVED[conn.dialect.name], {"commune": commune_id, "codes": list(part)}))
    return found


def _refuse(code: str, reason: str, head: tuple[int, str], faulty: list[Rejected]) -> BatchRefused:
    return BatchRefused(409, Refusal(code=code, reason=reason, last_seq=head[0], last_hash=head[1],  # type: ignore[arg-type]
                                     events=faulty))


def _differs(row: Any, item: _Incoming) -> bool:
    return any(getattr(row, f) != v for f, v in zip(STORED_FIELDS, item.stored(), strict=True))


def _chain_check(commune: Commune, batch: PushBatch, incoming: list[_Incoming], known: dict[str, Any],
                 taken: dict[int, str], head: tuple[int, str]) -> tuple[list[_Incoming], list[Any]]:
    """Split the batch into new events (continuing the chain) and duplicates, or raise :class:`BatchRefused`."""
    conflicts = [item for item in incoming if item.event.uuid in known and (
        known[item.event.uuid].commune_id != commune.id or _differs(known[item.event.uuid], item))]
    if conflicts:
        first = conflicts[0].event
        reason = (f"Sự kiện số {first.seq} của bàn {batch.desk} (hồ sơ {first.dossier_code}) mang mã định danh "
                  "máy chủ đã nhận trước đây nhưng nội dung khác: sự kiện đã bị sửa sau khi gửi. Máy chủ giữ bản "
                  "đã nhận; sự kiện này cần được kiểm tra.")
        raise _refuse("uuid_conflict", reason, head, [
            _rejected(c.event, "Cùng mã định danh với một sự kiện máy chủ đã nhận nhưng nội dung khác.")
            for c in conflicts])
    fresh: list[_Incoming] = []
    duplicates: list[Any] = []
    seq, digest = head
    for item in incoming:
        event = item.event
        if event.uuid in known:
            duplicates.append(known[event.uuid])
            continue
        holder = taken.get(event.seq)
        if holder is not None or event.seq <= seq:
            reason = (f"Máy chủ đã giữ một sự kiện khác ở số {event.seq} của bàn {batch.desk}: chuỗi sự kiện của "
                      "bàn này khác chuỗi máy chủ đã nhận (cơ sở dữ liệu của bàn bị thay hoặc khôi phục từ bản cũ?).")
            raise _refuse("chain_break", reason, head, [_rejected(event, reason)])
        if event.seq > seq + 1:
            reason = (f"Máy chủ mới có đến sự kiện số {seq} của bàn {batch.desk}, còn lô bắt đầu từ số "
                      f"{event.seq}: gửi lại từ số {seq + 1}.")
            raise _refuse("gap", reason, head, [_rejected(event, reason)])
        if not item.hash_ok:
            reason = (f"Mã băm của sự kiện số {event.seq} (hồ sơ {event.dossier_code}) không khớp nội dung: sự kiện "
                      "đã bị sửa sau khi ghi.")
            raise _refuse("chain_break", reason, head, [_rejected(event, reason)])
        if event.prev_hash != digest:
            reason = (f"Sự kiện số {event.seq} của bàn {batch.desk} không nối tiếp chuỗi máy chủ đang giữ (mã băm "
                      "của sự kiện trước không khớp).")
            raise _refuse("chain_break", reason, head, [_rejected(event, reason)])
        fresh.append(item)
        seq, digest = event.seq, event.hash
    return fresh, duplicates


def push(db: HubDatabase, commune: Commune, batch: PushBatch, clock: Clock = system_now) -> PushResult:
    """Store one desk's batch (see the module's rules); raises :class:`BatchRefused` when it is refused whole."""
    check_shape(commune, batch)
    # Hashing and the checks that need no database run before the transaction: no lock is held meanwhile.
    incoming = prepare(batch, commune.code)
    try:
        return _store(db, commune, batch, incoming, to_text(clock()), look_up=False)
    except (_LookUp, IntegrityError):
        pass  # rolled back: judged again below, with the lookups
    try:
        return _store(db, commune, batch, incoming, to_text(clock()), look_up=True)
    except IntegrityError:
        # Another commune's push committed one of these UUIDs meanwhile (only possible on PostgreSQL, where two
        # communes write at once): the batch is judged again against what is now stored.
        return _store(db, commune, batch, incoming, to_text(clock()), look_up=True)


def _store(db: HubDatabase, commune: Commune, batch: PushBatch, incoming: list[_Incoming], now_text: str, *,
           look_up: bool) -> PushResult:
    """One attempt in one transaction. Without ``look_up`` (a batch that starts after the chain's head) the UUIDs
    and sequence numbers are not looked up: a failure raises :class:`_LookUp` or ``IntegrityError`` instead of
    answering."""
    with db.write() as conn:
        lock_commune(conn, commune.id)
        stored_head = chain_head(conn, commune.id, batch.desk)
        head = stored_head or (0, GENESIS_HASH)
        first, last_seq = batch.events[0].seq, batch.events[-1].seq
        if look_up or first <= head[0]:
            known = _known(conn, [i.event.uuid for i in incoming])
            taken = _taken(conn, commune.id, batch.desk, first, last_seq)
            fresh, duplicates = _chain_check(commune, batch, incoming, known, taken, head)
        else:
            try:
                fresh, duplicates = _chain_check(commune, batch, incoming, {}, {}, head)
            except BatchRefused:
                raise _LookUp from None  # a UUID the server holds may change which refusal applies
        rejected = [Rejected(uuid=row.uuid, seq=row.seq, reason=row.rejected_reason)
                    for row in duplicates if row.rejected_reason]
        accepted = 0
        if fresh:
            received = _received_codes(conn, commune.id, {i.event.dossier_code for i in fresh})
            rows: list[tuple[Any, ...]] = []
            touched: set[str] = set()
            # The dossiers received in this batch have no other applied event on the server: fold them from the
            # batch itself instead of reading back what was just written.
            new_dossiers: dict[str, list[Recorded]] = defaultdict(list)
            for item in fresh:
                event = item.event
                code = event.dossier_code
                reason = item.own_problem or history_problem(event, received)
                if reason is None:
                    assert item.at is not None
                    accepted += 1
                    touched.add(code)
                    if event.kind == RECEIVED:
                        received.add(code)
                        new_dossiers[code] = []
                    if code in new_dossiers:
                        new_dossiers[code].append(Recorded(
                            event.desk, event.seq, Event(KINDS[event.kind], item.at, event.payload), event.uuid))
                else:
                    rejected.append(_rejected(event, reason))
                rows.append((commune.id, event.uuid, *item.stored(), now_text, reason))
            insert_values(conn, events, ROW_COLUMNS, rows)
            last = fresh[-1].event
            set_head(conn, commune.id, batch.desk, stored_head is not None, last.seq, last.hash)
            head = (last.seq, last.hash)
            refold(conn, commune.id, touched, now_text, known=new_dossiers)
        touch(conn, commune.id, "last_push_at", now_text)
    log.info("push %s desk %d: %d new, %d duplicates, %d rejected, head %d", commune.code, batch.desk,
             len(fresh), len(duplicates), len(rejected), head[0])
    return PushResult(desk=batch.desk, last_seq=head[0], last_hash=head[1], accepted=accepted,
                      duplicates=len(duplicates), rejected=rejected)
