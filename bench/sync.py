"""Sync benchmark: events per second pushed desk → server on loopback, and the server's ingest rate with many desks
pushing at once.

    .venv/bin/python bench/sync.py [--desk-dossiers 5600] [--desks 50] [--events-per-desk 1000] [--batch 500]
                                   [--backends sqlite,postgresql] [--rebuild]

1. One desk: a desk database of ~20,000 events (``desk-app init --demo`` and ``demo-data``, cached under
   bench/cache/sync-desk-N/ and copied fresh for each run, as a sync changes the events' states) synced with
   :func:`desk_app.sync.engine.run_sync` to a real ``district-hub serve`` subprocess on 127.0.0.1: the whole run
   (status, push in gzip batches, feed) and the push alone.
2. Many desks: N communes registered on a fresh server, each with its own chain (the demo desk's first events
   re-chained under the commune's agency code with new UUIDs and hashes: desk_app.domain.chain.event_hash), the push
   bodies built and gzip-compressed beforehand; N threads push at once (one keep-alive connection each). The rate is
   all events over the time from the common start to the last acknowledgement.

Each on the server's SQLite file (WAL, synchronous=FULL) and, where PostgreSQL is installed, on a throw-away cluster
on disk with PostgreSQL's durable defaults (tests/postgres.py, ``durable=True``). After each run the server's own
count (``district-hub stats``) must equal what was sent. The benchmark client shares the machine with the server:
the figures are a floor. Writes bench/results/sync.json. Figures only: never part of the test run's pass/fail.
Target (issue 8): more than 5,000 events per second.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

import httpx

from bench.dossier_list import build
from desk_app.domain.chain import GENESIS_HASH, canonical_json, event_hash
from desk_app.services.clock import SystemClock
from desk_app.services.context import ServiceContext
from desk_app.services.desk import open_desk
from desk_app.store.db import DB_FILENAME
from desk_app.sync.engine import SyncProgress, run_sync
from desk_app.sync.protocol import API_PREFIX, PushBatch, PushResult, WireEvent
from district_hub.db import open_database
from district_hub.registry import add_commune
from district_hub.stats import commune_counts
from tests.hub_process import HubProcess
from tests.postgres import Cluster, PostgresUnavailable

TARGET = 5000  # events per second (issue 8)
DESK = 1  # each commune's one desk in the many-desks run


@dataclass
class Backend:
    """Where the server keeps its data: a fresh database for each run."""

    name: str
    cluster: Cluster | None = None

    def new_url(self, folder: Path, label: str) -> str:
        if self.cluster is not None:
            return self.cluster.create_database()
        return f"sqlite:///{folder / f'hub-{label}.db'}"


@contextmanager
def backends(wanted: list[str]) -> Iterator[tuple[list[Backend], dict[str, str]]]:
    found: list[Backend] = []
    skipped: dict[str, str] = {}
    cluster: Cluster | None = None
    try:
        for name in wanted:
            if name == "sqlite":
                found.append(Backend("sqlite"))
            elif name == "postgresql":
                try:
                    cluster = Cluster.start(durable=True)
                except PostgresUnavailable as error:
                    skipped[name] = str(error)
                    continue
                found.append(Backend("postgresql", cluster))
            else:
                raise SystemExit(f"unknown backend {name!r}: sqlite or postgresql")
        yield found, skipped
    finally:
        if cluster is not None:
            cluster.stop()


def register(url: str, codes: list[str]) -> dict[str, str]:
    """Register the communes on the server's database (in this process: faster than 50 CLI runs); their tokens."""
    db = open_database(url)
    try:
        return {code: add_commune(db, code, f"Xã thử {code}")[1] for code in codes}
    finally:
        db.close()


def server_events(url: str) -> dict[str, int]:
    db = open_database(url)
    try:
        return {c.code: c.events for c in commune_counts(db)}
    finally:
        db.close()


# -- 1. one desk through the sync engine ---------------------------------------------------------------------------
def desk_settings(db_path: Path) -> tuple[str, int, int]:
    with sqlite3.connect(db_path) as conn:
        settings = dict(conn.execute("SELECT key, value FROM settings WHERE key IN ('agency_code', 'desk')"))
        events = conn.execute("SELECT count(*) FROM dossier_events").fetchone()[0]
    return settings["agency_code"], int(settings.get("desk", "1")), int(events)


