"""Printing speed: the slip (Mẫu 01) on each paper, against a bare one-line reportlab page as the baseline.

    .venv/bin/python bench/documents.py [--runs 50]

Prints p50 / p95 in milliseconds and writes bench/results/documents.json. Figures only; never part of the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from reportlab.pdfgen.canvas import Canvas

from desk_app.documents.slip import render_slip
from tests.documents.test_slip import DATA


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    fn()  # warm up: fonts registered, modules loaded
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def bare_page() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 700, "Giấy tiếp nhận")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    results = {}
    for name, fn in [("bare_page", bare_page), *[(f"slip_{p}", lambda p=p: render_slip(DATA, p))
                                                 for p in ("A5", "A4", "80mm")]]:
        samples = timed(fn, args.runs)
        results[name] = {"p50_ms": statistics.median(samples), "p95_ms": samples[int(0.95 * (len(samples) - 1))]}
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "documents.json").write_text(json.dumps(results, indent=2))
    print(f"{'document':12} {'p50 ms':>8} {'p95 ms':>8}   (target: slip well under 100 ms)")
    for name, figures in results.items():
        print(f"{name:12} {figures['p50_ms']:8.1f} {figures['p95_ms']:8.1f}")


if __name__ == "__main__":
    main()
