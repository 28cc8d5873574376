"""The clerk's favourite procedures: those they received most in the last 90 days, most used first, for Alt+1…9
and the top of the procedure picker.

Counted from the clerk's own ``received`` events joined to dossiers received in the window (the received-at column
is indexed, so a year of history is not read); voided entries (typed twice by mistake) do not count, nor do
procedures no longer active.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, select

from desk_app.domain.lifecycle import EventKind, Status
from desk_app.services.catalog import time_limit_of
from desk_app.services.context import ServiceContext
from desk_app.services.counter import ProcedureChoice
from desk_app.store.models import Dossier, DossierEvent, Procedure

FAVORITE_DAYS = 90
FAVORITE_KEYS = 9  # Alt+1 … Alt+9


def favorite_procedures(ctx: ServiceContext, *, limit: int = FAVORITE_KEYS,
                        days: int = FAVORITE_DAYS) -> list[ProcedureChoice]:
    """The procedures this clerk received most often in the last ``days`` days (ties: the most recent first)."""
    since = ctx.clock.now() - dt.timedelta(days=days)
    # The window's dossiers by their received-at index, each checked for this clerk's received event by the events'
    # dossier index. Grouping by an expression (code || '') keeps SQLite from walking the procedure-code index for
    # the grouping instead, a scan of every dossier ever received; the events table has no index on the actor.
    code = (Dossier.procedure_code + "").label("code")
    by_clerk = exists().where(DossierEvent.dossier_id == Dossier.id, DossierEvent.kind == EventKind.RECEIVED.value,
                              DossierEvent.actor == ctx.actor)
    with ctx.read() as session:
        ranked = session.execute(
            select(code)
            .join(Procedure, Procedure.code == Dossier.procedure_code)
            .where(Dossier.received_at >= since, Dossier.status != Status.VOIDED.value, Procedure.active.is_(True),
                   by_clerk)
            .group_by(code)
            .order_by(func.count().desc(), func.max(Dossier.received_at).desc(), code)
            .limit(limit)
        ).scalars().all()
        procedures = {p.code: p for p in session.scalars(select(Procedure).where(Procedure.code.in_(ranked)))}
        return [ProcedureChoice(p.code, p.name, p.field_name, time_limit_of(p).describe(), bool(p.components))
                for p in (procedures[code] for code in ranked if code in procedures)]