def one_desk(backend: Backend, cached: Path, work: Path) -> dict[str, Any]:
    agency, _, events = desk_settings(cached / DB_FILENAME)
    desk_dir = work / f"desk-{backend.name}"
    desk_dir.mkdir()
    shutil.copy(cached / DB_FILENAME, desk_dir / DB_FILENAME)
    url = backend.new_url(work, "one-desk")
    token = register(url, [agency])[agency]
    db = open_desk(desk_dir)
    phases: dict[str, float] = {}

    def progress(step: SyncProgress) -> None:
        phases.setdefault(step.phase, time.perf_counter())

    try:
        with HubProcess(url, work / f"server-one-{backend.name}") as hub:
            ctx = ServiceContext(db, SystemClock(), "bench")
            started = time.perf_counter()
            outcome = run_sync(ctx, hub_url=hub.url, token=token, progress=progress)
            total = time.perf_counter() - started
    finally:
        db.close()
    if outcome.status != "ok" or outcome.sent != events:
        raise SystemExit(f"{backend.name}: sync ended {outcome.status}, sent {outcome.sent}/{events}: "
                         f"{outcome.message}")
    stored = server_events(url).get(agency, 0)
    if stored != events:
        raise SystemExit(f"{backend.name}: the server holds {stored} events, {events} were sent")
    push = phases.get("pull", time.perf_counter()) - phases.get("push", started)
    return {"events": events, "total_s": round(total, 2), "push_s": round(push, 2),
            "events_per_s": round(events / total), "push_events_per_s": round(events / push)}


# -- 2. many desks at once -----------------------------------------------------------------------------------------
def source_events(db_path: Path, count: int) -> list[dict[str, Any]]:
    """The demo desk's first ``count`` events in chain order (each dossier's history is a prefix of it)."""
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT dossier_code, kind, at, recorded_at, actor, payload FROM dossier_events "
                            "ORDER BY desk, seq LIMIT ?", (count,)).fetchall()
    if len(rows) < count:
        raise SystemExit(f"the demo desk has {len(rows)} events, {count} wanted: raise --desk-dossiers")
    return [dict(r) | {"payload": json.loads(r["payload"])} for r in rows]


def commune_codes(count: int) -> list[str]:
    return [f"000.{i // 100:02d}.{i % 100:02d}.H99" for i in range(1, count + 1)]


def chain_for(agency: str, source: list[dict[str, Any]]) -> list[WireEvent]:
    """The source events as this commune's desk's own chain: its agency code, new UUIDs, its hashes."""
    chain: list[WireEvent] = []
    previous = GENESIS_HASH
    for seq, event in enumerate(source, start=1):
        values = {"uuid": str(uuid.uuid4()), "desk": DESK, "seq": seq,
                  "dossier_code": f"{agency}-{event['dossier_code'].split('-', 1)[1]}", "kind": event["kind"],
                  "at": event["at"], "recorded_at": event["recorded_at"], "actor": event["actor"]}
        digest = event_hash(**values, payload_json=canonical_json(event["payload"]), prev_hash=previous)
        chain.append(WireEvent(**values, payload=event["payload"], prev_hash=previous, hash=digest))
        previous = digest
    return chain


def bodies_for(agency: str, chain: list[WireEvent], batch: int) -> list[tuple[bytes, int]]:
    """Gzip-compressed push bodies (as the desk's client sends them) and their last sequence numbers."""
    out = []
    for start in range(0, len(chain), batch):
        events = chain[start:start + batch]
        body = PushBatch(commune=agency, desk=DESK, app_version="bench", events=events).model_dump_json()
        out.append((gzip.compress(body.encode("utf-8"), compresslevel=6), events[-1].seq))
    return out


@dataclass
class Sender:
    agency: str
    token: str
    bodies: list[tuple[bytes, int]]
    latencies: list[float]
    finished: float = 0.0
    error: str = ""


def push_all(sender: Sender, url: str, start: threading.Barrier) -> None:
    headers = {"Authorization": f"Bearer {sender.token}", "Content-Type": "application/json",
               "Content-Encoding": "gzip"}
    with httpx.Client(base_url=url + API_PREFIX, headers=headers, timeout=300) as client:
        start.wait()
        for body, last_seq in sender.bodies:
            began = time.perf_counter()
            response = client.post("/events", content=body)
            sender.latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                sender.error = f"{response.status_code}: {response.text[:200]}"
                break
            result = PushResult.model_validate_json(response.content)
            if result.last_seq != last_seq:
                sender.error = f"acknowledged up to {result.last_seq}, sent up to {last_seq}"
                break
    sender.finished = time.perf_counter()


