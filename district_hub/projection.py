"""The server's projection of every commune's dossiers: refolded from all their stored events after each change.

A dossier's row is always the merged fold (``desk_app.domain.merge.fold_merged``) of every event the server holds
for it, whichever desk wrote them and in whatever order they arrived, so the server shows what every desk shows.
Events stored with a rejection reason are links of their chain only and never folded.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from desk_app.domain.deadlines import classify_resolved
from desk_app.domain.errors import TransitionError
from desk_app.domain.lifecycle import Event, EventKind
from desk_app.domain.merge import MergedState, Recorded, fold_merged
from district_hub.bulk import insert_rows
from district_hub.checks import KINDS
from district_hub.clock import from_text, to_text
from district_hub.schema import dossiers, events

log = logging.getLogger(__name__)
CHUNK = 500  # codes per IN list

EVENT_COLUMNS = (events.c.dossier_code, events.c.desk, events.c.seq, events.c.uuid, events.c.kind, events.c.at,
                 events.c.payload)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def recorded(row: Row[Any]) -> Recorded:
    return Recorded(row.desk, row.seq, Event(KINDS[row.kind], from_text(row.at), json.loads(row.payload)),
                    row.uuid)


def applied_events(conn: Connection, commune_id: int, codes: Sequence[str]) -> dict[str, list[Recorded]]:
    """The stored, not rejected, events of these dossiers (one query per 500 codes)."""
    grouped: dict[str, list[Recorded]] = defaultdict(list)
    for part in chunks(sorted(set(codes))):
        rows = conn.execute(select(*EVENT_COLUMNS).where(
            events.c.commune_id == commune_id, events.c.dossier_code.in_(part), events.c.rejected_reason.is_(None)))
        for row in rows:
            grouped[row.dossier_code].append(recorded(row))
    return grouped


def transferred_upward(merged: MergedState) -> bool:
    return any(r.event.kind is EventKind.TRANSFERRED and r.event.payload.get("upper") is True
               for r in merged.applied)


def _optional(moment: Any) -> str | None:
    return to_text(moment) if moment is not None else None


def row_of(commune_id: int, code: str, merged: MergedState, now_text: str) -> dict[str, Any]:
    state = merged.state
    receipt = next(r for r in merged.applied if r.event.kind is EventKind.RECEIVED)
    payload = receipt.event.payload
    timeliness = None
    if state.result_ready_at is not None:
        timeliness = classify_resolved(state.result_ready_at, state.original_due_at,
                                       supplement_requests=state.supplement_count).value
    return {
        "commune_id": commune_id,
        "code": code,
        "lookup_key": str(payload.get("lookup_key", "")),
        "procedure": str(payload.get("procedure", "")),
        "field": str(payload.get("field", "")),
        "status": state.status.value,
        "received_at": to_text(state.received_at),
        "due_at": to_text(state.due_at),
        "original_due_at": to_text(state.original_due_at),
        "result_ready_at": _optional(state.result_ready_at),
        "returned_at": _optional(state.returned_at),
        "closed_at": _optional(state.closed_at),
        "supplement_count": state.supplement_count,
        "rescheduled": state.rescheduled,
        "desk": receipt.desk,
        "transferred_upward": transferred_upward(merged),
        "timeliness": timeliness,
        "conflicts": json.dumps([{"uuid": c.recorded.uuid, "desk": c.recorded.desk, "seq": c.recorded.seq,
                                  "kind": c.recorded.event.kind.value, "reason": c.reason}
                                 for c in merged.conflicts], ensure_ascii=False) if merged.conflicts else "[]",
        "updated_at": now_text,
    }


def fold(recorded_events: Iterable[Recorded]) -> MergedState | None:
    """The merged state, or None when no receipt starts the history."""
    try:
        return fold_merged(recorded_events)
    except TransitionError:
        return None


def refold(conn: Connection, commune_id: int, codes: Iterable[str], now_text: str,
           known: Mapping[str, list[Recorded]] | None = None) -> int:
    """Rewrite the projection rows of these dossiers from all their stored events; returns the rows written.

    ``known`` gives, for some of the codes, every applied event the server holds for them (dossiers received in
    the batch being stored): those are not read back.
    """
    wanted = sorted(set(codes))
    if not wanted:
        return 0
    known = known or {}
    grouped = applied_events(conn, commune_id, [c for c in wanted if c not in known])
    grouped.update(known)
    rows = []
    for code in wanted:
        try:
            merged = fold(grouped.get(code, ()))
        except (KeyError, TypeError, ValueError) as error:  # the ingest checks keep this from happening
            log.error("projection: dossier %s cannot be folded (%s); its row is left out", code,
                      type(error).__name__)
            merged = None
        if merged is not None:
            rows.append(row_of(commune_id, code, merged, now_text))
    # A dossier received in this batch has no row yet (a second receipt of a code is never applied).
    for part in chunks([c for c in wanted if c not in known]):
        conn.execute(delete(dossiers).where(dossiers.c.commune_id == commune_id, dossiers.c.code.in_(part)))
    insert_rows(conn, dossiers, rows)
    return len(rows)
