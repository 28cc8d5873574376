"""Every figure of issue 8 against its target, on the 100,000- and 1,000,000-dossier demo databases: ONE table.

    .venv/bin/python bench/run_all.py [--quick] [--sizes 100000,1000000] [--starts 7] [--saves 60] [--sync-repeat 3]
    make bench

``--quick``: the 100,000-dossier database only, fewer runs, the sync run kept short. The databases are built once
with ``desk-app demo-data`` (bench/_common.py, cached under bench/cache/, brought to the current schema in place
without the pre-migration copy) — building the million takes about a quarter of an hour. Per database size:

* cold start: ``desk-app gui --exit-after-startup`` (offscreen) as a new process, from its spawn to the line it
  prints when the main window is up with its first screen (the figure against the target), and to its exit (closing
  waits for the first screen's background reads); the median of ``--starts`` runs after one warm-up run (the OS file
  cache is warm, bytecode cached as an installed app has it). Baseline: a bare process that imports PySide6, shows
  an empty QMainWindow and prints a line. Peak memory: the largest peak resident set (VmHWM) of those processes;
* save + slip: :func:`desk_app.services.intake.receive` then the slip's PDF (:func:`print_jobs.dossier_form`), the
  F9 of the intake screen without the screen, p50 and p95; baseline: a one-line reportlab page. These dossiers are
  written into the cached database (a working morning after its last event; a cache is throw-away data);
* lookup by code (:func:`queries.find`), against the raw ``SELECT … WHERE code = ?``;
* accent-insensitive name search: the ledger's first page for an unaccented name (:func:`dossier_list.page`), p95,
  against the raw FTS query behind it;
* the dashboard's counts, the yearly report (the last complete year), the ledger PDF of the last complete month;
* sync (independent of the size, median of --sync-repeat runs; bench/sync.py's scenarios on the server's SQLite): one desk syncing alone
  (the push phase's events/s) and the server's ingest with 50 desks pushing at once.

Prints the table (each figure with its target ✓/✗ and its ratio to the baseline) and writes bench/results/bench.json.
Figures only: never part of the tests' pass/fail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bench._common import CACHE, RESULTS, median, migrated_cache, newest_received, quantile, samples_ms

DESK_APP = [sys.executable, "-m", "desk_app"]
BARE_QT = ("import sys; from PySide6.QtWidgets import QApplication, QMainWindow; app = QApplication(sys.argv[:1]); "
           "w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents(); print('ready', flush=True)")


@dataclass
class Figure:
    """One line of the table: a measured value, its target (None: no target) and its baseline."""

    size: int | None  # dossiers in the database; None for the sync figures
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    baseline: float | None = None
    baseline_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value > self.target if self.higher_is_better else self.value < self.target

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.value / self.baseline


# -- processes: cold start and memory ------------------------------------------------------------------------------
def child_env() -> dict[str, str]:
    """Offscreen Qt; bytecode cached (outside the tree) as an installed app has it, even where the shell says not."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1",
               PYTHONPYCACHEPREFIX=str(CACHE / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass
class Start:
    ready_s: float  # spawn → the first line printed (the window is up)
    exit_s: float  # spawn → the process ended
    max_rss_mb: float
    printed: str


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set so far (VmHWM: since its exec, unlike ru_maxrss, which would count the pages
    of this big process it was forked from); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def one_start(command: list[str], attempts: int = 3) -> Start:
    with tempfile.TemporaryFile() as errors:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=child_env())
        assert process.stdout is not None
        peak = [0.0]
        watching = threading.Event()

        def watch() -> None:  # until the process has ended (its /proc entry stays until it is waited for)
            while not watching.wait(0.01):
                peak[0] = max(peak[0], peak_rss_mb(process.pid))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        line = process.stdout.readline()
        ready = time.perf_counter() - began
        process.stdout.read()  # the end of its output: it is exiting
        while seen := peak_rss_mb(process.pid):  # a zombie (ended, not yet waited for) has no VmHWM any more
            peak[0] = max(peak[0], seen)
            time.sleep(0.005)
        watching.set()
        watcher.join()
        process.wait()
        ended = time.perf_counter() - began
        if process.returncode != 0 or not line:
            errors.seek(0)
            said = errors.read().decode(errors="replace").strip()[-400:]
            if attempts > 1:  # e.g. the data folder's lock still held by another process a moment longer
                print(f"  start failed ({process.returncode}), again: {said}", flush=True)
                time.sleep(2)
                return one_start(command, attempts - 1)
            raise SystemExit(f"{command[-3:]} ended with {process.returncode} without a ready line: {said}")
    return Start(ready, ended, peak[0], line.decode().strip())


