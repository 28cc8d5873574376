"""What encrypting the desk database with SQLCipher would cost: the same queries on the same data, plain and encrypted.

Not part of the product: the evidence behind the README's "Encryption at rest" decision. It needs the optional
``sqlcipher3`` wheel (``pip install sqlcipher3``; wheels exist for Windows, macOS and manylinux_2_28) and a desk
database with demo data (by default the cached 100,000-dossier one that ``bench/dossier_list.py`` builds).

Both sides run through the same SQLCipher library (a database opened without a key is a plain SQLite file), so
the ratio shows the cost of the encryption alone: AES-256 on every page read from or written to disk, and the key
derivation when the file is opened.

    python bench/at_rest.py [--db bench/cache/dossier_list-100000/desk.db] [--work /tmp/at-rest]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - the evaluation needs the optional wheel
    raise SystemExit("Cần gói sqlcipher3: pip install sqlcipher3") from None

HERE = Path(__file__).resolve().parent
PASSPHRASE = "một câu mật khẩu dài của xã"
RAW_KEY = "x'" + "ab" * 32 + "'"  # a 256-bit key as the OS keyring would hold it: no key derivation on open


CACHE_KIB = 2000  # SQLite's default page cache; --cache-mb sets another


def open_db(path: Path, key: str | None, *, raw: bool = False) -> Any:
    conn = sqlcipher.connect(str(path), isolation_level=None)
    if key is not None:
        conn.execute(f'PRAGMA key = "{key}"' if raw else f"PRAGMA key = {_quoted(key)}")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def encrypt_copy(plain: Path, target: Path) -> float:
    started = time.perf_counter()
    conn = sqlcipher.connect(str(plain), isolation_level=None)
    conn.execute("ATTACH DATABASE ? AS enc KEY ?", (str(target), PASSPHRASE))
    conn.execute("SELECT sqlcipher_export('enc')")
    conn.execute("DETACH DATABASE enc")
    conn.close()
    return time.perf_counter() - started


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def workload(conn: Any, codes: list[str], names: list[str], scratch: str) -> dict[str, list[float]]:
    rng = random.Random(7)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {scratch} (id INTEGER PRIMARY KEY, payload TEXT)")
    payload = json.dumps({"applicant": {"name": "Nguyễn Văn Đức", "address": "Ấp Mỹ Thới, Mỹ Phong"},
                          "documents": ["Tờ khai"] * 12, "note": "x" * 300}, ensure_ascii=False)

    def lookup() -> None:
        conn.execute("SELECT * FROM dossiers WHERE code = ?", (rng.choice(codes),)).fetchall()

    def search() -> None:
        term = " ".join(f'"{word}"*' for word in rng.choice(names).split()[-2:])
        conn.execute("SELECT d.id, d.code, d.applicant_name, d.status FROM dossier_fts f JOIN dossiers d "
                     "ON d.id = f.rowid WHERE dossier_fts MATCH ? ORDER BY d.received_at DESC LIMIT 50",
                     (term,)).fetchall()

    def dashboard() -> None:
        conn.execute("SELECT status, count(*) FROM dossiers WHERE closed_at IS NULL GROUP BY status").fetchall()

    def report() -> None:
        conn.execute("SELECT field_code, count(*), sum(returned_at <= due_at), sum(returned_at > due_at) "
                     "FROM dossiers GROUP BY field_code").fetchall()

    def save() -> None:  # one committed transaction, as saving a dossier is
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"INSERT INTO {scratch} (payload) VALUES (?)", (payload,))
        conn.execute(f"INSERT INTO {scratch} (payload) VALUES (?)", (payload,))
        conn.execute("COMMIT")

    return {
        "lookup by code (ms)": timed(lookup, 2000),
        "name search, 50 rows (ms)": timed(search, 200),
        "dashboard count (ms)": timed(dashboard, 10),
        "report scan (ms)": timed(report, 5),
        "save, FULL sync (ms)": timed(save, 300),
    }


def open_times(path: Path, key: str | None, *, raw: bool = False) -> list[float]:
    def once() -> None:
        open_db(path, key, raw=raw).close()

    return timed(once, 5)


def backup_time(path: Path, key: str | None, target: Path) -> float:
    conn = open_db(path, key)
    if target.exists():
        target.unlink()
    started = time.perf_counter()
    dest = sqlcipher.connect(str(target))
    if key is not None:
        dest.execute(f"PRAGMA key = {_quoted(key)}")
    conn.backup(dest)
    dest.close()
    conn.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=HERE / "cache" / "dossier_list-100000" / "desk.db")
    parser.add_argument("--work", type=Path, default=Path("/tmp/at-rest"))
    parser.add_argument("--cache-mb", type=int, default=2, help="page cache per connection (SQLite's default: 2)")
    args = parser.parse_args()
    global CACHE_KIB
    CACHE_KIB = args.cache_mb * 1000
    if not args.db.exists():
        raise SystemExit(f"Không có {args.db}: chạy bench/dossier_list.py trước (nó dựng cơ sở dữ liệu mẫu).")
    args.work.mkdir(parents=True, exist_ok=True)
    plain, encrypted = args.work / "plain.db", args.work / "encrypted.db"
    for stale in (plain, encrypted):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{stale}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(args.db, plain)
    export_s = encrypt_copy(plain, encrypted)
    with open_db(plain, None) as conn:
        codes = [row[0] for row in conn.execute("SELECT code FROM dossiers ORDER BY random() LIMIT 5000")]
        names = [row[0] for row in conn.execute("SELECT search_folded FROM dossiers ORDER BY random() LIMIT 500")]
    sides = {"plain": (plain, None), "encrypted": (encrypted, PASSPHRASE)}
    results: dict[str, dict[str, list[float]]] = {}
    for label, (path, key) in sides.items():  # warm the OS file cache the same way for both
        conn = open_db(path, key)
        results[label] = workload(conn, codes, [n.split(" ", 3)[0] + " " + n.split(" ", 3)[1] for n in names],
                                  f"scratch_{label}")
        conn.close()
        results[label]["open, key derivation (ms)"] = open_times(path, key)
        if key is not None:
            results[label]["open, raw 256-bit key (ms)"] = open_times(_raw_keyed(args.work), RAW_KEY, raw=True)
        results[label]["backup API copy (ms)"] = [backup_time(path, key, args.work / f"backup-{label}.db") * 1000]
    print(f"SQLCipher {sqlcipher.connect(':memory:').execute('PRAGMA cipher_version').fetchone()[0]}, "
          f"{args.db.stat().st_size / 1e6:.0f} MB database, {args.cache_mb} MB page cache; encrypting a copy took {export_s:.1f} s")
    print(f"{'operation':32} {'plain p50':>10} {'enc. p50':>10} {'plain p95':>10} {'enc. p95':>10} {'ratio':>6}")
    summary: dict[str, Any] = {}
    for name, plain_samples in results["plain"].items():
        enc_samples = results["encrypted"].get(name, [])
        p = _pcts(plain_samples)
        e = _pcts(enc_samples) if enc_samples else (float("nan"), float("nan"))
        ratio = e[0] / p[0] if p[0] else float("nan")
        print(f"{name:32} {p[0]:10.3f} {e[0]:10.3f} {p[1]:10.3f} {e[1]:10.3f} {ratio:6.2f}")
        summary[name] = {"plain_p50": p[0], "encrypted_p50": e[0], "plain_p95": p[1], "encrypted_p95": e[1]}
    raw = results["encrypted"].get("open, raw 256-bit key (ms)")
    if raw:
        print(f"{'open, raw 256-bit key (ms)':32} {'':10} {statistics.median(raw):10.3f}")
        summary["open_raw_key_ms"] = statistics.median(raw)
    out = HERE / "results" / "at_rest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")


def _raw_keyed(work: Path) -> Path:
    """A small database keyed with a raw key: opening it reads page 1 only, whatever the size of the file."""
    path = work / "raw-key.db"
    path.unlink(missing_ok=True)
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute(f'PRAGMA key = "{RAW_KEY}"')
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    return path


def _pcts(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


if __name__ == "__main__":
    main()
