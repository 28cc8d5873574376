"""Foundation benchmark: bulk load, lookup by code, accent-insensitive search, appointment rate, verify.

    .venv/bin/python bench/foundation.py [--dossiers 100000] [--rebuild]

Builds (once, cached under bench/cache/) a database of N synthetic dossiers with `desk-app demo-data`, then prints
a table and writes bench/results/foundation.json. Figures only: never part of the test run's pass/fail. The
raw-SQLite baseline beside each query shows what our own layers add.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from desk_app.domain.deadlines import TimeLimit
from desk_app.services.desk import open_desk
from desk_app.services.queries import find
from desk_app.services.rules import load_rules
from desk_app.store.models import VN_TZ


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    data_dir = ROOT / "cache" / f"foundation-{args.dossiers}"
    results: dict[str, float] = {}
    if args.rebuild or not (data_dir / "desk.db").exists():
        if data_dir.exists():
            for f in data_dir.glob("desk.db*"):
                f.unlink()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "desk_app", "--data-dir", str(data_dir), "demo-data", "--dossiers",
                        str(args.dossiers), "--seed", "1"], check=True)
        elapsed = time.perf_counter() - start
        results["demo_data_dossiers_per_s"] = args.dossiers / elapsed
    db = open_desk(data_dir)
    raw = sqlite3.connect(data_dir / "desk.db")
    codes = [r[0] for r in raw.execute("SELECT code FROM dossiers ORDER BY random() LIMIT 200")]
    names = [r[0] for r in raw.execute("SELECT applicant_name FROM dossiers ORDER BY random() LIMIT 100")]
    rng = random.Random(1)
    with db.session() as session:
        by_code = timed(lambda: find(session, rng.choice(codes)), 200)
        raw_code = timed(lambda: raw.execute("SELECT * FROM dossiers WHERE code = ?", (rng.choice(codes),))
                         .fetchall(), 200)
        from desk_app.domain.validation import vn_fold

        by_name = timed(lambda: find(session, vn_fold(rng.choice(names))), 100)
        raw_name = timed(lambda: raw.execute(
            "SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? ORDER BY rowid DESC LIMIT 50",
            ('"' + vn_fold(rng.choice(names)) + '"*',)).fetchall(), 100)
        rules = load_rules(session)
    import datetime as dt

    limit = TimeLimit.parse("5 working_days")
    moment = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)
    start = time.perf_counter()
    for i in range(20_000):
        rules.appointment(limit, moment + dt.timedelta(minutes=37 * i))
    results["appointments_per_s"] = 20_000 / (time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "desk_app", "--data-dir", str(data_dir), "verify"], check=True,
                   capture_output=True)
    results["verify_s"] = time.perf_counter() - start
    results.update({
        "lookup_by_code_p50_ms": statistics.median(by_code), "lookup_by_code_p95_ms": p(by_code, 0.95),
        "raw_lookup_by_code_p50_ms": statistics.median(raw_code),
        "name_search_p50_ms": statistics.median(by_name), "name_search_p95_ms": p(by_name, 0.95),
        "raw_fts_p50_ms": statistics.median(raw_name),
    })
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "foundation.json").write_text(json.dumps({"dossiers": args.dossiers, **results}, indent=2))
    print(f"{'figure':32} value   ({args.dossiers} dossiers)")
    for key, value in results.items():
        print(f"{key:32} {value:10.2f}")


if __name__ == "__main__":
    main()
