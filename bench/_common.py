"""What the benchmarks share: the cached demo databases (built once, migrated once without a copy), timing, quantiles.

The caches live under bench/cache/ (git-ignored). A cache built by an older version of the code is at an older schema;
opening it with :func:`desk_app.services.desk.open_desk` would first copy it aside (the pre-migration backup: minutes
and 4.7 GB of disk for the million-dossier one). A cache is throw-away data that can be rebuilt, so
:func:`migrated_cache` brings it to the current schema in place with no copy, once; every later open finds nothing to
do.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / "cache"
RESULTS = ROOT / "results"


def dossier_cache(dossiers: int) -> Path:
    """The folder of the cached demo database of ``dossiers`` dossiers (shared by the list, dashboard, report and
    run_all benchmarks)."""
    return CACHE / f"dossier_list-{dossiers}"


def build(data_dir: Path, dossiers: int, rebuild: bool) -> float | None:
    """Create the cached database unless it is there; the dossiers per second of demo-data when it was built."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if (data_dir / "desk.db").exists() and not rebuild:
        return None
    for old in data_dir.glob("desk.db*"):
        old.unlink()
    run = [sys.executable, "-m", "desk_app", "--data-dir", str(data_dir)]
    subprocess.run([*run, "init", "--demo"], check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([*run, "demo-data", "--dossiers", str(dossiers), "--seed", "1"], check=True)
    return dossiers / (time.perf_counter() - start)


def migrate_in_place(data_dir: Path) -> bool:
    """Bring a cached (throw-away) database to the current schema without the pre-migration copy; True when it had
    to."""
    from desk_app.store.db import DB_FILENAME, current_revision, head_revision, make_engine, migrate

    engine = make_engine(data_dir / DB_FILENAME)
    try:
        if current_revision(engine) == head_revision():
            return False
        migrate(engine, data_dir / DB_FILENAME, None)
        return True
    finally:
        engine.dispose()


def migrated_cache(dossiers: int, rebuild: bool = False) -> Path:
    """The cached demo database of ``dossiers`` dossiers, built if missing and at the current schema."""
    data_dir = dossier_cache(dossiers)
    build(data_dir, dossiers, rebuild)
    migrate_in_place(data_dir)
    return data_dir


def newest_received(db_path: Path) -> dt.datetime:
    """The newest dossier's reception time (Vietnamese local time): the benchmarks' "now" is a minute after it."""
    from desk_app.store.models import VN_TZ

    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        text = conn.execute("SELECT max(received_at) FROM dossiers").fetchone()[0]
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def samples_ms(fn: Callable[[], Any], repeat: int, warm_up: bool = True) -> list[float]:
    """``repeat`` wall times of ``fn`` in milliseconds (after one untimed warm-up run unless told otherwise)."""
    if warm_up:
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def quantile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank quantile (0.5: the median of an odd count, 0.95: p95)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)