def starts(command: list[str], runs: int) -> list[Start]:
    one_start(command)  # warm-up: bytecode written, files in the OS cache
    return [one_start(command) for _ in range(runs)]


def cold_start(data_dir: Path, runs: int, size: int) -> list[Figure]:
    gui = [*DESK_APP, "--data-dir", str(data_dir), "gui", "--exit-after-startup"]
    bare: list[Start] = []
    ours: list[Start] = []
    starts(gui, 0)
    for _ in range(runs):  # interleaved: a disturbance of the shared machine touches both alike
        bare.append(one_start([sys.executable, "-c", BARE_QT]))
        ours.append(one_start(gui))
    ready = median([s.ready_s * 1000 for s in ours])
    return [
        Figure(size, "cold start to a usable main window", ready, "ms", 1500, baseline=median(
            [s.ready_s * 1000 for s in bare]), baseline_name="bare PySide6 window process", extra={
            "runs_ms": [round(s.ready_s * 1000) for s in ours],
            "in_process_ms": [int(s.printed) for s in ours if s.printed.isdigit()],
            "process_exit_ms": round(median([s.exit_s * 1000 for s in ours])),
            "baseline_runs_ms": [round(s.ready_s * 1000) for s in bare]}),
        Figure(size, "GUI process peak memory (RSS)", max(s.max_rss_mb for s in ours), "MB", 250,
               baseline=max(s.max_rss_mb for s in bare), baseline_name="bare PySide6 window process"),
    ]


# -- in-process figures --------------------------------------------------------------------------------------------
def saves(data_dir: Path, size: int, count: int) -> list[Figure]:
    from bench.documents import bare_page
    from bench.intake import GIVEN, MIDDLE, SURNAMES, next_morning
    from desk_app.services.clock import FixedClock
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import open_desk
    from desk_app.services.intake import ReceiveRequest, receive
    from desk_app.services.print_jobs import dossier_form, warm_up
    with sqlite3.connect(f"file:{data_dir / 'desk.db'}?mode=ro", uri=True) as conn:
        latest = conn.execute("SELECT max(recorded_at) FROM dossier_events").fetchone()[0]
    now = next_morning(latest)
    db = open_desk(data_dir)
    ctx = ServiceContext(db, FixedClock(now), "bench.clerk", role="clerk")
    rng = random.Random(size)
    warm_up()  # as the window does once it is up

    def save_and_slip() -> None:
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        receipt = receive(ctx, ReceiveRequest("XA.CT.01", {"name": name, "phone": f"09{rng.randint(0, 10**8 - 1):08d}"}))
        dossier_form(ctx, receipt.code, "slip")

    try:
        ours = samples_ms(save_and_slip, count)
    finally:
        db.close()
    bare = samples_ms(bare_page, count)
    return [Figure(size, "save a dossier + its slip PDF, p95", quantile(ours, 0.95), "ms", 150,
                   baseline=quantile(bare, 0.95), baseline_name="one-line reportlab page",
                   extra={"p50_ms": round(quantile(ours, 0.5), 1), "max_ms": round(max(ours), 1),
                          "baseline_p50_ms": round(quantile(bare, 0.5), 2)})]


