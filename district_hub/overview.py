"""What the web pages show: each commune's figures, and one dossier's public status.

The figures count as the desk's report does: *received* every dossier but the voided duplicates; *resolved* those
with a result, early / on time / late by ``desk_app.domain.deadlines.classify_resolved`` against the statutory due
date (stored in the projection when the dossier is refolded); *pending* the open ones, *overdue* among them those
whose statutory due date is past today (``classify_pending``), a dossier waiting for the citizen's supplement being
within its time; refused, withdrawn and stopped dossiers apart.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from sqlalchemy import Integer, case, func, select
from sqlalchemy.sql import ColumnElement

from desk_app.domain.codes import parse_dossier_code
from desk_app.domain.deadlines import Timeliness
from desk_app.domain.errors import DomainError
from desk_app.domain.lifecycle import STATUS_VN, Status
from district_hub.db import HubDatabase
from district_hub.schema import communes, dossiers

OPEN = (Status.RECEIVED.value, Status.IN_PROGRESS.value, Status.SUPPLEMENT_REQUESTED.value)
RUNNING = (Status.RECEIVED.value, Status.IN_PROGRESS.value)  # the clock runs (not waiting for the citizen)
ENDED_OTHERWISE = (Status.REFUSED.value, Status.WITHDRAWN.value, Status.STOPPED.value)


@dataclass(frozen=True)
class CommuneFigures:
    code: str
    name: str
    received: int
    early: int
    on_time: int
    late: int
    pending: int
    overdue: int
    ended_otherwise: int
    last_push_at: str | None
    last_pull_at: str | None

    @property
    def resolved(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def last_sync_at(self) -> str | None:
        known = [t for t in (self.last_push_at, self.last_pull_at) if t]
        return max(known) if known else None


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def figures(db: HubDatabase, today: dt.date) -> list[CommuneFigures]:
    """Every commune's figures as of ``today`` (one grouped query over the projection)."""
    d = dossiers.c
    due_day = func.substr(d.original_due_at, 1, 10)
    query = select(
        d.commune_id,
        _count(d.status != Status.VOIDED.value).label("received"),
        _count(d.timeliness == Timeliness.EARLY.value).label("early"),
        _count(d.timeliness == Timeliness.ON_TIME.value).label("on_time"),
        _count(d.timeliness == Timeliness.LATE.value).label("late"),
        _count(d.status.in_(OPEN)).label("pending"),
        _count(d.status.in_(RUNNING) & (due_day < today.isoformat())).label("overdue"),
        _count(d.status.in_(ENDED_OTHERWISE) & d.timeliness.is_(None)).label("ended_otherwise"),
    ).group_by(d.commune_id)
    with db.read() as conn:
        counted = {row.commune_id: row for row in conn.execute(query)}
        rows = conn.execute(select(communes).order_by(communes.c.code)).all()
    result = []
    for commune in rows:
        c = counted.get(commune.id)
        numbers = [int(getattr(c, k)) if c is not None else 0
                   for k in ("received", "early", "on_time", "late", "pending", "overdue", "ended_otherwise")]
        result.append(CommuneFigures(commune.code, commune.name, *numbers, commune.last_push_at,
                                     commune.last_pull_at))
    return result


@dataclass(frozen=True)
class PublicStatus:
    """What the public lookup shows: the status and dates, nothing about the person."""

    code: str
    status: str
    received_at: str
    due_at: str
    result_ready_at: str | None
    returned_at: str | None


def normalise_key(key: str) -> str:
    return "".join(key.split()).upper()


def lookup(db: HubDatabase, code: str, key: str) -> PublicStatus | None:
    """The dossier's public status when ``key`` is its lookup key; None for an unknown code and a wrong key alike."""
    try:
        parsed = parse_dossier_code(code)
    except DomainError:
        return None
    typed = normalise_key(key)
    with db.read() as conn:
        row = conn.execute(
            select(dossiers.c.code, dossiers.c.lookup_key, dossiers.c.status, dossiers.c.received_at,
                   dossiers.c.due_at, dossiers.c.result_ready_at, dossiers.c.returned_at)
            .join(communes, communes.c.id == dossiers.c.commune_id)
            .where(communes.c.code == parsed.agency, dossiers.c.code == str(parsed))
        ).first()
    stored = row.lookup_key if row is not None else "-" * 8
    matches = hmac.compare_digest(stored.encode(), typed.encode()) and bool(typed)
    if row is None or not matches or row.status == Status.VOIDED.value:
        return None
    return PublicStatus(row.code, STATUS_VN[Status(row.status)], row.received_at, row.due_at, row.result_ready_at,
                        row.returned_at)
