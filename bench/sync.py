"""Sync benchmark: events per second pushed desk → server on loopback, and the server's ingest rate with many desks
pushing at once.

    .venv/bin/python bench/sync.py [--desk-dossiers 5600] [--desks 50] [--events-per-desk 1000] [--batch 1000]
                                   [--backends sqlite,postgresql] [--repeat 1] [--rebuild]

1. One desk: a desk database of ~20,000 events (``desk-app init --demo`` and ``demo-data``, cached under
   bench/cache/sync-desk-N/ and copied fresh for each run, as a sync changes the events' states) synced with
   :func:`desk_app.sync.engine.run_sync` to a real ``district-hub serve`` subprocess on 127.0.0.1: the whole run
   (status, push in gzip batches, feed) and the push alone, with the CPU time the desk and the server spent per
   event (the two take turns: the desk waits for each answer).
2. Many desks: N communes registered on a fresh server, each with its own chain (the demo desk's first events
   re-chained under the commune's agency code with new UUIDs and hashes: desk_app.domain.chain.event_hash), the push
   bodies built and gzip-compressed beforehand; N threads push at once (one keep-alive connection each). The rate is
   all events over the time from the common start to the last acknowledgement; the server's CPU time per event
   (from /proc) tells how much of one core the server needs for it.
3. In process: the same bodies (not compressed) read with ``PushBatch.model_validate_json`` and stored with
   :func:`district_hub.ingest.push` one after the other in this process, with no HTTP: the floor the server's own
   layers set, and where their time goes (per phase, wall and CPU µs per event). The difference with the server's
   CPU per event in 2. is what HTTP, the threads and the framework add.

Each on the server's SQLite file (WAL, synchronous=FULL) and, where PostgreSQL is installed, on a throw-away cluster
on disk with PostgreSQL's durable defaults (tests/postgres.py, ``durable=True``). After each run the server's own
count (``district-hub stats``) must equal what was sent. The benchmark client shares the machine with the server:
the figures are a floor. ``--repeat N`` runs every scenario N times and reports the medians (another process using
the machine meanwhile shows as spread). Writes bench/results/sync.json. Figures only: never part of the test run's
pass/fail. Target (issue 8): more than 5,000 events per second.
"""

from __future__ import annotations

import argparse
import functools
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
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

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
from desk_app.sync.client import PUSH_GZIP_LEVEL
from desk_app.sync.engine import BATCH_EVENTS, SyncProgress, run_sync
from desk_app.sync.protocol import API_PREFIX, PushBatch, PushResult, WireEvent
from district_hub import ingest, projection
from district_hub.db import open_database
from district_hub.registry import Commune, add_commune
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


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) the process has used so far; None where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_event_us(seconds: float | None, events: int) -> int | None:
    return None if seconds is None else round(seconds / events * 1e6)


# -- 1. one desk through the sync engine ---------------------------------------------------------------------------
def desk_settings(db_path: Path) -> tuple[str, int, int]:
    with sqlite3.connect(db_path) as conn:
        settings = dict(conn.execute("SELECT key, value FROM settings WHERE key IN ('agency_code', 'desk')"))
        events = conn.execute("SELECT count(*) FROM dossier_events").fetchone()[0]
    return settings["agency_code"], int(settings.get("desk", "1")), int(events)


def one_desk(backend: Backend, cached: Path, work: Path, label: str) -> dict[str, Any]:
    agency, _, events = desk_settings(cached / DB_FILENAME)
    desk_dir = work / f"desk-{backend.name}-{label}"
    desk_dir.mkdir()
    shutil.copy(cached / DB_FILENAME, desk_dir / DB_FILENAME)
    url = backend.new_url(work, f"one-desk-{label}")
    token = register(url, [agency])[agency]
    db = open_desk(desk_dir)
    phases: dict[str, float] = {}

    def progress(step: SyncProgress) -> None:
        phases.setdefault(step.phase, time.perf_counter())

    server_cpu: float | None = None
    try:
        with HubProcess(url, work / f"server-one-{backend.name}-{label}", log_level="warning") as hub:
            assert hub.process is not None
            ctx = ServiceContext(db, SystemClock(), "bench")
            server_before = process_cpu(hub.process.pid)
            desk_before = time.process_time()
            started = time.perf_counter()
            outcome = run_sync(ctx, hub_url=hub.url, token=token, progress=progress)
            total = time.perf_counter() - started
            desk_cpu = time.process_time() - desk_before
            server_after = process_cpu(hub.process.pid)
            if server_before is not None and server_after is not None:
                server_cpu = server_after - server_before
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
            "events_per_s": round(events / total), "push_events_per_s": round(events / push),
            "desk_cpu_us_per_event": per_event_us(desk_cpu, events),
            "server_cpu_us_per_event": per_event_us(server_cpu, events)}


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
        out.append((gzip.compress(body.encode("utf-8"), compresslevel=PUSH_GZIP_LEVEL), events[-1].seq))
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


