"""A dossier row rebuilt from the dossier's events alone, whichever desks wrote them.

When events written elsewhere arrive (another desk of the commune, the upper level's decisions), the row is
re-projected from ALL the dossier's events in the merged order every place uses (desk_app.domain.merge): the
receipt's facts, the applicant with every correction, the lifecycle columns from the lenient fold. It is exactly
what ``desk-app verify`` expects (desk_app.services.integrity), so a synced desk still verifies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.merge import Conflict, fold_merged, merge_key
from desk_app.domain.validation import Sex
from desk_app.services.actions import as_recorded, projection
from desk_app.services.applicant import Applicant, applicant_columns, search_text
from desk_app.store.models import Dossier, DossierEvent

APPLICANT_KEYS = ("name", "id_number", "birth_date", "sex", "phone", "email", "address")


@dataclass(frozen=True)
class Replayed:
    """The row's columns (every one but ``id``) and the events the lifecycle left out of the fold."""

    columns: dict[str, Any]
    conflicts: tuple[Conflict, ...]


def _applicant(data: dict[str, Any]) -> Applicant:
    birth = data.get("birth_date")
    sex = data.get("sex")
    return Applicant(
        name=data["name"],
        id_number=data.get("id_number"),
        birth_date=dt.date.fromisoformat(birth) if birth else None,
        sex=Sex(sex) if sex else None,
        phone=data.get("phone"),
        email=data.get("email"),
        address=data.get("address"),
    )


def replay(rows: Sequence[DossierEvent]) -> Replayed:
    """The dossier's columns from its events (raises the domain's TransitionError when none is a receipt, KeyError
    or ValueError when the receipt lacks what a row needs)."""
    ordered = sorted(rows, key=lambda r: merge_key(as_recorded(r)))
    merged = fold_merged(as_recorded(r) for r in ordered)
    state = merged.state
    receipt = ordered[0]
    received = receipt.payload
    corrections = {k: v for k, v in state.corrections.items() if k != "return_address"}
    applicant = _applicant({**{k: received["applicant"].get(k) for k in APPLICANT_KEYS}, **corrections})
    ledger = received["ledger"]
    columns: dict[str, Any] = {
        "code": receipt.dossier_code,
        "lookup_key": received["lookup_key"],
        "desk": receipt.desk,
        "procedure_code": received["procedure"],
        "procedure_name": received["procedure_name"],
        "field_code": received["field"],
        "search_folded": search_text(applicant, received["procedure_name"]),
        "documents": received["documents"],
        "copies": received["copies"],
        "channel": received["channel"],
        "return_method": received["return_method"],
        "return_address": state.corrections.get("return_address", received["return_address"]),
        "fee_due": received["fee_due"],
        "fee_exemption": received["fee_exemption"],
        "fee_paid": False,
        "time_limit": received["time_limit"],
        "received_at": state.received_at,
        "ledger_year": ledger["year"],
        "ledger_desk": ledger["desk"],
        "ledger_number": ledger["number"],
        "last_event_seq": ordered[-1].seq,
        **applicant_columns(applicant),
        **projection(state),
    }
    return Replayed(columns, merged.conflicts)


def events_of(session: Session, dossier_ids: Sequence[int]) -> dict[int, list[DossierEvent]]:
    """The events of these dossiers, grouped by dossier (one query)."""
    grouped: dict[int, list[DossierEvent]] = {i: [] for i in dossier_ids}
    if dossier_ids:
        for row in session.scalars(select(DossierEvent).where(DossierEvent.dossier_id.in_(list(dossier_ids)))):
            grouped[row.dossier_id].append(row)
    return grouped


def reproject(dossier: Dossier, rows: Sequence[DossierEvent]) -> tuple[Conflict, ...]:
    """Rewrite every column of ``dossier`` from ``rows`` (all its events); returns the fold's conflicts."""
    replayed = replay(rows)
    for column, value in replayed.columns.items():
        if getattr(dossier, column) != value:
            setattr(dossier, column, value)
    return replayed.conflicts