def many_desks(backend: Backend, source: list[dict[str, Any]], desks: int, batch: int,
               work: Path) -> dict[str, Any]:
    codes = commune_codes(desks)
    url = backend.new_url(work, "many-desks")
    tokens = register(url, codes)
    prepared = time.perf_counter()
    senders = [Sender(code, tokens[code], bodies_for(code, chain_for(code, source), batch), []) for code in codes]
    prepared = time.perf_counter() - prepared
    sent = len(source) * desks
    with HubProcess(url, work / f"server-many-{backend.name}") as hub:
        start = threading.Barrier(desks + 1)
        threads = [threading.Thread(target=push_all, args=(s, hub.url, start), daemon=True) for s in senders]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
    errors = [f"{s.agency}: {s.error}" for s in senders if s.error]
    if errors:
        raise SystemExit(f"{backend.name}: {len(errors)} desks failed, e.g. {errors[0]}")
    elapsed = max(s.finished for s in senders) - began
    stored = server_events(url)
    if sum(stored.values()) != sent or any(stored.get(code) != len(source) for code in codes):
        raise SystemExit(f"{backend.name}: the server holds {sum(stored.values())} events, {sent} were sent")
    latencies = sorted(x for s in senders for x in s.latencies)
    return {"desks": desks, "events": sent, "batch": batch, "batches": len(latencies), "elapsed_s": round(elapsed, 2),
            "events_per_s": round(sent / elapsed), "batch_ms_median": round(statistics.median(latencies) * 1000),
            "batch_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000),
            "prepare_s": round(prepared, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desk-dossiers", type=int, default=5600, help="demo dossiers of the one desk (~3.6 "
                        "events each: 5,600 give ~20,000 events)")
    parser.add_argument("--desks", type=int, default=50)
    parser.add_argument("--events-per-desk", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500, help="events per push (the desk's engine sends 500)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    cached = ROOT / "cache" / f"sync-desk-{args.desk_dossiers}"
    cached.mkdir(parents=True, exist_ok=True)
    build(cached, args.desk_dossiers, args.rebuild)
    agency, desk, events = desk_settings(cached / DB_FILENAME)
    source = source_events(cached / DB_FILENAME, args.events_per_desk)
    print(f"desk {agency} #{desk}: {events:,} events; {args.desks} desks × {args.events_per_desk:,} events in "
          f"batches of {args.batch}; {os.cpu_count()} CPU")
    results: dict[str, Any] = {"target_events_per_s": TARGET, "cpus": os.cpu_count(), "one_desk": {},
                               "many_desks": {}, "skipped": {}}
    with backends([b.strip() for b in args.backends.split(",") if b.strip()]) as (found, skipped), \
            tempfile.TemporaryDirectory(prefix="bench-sync-") as temporary:
        results["skipped"] = skipped
        for name, why in skipped.items():
            print(f"  {name}: skipped ({why})")
        work = Path(temporary)
        for backend in found:
            one = one_desk(backend, cached, work)
            results["one_desk"][backend.name] = one
            many = many_desks(backend, source, args.desks, args.batch, work)
            results["many_desks"][backend.name] = many
    print(f"\n{'server database':<16}{'run':<34}{'events':>9}{'seconds':>9}{'events/s':>10}  vs target")
    for name, one in results["one_desk"].items():
        print(f"{name:<16}{'one desk: whole sync run':<34}{one['events']:>9,}{one['total_s']:>9.2f}"
              f"{one['events_per_s']:>10,}  {one['events_per_s'] / TARGET:>5.1f}×")
        print(f"{'':<16}{'one desk: push phase':<34}{one['events']:>9,}{one['push_s']:>9.2f}"
              f"{one['push_events_per_s']:>10,}  {one['push_events_per_s'] / TARGET:>5.1f}×")
        many = results["many_desks"][name]
        label = f"{many['desks']} desks at once"
        print(f"{'':<16}{label:<34}{many['events']:>9,}{many['elapsed_s']:>9.2f}{many['events_per_s']:>10,}  "
              f"{many['events_per_s'] / TARGET:>5.1f}×")
        print(f"{'':<16}  a batch of {many['batch']} under that load: {many['batch_ms_median']} ms median, "
              f"{many['batch_ms_p95']} ms p95 ({many['batches']} batches)")
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "sync.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
