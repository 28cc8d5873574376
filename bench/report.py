"""Statistics report benchmark: Biểu số 06 for a month, a quarter and a year, and its PDF and workbook.

    .venv/bin/python bench/report.py [--dossiers 100000] [--repeat 5]

Reuses (or builds once) the cached demo database of bench/dossier_list.py (bench/cache/dossier_list-N/). Times
``build_report`` for the last complete month, quarter and year before the newest dossier, prints the grouped
query's plan, and times the exports. Writes bench/results/report.json. Figures only: never part of the test run's
pass/fail. Target: the yearly report over a million dossiers well under a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bench.dossier_list import build
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.services.report import _classified, _params, build_report
from desk_app.store.models import VN_TZ


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), result


def newest(db_path: Path) -> dt.datetime:
    with sqlite3.connect(db_path) as conn:
        text = conn.execute("SELECT max(received_at) FROM dossiers").fetchone()[0]
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def periods(last: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    month_end = last.replace(day=1) - dt.timedelta(days=1)
    month = (month_end.replace(day=1), month_end)
    this_quarter = dt.date(last.year, ((last.month - 1) // 3) * 3 + 1, 1)
    quarter_end = this_quarter - dt.timedelta(days=1)  # the last complete quarter
    quarter_start = dt.date(quarter_end.year, quarter_end.month - 2, 1)
    year = (dt.date(last.year - 1, 1, 1), dt.date(last.year - 1, 12, 31))
    return {"month": month, "quarter": (quarter_start, quarter_end), "year": year}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = ROOT / "cache" / f"dossier_list-{args.dossiers}"
    build(data_dir, args.dossiers, rebuild=False)
    started = time.perf_counter()
    db = open_desk(data_dir)  # applies any pending migration (with its backup) before timing
    opened_ms = (time.perf_counter() - started) * 1000
    now = newest(db.path) + dt.timedelta(minutes=1)
    ctx = ServiceContext(db, FixedClock(now), "bench", role="leader")
    results: dict[str, Any] = {"dossiers": args.dossiers, "open_ms": round(opened_ms, 1), "reports": {}}
    print(f"{args.dossiers:,} dossiers; opened (and migrated if needed) in {opened_ms:.0f} ms")
    for name, (start, end) in periods(now.date()).items():
        median, worst, report = timed(lambda s=start, e=end: build_report(ctx, s, e), args.repeat)
        results["reports"][name] = {"from": start.isoformat(), "to": end.isoformat(), "median_ms": round(median, 1),
                                    "worst_ms": round(worst, 1), "received_total": report.total.received_total,
                                    "late_items": len(report.late_items)}
        print(f"  {name:8} {start} – {end}: {median:8.1f} ms median, {worst:8.1f} ms worst "
              f"({report.total.received_total:,} received, {len(report.late_items):,} late or overdue listed)")
    year_start, year_end = periods(now.date())["year"]
    plan_sql = (f"EXPLAIN QUERY PLAN SELECT field_code, came, stands, count(*) FROM "
                f"({_classified('original', False, 'd.field_code')}) GROUP BY field_code, came, stands")
    params = _params(year_start, year_end)
    with db.engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(plan_sql, params)]
    results["plan"] = plan
    print("  plan of the grouped query:\n    " + "\n    ".join(plan))
    report = build_report(ctx, year_start, year_end)
    try:
        from desk_app.documents.report import render_report_pdf
        from desk_app.services.report_export import report_workbook
    except ImportError:
        print("  (exports not available)")
    else:
        pdf_ms, _, pdf = timed(lambda: render_report_pdf(report), 3)
        xlsx_ms, _, xlsx = timed(lambda: report_workbook(report), 1)
        results["pdf_ms"], results["xlsx_ms"] = round(pdf_ms, 1), round(xlsx_ms, 1)
        print(f"  year PDF {pdf_ms:.0f} ms ({len(pdf):,} bytes); workbook {xlsx_ms:.0f} ms ({len(xlsx):,} bytes, "
              f"{len(report.late_items):,} late rows)")
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "report.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
