"""Opening a desk's database, and ``init``: create or upgrade it, load the catalog and holidays, apply settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from desk_app.services.catalog import load_catalog, load_holidays
from desk_app.services.settings import SettingsService
from desk_app.store.db import Database
from desk_app.store.search import rebuild_search_index, search_index_state
from desk_app.store.models import Procedure


@dataclass(frozen=True)
class InitReport:
    database: Path
    procedures: int
    holiday_years: int
    settings: dict[str, str]
    migration_backup: Path | None


def open_desk(data_dir: Path) -> Database:
    """Open (creating or migrating as needed) the desk database; a new one gets the shipped catalog at once."""
    db = Database(data_dir)
    with db.session() as session:
        has_catalog = session.scalar(select(Procedure.id).limit(1)) is not None
    if not has_catalog:
        with db.write_session() as session, session.begin():
            if session.scalar(select(Procedure.id).limit(1)) is None:
                load_catalog(session)
                load_holidays(session)
    return db


# What `make run` shows a newcomer: a plausible commune of Đồng Tháp (the agency code is illustrative).
DEMO_SETTINGS = {
    "commune_name": "UBND xã Mỹ Phong",
    "agency_code": "000.31.22.H20",
    "upper_level_name": "UBND tỉnh Đồng Tháp",
    "upper_level_kind": "province",
    "hotline": "Tổng đài 1022",
}


def initialise(db: Database, overrides: dict[str, str], *, demo: bool = False) -> InitReport:
    """Idempotent: reload the catalog and the holiday schedules, keep existing settings, apply ``overrides``.

    With ``demo``, the demo commune's settings fill the keys that were never set (an installation's own are kept).
    """
    with db.write_session() as session, session.begin():
        procedures = load_catalog(session)
        years = load_holidays(session)
        settings = SettingsService(session)
        if demo:
            for key, value in DEMO_SETTINGS.items():
                if not settings.is_set(key):
                    settings.set(key, value)
        for key, value in overrides.items():
            settings.set(key, value)
        if search_index_state(session) != "ok":
            rebuild_search_index(session)
        session.flush()
        values = settings.all()
    return InitReport(db.path, procedures, years, values, db.migration_backup)


# Only for the demo commune `make run` opens: known sign-ins so a newcomer can try every role. A real installation
# never gets them (`init` without --demo), and `init --demo` adds them only while there is no account at all.
DEMO_ACCOUNTS = (
    ("quantri", "Nguyễn Văn Quản", "admin", "demo-quantri"),
    ("lanhdao", "Trần Thị Lãnh", "leader", "demo-lanhdao"),
    ("canbo", "Lê Thị Lan", "clerk", "demo-canbo"),
)


def create_demo_accounts(db: Database) -> list[tuple[str, str, str]]:
    """Create the demo sign-ins when the database has no account; returns (username, role, password) created."""
    from desk_app.services.accounts import create_user, needs_first_run
    from desk_app.services.clock import SystemClock
    from desk_app.services.context import ServiceContext

    if not needs_first_run(db):
        return []
    ctx = ServiceContext(db, SystemClock(), "init --demo")
    for username, full_name, role, password in DEMO_ACCOUNTS:
        create_user(ctx, username, full_name, role, password)
    return [(username, role, password) for username, _, role, password in DEMO_ACCOUNTS]
