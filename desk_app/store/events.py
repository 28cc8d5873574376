"""Appending to the event log: a UUID, the desk's next sequence number, and the hash chain.

Each desk keeps its own chain: an event's hash covers its content and the hash of the desk's previous event, so
editing or deleting any event breaks every hash after it (``desk-app verify`` says where).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.store.counters import store_value
from desk_app.store.models import Dossier, DossierEvent, to_db_time

GENESIS_HASH = "0" * 64
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # json.dumps(str, ensure_ascii=False)


class SyncState(StrEnum):
    TO_SEND = "to_send"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    SET_ASIDE = "set_aside"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(
    *,
    uuid: str,
    desk: int,
    seq: int,
    dossier_code: str,
    kind: str,
    at: str,
    recorded_at: str,
    actor: str,
    payload: Mapping[str, Any] | None = None,
    payload_json: str | None = None,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of the event's content and the previous hash (times as stored text).

    ``payload_json`` (the payload's canonical JSON, already made) saves serialising it twice in bulk writes.
    """
    if payload_json is None:
        payload_json = canonical_json(payload)
    # Exactly canonical_json of the whole object (keys sorted: actor, at, desk, dossier, kind, payload, prev,
    # recorded, seq, uuid), written out directly: this runs for every event of a bulk import.
    q = _json_string
    body = (
        f'{{"actor":{q(actor)},"at":{q(at)},"desk":{int(desk)},"dossier":{q(dossier_code)},"kind":{q(kind)},'
        f'"payload":{payload_json},"prev":{q(prev_hash)},"recorded":{q(recorded_at)},"seq":{int(seq)},'
        f'"uuid":{q(uuid)}}}'
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


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


def latest_recorded_at(session: Session) -> dt.datetime | None:
    return session.scalar(select(DossierEvent.recorded_at).order_by(DossierEvent.id.desc()).limit(1))


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
