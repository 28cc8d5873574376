"""Appending to the event log: a UUID, the desk's next sequence number, and the hash chain.

Each desk keeps its own chain: an event's hash covers its content and the hash of the desk's previous event, so
editing or deleting any event breaks every hash after it (``desk-app verify`` says where).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.chain import GENESIS_HASH, canonical_json, event_hash
from desk_app.domain.errors import DomainError
from desk_app.store.counters import store_value
from desk_app.store.models import Dossier, DossierEvent, Setting, to_db_time

__all__ = ["GENESIS_HASH", "SyncState", "append_event", "canonical_json", "chain_counter", "chain_head",
           "event_hash", "hash_of_row", "latest_recorded_at"]


class SyncState(StrEnum):
    """Each event's own sync state (the outbox is the event log itself)."""

    TO_SEND = "to_send"  # written here, not yet in a batch the server acknowledged
    SENT = "sent"  # in a batch sent, acknowledgement not yet received: sent again until it is
    ACKNOWLEDGED = "acknowledged"  # the server said it holds it
    SET_ASIDE = "set_aside"  # the server refused it (sync_reason says why); kept, shown to the clerk, never deleted
    FROM_HUB = "from_hub"  # written elsewhere (another desk, the upper level), taken in from the server: never sent


def hash_of_row(event: DossierEvent) -> str:
    return event_hash(
        uuid=event.uuid,
        desk=event.desk,
        seq=event.seq,
        dossier_code=event.dossier_code,
        kind=event.kind,
        at=to_db_time(event.at),
        recorded_at=to_db_time(event.recorded_at),
        actor=event.actor,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )


def chain_counter(desk: int) -> str:
    """The counter that anchors the head of a desk's chain: a tail cut off the log no longer matches it."""
    return f"chain:{desk}"


def chain_head(session: Session, desk: int) -> tuple[int, str]:
    """The desk's last sequence number and hash (0 and the genesis hash when it has none)."""
    row = session.execute(
        select(DossierEvent.seq, DossierEvent.hash)
        .where(DossierEvent.desk == desk)
        .order_by(DossierEvent.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def latest_recorded_at(session: Session, desk: int) -> dt.datetime | None:
    """When this desk last wrote an event (events pulled from other desks carry their clocks, not ours)."""
    return session.scalar(select(DossierEvent.recorded_at).where(DossierEvent.desk == desk)
                          .order_by(DossierEvent.seq.desc()).limit(1))


RESTORED_MARK = "restore:sync_first"  # settings row: restored from a backup, not yet compared with the upper level


def mark_restored(session: Session, at: dt.datetime) -> None:
    """The desk was just restored from a backup: until a sync has compared it with the upper level (and taken back
    what it had sent since the backup), it writes no event of its own — its numbers would fork its chain."""
    session.merge(Setting(key=RESTORED_MARK, value=to_db_time(at)))


def restored_at(session: Session) -> str | None:
    row = session.get(Setting, RESTORED_MARK)
    return row.value if row is not None else None


def clear_restored(session: Session) -> bool:
    row = session.get(Setting, RESTORED_MARK)
    if row is None:
        return False
    session.delete(row)
    return True


def append_event(
    session: Session,
    *,
    dossier: Dossier,
    desk: int,
    kind: str,
    at: dt.datetime,
    recorded_at: dt.datetime,
    actor: str,
    payload: Mapping[str, Any],
) -> DossierEvent:
    """Add the next event of ``desk``'s chain to the session (the caller's transaction commits it)."""
    restored = restored_at(session)
    if restored is not None:
        raise DomainError(
            f"Máy này vừa được khôi phục từ bản sao lưu (lúc {restored[11:16]} ngày {restored[8:10]}/{restored[5:7]}/"
            f"{restored[:4]}): hãy đồng bộ với cấp trên (F12) trước khi tiếp nhận hoặc xử lý hồ sơ, để lấy lại những gì "
            "bàn đã gửi lên sau thời điểm sao lưu và để mã hồ sơ không trùng với mã cấp trên đã có. Không có mạng mà "
            "chắc chắn cấp trên không có dữ liệu nào mới hơn bản sao lưu: quản trị viên xác nhận bằng lệnh "
            "desk-app accept-restore.",
            field="restore",
        )
    seq, prev_hash = chain_head(session, desk)
    seq += 1
    event_uuid = str(uuid.uuid4())
    payload = json.loads(canonical_json(payload))  # exactly what the JSON column will give back
    event = DossierEvent(
        uuid=event_uuid,
        dossier_id=dossier.id,
        dossier_code=dossier.code,
        desk=desk,
        seq=seq,
        kind=kind,
        at=at,
        recorded_at=recorded_at,
        actor=actor,
        payload=payload,
        prev_hash=prev_hash,
        sync_state=SyncState.TO_SEND.value,
    )
    event.hash = hash_of_row(event)
    session.add(event)
    session.flush()
    store_value(session, chain_counter(desk), seq)
    dossier.last_event_seq = seq
    return event
