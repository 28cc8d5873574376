"""desk-app demo-data: as many dossiers as asked, at any hour it runs, and none received after now."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from desk_app.services.clock import FixedClock
from desk_app.services.demo import generate
from desk_app.store.models import to_db_time
from tests.conftest import vn


@pytest.mark.parametrize("moment", [
    "2026-11-23 00:30",  # a Monday before its office hours (the bug: today's share was dropped, 298 of 300)
    "2026-11-23 07:00",  # the minute the office opens
    "2026-11-23 09:41",  # within the morning session
    "2026-11-23 12:15",  # between the sessions
    "2026-11-22 10:00",  # a Sunday
])
def test_every_dossier_asked_and_none_after_now(db, moment):
    now = vn(moment)
    added = generate(db, 300, seed=7, clock=FixedClock(now), actor="demo")
    with closing(sqlite3.connect(db.path)) as conn:
        count, latest = conn.execute("SELECT count(*), max(received_at) FROM dossiers").fetchone()
    assert added.dossiers == count == 300
    assert latest < to_db_time(now)