def queries(data_dir: Path, size: int, repeat: int) -> list[Figure]:
    from bench.report import periods
    from desk_app.domain.validation import vn_fold
    from desk_app.services import dashboard as ds
    from desk_app.services import dossier_list as dl
    from desk_app.services.clock import FixedClock
    from desk_app.services.context import ServiceContext
    from desk_app.services.desk import open_desk
    from desk_app.services.print_jobs import ledger_job
    from desk_app.services.queries import find
    from desk_app.services.report import build_report

    now = newest_received(data_dir / "desk.db") + dt.timedelta(minutes=1)
    raw = sqlite3.connect(f"file:{data_dir / 'desk.db'}?mode=ro", uri=True)
    rng = random.Random(1)
    top = raw.execute("SELECT max(id) FROM dossiers").fetchone()[0]
    picks = [rng.randint(1, top) for _ in range(repeat * 3)]
    codes = [raw.execute("SELECT code FROM dossiers WHERE id >= ? LIMIT 1", (i,)).fetchone()[0] for i in picks]
    names = [vn_fold(raw.execute("SELECT applicant_name FROM dossiers WHERE id >= ? LIMIT 1", (i,)).fetchone()[0])
             for i in picks]
    db = open_desk(data_dir)
    ctx = ServiceContext(db, FixedClock(now), "bench.leader", role="leader")
    figures: list[Figure] = []
    try:
        it = iter(codes)
        with db.session() as session:
            ours = samples_ms(lambda: find(session, next(it)), repeat * 2)
        it = iter(codes)
        bare = samples_ms(lambda: raw.execute("SELECT * FROM dossiers WHERE code = ?", (next(it),)).fetchall(),
                          repeat * 2)
        figures.append(Figure(size, "lookup by code (barcode), p95", quantile(ours, 0.95), "ms", 5,
                              baseline=quantile(bare, 0.95), baseline_name="raw SELECT by code",
                              extra={"p50_ms": round(quantile(ours, 0.5), 2)}))

        it = iter(names)
        ours = samples_ms(lambda: dl.page(ctx, dl.ListFilter(text=next(it))), repeat * 2)

        def raw_fts(folded: str) -> list[Any]:
            phrase = '"' + " ".join(w for w in folded.split() if w) + '"*'
            return raw.execute("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? ORDER BY rowid DESC LIMIT 50",
                               (phrase,)).fetchall()

        it = iter(names)
        bare = samples_ms(lambda: raw_fts(next(it)), repeat * 2)
        figures.append(Figure(size, "name search, accent-insensitive (ledger page), p95", quantile(ours, 0.95),
                              "ms", 50, baseline=quantile(bare, 0.95), baseline_name="raw FTS query",
                              extra={"p50_ms": round(quantile(ours, 0.5), 2)}))

        ours = samples_ms(lambda: ds.dashboard_counts(ctx), repeat)
        figures.append(Figure(size, "dashboard counts, median", median(ours), "ms", 50,
                              extra={"max_ms": round(max(ours), 1)}))

        year = periods(now.date())["year"]
        ours = samples_ms(lambda: build_report(ctx, *year), 3)
        figures.append(Figure(size, f"yearly report {year[0].year}, median", median(ours), "ms", 1000))

        month = periods(now.date())["month"]
        pdf: list[bytes] = []
        ours = samples_ms(lambda: pdf.append(ledger_job(ctx, *month).pdf), 1)
        figures.append(Figure(size, f"ledger PDF of {month[0]:%m/%Y}", median(ours), "ms",
                              extra={"bytes": len(pdf[-1])}))
    finally:
        db.close()
        raw.close()
    return figures


