"""Power cuts during a sync (issue 7): the desk's sync process, and the upper-level server, killed with SIGKILL at
random moments, many times. After every cut the desk's database verifies, every event is still to send, sent (its
acknowledgement lost with the process) or acknowledged, the server holds each event at most once (by uuid) and every
event the desk counts as acknowledged; a last sync then completes (exit 0) with the server holding each event
exactly once. (A single server kill mid-batch is tests/sync/test_end_to_end.py; this repeats both kinds of cut.)
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from desk_app.services.clock import FixedClock, SystemClock
from desk_app.services.context import ServiceContext
from desk_app.services.demo import generate
from desk_app.services.desk import initialise, open_desk
from desk_app.services.integrity import verify
from desk_app.services.settings import SettingsService
from desk_app.sync import engine
from desk_app.sync.engine import run_sync
from tests.conftest import AGENCY, vn
from tests.hub_process import REPO_ROOT, HubProcess, sqlite_url

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"), pytest.mark.slow]

DESK_CUTS = 15
HUB_CUTS = 3
STATES = {"to_send", "sent", "acknowledged"}
FORK = multiprocessing.get_context("fork")

def _sync_child(data_dir: str, started: Any) -> None:
    """The desk's sync in a forked process (the test's imports already loaded: a cut costs milliseconds, not an
    interpreter start); many small batches, so that a cut lands between, or inside, one of them."""
    engine.BATCH_EVENTS = 10
    ctx = ServiceContext(open_desk(Path(data_dir)), SystemClock(), "test:power-cut")
    run_sync(ctx, sleep=lambda _s: None, progress=lambda _p: started.set())
    started.set()


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    with HubProcess(sqlite_url(tmp_path / "hub.db"), tmp_path / "hub", log_level="warning") as server:
        yield server


def _desk(tmp_path: Path, hub: HubProcess, dossiers: int) -> ServiceContext:
    data_dir = tmp_path / "desk"
    db = open_desk(data_dir)
    initialise(db, {"agency_code": AGENCY, "commune_name": "UBND xã Mỹ Phong"})
    token = hub.add_commune(AGENCY, "UBND xã Mỹ Phong")
    with db.write_session() as session, session.begin():
        settings = SettingsService(session)
        for key, value in (("desk", "1"), ("upper_level_url", hub.url), ("upper_level_token", token)):
            settings.set(key, value)
    ctx = ServiceContext(db, FixedClock(vn("2026-03-02 09:00")), "test:power-cut")
    generate(db, dossiers, seed=7, clock=ctx.clock, actor="demo")
    return ctx


def _desk_events(ctx: ServiceContext) -> dict[str, str]:
    with closing(sqlite3.connect(ctx.db.path)) as conn:
        return dict(conn.execute("SELECT uuid, sync_state FROM dossier_events WHERE desk = 1").fetchall())


def _hub_uuids(hub: HubProcess) -> list[str]:
    with closing(sqlite3.connect(hub.db_url.removeprefix("sqlite:///"))) as conn:
        return [row[0] for row in conn.execute("SELECT uuid FROM events WHERE desk = 1")]


def _check_after_a_cut(ctx: ServiceContext, hub: HubProcess, total: int) -> dict[str, str]:
    with ctx.read() as session:
        report = verify(session)
    assert report.ok, report.problems
    events = _desk_events(ctx)
    assert len(events) == total
    assert set(events.values()) <= STATES, set(events.values())
    held = _hub_uuids(hub)
    assert len(held) == len(set(held)), "an event stored twice on the server"
    acknowledged = {uuid for uuid, state in events.items() if state == "acknowledged"}
    assert acknowledged <= set(held), "acknowledged by the server but not held there"
    assert set(held) <= set(events), "the server holds an event this desk never wrote"
    in_flight = {uuid for uuid, state in events.items() if state == "sent"}
    assert set(held) - acknowledged <= in_flight | {u for u, s in events.items() if s == "to_send"}
    return events


def _final_sync_by_cli(ctx: ServiceContext, hub: HubProcess, total: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-m", "desk_app", "sync", "--data-dir", str(ctx.db.data_dir)],
                          check=False, capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    events = _check_after_a_cut(ctx, hub, total)
    assert set(events.values()) == {"acknowledged"}
    assert sorted(_hub_uuids(hub)) == sorted(events)  # each event exactly once


def test_the_desk_killed_during_sync_many_times_loses_and_doubles_nothing(tmp_path: Path, hub: HubProcess) -> None:
    ctx = _desk(tmp_path, hub, dossiers=150)
    total = len(_desk_events(ctx))
    assert total > 300
    rng = random.Random(2026)
    progress: list[int] = []
    for _ in range(DESK_CUTS):
        started = FORK.Event()
        child = FORK.Process(target=_sync_child, args=(str(ctx.db.data_dir), started))
        child.start()
        assert started.wait(30), "the sync never began"
        time.sleep(rng.uniform(0.0, 0.25))
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)  # a power cut: no clean-up, no rollback but SQLite's own
        child.join(10)
        events = _check_after_a_cut(ctx, hub, total)
        progress.append(sum(state == "acknowledged" for state in events.values()))
    assert progress == sorted(progress), progress  # acknowledged stays acknowledged
    assert any(0 < done < total for done in progress), f"no cut landed mid-sync: {progress}"
    print(f"acknowledged after each cut: {progress} of {total}")
    _final_sync_by_cli(ctx, hub, total)


def test_the_server_killed_during_pushes_then_restarted(tmp_path: Path, hub: HubProcess,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "BATCH_EVENTS", 40)
    ctx = _desk(tmp_path, hub, dossiers=150)
    total = len(_desk_events(ctx))
    rng = random.Random(7)
    for _ in range(HUB_CUTS):
        killer = threading.Timer(rng.uniform(0.05, 0.4), hub.kill)
        killer.start()
        outcome = run_sync(ctx, sleep=lambda _s: None)
        killer.join()
        assert outcome.status in ("ok", "unreachable"), outcome.message
        _check_after_a_cut(ctx, hub, total)
        hub.start()
    _final_sync_by_cli(ctx, hub, total)
