"""Dashboard benchmark: the tiles' counts, each count's query and plan, the monthly series, the screen.

    .venv/bin/python bench/dashboard.py [--dossiers 100000] [--rebuild] [--repeat 5]

Uses the dossier list benchmark's cached databases (bench/cache/dossier_list-N/, built once with `desk-app init
--demo` and `desk-app demo-data`; only --rebuild builds one again). "Now" is a minute after the newest dossier, so
the counts find what a desk's day would. Prints each query's plan and flags one that scans the table rather than
searching an index. Writes bench/results/dashboard.json, one entry per database size (a run at 1 000 000 keeps the
entry of the run at 100 000). Figures only: never part of the test run's pass/fail. Target: the counts in
milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bench.dossier_list import build, timed
from desk_app.domain.lifecycle import Status
from desk_app.services import dashboard as ds
from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.services.dossier_list import preset_condition
from desk_app.services.rules import load_rules
from desk_app.store.models import VN_TZ, Dossier


def explain(session: Any, statement: Any) -> str:
    compiled = statement.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.construct_params()[k] for k in compiled.positiontup or ())
    steps = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).fetchall()
    return "; ".join(str(s[-1]) for s in steps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data_dir = ROOT / "cache" / f"dossier_list-{args.dossiers}"
    data_dir.mkdir(parents=True, exist_ok=True)
    build(data_dir, args.dossiers, args.rebuild)

    raw = sqlite3.connect(data_dir / "desk.db")
    newest = raw.execute("SELECT max(received_at) FROM dossiers").fetchone()[0]
    total = raw.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    raw.close()
    now = dt.datetime.fromisoformat(newest).replace(tzinfo=VN_TZ) + dt.timedelta(minutes=1)
    db = open_desk(data_dir)
    ctx = ServiceContext(db, FixedClock(now), "bench", role="leader")
    results: dict[str, dict[str, Any]] = {}

    def measure(label: str, fn: Callable[[], Any], plan: str | None = None) -> Any:
        median, worst, result = timed(fn, args.repeat)
        entry: dict[str, Any] = {"median_ms": round(median, 2), "max_ms": round(worst, 2)}
        if isinstance(result, int):
            entry["count"] = result
        if plan is not None:
            entry["plan"] = plan
        results[label] = entry
        return result

    with db.session() as session:
        rules = load_rules(session)
        measure("load_rules (settings, holidays, calendar)", lambda: load_rules(session))
        counts = measure("counts: the one statement (rules loaded)", lambda: ds.counts_at(session, now, rules))
        conditions = {p: preset_condition(p, now, rules) for p in ds.COUNT_PRESETS}
        conditions["received_today"] = ds._received_today(now)
        for name, condition in conditions.items():
            statement = select(func.count()).select_from(Dossier).where(condition)
            measure(f"count {name}", lambda s=statement: session.scalar(s), explain(session, statement))
        measure("monthly series: both grouped queries (rules loaded)", lambda: ds.series_at(session, now, rules))
        start = ds._month_start(*ds._shift(now.year, now.month, -11), now)
        received_month = func.strftime("%Y-%m", Dossier.received_at)
        received = (select(received_month, Dossier.channel, func.count())
                    .where(Dossier.received_at >= start, Dossier.status != Status.VOIDED.value)
                    .group_by(received_month, Dossier.channel))
        ready_month = func.strftime("%Y-%m", Dossier.result_ready_at)
        resolved = (select(ready_month, func.count(), func.sum(ds.in_time_case(rules.policy.supplement_rule)))
                    .where(Dossier.result_ready_at >= start).group_by(ready_month))
        measure("series: received by month and channel", lambda: session.execute(received).all(),
                explain(session, received))
        measure("series: results by month, early or on time", lambda: session.execute(resolved).all(),
                explain(session, resolved))

    measure("dashboard_counts(ctx) (service call)", lambda: ds.dashboard_counts(ctx))
    measure("dashboard_data(ctx, series=False) (the minute refresh)", lambda: ds.dashboard_data(ctx, series=False))
    series = measure("monthly_series(ctx) (service call)", lambda: ds.monthly_series(ctx))
    measure("dashboard_data(ctx) (counts and series)", lambda: ds.dashboard_data(ctx))

    from PySide6.QtWidgets import QApplication

    from desk_app.ui.dashboard import Dashboard
    from desk_app.ui.worker import ImmediateRunner

    app = QApplication.instance() or QApplication([])

    def screen() -> None:
        view = Dashboard(ctx, ImmediateRunner())
        view.resize(1280, 800)
        view.refresh()
        view.show()
        app.processEvents()
        view.grab()  # painted, charts included
        view.close()
        view.deleteLater()

    measure("screen: built, refreshed, shown and painted", screen)

    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    path = out / "dashboard.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved[str(total)] = {
        "dossiers": total, "now": now.isoformat(),
        "counts": {name: counts.of(name) for name in (*ds.COUNT_PRESETS, "received_today")},
        "series": [{"month": p.label, "received": p.received, "direct": p.direct, "online": p.online,
                    "postal": p.postal, "resolved": p.resolved, "in_time": p.in_time} for p in series],
        "timings": results,
    }
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False))
    print(f"{total} dossiers, now {now:%d/%m/%Y %H:%M}")
    print(f"{'':62} {'median':>9} {'max':>9}  count")
    for label, entry in results.items():
        scans = "SCAN dossiers" in entry.get("plan", "") and "USING" not in entry.get("plan", "")
        print(f"{label:62} {entry['median_ms']:8.2f}ms {entry['max_ms']:8.2f}ms  {entry.get('count', '')!s:>6}"
              f"{'  scans the table' if scans else ''}")
    print("\nplans:")
    for label, entry in results.items():
        if "plan" in entry:
            print(f"  {label}: {entry['plan']}")


if __name__ == "__main__":
    main()
