"""An event row of the desk's log ↔ the protocol's :class:`WireEvent`, exactly as hashed.

The hash covers the times as stored text (``YYYY-MM-DD HH:MM:SS``, Vietnamese local time) and the payload's canonical
JSON, so an event read from the log and put on the wire verifies on the server, and an event taken in from the server
verifies here, without any re-encoding that could change a byte.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from desk_app.domain.chain import canonical_json, event_hash
from desk_app.store.models import VN_TZ, DossierEvent, to_db_time
from desk_app.sync.protocol import WireEvent


def to_wire(row: DossierEvent) -> WireEvent:
    """The event as the server receives it (the row's own desk, sequence number and hashes)."""
    return WireEvent(
        uuid=row.uuid,
        desk=row.desk,
        seq=row.seq,
        dossier_code=row.dossier_code,
        kind=row.kind,  # type: ignore[arg-type]  # one of KIND_NAMES: the lifecycle wrote it
        at=to_db_time(row.at),
        recorded_at=to_db_time(row.recorded_at),
        actor=row.actor,
        payload=dict(row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def wire_from_values(values: Mapping[str, Any]) -> WireEvent:
    """From a raw row (Core select: times as stored text, payload as JSON text or already decoded)."""
    payload = values["payload"]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return WireEvent(
        uuid=values["uuid"], desk=values["desk"], seq=values["seq"], dossier_code=values["dossier_code"],
        kind=values["kind"], at=_text(values["at"]), recorded_at=_text(values["recorded_at"]), actor=values["actor"],
        payload=payload, prev_hash=values["prev_hash"], hash=values["hash"],
    )


def _text(value: str | dt.datetime) -> str:
    return to_db_time(value) if isinstance(value, dt.datetime) else value


def computed_hash(event: WireEvent) -> str:
    """The hash the event's content gives (equal to ``event.hash`` unless something altered it)."""
    return event_hash(uuid=event.uuid, desk=event.desk, seq=event.seq, dossier_code=event.dossier_code,
                      kind=event.kind, at=event.at, recorded_at=event.recorded_at, actor=event.actor,
                      payload_json=canonical_json(event.payload), prev_hash=event.prev_hash)


def hash_verifies(event: WireEvent) -> bool:
    return computed_hash(event) == event.hash


def stored_time(text: str) -> dt.datetime:
    """A wire time as the aware datetime the store keeps (it writes back the very same text)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def row_values(event: WireEvent, *, dossier_id: int, sync_state: str, sync_reason: str | None = None
               ) -> dict[str, Any]:
    """The columns of a ``dossier_events`` row holding ``event`` (taken in from the server)."""
    return {
        "uuid": event.uuid,
        "dossier_id": dossier_id,
        "dossier_code": event.dossier_code,
        "desk": event.desk,
        "seq": event.seq,
        "kind": event.kind,
        "at": stored_time(event.at),
        "recorded_at": stored_time(event.recorded_at),
        "actor": event.actor,
        "payload": json.loads(canonical_json(event.payload)),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "sync_state": sync_state,
        "sync_reason": sync_reason,
    }
