"""What the main window shows at a glance: the commune, the database in use, today's counts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desk_app.services.context import ServiceContext
from desk_app.services.queries import DayCounts, day_counts
from desk_app.services.settings import SettingsService


@dataclass(frozen=True)
class Overview:
    commune_name: str
    agency_code: str
    upper_level_name: str
    desk: int
    database: Path
    today: str
    updated: str
    counts: DayCounts


def overview(ctx: ServiceContext) -> Overview:
    now = ctx.clock.now()
    with ctx.read() as session:
        settings = SettingsService(session).all()
        counts = day_counts(session, now)
    return Overview(
        commune_name=settings["commune_name"],
        agency_code=settings["agency_code"],
        upper_level_name=settings["upper_level_name"],
        desk=int(settings["desk"]),
        database=ctx.db.path,
        today=f"{now:%d/%m/%Y}",
        updated=f"{now:%H:%M}",
        counts=counts,
    )


def desk_setting(ctx: ServiceContext, key: str) -> str:
    """One setting's current value (or its default), for the window's own behaviour (e.g. the lock delay)."""
    with ctx.read() as session:
        return SettingsService(session).get(key)
