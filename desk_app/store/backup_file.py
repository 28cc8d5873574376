"""The backup file: its name, its two formats, and writing it so that a real backup name only ever holds a whole,
checked file.

**Names.** ``motcua-<desk id>-YYYYMMDD-HHMMSS-<reason>[-N].mcbak``; the desk id is the agency code and the desk
number (``000.31.22.H20-ban0``), so two desks sharing one USB stick never take (or prune) each other's files;
``reason`` is ``manual``, ``daily`` or ``pre-migration``. Anything else in a backup folder is not ours.

**Formats** (told apart by their first bytes, whatever the name says):

- *plain*: the SQLite database itself (it opens in any SQLite tool, and ``sqlite3.connect`` reads it);
- *encrypted*: a 54-byte header, then the database in chunks of ``2**chunk_log2`` bytes, each sealed with AES-256-GCM::

      magic "MOTCUABK" (8) | version 1 (1) | kdf 1 = scrypt (1) | log2 N (1) | r (1) | p (1) | chunk_log2 (1)
      | salt (16) | nonce prefix (8) | key check (16)

  scrypt(passphrase NFC UTF-8, salt, N, r, p) gives 64 bytes: the AES key, then a check key; the key check is
  HMAC-SHA256(check key, the header's first 38 bytes)[:16], so a wrong passphrase is told apart from a damaged
  file, and the header's parameters are authenticated. Chunk ``i`` (from 0) uses the nonce ``prefix ‖ i`` (4 bytes,
  big-endian) and the additional data ``header ‖ i (8 bytes) ‖ last (1 byte)``: a chunk altered, moved, dropped or
  the file cut short fails to open. Never more than one chunk is held in memory.

Writing (:func:`publish`): into a temporary ``.motcua-….tmp`` in the target folder, flushed to the disk, read back
and compared (the plain bytes, or the decrypted bytes, against the checked snapshot's SHA-256), then renamed to its
real name and the folder flushed. A process killed at any moment leaves at most a temporary file, which the next
backup removes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from desk_app.domain.errors import DomainError
from desk_app.fileio import fsync_dir, fsync_file

EXTENSION = ".mcbak"
PREFIX = "motcua-"
REASONS = ("manual", "daily", "pre-migration")
SQLITE_MAGIC = b"SQLite format 3\x00"
MAGIC = b"MOTCUABK"
VERSION = 1
KDF_SCRYPT = 1
_FIXED = struct.Struct(">8sBBBBBB16s8s")  # everything the key check covers
HEADER_SIZE = _FIXED.size + 16
TAG = 16

# scrypt's cost: 2**17 × 128 × 8 bytes = 128 MiB and about half a second, once per backup or restore. Tests lower it.
KDF_LOG2_N = 17
KDF_R = 8
KDF_P = 1
CHUNK_LOG2 = 20  # 1 MiB
# What a file may ask for (its header is read before it can be authenticated): bounds on memory and time.
_LIMITS = {"log2_n": (10, 20), "r": (1, 16), "p": (1, 4), "chunk_log2": (12, 24)}

PASSPHRASE_MIN_LENGTH = 8
LAST_BACKUP_KEY = "backup_last_good"  # settings row: JSON of the last backup made and checked


class BackupFileError(DomainError):
    """A backup file that cannot be used: not ours, damaged, or the passphrase does not open it."""


# -- names ----------------------------------------------------------------------------------------------------------
NAME_RE = re.compile(r"^motcua-(?P<ident>.+)-(?P<date>\d{8})-(?P<time>\d{6})-(?P<reason>manual|daily|pre-migration)"
                     r"(?:-(?P<n>\d{1,3}))?\.mcbak$")
TEMP_RE = re.compile(r"^\.motcua-.+\.tmp$")


def desk_ident(agency_code: str, desk: str | int) -> str:
    """``000.31.22.H20-ban0``; only letters, digits, dots and dashes (a file name on every system)."""
    agency = re.sub(r"[^A-Za-z0-9.]", "", agency_code or "")
    return f"{agency}-ban{int(desk)}" if agency else f"ban{int(desk)}"


def backup_name(ident: str, moment: dt.datetime, reason: str, n: int = 0) -> str:
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    suffix = f"-{n}" if n else ""
    return f"{PREFIX}{ident}-{moment:%Y%m%d-%H%M%S}-{reason}{suffix}{EXTENSION}"


@dataclass(frozen=True)
class BackupName:
    path: Path
    ident: str
    stamp: str  # YYYYMMDDHHMMSS
    reason: str
    n: int


def parse_name(path: Path) -> BackupName | None:
    match = NAME_RE.match(path.name)
    if match is None:
        return None
    return BackupName(path, match["ident"], match["date"] + match["time"], match["reason"], int(match["n"] or 0))


def our_backups(folder: Path, ident: str) -> list[BackupName]:
    """This desk's backup files in ``folder``, oldest first (other desks' files and anything else left out)."""
    found: list[BackupName] = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            parsed = parse_name(entry)
            if parsed is not None and parsed.ident == ident and entry.is_file():
                found.append(parsed)
    return sorted(found, key=lambda b: (b.stamp, b.n, b.reason))


def free_name(folder: Path, ident: str, moment: dt.datetime, reason: str) -> Path:
    for n in range(1000):
        candidate = folder / backup_name(ident, moment, reason, n)
        if not candidate.exists():
            return candidate
    raise BackupFileError(f"Thư mục {folder} đã có quá nhiều bản sao lưu cùng thời điểm.", field="backup_dir")


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed backup left (never a file with a real backup name)."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if TEMP_RE.match(entry.name) and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()


# -- files ------------------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def sniff(path: Path) -> str:
    """``sqlite``, ``encrypted`` or ``unknown``, from the file's first bytes."""
    try:
        with open(path, "rb") as file:
            head = file.read(16)
    except OSError:
        return "unknown"
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head[:8] == MAGIC:
        return "encrypted"
    return "unknown"