def many_desks(backend: Backend, bodies: dict[str, list[tuple[bytes, int]]], events_per_desk: int, batch: int,
               work: Path, label: str) -> dict[str, Any]:
    codes = list(bodies)
    desks = len(codes)
    url = backend.new_url(work, f"many-desks-{label}")
    tokens = register(url, codes)
    senders = [Sender(code, tokens[code], bodies[code], []) for code in codes]
    sent = events_per_desk * desks
    server_cpu: float | None = None
    with HubProcess(url, work / f"server-many-{backend.name}-{label}", log_level="warning") as hub:
        assert hub.process is not None
        start = threading.Barrier(desks + 1)
        threads = [threading.Thread(target=push_all, args=(s, hub.url, start), daemon=True) for s in senders]
        for thread in threads:
            thread.start()
        server_before = process_cpu(hub.process.pid)
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        server_after = process_cpu(hub.process.pid)
        if server_before is not None and server_after is not None:
            server_cpu = server_after - server_before
    errors = [f"{s.agency}: {s.error}" for s in senders if s.error]
    if errors:
        raise SystemExit(f"{backend.name}: {len(errors)} desks failed, e.g. {errors[0]}")
    elapsed = max(s.finished for s in senders) - began
    stored = server_events(url)
    if sum(stored.values()) != sent or any(stored.get(code) != events_per_desk for code in codes):
        raise SystemExit(f"{backend.name}: the server holds {sum(stored.values())} events, {sent} were sent")
    latencies = sorted(x for s in senders for x in s.latencies)
    return {"desks": desks, "events": sent, "batch": batch, "batches": len(latencies), "elapsed_s": round(elapsed, 2),
            "events_per_s": round(sent / elapsed), "batch_ms_median": round(statistics.median(latencies) * 1000),
            "batch_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000),
            "server_cpu_us_per_event": per_event_us(server_cpu, sent)}


# -- 3. the same bodies in process, phase by phase -----------------------------------------------------------------
PARSE = "parse: PushBatch.model_validate_json"
PUSH = "push(): all of it"
# (module, attribute, label): the functions of the push path timed in the in-process run. The labels starting
# with "refold:" are parts of "refold (all)".
PHASES: tuple[tuple[Any, str, str], ...] = (
    (ingest, "prepare", "hash + content checks (no lock)"),
    (ingest, "_known", "UUID and sequence lookups"),
    (ingest, "_taken", "UUID and sequence lookups"),
    (ingest, "_received_codes", "receipts held (query)"),
    (ingest, "insert_values", "insert events"),
    (ingest, "refold", "refold (all)"),
    (projection, "applied_events", "refold: read stored events"),
    (projection, "fold", "refold: merged fold (domain)"),
    (projection, "row_values", "refold: projection rows"),
    (projection, "insert_values", "refold: write rows"),
)
COMMIT = "commit (to disk)"
OTHER = "the rest: lock, chain check, rows, head"


class PhaseClock:
    """Wall and CPU seconds spent in each phase of the push path (the functions of :data:`PHASES`, wrapped for the
    duration of a ``with`` block)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._saved: list[tuple[Any, str, Any]] = []

    def timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - wall
                self.cpu[label] += time.thread_time() - cpu
        return wrapper

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        self._saved.append((owner, name, original))
        setattr(owner, name, self.timed(label, original))

    def __enter__(self) -> Self:
        for module, name, label in PHASES:
            if hasattr(module, name):  # a phase the code no longer has is left out
                self.wrap(module, name, label)
        return self

    def __exit__(self, *_exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()

    def table(self, events: int) -> list[dict[str, Any]]:
        """Rows of µs per event, in the push path's order, with what the listed phases leave out of push()."""
        top = [label for label in dict.fromkeys(label for _, _, label in PHASES) if not label.startswith("refold:")]
        top.append(COMMIT)
        rows = []
        for label in [PARSE, PUSH, *top, OTHER]:
            if label == OTHER:
                wall = self.wall[PUSH] - sum(self.wall[t] for t in top)
                cpu = self.cpu[PUSH] - sum(self.cpu[t] for t in top)
            elif label in self.wall:
                wall, cpu = self.wall[label], self.cpu[label]
            else:
                continue
            rows.append({"phase": label, "wall_us": round(wall / events * 1e6, 1), "cpu_us": round(cpu / events * 1e6, 1)})
            if label == "refold (all)":
                rows += [{"phase": sub, "wall_us": round(self.wall[sub] / events * 1e6, 1),
                          "cpu_us": round(self.cpu[sub] / events * 1e6, 1)}
                         for sub in dict.fromkeys(label for _, _, label in PHASES if label.startswith("refold:"))
                         if sub in self.wall]
        return rows


