"""Counts per commune: dossiers in the projection and events stored (``district-hub stats``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from district_hub.db import HubDatabase
from district_hub.schema import communes, dossiers, events


@dataclass(frozen=True)
class CommuneCounts:
    code: str
    name: str
    dossiers: int
    events: int
    last_push_at: str | None
    last_pull_at: str | None


def commune_counts(db: HubDatabase) -> list[CommuneCounts]:
    """Every commune, with the dossiers of its projection and every event stored for it (all its desks' chains,
    the upper level's decisions, and the links stored with a rejection reason)."""
    with db.read() as conn:
        dossier_counts = dict(conn.execute(select(dossiers.c.commune_id, func.count())
                                           .group_by(dossiers.c.commune_id)).tuples().all())
        event_counts = dict(conn.execute(select(events.c.commune_id, func.count())
                                         .group_by(events.c.commune_id)).tuples().all())
        rows = conn.execute(select(communes).order_by(communes.c.code)).all()
    return [CommuneCounts(r.code, r.name, int(dossier_counts.get(r.id, 0)), int(event_counts.get(r.id, 0)),
                          r.last_push_at, r.last_pull_at) for r in rows]


def stats_json(counts: list[CommuneCounts]) -> dict[str, dict[str, dict[str, int]]]:
    """Exactly ``{"communes": {"<agency code>": {"dossiers": N, "events": M}}}``."""
    return {"communes": {c.code: {"dossiers": c.dossiers, "events": c.events} for c in counts}}
