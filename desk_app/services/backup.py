"""Backups and restore: a checked copy of the desk's database, on demand, every working day, and before a migration;
and putting one back, whole or not at all.

A backup (:func:`make_backup`) is a consistent snapshot taken with SQLite's online backup API into the data folder,
checked there (SQLite's integrity check and the full :func:`desk_app.services.integrity.verify`: hash chains and
projection), then written into the backup folder as described in :mod:`desk_app.store.backup_file` (a temporary
name, flushed, read back, renamed). Only then is it recorded as the last good backup (a settings row and an audit
record) and are this desk's older backups beyond ``backup_keep`` removed.

A restore (:func:`restore_backup`) decrypts or copies the file into a staging folder inside the data folder, checks
it the same way (after migrating it when it comes from an older version; a newer one is refused), then, holding the
desk's lock, copies the current database aside as ``desk.db.before-restore-<stamp>`` and renames the staged file
over ``desk.db`` (one atomic rename: a process killed at any moment leaves the old database or the new one,
complete). Any refusal leaves the current database byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.fileio import fsync_dir, fsync_file
from desk_app.services import audit
from desk_app.services.accounts import require
from desk_app.services.clock import Clock, SystemClock, local
from desk_app.services.context import ServiceContext
from desk_app.services.integrity import VerifyReport, verify
from desk_app.services.settings import SettingsService
from desk_app.store import backup_file as bf
from desk_app.store.db import DB_FILENAME, head_revision, make_engine, migrate
from desk_app.store.desk_lock import DeskLock
from desk_app.store.events import clear_restored, mark_restored, restored_at
from desk_app.store.models import VN_TZ, DossierEvent

log = logging.getLogger(__name__)

REASONS = bf.REASONS
BACKUP_ROLES = ("admin", "leader")  # a manual backup copies every citizen's data: not the clerk's call
PRUNED_REASONS = ("manual", "daily")  # pre-migration copies are rare and kept until removed by hand
STALE_AFTER = dt.timedelta(days=2)
LOCAL_FOLDER = "backups"

_running = threading.Lock()  # one backup at a time in this program (the automatic one and "Sao lưu ngay")


# A backup or a restore that could not be done (told in Vietnamese, naming what to do); the file format's own
# refusals (a wrong passphrase, a damaged file) are the same type.
BackupError = bf.BackupFileError


# -- the last good backup -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LastBackup:
    at: dt.datetime
    path: str
    size: int
    encrypted: bool
    dossiers: int
    events: int
    reason: str
    fallback: bool = False  # written to the local folder because the backup folder (a USB stick) was unusable

    @classmethod
    def from_json(cls, value: str) -> LastBackup | None:
        try:
            data = json.loads(value)
            return cls(local(dt.datetime.fromisoformat(data["at"])), str(data["path"]), int(data["size"]),
                       bool(data["encrypted"]), int(data["dossiers"]), int(data["events"]), str(data["reason"]),
                       bool(data.get("fallback", False)))
        except (ValueError, KeyError, TypeError):
            return None

    def as_json(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "path": self.path, "size": self.size, "encrypted": self.encrypted,
                "dossiers": self.dossiers, "events": self.events, "reason": self.reason, "fallback": self.fallback}


def read_last_backup(session: Session) -> LastBackup | None:
    value = session.execute(text("SELECT value FROM settings WHERE key = :key"),
                            {"key": bf.LAST_BACKUP_KEY}).scalar()
    return LastBackup.from_json(value) if value else None


def last_backup(ctx: ServiceContext) -> LastBackup | None:
    with ctx.read() as session:
        return read_last_backup(session)


def backup_age_warning(last: LastBackup | None, now: dt.datetime, *, stale_after: dt.timedelta = STALE_AFTER) -> str | None:
    """What the clerk must be told when the last good backup is older than two days (None: all is well)."""
    if last is None:
        return ("CHƯA CÓ BẢN SAO LƯU nào của dữ liệu bàn này. Nếu máy hỏng hoặc mất, hồ sơ sẽ mất theo. Báo quản trị "
                "viên hoặc lãnh đạo sao lưu ngay (menu Sao lưu → Sao lưu ngay).")
    if last.fallback:  # until a backup reaches the USB stick again, however recent the local one
        return (f"Bản sao lưu gần nhất (lúc {last.at:%H:%M ngày %d/%m/%Y}) chỉ nằm trên chính máy này vì thư mục sao "
                "lưu (USB) không dùng được: nếu máy hỏng hoặc mất, bản sao lưu mất theo. Cắm lại USB (hoặc sửa Thiết lập "
                "→ Sao lưu) rồi sao lưu ngay (menu Sao lưu → Sao lưu ngay).")
    if now - last.at <= stale_after:
        return None
    days = (now - last.at).days
    return (f"Bản sao lưu tốt gần nhất đã cũ {days} ngày (lúc {last.at:%H:%M ngày %d/%m/%Y}). Báo quản trị viên hoặc "
            "lãnh đạo kiểm tra USB/thư mục sao lưu và sao lưu ngay (menu Sao lưu → Sao lưu ngay).")


def written_since(ctx: ServiceContext, moment: dt.datetime) -> bool:
    """Whether this desk recorded anything after ``moment`` (the last good backup does not hold it)."""
    with ctx.read() as session:
        latest = session.scalar(select(func.max(DossierEvent.recorded_at)))
    return latest is not None and latest > moment


def office_day_end(ctx: ServiceContext, day: dt.date) -> dt.datetime | None:
    """When the last office session of ``day`` ends (the daily backup's moment), or None on a day off."""
    from desk_app.services.rules import load_rules

    with ctx.read() as session:
        sessions = load_rules(session).calendar.sessions_on(day)
    return dt.datetime.combine(day, sessions[-1][1], tzinfo=VN_TZ) if sessions else None


def daily_backup_due(now: dt.datetime, last: LastBackup | None, day_end: dt.datetime | None) -> bool:
    """The daily backup is due once the working day's last session has ended, unless a good backup was made since
    (a backup made earlier in the day does not hold the afternoon's work)."""
    return day_end is not None and now >= day_end and (last is None or last.at < day_end)


# -- making a backup ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    encrypted: bool
    dossiers: int
    events: int
    reason: str
    at: dt.datetime
    warning: str | None = None  # e.g. the USB folder was missing and the local folder was used instead
    pruned: tuple[Path, ...] = ()


def can_back_up(ctx: ServiceContext) -> bool:
    return ctx.role in (*BACKUP_ROLES, "system")


def local_folder(data_dir: Path) -> Path:
    return data_dir / LOCAL_FOLDER


def _settings(ctx: ServiceContext) -> dict[str, str]:
    with ctx.read() as session:
        service = SettingsService(session)
        return {key: service.get(key) for key in ("backup_dir", "backup_keep", "backup_passphrase", "agency_code",
                                                   "desk")}


def _folder(ctx: ServiceContext, to: Path | None, configured: str, reason: str) -> tuple[Path, str | None]:
    """Where this backup goes, and a warning when the automatic one had to fall back to the local folder."""
    local_dir = local_folder(ctx.db.data_dir)
    if to is not None:
        wanted, setting = to.expanduser(), "to"
    elif configured:
        wanted, setting = Path(configured), "backup_dir"
    else:
        local_dir.mkdir(parents=True, exist_ok=True)
        wanted, setting = local_dir, "backup_dir"
    problem = bf.folder_problem(wanted)
    if problem is None:
        return wanted, None
    if reason == "daily" and wanted != local_dir:
        local_dir.mkdir(parents=True, exist_ok=True)
        if bf.folder_problem(local_dir) is None:
            log.warning("backup folder unusable: the daily backup falls back to the local folder")
            return local_dir, f"{problem} Bản sao lưu hằng ngày đã được ghi tạm vào {local_dir}."
    raise BackupError(f"Không sao lưu được: {problem}", field=setting)


def _verify_file(path: Path) -> VerifyReport:
    """The full check of a private copy (the search index's check needs a write transaction, rolled back)."""
    engine = create_engine(f"sqlite:///{path}", hide_parameters=True)
    try:
        with Session(engine) as session:
            return verify(session)
    finally:
        engine.dispose()


def _check(path: Path, what: str) -> VerifyReport:
    problems = bf.sqlite_problems(path)
    if problems:
        raise BackupError(f"{what}: tệp cơ sở dữ liệu hỏng ({problems[0]}).", field="file")
    report = _verify_file(path)
    if not report.ok:
        shown = "; ".join(report.problems[:3])
        more = f" (và {len(report.problems) - 3} lỗi khác)" if len(report.problems) > 3 else ""
        raise BackupError(f"{what}: kiểm tra toàn vẹn thất bại — {shown}{more}.", field="file")
    return report


def make_backup(ctx: ServiceContext, *, to: Path | None = None, reason: str = "manual", passphrase: str | None = None,
                now: dt.datetime | None = None) -> BackupResult:
    """Back the desk's database up (see the module's description). ``passphrase``: None takes the setting
    ``backup_passphrase``; "" writes a plain copy. Raises :class:`BackupError` (field ``backup_dir``/``to``) when the
    folder cannot be used, ``PermissionDenied`` for a clerk's manual backup."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    if reason != "daily" or to is not None or passphrase is not None:
        # Whoever is signed in lets the daily backup run, as the settings say (folder, passphrase); anything else —
        # another folder, another passphrase or none, another reason — is a copy of every citizen's data, made by
        # the administrator or the leader only.
        require(ctx, *BACKUP_ROLES, doing="sao lưu dữ liệu")
    if passphrase and len(passphrase) < bf.PASSPHRASE_MIN_LENGTH:
        raise ValidationError("Mật khẩu mã hóa bản sao lưu cần ít nhất 8 ký tự.", field="passphrase")
    if not _running.acquire(blocking=False):
        raise BackupError("Đang có một lần sao lưu khác chạy; chờ nó xong rồi thử lại.", field="backup")
    try:
        return _make_backup(ctx, to, reason, passphrase, now)
    finally:
        _running.release()


def _make_backup(ctx: ServiceContext, to: Path | None, reason: str, passphrase: str | None,
                 now: dt.datetime | None) -> BackupResult:
    moment = (now or ctx.clock.now()).astimezone(VN_TZ).replace(microsecond=0)
    settings = _settings(ctx)
    secret = settings["backup_passphrase"] if passphrase is None else passphrase
    folder, warning = _folder(ctx, to, settings["backup_dir"].strip(), reason)
    bf.remove_stale_temporaries(folder)
    bf.remove_stale_temporaries(ctx.db.data_dir)
    ident = bf.desk_ident(settings["agency_code"], settings["desk"])
    work = ctx.db.data_dir / f".motcua-snapshot-{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        bf.snapshot(ctx.db.path, work)
        report = _check(work, "Bản chụp dữ liệu để sao lưu không dùng được")
        try:
            written = bf.publish(work, bf.free_name(folder, ident, moment, reason), secret)
        except OSError as error:
            raise BackupError(f"Không ghi được bản sao lưu vào {folder} ({error.strerror or error}). Kiểm tra USB/ổ "
                              "đĩa (còn chỗ trống, không bị khóa ghi) rồi thử lại.", field="backup_dir") from None
    finally:
        with contextlib.suppress(OSError):
            work.unlink()
    result = BackupResult(written.path, written.size, written.encrypted, report.dossiers, report.events, reason,
                          moment, warning)
    _record(ctx, result)
    pruned = _prune(folder, ident, int(settings["backup_keep"]), keep=written.path)
    log.info("backup written (%s): %s, %d bytes, encrypted=%s, pruned %d", reason, written.path.name, written.size,
             written.encrypted, len(pruned))
    return BackupResult(**{**result.__dict__, "pruned": tuple(pruned)})


def _record(ctx: ServiceContext, result: BackupResult) -> None:
    """The last good backup and its audit record, in one transaction (not ctx.write(): a backup is made even while
    a wrong clock stops dossier writes)."""
    info = LastBackup(result.at, str(result.path), result.size, result.encrypted, result.dossiers, result.events,
                      result.reason, fallback=result.warning is not None)
    actor = ctx.actor if result.reason == "manual" else f"system ({result.reason})"
    with ctx.db.write_session() as session, session.begin():
        session.execute(text("INSERT INTO settings (key, value) VALUES (:key, :value) ON CONFLICT(key) DO UPDATE "
                             "SET value = excluded.value"),
                        {"key": bf.LAST_BACKUP_KEY, "value": json.dumps(info.as_json(), ensure_ascii=False,
                                                                       sort_keys=True)})
        audit.record(session, at=result.at, actor=actor, action="backup", target=result.path.name,
                     detail={"reason": result.reason, "folder": str(result.path.parent), "size": result.size,
                             "encrypted": result.encrypted, "dossiers": result.dossiers, "events": result.events,
                             "fallback": result.warning is not None})


def _prune(folder: Path, ident: str, keep_count: int, *, keep: Path) -> list[Path]:
    """Remove this desk's manual and daily backups beyond the newest ``keep_count`` (never anything else)."""
    ours = [b for b in bf.our_backups(folder, ident) if b.reason in PRUNED_REASONS]
    doomed = [b.path for b in ours[:-keep_count] if b.path != keep] if len(ours) > keep_count else []
    removed: list[Path] = []
    for path in doomed:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            log.warning("an old backup could not be removed: %s", path.name)
    return removed


# -- restoring ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreResult:
    database: Path
    kept_aside: Path | None  # the database that was there, or None in a fresh data folder
    dossiers: int
    events: int
    migrated_from: str | None  # the schema revision of an older backup, upgraded while restoring
    not_acknowledged: int  # this desk's events the upper level had not acknowledged when the backup was made
    notes: list[str] = field(default_factory=list)


SYNC_NOTE = ("Hãy đồng bộ với cấp trên (F12 hoặc desk-app sync) trước khi làm việc tiếp: cho đến khi đó bàn không ghi "
             "hồ sơ mới. Những sự kiện bàn đã gửi lên cấp trên sau thời điểm của bản sao lưu sẽ được lấy lại về máy, và "
             "mã hồ sơ, số sổ theo dõi cấp từ đó nối tiếp các số đã cấp. Không có mạng mà chắc chắn cấp trên không có "
             "dữ liệu nào mới hơn bản sao lưu: quản trị viên xác nhận bằng lệnh desk-app accept-restore.")


def accept_restore(ctx: ServiceContext) -> str | None:
    """The administrator declares that the upper level holds nothing this restored desk wrote after its backup (no
    sync can be made to find out): the desk may write events again. Returns when the desk was restored, or None when
    it was not waiting. Audited."""
    require(ctx, "admin", doing="cho bàn vừa khôi phục ghi tiếp mà không đồng bộ trước")
    with ctx.db.write_session() as session, session.begin():
        restored = restored_at(session)
        if restored is None:
            return None
        clear_restored(session)
        audit.record(session, at=ctx.clock.now(), actor=ctx.actor, action="restore", target=None,
                     detail={"operation": "accept_without_sync", "restored_at": restored})
    log.warning("restored desk allowed to write without a sync first")
    return restored


def restore_backup(data_dir: Path, file: Path, *, passphrase: str | None = None, clock: Clock | None = None,
                   actor: str = "system") -> RestoreResult:
    """Put ``file`` in place of the desk's database in ``data_dir`` (see the module's description)."""
    if not file.is_file():
        raise BackupError(f"Không thấy tệp sao lưu {file}.", field="file")
    now = (clock or SystemClock()).now().astimezone(VN_TZ).replace(microsecond=0)
    data_dir.mkdir(parents=True, exist_ok=True)
    with DeskLock(data_dir, "restore"):
        _remove_stale_staging(data_dir)
        staging = data_dir / f".restore-{now:%Y%m%d-%H%M%S}-{os.getpid()}"
        staging.mkdir()
        try:
            return _restore(data_dir, file, staging, passphrase, now, actor)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _remove_stale_staging(data_dir: Path) -> None:
    for entry in data_dir.iterdir():
        if entry.name.startswith(".restore-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".before-restore-") and entry.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                entry.unlink()


def _restore(data_dir: Path, file: Path, staging: Path, passphrase: str | None, now: dt.datetime,
             actor: str) -> RestoreResult:
    current = data_dir / DB_FILENAME
    staged = staging / DB_FILENAME
    kind = bf.sniff(file)
    if kind == "unknown":
        raise BackupError(f"Tệp {file.name} không phải bản sao lưu của Một Cửa Desk (không phải cơ sở dữ liệu SQLite, "
                          "cũng không phải tệp sao lưu mã hóa). Không khôi phục gì.", field="file")
    if kind == "encrypted":
        secret = passphrase if passphrase is not None else bf.read_settings(current, "backup_passphrase").get(
            "backup_passphrase", "")
        if not secret:
            raise BackupError("Tệp sao lưu này được mã hóa: cần mật khẩu sao lưu (desk-app restore TỆP "
                              "--passphrase-stdin).", field="passphrase")
        bf.decrypt_to(file, staged, secret)
    else:
        shutil.copyfile(file, staged)
        fsync_file(staged)
    what = f"Tệp {file.name} không dùng được để khôi phục"
    problems = bf.sqlite_problems(staged)
    if problems:
        raise BackupError(f"{what}: tệp cơ sở dữ liệu hỏng ({problems[0]}). Không khôi phục gì; chọn bản sao lưu "
                          "khác.", field="file")
    revision, head = bf.schema_revision(staged), head_revision()
    migrated_from = _bring_to_head(staged, revision, head, what)
    report = _check(staged, what)
    not_acknowledged = _finish_staged(staged, file, now, actor, report, migrated_from)
    kept = _keep_aside(current, now) if current.exists() else None
    _swap_in(staged, current)
    log.info("database restored from a backup (%d events); previous database kept aside: %s", report.events,
             kept.name if kept else "none")
    notes = [SYNC_NOTE]
    if migrated_from:
        notes.insert(0, f"Bản sao lưu có lược đồ cũ ({migrated_from}) đã được nâng cấp lên {head} khi khôi phục.")
    return RestoreResult(current, kept, report.dossiers, report.events, migrated_from, not_acknowledged, notes)


def _bring_to_head(staged: Path, revision: str | None, head: str | None, what: str) -> str | None:
    if revision is None:
        raise BackupError(f"{what}: đây không phải cơ sở dữ liệu của Một Cửa Desk (không có phiên bản lược đồ).",
                          field="file")
    if revision == head:
        return None
    engine = make_engine(staged)
    try:
        migrate(engine, staged, None)  # refuses a newer revision (DomainError, field "database")
    except DomainError as error:
        raise BackupError(f"{what}: {error.message}", field="file") from None
    finally:
        engine.dispose()
    return revision


def _finish_staged(staged: Path, file: Path, now: dt.datetime, actor: str, report: VerifyReport,
                   migrated_from: str | None) -> int:
    """Record the restore in the staged database itself, merge its WAL, flush it: it is then put in place as is."""
    engine = make_engine(staged)
    try:
        with Session(engine) as session, session.begin():
            audit.record(session, at=now, actor=actor, action="restore", target=file.name,
                         detail={"dossiers": report.dossiers, "events": report.events,
                                 "migrated_from": migrated_from})
            syncs = session.execute(text("SELECT value FROM settings WHERE key = 'upper_level_url'")).scalar()
            if syncs:  # the upper level may hold what this desk wrote after the backup: take it back first
                mark_restored(session, now)
            not_acknowledged = int(session.execute(text(
                "SELECT count(*) FROM dossier_events WHERE sync_state IN ('to_send', 'sent')")).scalar() or 0)
    finally:
        engine.dispose()
    _checkpoint(staged)
    if _wal_in_use(staged):
        raise BackupError("Không hoàn tất được bản khôi phục (tệp nhật ký WAL còn dữ liệu).", field="file")
    with contextlib.suppress(FileNotFoundError):
        Path(f"{staged}-shm").unlink()
    fsync_file(staged)
    return not_acknowledged


def _checkpoint(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _wal_in_use(path: Path) -> bool:
    """After our own connection (the last one) closed, SQLite removed the WAL file: a WAL still there means another
    program holds the database open."""
    return Path(f"{path}-wal").exists()


def _in_use_error(current: Path) -> BackupError:
    return BackupError(f"Cơ sở dữ liệu {current} đang được một chương trình khác mở (có thể là một lệnh desk-app "
                       "đang chạy). Đóng mọi cửa sổ và lệnh Một Cửa Desk rồi chạy lại lệnh khôi phục. Chưa thay đổi "
                       "gì.", field="database")


def _keep_aside(current: Path, now: dt.datetime) -> Path:
    """Merge the current database's WAL into it, then copy it (online backup) to desk.db.before-restore-<stamp>."""
    try:
        _checkpoint(current)
    except sqlite3.OperationalError:
        raise _in_use_error(current) from None
    if _wal_in_use(current):
        raise _in_use_error(current)
    aside = current.with_name(f"{current.name}.before-restore-{now:%Y%m%d-%H%M%S}")
    n = 1
    while aside.exists():
        n += 1
        aside = current.with_name(f"{current.name}.before-restore-{now:%Y%m%d-%H%M%S}-{n}")
    temporary = current.with_name(f".before-restore-{os.getpid()}.tmp")
    try:
        bf.snapshot(current, temporary)
        os.replace(temporary, aside)
        fsync_dir(current.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return aside


def _swap_in(staged: Path, current: Path) -> None:
    """The one step that changes the desk: after it the data folder holds the restored database."""
    if _wal_in_use(current):  # someone opened it since the copy was kept aside: their writes must not be lost
        raise _in_use_error(current)
    with contextlib.suppress(FileNotFoundError):
        Path(f"{current}-shm").unlink()  # no one holds it (no WAL): a fresh one goes with the restored file
    os.replace(staged, current)
    fsync_dir(current.parent)
