"""Intake benchmark: from the scan of a citizen's CCCD to the slip's PDF bytes, on the intake screen itself.

    .venv/bin/python bench/intake.py [--intakes 50] [--source bench/cache/dossier_list-100000] [--fresh]

Works on a copy (SQLite's online backup) of the cached 100 000-dossier database that bench/dossier_list.py builds,
when it is there, so the returning-citizen look-up and the clerk's favourites run against a real-sized ledger; with
``--fresh`` or without the cache, on a new demo desk (``desk-app init --demo``). The copy lives in a temporary folder
and is deleted afterwards; the cache is never written.

Each intake drives the real screen offscreen as the clerk does: the scanner's burst (the QR text as key events,
then Enter) into the name field, the phone typed (not timed: that is the clerk), Alt+1 (the most used procedure),
F9. Half the cards belong to citizens already in the ledger (the returning-citizen offer is looked up and taken
with Alt+Y), half are new. Timed, in milliseconds, per intake:

* ``scan → form filled``: the Enter that ends the burst until the form is filled and the returning citizen's
  details are offered (parse, fill, checks, the look-up by ID number);
* ``Alt+1 → procedure shown``: the checklist, the appointment and the fee of the favourite procedure;
* ``F9 → slip PDF ready``: receiving (one transaction) and rendering the slip, until its bytes exist;
* ``F9 → ready for the next citizen``: the above, plus the form cleared and the favourites reloaded;
* ``machine time, scan → slip``: scan → form filled + Alt+1 → procedure shown + F9 → slip PDF ready, i.e. the
  time from the scan to the slip's bytes minus the clerk's own typing.

Prints a table (p50, p95, max) and writes bench/results/intake.json. Figures only: never part of the tests' pass/fail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from desk_app.services.clock import FixedClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.services.print_jobs import PrintJob
from desk_app.store.models import VN_TZ
from desk_app.ui.intake import IntakeScreen
from desk_app.ui.scanner import ScanDetector

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Thúy", "Đức")
GIVEN = ("Đức", "Hoa", "Tài", "Vy", "Nhung", "Phúc", "Thảo", "Hùng", "Lan", "Khoa")
PLACES = ("Ấp Mỹ Thới, Mỹ Phong, Đồng Tháp", "Khóm 2, phường 1, Cao Lãnh, Đồng Tháp",
          "Ấp Tân Hòa, Tân Thuận Tây, Đồng Tháp", "Số 12 Nguyễn Huệ, phường 2, Cao Lãnh")


class SteppingClock:
    """The scanner's pace for the detector: 4 ms a key."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 0.004
        return self.now


class TimedRunner:
    """Runs the work at once (as the tests' runner does) and notes when it finished: the slip's bytes exist then."""

    def __init__(self) -> None:
        self.work_done_at = 0.0

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None],
               failed: Callable[[BaseException], None] | None = None) -> None:
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - handed to the screen, as the real runner does
            self.work_done_at = time.perf_counter()
            if failed is not None:
                failed(error)
            return
        self.work_done_at = time.perf_counter()
        done(result)


class Slips:
    def __init__(self) -> None:
        self.jobs: list[PrintJob] = []
        self.delivered_at = 0.0

    def deliver(self, job: PrintJob) -> None:
        self.delivered_at = time.perf_counter()
        self.jobs.append(job)


def send(widget: QWidget, text: str, key: Qt.Key = Qt.Key.Key_unknown,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, modifier, text))


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def card_text(id_number: str, name: str, birth: dt.date, sex: str, address: str) -> str:
    return f"{id_number}||{name}|{birth:%d%m%Y}|{sex}|{address}|15082021"


def new_card(rng: random.Random) -> str:
    birth = dt.date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
    male = rng.random() < 0.5
    century = (0 if birth.year < 2000 else 2) + (0 if male else 1)
    id_number = f"087{century}{birth.year % 100:02d}{rng.randint(0, 999_999):06d}"
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return card_text(id_number, name, birth, "Nam" if male else "Nữ", rng.choice(PLACES))


def known_cards(db_path: Path, count: int, rng: random.Random) -> list[str]:
    """Cards of citizens the ledger already holds (a new address for some)."""
    raw = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = raw.execute("SELECT id_number, applicant_name, birth_date, sex, address FROM dossiers "
                       "WHERE id_number IS NOT NULL AND length(id_number) = 12 AND birth_date IS NOT NULL "
                       "AND sex IS NOT NULL ORDER BY id DESC LIMIT ?", (count * 20,)).fetchall()
    raw.close()
    chosen = rng.sample(rows, min(count, len(rows)))
    return [card_text(r[0], r[1], dt.date.fromisoformat(r[2]), "Nam" if r[3] == "male" else "Nữ",
                      r[4] if rng.random() < 0.7 and r[4] else rng.choice(PLACES)) for r in chosen]


