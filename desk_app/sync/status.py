"""What the status bar shows of the sync: configured or not, events waiting, set aside, the last success.

Read from the event log and from ``sync_runs`` (one row per run), so it holds after a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from desk_app.services.context import ServiceContext
from desk_app.services.settings import SettingsService
from desk_app.store.models import SyncRun
from desk_app.sync import outbox
from desk_app.sync.outbox import SetAsideEvent

SUCCESS_STATUSES = ("ok", "set_aside")  # the server was reached and took everything it could


@dataclass(frozen=True)
class SyncStatus:
    configured: bool  # an address and a token are set
    hub_url: str
    pending: int  # this desk's events not yet acknowledged by the server
    set_aside: int  # this desk's events the server refused (kept, with the reason)
    last_success_at: dt.datetime | None  # the end of the last run that reached the server and went through
    last_attempt_at: dt.datetime | None  # the start of the last run, whatever its outcome
    last_outcome: str | None  # that run's status (ok, set_aside, unreachable, refused, not_configured, cancelled)
    last_message: str
    ca_file: str = ""  # upper_level_ca_file: the authority the server's certificate is checked against


def sync_status(ctx: ServiceContext) -> SyncStatus:
    with ctx.read() as session:
        settings = SettingsService(session).all()
        desk = int(settings["desk"])
        last = session.scalar(select(SyncRun).order_by(SyncRun.id.desc()).limit(1))
        success = session.scalar(select(SyncRun.finished_at).where(SyncRun.status.in_(SUCCESS_STATUSES))
                                 .order_by(SyncRun.id.desc()).limit(1))
        return SyncStatus(
            configured=bool(settings["upper_level_url"] and settings["upper_level_token"]),
            hub_url=settings["upper_level_url"],
            pending=outbox.pending_count(session, desk),
            set_aside=outbox.set_aside_count(session, desk),
            last_success_at=success,
            last_attempt_at=last.started_at if last is not None else None,
            last_outcome=last.status if last is not None else None,
            last_message=last.message if last is not None else "",
            ca_file=settings["upper_level_ca_file"],
        )


def set_aside_events(ctx: ServiceContext) -> list[SetAsideEvent]:
    """This desk's events the server refused, in sequence order, with the server's reasons."""
    with ctx.read() as session:
        desk = int(SettingsService(session).get("desk"))
        return outbox.set_aside_events(session, desk)
