"""How fast the administrator's audit log answers with a large log: fills a throw-away desk with N audit records
(default 1,000,000, over two years, the kinds and actors a commune has) and prints the median time of the screen's
queries (first page, a deep page, each filter, the count).

    .venv/bin/python bench/audit_log.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from desk_app.services.audit_log import audit_count, audit_entries
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import initialise, open_desk
from desk_app.store.models import VN_TZ

KINDS = ["login", "login", "print", "print", "print", "reveal_id", "export", "logout", "settings", "login_failed"]
ACTORS = [f"nv.{n}" for n in ("lan", "minh", "tuan", "hoa", "binh")] + ["lanhdao", "quantri"]


def fill(db_path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, 7, 0)
    step = (2 * 365 * 24 * 3600) / rows
    with sqlite3.connect(db_path) as conn:
        batch = []
        for i in range(rows):
            at = (start + dt.timedelta(seconds=int(i * step))).isoformat(sep=" ")
            kind = rng.choice(KINDS)
            target = f"000.31.22.H20-{at[2:4]}{at[5:7]}{at[8:10]}-{rng.randint(1, 60):04d}" \
                if kind in ("print", "reveal_id") else None
            batch.append((at, rng.choice(ACTORS), kind, target, json.dumps({"form": "slip"} if target else {})))
            if len(batch) == 50_000:
                conn.executemany("INSERT INTO audit_log(at, actor, action, target, detail) VALUES (?,?,?,?,?)", batch)
                batch.clear()
        conn.executemany("INSERT INTO audit_log(at, actor, action, target, detail) VALUES (?,?,?,?,?)", batch)


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_desk(Path(folder))
        initialise(db, {"agency_code": "000.31.22.H20", "commune_name": "UBND xã Mỹ Phong"})
        started = time.perf_counter()
        fill(db.path, args.rows)
        print(f"{args.rows:,} audit records written in {time.perf_counter() - started:.1f} s")
        ctx = ServiceContext(db, FixedClock(dt.datetime(2027, 1, 1, 8, 0, tzinfo=VN_TZ)), "quantri", role="admin")
        month = {"since": dt.date(2026, 11, 1), "until": dt.date(2026, 11, 30)}
        cases: dict[str, Callable[[], object]] = {
            "first page (100), no filter": lambda: audit_entries(ctx),
            "page 50 (offset 4,900)": lambda: audit_entries(ctx, offset=4_900),
            "count, no filter": lambda: audit_count(ctx),
            "first page, one month": lambda: audit_entries(ctx, **month),
            "count, one month": lambda: audit_count(ctx, **month),
            "first page, reveals only": lambda: audit_entries(ctx, action="reveal_id"),
            "count, reveals only": lambda: audit_count(ctx, action="reveal_id"),
            "first page, one user": lambda: audit_entries(ctx, actor="nv.lan"),
            "first page, a dossier code, one month": lambda: audit_entries(ctx, target_contains="261115-0007", **month),
            "first page, a dossier code, no dates": lambda: audit_entries(ctx, target_contains="261115-0007"),
            "first page, failed logins in a month": lambda: audit_entries(ctx, action="login_failed", **month),
        }
        for name, work in cases.items():
            print(f"{name:40} {median_ms(work, args.repeat):8.1f} ms")
        db.close()


if __name__ == "__main__":
    main()
