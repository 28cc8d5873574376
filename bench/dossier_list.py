"""Dossier list benchmark: first page, next pages, every sort, every quick filter, counts, searches, the screen.

    .venv/bin/python bench/dossier_list.py [--dossiers 100000] [--rebuild] [--repeat 5]

Builds (once, cached under bench/cache/dossier_list-N/) a database of N synthetic dossiers with `desk-app init
--demo` and `desk-app demo-data`, then times the service calls the list screen makes and prints each one's query
plan, flagging a plan that sorts (USE TEMP B-TREE) where the page should walk an index. "Now" is a minute after the
newest dossier, so the quick filters find what a desk's day would. Writes bench/results/dossier_list.json. Figures
only: never part of the test run's pass/fail. Target: a first page well under 100 ms.
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

from sqlalchemy.dialects import sqlite as sqlite_dialect

from bench._common import build
from desk_app.domain.lifecycle import Status
from desk_app.services import dossier_list as dl
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.services.rules import load_rules
from desk_app.store.models import VN_TZ


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median and worst time in ms over ``repeat`` runs (after one warm-up run), and the last result."""
    result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), result


def plan(ctx: ServiceContext, flt: dl.ListFilter, sort: dl.SortKey, descending: bool,
         after: dl.Cursor | None) -> tuple[str | None, str]:
    with ctx.read() as session:
        query = dl.page_query(session, flt, sort, descending, after, dl.PAGE_SIZE + 1, ctx.clock.now(),
                              load_rules(session))
        compiled = query.statement.compile(dialect=sqlite_dialect.dialect(),
                                           compile_kwargs={"render_postcompile": True})
        params = tuple(compiled.construct_params()[k] for k in compiled.positiontup or ())
        steps = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).fetchall()
    return query.driver, "; ".join(str(s[-1]) for s in steps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = ROOT / "cache" / f"dossier_list-{args.dossiers}"
    data_dir.mkdir(parents=True, exist_ok=True)
    built = build(data_dir, args.dossiers, args.rebuild)

    raw = sqlite3.connect(data_dir / "desk.db")
    newest = raw.execute("SELECT max(received_at) FROM dossiers").fetchone()[0]
    now = dt.datetime.fromisoformat(newest).replace(tzinfo=VN_TZ) + dt.timedelta(minutes=1)
    sample = raw.execute("SELECT code, phone, applicant_name FROM dossiers WHERE phone IS NOT NULL "
                         "ORDER BY id DESC LIMIT 1 OFFSET 5000").fetchone()
    total = raw.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    raw.close()
    db = open_desk(data_dir)
    ctx = ServiceContext(db, FixedClock(now), "bench", role="clerk")
    everything = dl.ListFilter()

    results: dict[str, dict[str, Any]] = {}

    def measure(label: str, fn: Callable[[], Any], flt: dl.ListFilter | None = None, sort: dl.SortKey = "received_at",
                descending: bool = True, after: dl.Cursor | None = None) -> Any:
        median, worst, result = timed(fn, args.repeat)
        entry: dict[str, Any] = {"median_ms": round(median, 2), "max_ms": round(worst, 2)}
        if isinstance(result, dl.Page):
            entry["rows"] = len(result.rows)
        elif isinstance(result, int):
            entry["count"] = result
        if flt is not None:
            entry["driver"], entry["plan"] = plan(ctx, flt, sort, descending, after)
        results[label] = entry
        return result

    first = measure("first page (received, newest first)", lambda: dl.page(ctx, everything), everything)
    cursor = first.next_cursor
    for _ in range(9):  # ten pages down
        cursor = dl.page(ctx, everything, after=cursor).next_cursor
    measure("next page (the 11th)", lambda: dl.page(ctx, everything, after=cursor), everything, after=cursor)
    for sort in dl.SORT_KEYS:
        for descending in (False, True):
            measure(f"first page by {sort} {'desc' if descending else 'asc'}",
                    lambda s=sort, d=descending: dl.page(ctx, everything, s, d), everything, sort, descending)
    for preset in dl.PRESETS_VN:
        flt = dl.ListFilter(preset=preset)
        measure(f"preset {preset}: first page", lambda f=flt: dl.page(ctx, f), flt)
        measure(f"preset {preset}: first page by due date", lambda f=flt: dl.page(ctx, f, "due_at", False), flt,
                "due_at", False)
        measure(f"preset {preset}: count", lambda f=flt: dl.count(ctx, f))
    measure("count: everything", lambda: dl.count(ctx, everything))
    filters = {
        "status returned": dl.ListFilter(status=Status.RETURNED),
        "status result_ready": dl.ListFilter(status=Status.RESULT_READY),
        "procedure XA.CT.01 (common)": dl.ListFilter(procedure_code="XA.CT.01"),
        "procedure XA.DD.01 (rare)": dl.ListFilter(procedure_code="XA.DD.01"),
        "field DD + channel direct": dl.ListFilter(field_code="DD", channel="direct"),
        "received in one month": dl.ListFilter(date_from=now.date().replace(day=1) - dt.timedelta(days=62),
                                               date_to=now.date().replace(day=1) - dt.timedelta(days=32)),
        "search name (folded)": dl.ListFilter(text=sample[2]),
        "search 'nguyen van'": dl.ListFilter(text="nguyen van"),
        "search 'dong thap' (every dossier)": dl.ListFilter(text="dong thap"),
        "search phone": dl.ListFilter(text=sample[1]),
        "search phone prefix": dl.ListFilter(text=sample[1][:5]),
        "search code": dl.ListFilter(text=sample[0]),
        "search 'nguyen' + status returned": dl.ListFilter(text="nguyen", status=Status.RETURNED),
    }
    for label, flt in filters.items():
        measure(f"{label}: first page", lambda f=flt: dl.page(ctx, f), flt)
        measure(f"{label}: count", lambda f=flt: dl.count(ctx, f))

    from PySide6.QtWidgets import QApplication

    from desk_app.ui.dossier_list import DossierListView
    from desk_app.ui.worker import ImmediateRunner

    app = QApplication.instance() or QApplication([])

    def screen() -> None:
        view = DossierListView(ctx, ImmediateRunner())
        view.resize(1280, 800)
        view.show()
        app.processEvents()
        view.close()
        view.deleteLater()

    measure("screen: built, first page, count and options, shown", screen)

    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    summary = {"dossiers": total, "now": now.isoformat(), "page_size": dl.PAGE_SIZE,
               "demo_data_dossiers_per_s": built, "timings": results}
    (out / "dossier_list.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"{total} dossiers, now {now:%d/%m/%Y %H:%M}, pages of {dl.PAGE_SIZE}"
          + (f"; built at {built:.0f} dossiers/s" if built else ""))
    print(f"{'':58} {'median':>9} {'max':>9}  rows/count  driver")
    for label, entry in results.items():
        size = entry.get("rows", entry.get("count", ""))
        sorts = "TEMP B-TREE" in entry.get("plan", "")
        flag = ("  sorts the whole filter (no index)" if sorts and not entry.get("driver")
                else f"  sorts < {dl.PROBE_LIMIT} rows" if sorts else "")
        print(f"{label:58} {entry['median_ms']:8.1f}ms {entry['max_ms']:8.1f}ms  {size!s:>10}  "
              f"{entry.get('driver') or ('walk' if 'plan' in entry else '')}{flag}")
    print("\nplans:")
    for label, entry in results.items():
        if "plan" in entry:
            print(f"  {label}: {entry['plan']}")


if __name__ == "__main__":
    main()