def in_process(backend: Backend, bodies: dict[str, list[tuple[bytes, int]]], events_per_desk: int, work: Path,
               label: str) -> dict[str, Any]:
    """The bodies read and stored by :func:`district_hub.ingest.push` in this process, desk after desk."""
    codes = list(bodies)
    url = backend.new_url(work, f"in-process-{label}")
    plain = {code: [gzip.decompress(body) for body, _ in bodies[code]] for code in codes}
    db = open_database(url)
    try:
        communes: list[Commune] = [add_commune(db, code, f"Xã thử {code}")[0] for code in codes]
        clock = PhaseClock()
        with clock:
            clock.wrap(db.engine.dialect, "do_commit", COMMIT)  # this engine's own dialect object
            began, began_cpu = time.perf_counter(), time.thread_time()
            for commune in communes:
                for body in plain[commune.code]:
                    wall, cpu = time.perf_counter(), time.thread_time()
                    batch = PushBatch.model_validate_json(body)
                    clock.wall[PARSE] += time.perf_counter() - wall
                    clock.cpu[PARSE] += time.thread_time() - cpu
                    wall, cpu = time.perf_counter(), time.thread_time()
                    ingest.push(db, commune, batch)
                    clock.wall[PUSH] += time.perf_counter() - wall
                    clock.cpu[PUSH] += time.thread_time() - cpu
            elapsed, cpu_total = time.perf_counter() - began, time.thread_time() - began_cpu
    finally:
        db.close()
    sent = events_per_desk * len(codes)
    stored = server_events(url)
    if sum(stored.values()) != sent:
        raise SystemExit(f"{backend.name}: in process, {sum(stored.values())} events stored, {sent} pushed")
    return {"events": sent, "elapsed_s": round(elapsed, 2), "events_per_s": round(sent / elapsed),
            "cpu_us_per_event": per_event_us(cpu_total, sent), "phases": clock.table(sent)}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the runs (the phases' too), and the runs themselves."""
    out: dict[str, Any] = {}
    for key, value in runs[0].items():
        if key == "phases":
            out[key] = [{"phase": row["phase"], **{k: statistics.median(r[key][i][k] for r in runs)
                                                   for k in ("wall_us", "cpu_us")}}
                        for i, row in enumerate(value)]
        elif isinstance(value, (int, float)) and all(isinstance(r[key], (int, float)) for r in runs):
            out[key] = statistics.median(r[key] for r in runs)
        else:
            out[key] = value
    if len(runs) > 1:
        out["runs"] = runs
    return out


def spread(result: dict[str, Any], key: str) -> str:
    runs = result.get("runs")
    if not runs:
        return ""
    values = sorted(r[key] for r in runs)
    return f"  ({values[0]:,}–{values[-1]:,} over {len(values)} runs)"


def cpu_note(value: float | None, what: str) -> str:
    return "" if value is None else f"{what} {value:.0f} µs/event"


def report(results: dict[str, Any]) -> None:
    print(f"\n{'server database':<16}{'run':<30}{'events':>9}{'seconds':>9}{'events/s':>10}  vs target   CPU")
    for name, one in results["one_desk"].items():
        many = results["many_desks"][name]
        local = results["in_process"][name]
        lines = [
            ("one desk: whole sync run", one["events"], one["total_s"], one["events_per_s"],
             " + ".join(filter(None, [cpu_note(one["desk_cpu_us_per_event"], "desk"),
                                      cpu_note(one["server_cpu_us_per_event"], "server")])), one, "events_per_s"),
            ("one desk: push phase", one["events"], one["push_s"], one["push_events_per_s"], "", one,
             "push_events_per_s"),
            (f"{many['desks']} desks at once", many["events"], many["elapsed_s"], many["events_per_s"],
             cpu_note(many["server_cpu_us_per_event"], "server"), many, "events_per_s"),
            ("in process: parse + push()", local["events"], local["elapsed_s"], local["events_per_s"],
             cpu_note(local["cpu_us_per_event"], "this process"), local, "events_per_s"),
        ]
        for index, (label, events, seconds, rate, cpu, result, key) in enumerate(lines):
            print(f"{name if index == 0 else '':<16}{label:<30}{events:>9,}{seconds:>9.2f}{round(rate):>10,}  "
                  f"{rate / TARGET:>5.1f}×      {cpu}{spread(result, key)}")
        print(f"{'':<16}  a batch of {many['batch']} with {many['desks']} desks at once: {many['batch_ms_median']:.0f} ms "
              f"median, {many['batch_ms_p95']:.0f} ms p95 ({many['batches']} batches)")
        if many["server_cpu_us_per_event"] is not None:
            overhead = many["server_cpu_us_per_event"] - local["cpu_us_per_event"]
            print(f"{'':<16}  HTTP, threads and framework add ~{overhead:.0f} µs of server CPU per event to the "
                  f"{local['cpu_us_per_event']:.0f} µs of parse + push() in process")
    for name, local in results["in_process"].items():
        print(f"\nwhere the time of parse + push() goes in process ({name}), µs per event:")
        print(f"  {'phase':<40}{'wall':>8}{'CPU':>8}")
        for row in local["phases"]:
            indent = "    " if row["phase"].startswith("refold:") else "  "
            print(f"{indent}{row['phase']:<{42 - len(indent)}}{row['wall_us']:>8.1f}{row['cpu_us']:>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desk-dossiers", type=int, default=5600, help="demo dossiers of the one desk (~3.6 "
                        "events each: 5,600 give ~20,000 events)")
    parser.add_argument("--desks", type=int, default=50)
    parser.add_argument("--events-per-desk", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=BATCH_EVENTS,
                        help=f"events per push in the many-desks runs (the desk's engine sends {BATCH_EVENTS})")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every scenario; the medians are reported")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    cached = ROOT / "cache" / f"sync-desk-{args.desk_dossiers}"
    cached.mkdir(parents=True, exist_ok=True)
    build(cached, args.desk_dossiers, args.rebuild)
    agency, desk, events = desk_settings(cached / DB_FILENAME)
    source = source_events(cached / DB_FILENAME, args.events_per_desk)
    print(f"desk {agency} #{desk}: {events:,} events; {args.desks} desks × {args.events_per_desk:,} events in "
          f"batches of {args.batch}; {os.cpu_count()} CPU; {args.repeat} run(s) of each")
    prepared = time.perf_counter()
    bodies = {code: bodies_for(code, chain_for(code, source), args.batch) for code in commune_codes(args.desks)}
    print(f"  push bodies of the many-desks runs built in {time.perf_counter() - prepared:.1f} s")
    results: dict[str, Any] = {"target_events_per_s": TARGET, "cpus": os.cpu_count(), "repeat": args.repeat,
                               "one_desk": {}, "many_desks": {}, "in_process": {}, "skipped": {}}
    with backends([b.strip() for b in args.backends.split(",") if b.strip()]) as (found, skipped), \
            tempfile.TemporaryDirectory(prefix="bench-sync-") as temporary:
        results["skipped"] = skipped
        for name, why in skipped.items():
            print(f"  {name}: skipped ({why})")
        work = Path(temporary)
        for backend in found:
            runs: dict[str, list[dict[str, Any]]] = {"one_desk": [], "many_desks": [], "in_process": []}
            for run in range(args.repeat):  # interleaved: a disturbance of the machine spreads over all three
                label = str(run)
                runs["one_desk"].append(one_desk(backend, cached, work, label))
                runs["many_desks"].append(many_desks(backend, bodies, args.events_per_desk, args.batch, work, label))
                runs["in_process"].append(in_process(backend, bodies, args.events_per_desk, work, label))
                print(f"  {backend.name} run {run + 1}: one desk {runs['one_desk'][-1]['push_events_per_s']:,}/s "
                      f"(push), {args.desks} desks {runs['many_desks'][-1]['events_per_s']:,}/s, in process "
                      f"{runs['in_process'][-1]['events_per_s']:,}/s", flush=True)
            for scenario, scenario_runs in runs.items():
                results[scenario][backend.name] = median_of(scenario_runs)
    report(results)
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "sync.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