def snapshot(db_path: Path, target: Path) -> Path:
    """A consistent copy of a live database (SQLite's online backup API), flushed to the disk."""
    source = sqlite3.connect(db_path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable from a read-only stick
        finally:
            dest.close()
    finally:
        source.close()
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    fsync_file(target)
    return target


def sqlite_problems(path: Path) -> list[str]:
    """SQLite's own check of a database file, opened read-only; empty when it is whole."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as error:
        return [f"không đọc được cơ sở dữ liệu ({error})"]
    return [] if rows == ["ok"] else [str(r) for r in rows[:20]]


def schema_revision(path: Path) -> str | None:
    """The alembic revision of a database file (None when it has none: not a desk's database)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def read_settings(path: Path, *keys: str) -> dict[str, str]:
    """Some settings rows of a database file, read with plain SQL (any schema revision), read-only."""
    if not path.exists():
        return {}
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            marks = ",".join("?" for _ in keys)
            rows = conn.execute(f"SELECT key, value FROM settings WHERE key IN ({marks})", keys).fetchall()
    except sqlite3.DatabaseError:
        return {}
    return {str(k): str(v) for k, v in rows}


def write_last_backup(conn: sqlite3.Connection, info: dict[str, object]) -> None:
    """Record the last good backup in a settings row (the caller's transaction)."""
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                 "excluded.value", (LAST_BACKUP_KEY, json.dumps(info, ensure_ascii=False, sort_keys=True)))


# -- encryption ---------------------------------------------------------------------------------------------------------
def _passphrase_bytes(passphrase: str) -> bytes:
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _keys(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    n = 1 << log2_n
    material = hashlib.scrypt(_passphrase_bytes(passphrase), salt=salt, n=n, r=r, p=p, dklen=64,
                              maxmem=n * r * 128 * 2 + (1 << 20))
    return material[:32], material[32:]


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">Q", index) + (b"\x01" if last else b"\x00")


def _chunks(source: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """The source in pieces of ``size``, each with whether it is the last (one empty piece for an empty source)."""
    current = source.read(size)
    while True:
        following = source.read(size)
        yield current, not following
        if not following:
            return
        current = following


def encrypt(source: Path, target: BinaryIO, passphrase: str, *, log2_n: int | None = None) -> None:
    log2_n = KDF_LOG2_N if log2_n is None else log2_n
    salt, prefix = secrets.token_bytes(16), secrets.token_bytes(8)
    fixed = _FIXED.pack(MAGIC, VERSION, KDF_SCRYPT, log2_n, KDF_R, KDF_P, CHUNK_LOG2, salt, prefix)
    key, check_key = _keys(passphrase, salt, log2_n, KDF_R, KDF_P)
    header = fixed + hmac.new(check_key, fixed, hashlib.sha256).digest()[:16]
    target.write(header)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # loaded by an encrypted backup, not at start-up

    cipher = AESGCM(key)
    with open(source, "rb") as plain:
        target.writelines(cipher.encrypt(_nonce(prefix, index), piece, _aad(header, index, last))
                          for index, (piece, last) in enumerate(_chunks(plain, 1 << CHUNK_LOG2)))


def decrypt(source: Path, passphrase: str) -> Iterator[bytes]:
    """The plain bytes of an encrypted backup, chunk by chunk, each authenticated before it is given.

    Raises :class:`BackupFileError` (field ``passphrase`` or ``file``) with a Vietnamese reason.
    """
    from cryptography.exceptions import InvalidTag  # loaded by an encrypted backup, not at start-up
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with open(source, "rb") as file:
        header = file.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE:
            raise BackupFileError("Tệp sao lưu bị cắt cụt (thiếu phần đầu tệp).", field="file")
        magic, version, kdf, log2_n, r, p, chunk_log2, salt, prefix = _FIXED.unpack(header[:_FIXED.size])
        if magic != MAGIC:
            raise BackupFileError("Đây không phải tệp sao lưu mã hóa của Một Cửa Desk.", field="file")
        if version != VERSION or kdf != KDF_SCRYPT:
            raise BackupFileError(f"Tệp sao lưu dùng định dạng phiên bản {version}, phiên bản phần mềm này không đọc "
                                  "được. Hãy cài phiên bản mới nhất của Một Cửa Desk.", field="file")
        values = {"log2_n": log2_n, "r": r, "p": p, "chunk_log2": chunk_log2}
        if any(not low <= values[name] <= high for name, (low, high) in _LIMITS.items()):
            raise BackupFileError("Phần đầu tệp sao lưu bị hỏng hoặc đã bị sửa (thông số không hợp lệ).",
                                  field="file")
        key, check_key = _keys(passphrase, salt, log2_n, r, p)
        expected = hmac.new(check_key, header[:_FIXED.size], hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(expected, header[_FIXED.size:]):
            raise BackupFileError("Mật khẩu sao lưu không đúng: không mở được tệp này (hoặc phần đầu tệp đã bị sửa). "
                                  "Nhập đúng mật khẩu đã đặt khi sao lưu (thiết lập backup_passphrase).",
                                  field="passphrase")
        cipher = AESGCM(key)
        for index, (piece, last) in enumerate(_chunks(file, (1 << chunk_log2) + TAG)):
            if len(piece) < TAG:
                raise BackupFileError("Tệp sao lưu bị cắt cụt hoặc hỏng.", field="file")
            try:
                yield cipher.decrypt(_nonce(prefix, index), piece, _aad(header, index, last))
            except InvalidTag:
                raise BackupFileError(
                    f"Tệp sao lưu đã bị sửa hoặc hỏng (phần thứ {index + 1} không khớp mã xác thực): không dùng được. "
                    "Hãy chọn một bản sao lưu khác.", field="file") from None


def decrypt_to(source: Path, target: Path, passphrase: str) -> None:
    with open(target, "wb") as out:
        out.writelines(decrypt(source, passphrase))
        out.flush()
        os.fsync(out.fileno())


# -- publishing -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    encrypted: bool


def publish(snapshot_path: Path, final: Path, passphrase: str = "") -> Written:
    """Write the checked snapshot under ``final`` (plain, or encrypted with ``passphrase``) as described above."""
    folder = final.parent
    expected = sha256_of(snapshot_path)
    temporary = folder / f".{final.name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temporary, "xb") as out:
            if passphrase:
                encrypt(snapshot_path, out, passphrase)
            else:
                with open(snapshot_path, "rb") as plain:
                    while block := plain.read(1 << 20):
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if passphrase:
            digest = hashlib.sha256()
            for piece in decrypt(temporary, passphrase):
                digest.update(piece)
            written = digest.hexdigest()
        else:
            written = sha256_of(temporary)
        if written != expected:
            raise BackupFileError(f"Bản sao lưu ghi ra {folder} đọc lại không khớp (ổ đĩa hoặc USB có lỗi?). Chưa "
                                  "có bản sao lưu mới; thử lại hoặc dùng thư mục khác.", field="backup_dir")
        os.replace(temporary, final)
        fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return Written(final, final.stat().st_size, bool(passphrase))


# -- folders ----------------------------------------------------------------------------------------------------------
def folder_problem(folder: Path) -> str | None:
    """Why backups cannot be written into ``folder`` (Vietnamese), or None when they can."""
    if not folder.exists():
        return (f"Không thấy thư mục sao lưu {folder} (USB chưa cắm, hoặc ổ đĩa mạng chưa kết nối?). Cắm USB hoặc "
                "chọn thư mục khác trong Thiết lập → Sao lưu (backup_dir).")
    if not folder.is_dir():
        return f"{folder} không phải là một thư mục. Chọn một thư mục trong Thiết lập → Sao lưu (backup_dir)."
    probe = folder / f".motcua-probe-{secrets.token_hex(4)}.tmp"
    try:
        with open(probe, "xb") as file:
            file.write(b"ok")
        probe.unlink()
    except OSError:
        return (f"Không ghi được vào thư mục sao lưu {folder} (USB bị khóa ghi, đầy, hoặc không có quyền ghi). Chọn "
                "thư mục khác trong Thiết lập → Sao lưu (backup_dir).")
    return None


def count_rows(path: Path) -> tuple[int, int]:
    """(dossiers, events) of a database file."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        dossiers = conn.execute("SELECT count(*) FROM dossiers").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM dossier_events").fetchone()[0]
    return int(dossiers), int(events)


# -- before a migration (store/db.py) ---------------------------------------------------------------------------------
def pre_migration_backup(db_path: Path, default_folder: Path, current: str, head: str | None) -> Path:
    """The copy made before a schema migration, into the configured backup folder (read from the database being
    migrated with plain SQL) or, when that is unusable, ``default_folder``; encrypted when a passphrase is set;
    checked with SQLite's own integrity check (the full ``verify`` needs the current schema), then recorded as the
    last good backup. Raises :class:`BackupFileError` when the database cannot be copied whole: no migration then."""
    import logging

    from desk_app.store.models import VN_TZ, to_db_time

    log = logging.getLogger(__name__)
    settings = read_settings(db_path, "backup_dir", "backup_passphrase", "agency_code", "desk")
    folder = default_folder
    configured = settings.get("backup_dir", "").strip()
    if configured:
        if folder_problem(Path(configured)) is None:
            folder = Path(configured)
        else:
            log.warning("backup folder unusable before a migration: the local backups folder is used")
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    now = dt.datetime.now(VN_TZ).replace(microsecond=0)
    work = db_path.parent / f".pre-migration-{secrets.token_hex(4)}.snapshot.tmp"
    try:
        snapshot(db_path, work)
        problems = sqlite_problems(work)
        if problems:
            raise BackupFileError(f"Không sao lưu được cơ sở dữ liệu trước khi nâng cấp: tệp hỏng ({problems[0]}). "
                                  "Chưa nâng cấp gì; hãy khôi phục từ một bản sao lưu tốt.", field="database")
        dossiers, events = count_rows(work)
        ident = desk_ident(settings.get("agency_code", ""), settings.get("desk", "0") or "0")
        written = publish(work, free_name(folder, ident, now, "pre-migration"), settings.get("backup_passphrase", ""))
    finally:
        with contextlib.suppress(OSError):
            work.unlink()
    info: dict[str, object] = {"at": now.isoformat(), "path": str(written.path), "size": written.size,
                               "encrypted": written.encrypted, "dossiers": dossiers, "events": events,
                               "reason": "pre-migration"}
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("PRAGMA busy_timeout=10000")
        write_last_backup(conn, info)
        with contextlib.suppress(sqlite3.OperationalError):  # the first schema had no audit log
            conn.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                         (to_db_time(now), "system", "backup", written.path.name,
                          json.dumps({"reason": "pre-migration", "from": current, "to": head, "size": written.size,
                                      "encrypted": written.encrypted, "dossiers": dossiers, "events": events})))
    return written.path