def copy_database(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def fresh_desk(folder: Path) -> None:
    subprocess.run([sys.executable, "-m", "desk_app", "--data-dir", str(folder), "init", "--demo"], check=True,
                   capture_output=True)


def next_morning(latest: str | None) -> dt.datetime:
    """A working morning after everything recorded (the clock must not read earlier than the last event)."""
    start = dt.datetime.fromisoformat(latest).astimezone(VN_TZ) if latest else dt.datetime.now(VN_TZ)
    day = start + dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day.replace(hour=8, minute=0, second=0, microsecond=0)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--intakes", type=int, default=50)
    parser.add_argument("--source", type=Path, default=ROOT / "cache" / "dossier_list-100000")
    parser.add_argument("--fresh", action="store_true", help="a new demo desk, not the cached ledger")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    app = QApplication.instance() or QApplication([])

    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        folder = Path(tmp)
        source_db = args.source / "desk.db"
        if args.fresh or not source_db.exists():
            fresh_desk(folder)
            label = "fresh demo desk"
        else:
            start = time.perf_counter()
            copy_database(source_db, folder / "desk.db")
            label = f"copy of {source_db} ({time.perf_counter() - start:.1f} s to copy)"
        db = open_desk(folder)  # migrates the copy when the cache is older than the code
        raw = sqlite3.connect(folder / "desk.db")
        latest = raw.execute("SELECT max(recorded_at) FROM dossier_events").fetchone()[0]
        dossiers = raw.execute("SELECT count(*) FROM dossiers").fetchone()[0]
        raw.close()
        clock = FixedClock(next_morning(latest))
        ctx = ServiceContext(db, clock, "bench.clerk", role="clerk")

        runner, slips = TimedRunner(), Slips()
        screen = IntakeScreen(ctx, runner, slips)
        screen.resize(1280, 800)
        screen.show()
        screen.activateWindow()
        detector = ScanDetector(clock=SteppingClock())
        detector.card_scanned.connect(screen.take_card_scan)
        detector.install()
        app.processEvents()

        known = known_cards(folder / "desk.db", args.intakes // 2, rng)
        cards = [*known, *(new_card(rng) for _ in range(args.intakes - len(known)))]
        rng.shuffle(cards)
        # Warm-up (not timed): loads reportlab and the fonts, and gives the clerk a favourite for Alt+1.
        screen.choose_procedure("XA.CTRU.02")
        screen.picker.reload()
        cards.insert(0, new_card(rng))

        timings: dict[str, list[float]] = {"scan → form filled": [], "Alt+1 → procedure shown": [],
                                           "F9 → slip PDF ready": [], "F9 → ready for the next citizen": [],
                                           "machine time, scan → slip": []}
        returning = 0
        for index, card in enumerate(cards):
            clock.advance(minutes=2)
            screen.inputs["name"].setFocus()
            app.processEvents()
            for char in card:
                send(focused(), char)
            start = time.perf_counter()
            send(focused(), "\r", Qt.Key.Key_Return)
            filled = time.perf_counter()
            assert screen.inputs["id_number"].text(), screen.banner.text()
            offered = screen.offer is not None
            if offered:
                screen.accept_returning()  # what Alt+Y does
            if not screen.inputs["phone"].text():
                for char in f"09{rng.randint(0, 99_999_999):08d}":
                    send(screen.inputs["phone"], char, Qt.Key(Qt.Key.Key_0 + int(char)))
            picking = time.perf_counter()
            assert screen.picker.pick_recent(1) or index == 0  # what Alt+1 does (no favourite before the first)
            picked = time.perf_counter()
            saving = time.perf_counter()
            jobs = len(slips.jobs)
            screen.save_and_print()  # what F9 does
            assert len(slips.jobs) == jobs + 1, [label.text() for label in screen.errors.values() if label.text()]
            if index == 0:
                continue
            returning += offered
            timings["scan → form filled"].append((filled - start) * 1000)
            timings["Alt+1 → procedure shown"].append((picked - picking) * 1000)
            timings["F9 → slip PDF ready"].append((runner.work_done_at - saving) * 1000)
            timings["F9 → ready for the next citizen"].append((slips.delivered_at - saving) * 1000)
            timings["machine time, scan → slip"].append(
                (filled - start + picked - picking + runner.work_done_at - saving) * 1000)
        detector.uninstall()
        screen.close()
        db.close()

    summary: dict[str, Any] = {"database": label, "dossiers_before": dossiers, "intakes": len(cards) - 1,
                               "returning_citizens": returning, "timings_ms": {}}
    print(f"Intake on the {label}: {dossiers} dossiers; {len(cards) - 1} intakes, {returning} returning citizens")
    print(f"{'step':<36}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, samples in timings.items():
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        summary["timings_ms"][name] = {"p50": round(p50, 1), "p95": round(p95, 1), "max": round(max(samples), 1)}
        print(f"{name:<36}{p50:>10.1f}{p95:>10.1f}{max(samples):>10.1f}")
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "intake.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