# -- sync ----------------------------------------------------------------------------------------------------------
def sync_figures(repeat: int, events_per_desk: int) -> list[Figure]:
    from bench import sync as sb
    from desk_app.sync.engine import BATCH_EVENTS

    cached = CACHE / "sync-desk-5600"
    sb.build(cached, 5600, rebuild=False)
    source = sb.source_events(cached / "desk.db", events_per_desk)
    bodies = {code: sb.bodies_for(code, sb.chain_for(code, source), BATCH_EVENTS) for code in sb.commune_codes(50)}
    backend = sb.Backend("sqlite")
    one: list[dict[str, Any]] = []
    many: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-all-sync-") as temporary:
        for run in range(repeat):
            one.append(sb.one_desk(backend, cached, Path(temporary), str(run)))
            many.append(sb.many_desks(backend, bodies, events_per_desk, BATCH_EVENTS, Path(temporary), str(run)))
    return [
        Figure(None, "sync desk → server (loopback), one desk, push", median([r["push_events_per_s"] for r in one]),
               "events/s", sb.TARGET, higher_is_better=True,
               extra={"runs": one, "whole_run_events_per_s": median([r["events_per_s"] for r in one])}),
        Figure(None, "server ingest, 50 desks at once", median([r["events_per_s"] for r in many]), "events/s",
               sb.TARGET, higher_is_better=True, extra={"runs": many}),
    ]


# -- the table -----------------------------------------------------------------------------------------------------
def show(value: float, unit: str) -> str:
    if unit == "events/s":
        return f"{value:,.0f}/s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def table(figures: list[Figure]) -> str:
    lines = [f"{'dossiers':>9}  {'figure':<52}{'value':>11}  {'target':>11}     {'baseline':>10}  ratio  (baseline)"]
    for f in figures:
        target = "" if f.target is None else ("> " if f.higher_is_better else "< ") + show(f.target, f.unit)
        mark = {True: "✓", False: "✗", None: " "}[f.met]
        base = "" if f.baseline is None else show(f.baseline, f.unit)
        ratio = "" if f.ratio is None else f"{f.ratio:5.1f}×"
        size = "" if f.size is None else f"{f.size:,}"
        lines.append(f"{size:>9}  {f.name:<52}{show(f.value, f.unit):>11}  {target:>11}  {mark}  {base:>10}  {ratio:>5}"
                     f"  {f.baseline_name}")
    return "\n".join(lines)


def machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "?"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPU ({model}), {memory:.0f} GB RAM, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f} at the start"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 dossiers only, fewer runs")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--starts", type=int, default=7, help="cold starts per size (the median is reported)")
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=50, help="lookups and searches (×2) and dashboard reads")
    parser.add_argument("--sync-repeat", type=int, default=3,
                        help="runs of each sync scenario, the median reported (one run on a shared machine is noisy)")
    parser.add_argument("--no-sync", action="store_true")
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.quick:
        args.starts, args.saves, args.repeat = min(args.starts, 5), min(args.saves, 40), min(args.repeat, 30)
    started = time.perf_counter()
    about = machine()
    print(about, flush=True)
    figures: list[Figure] = []
    for size in sizes:
        data_dir = migrated_cache(size)
        print(f"{size:,} dossiers: {data_dir}", flush=True)
        figures += cold_start(data_dir, args.starts, size)
        figures += saves(data_dir, size, args.saves)
        figures += queries(data_dir, size, args.repeat)
        print(table([f for f in figures if f.size == size]), flush=True)
    if not args.no_sync:
        figures += sync_figures(args.sync_repeat, 1000 if not args.quick else 500)
    print(f"\n{about}\n{table(figures)}\n(done in {time.perf_counter() - started:.0f} s; peak memory of this "
          f"process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    RESULTS.mkdir(exist_ok=True)
    out = {"machine": about, "at": dt.datetime.now().isoformat(timespec="seconds"),
           "figures": [asdict(f) | {"met": f.met, "ratio": f.ratio} for f in figures]}
    (RESULTS / "bench.json").write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0  # figures, not a test: a missed target shows as ✗


if __name__ == "__main__":
    raise SystemExit(main())
