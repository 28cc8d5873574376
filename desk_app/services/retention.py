"""Retention: when a closed dossier's period ends (setting ``personal_data_retention``, years per procedure field),
its full record goes into an archive file and its personal data is removed from the desk.

:func:`due_for_archive` counts, per field, the dossiers whose period has ended. :func:`archive_and_redact` (the
administrator) first writes the archive (desk_app.services.retention_archive: one JSON per dossier with the row and
every event as recorded, a CSV index, a manifest with SHA-256s; encrypted with the backup passphrase when one is
set), reads it back, and only then, in ONE transaction, clears the personal data (desk_app.domain.retention) from the
events' payloads and re-projects the dossier rows from them, listing every event in ``redactions`` (migration 0006).
A process killed at any point leaves either nothing redacted or everything, and an archive holding at least what was
redacted.

The hash chain: a redacted event keeps its ``hash`` and ``prev_hash``; ``desk-app verify`` checks the chain through
it and that its content is what the redaction left (``redactions.redacted_hash``); :func:`check_archive` proves the
original content against the desk's stored hashes.

Only events the upper level already holds (acknowledged, or taken in from it) are redacted: a dossier with an event
still to send (or set aside) waits for a later run, so the upper level always receives the original content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from desk_app.domain.errors import DomainError, ValidationError
from desk_app.domain.retention import in_force, parse_retention, redact_payload, years_before
from desk_app.services.accounts import require
from desk_app.services.audit import record
from desk_app.services.context import ServiceContext
from desk_app.services.replay import reproject
from desk_app.services.retention_archive import (
    ArchiveCheck,
    ArchiveContents,
    ArchiveError,
    Decrypt,
    Encrypt,
    WrittenArchive,
    check_contents,
    is_plain_zip,
    read_archive,
    write_archive,
)
from desk_app.services.settings import SPEC_BY_KEY, SettingsService
from desk_app.store.events import SyncState, hash_of_row
from desk_app.store.models import Dossier, DossierEvent, Procedure, to_db_time
from desk_app.store.redactions import Redaction

log = logging.getLogger(__name__)

SETTING = "personal_data_retention"
PASSPHRASE_SETTING = "backup_passphrase"
HELD_UPSTREAM = (SyncState.ACKNOWLEDGED.value, SyncState.FROM_HUB.value)
CHUNK = 500
JSON_COLUMNS = ("documents", "components")


# -- the plan ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldPlan:
    field_code: str
    field_name: str
    years: int
    closed_before: dt.datetime  # dossiers closed before this moment have passed their period
    due: int  # ready to archive now
    waiting_sync: int  # past their period but holding events the upper level does not have yet
    oldest_closed_at: dt.datetime | None  # of those two groups


@dataclass(frozen=True)
class RetentionPlan:
    now: dt.datetime
    setting: str  # the setting's text in force ("" when nothing is ever removed)
    fields: tuple[FieldPlan, ...]  # the fields with a period, in code order
    kept: tuple[tuple[str, str], ...]  # (code, name) of the catalog's fields kept for ever
    due_ids: tuple[int, ...] = field(default=(), repr=False)

    @property
    def due(self) -> int:
        return sum(f.due for f in self.fields)

    @property
    def waiting_sync(self) -> int:
        return sum(f.waiting_sync for f in self.fields)

    @property
    def oldest_closed_at(self) -> dt.datetime | None:
        return min((f.oldest_closed_at for f in self.fields if f.oldest_closed_at is not None), default=None)

    def summary(self) -> str:
        if not self.fields:
            return "Chưa đặt thời hạn lưu (thiết lập personal_data_retention): dữ liệu cá nhân được lưu lâu dài."
        text_ = (f"{self.due} hồ sơ đã hết thời hạn lưu dữ liệu cá nhân, sẵn sàng lưu trữ." if self.due else
                 "Chưa có hồ sơ nào hết thời hạn lưu dữ liệu cá nhân.")
        if self.waiting_sync:
            text_ += (f" {self.waiting_sync} hồ sơ khác đã hết hạn nhưng còn sự kiện chưa gửi được lên cấp trên: "
                      "đồng bộ trước, các hồ sơ này sẽ được lưu trữ ở lần sau.")
        return text_

    def as_json(self) -> dict[str, Any]:
        def moment(value: dt.datetime | None) -> str | None:
            return to_db_time(value) if value is not None else None

        return {
            "now": moment(self.now), "setting": self.setting, "due": self.due, "waiting_sync": self.waiting_sync,
            "oldest_closed_at": moment(self.oldest_closed_at),
            "fields": [{"field": f.field_code, "name": f.field_name, "years": f.years,
                        "closed_before": moment(f.closed_before), "due": f.due, "waiting_sync": f.waiting_sync,
                        "oldest_closed_at": moment(f.oldest_closed_at)} for f in self.fields],
            "kept_for_ever": [{"field": code, "name": name} for code, name in self.kept],
            "message": self.summary(),
        }


def _field_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(select(Procedure.field_code, Procedure.field_name).distinct())}


# Dossiers of one field closed before the cutoff that still hold an event not yet redacted, and whether any of
# their events is still waiting to reach the upper level.
_CANDIDATES = text(
    "SELECT d.id, d.closed_at, EXISTS (SELECT 1 FROM dossier_events w WHERE w.dossier_id = d.id "
    "AND w.sync_state NOT IN ('acknowledged', 'from_hub')) AS waiting "
    "FROM dossiers d WHERE d.field_code = :field AND d.closed_at IS NOT NULL AND d.closed_at <= :cutoff "
    "AND EXISTS (SELECT 1 FROM dossier_events e LEFT JOIN redactions r ON r.event_uuid = e.uuid "
    "WHERE e.dossier_id = d.id AND r.event_uuid IS NULL) ORDER BY d.closed_at, d.id")


def plan_of(session: Session, now: dt.datetime) -> RetentionPlan:
    """The plan as the setting stands at ``now`` (no role check: the callers do it)."""
    setting = SettingsService(session).get(SETTING)
    rules = parse_retention(setting)
    names = _field_names(session)
    fields: list[FieldPlan] = []
    due_ids: list[int] = []
    for code, years in sorted(in_force(rules).items()):
        cutoff = years_before(now, years)
        due = waiting = 0
        oldest: str | None = None
        for dossier_id, closed_at, unsent in session.execute(_CANDIDATES, {"field": code,
                                                                            "cutoff": to_db_time(cutoff)}):
            oldest = closed_at if oldest is None else min(oldest, closed_at)
            if unsent:
                waiting += 1
            else:
                due += 1
                due_ids.append(dossier_id)
        fields.append(FieldPlan(code, names.get(code, code), years, cutoff, due, waiting,
                                dt.datetime.fromisoformat(oldest).replace(tzinfo=now.tzinfo) if oldest else None))
    kept = tuple((code, name) for code, name in sorted(names.items()) if not in_force(rules).get(code))
    return RetentionPlan(now, setting, tuple(fields), kept, tuple(due_ids))


def due_for_archive(ctx: ServiceContext, now: dt.datetime | None = None) -> RetentionPlan:
    """What the retention setting makes due at ``now`` (default: the clock), per field: counts and oldest closing."""
    require(ctx, "admin", "leader", doing="xem hồ sơ hết thời hạn lưu dữ liệu cá nhân")
    with ctx.read() as session:
        return plan_of(session, now or ctx.clock.now())


# -- the archive's records ----------------------------------------------------------------------------------------------
Fingerprint = frozenset[tuple[str, str]]  # the dossier's events as archived: (uuid, hash)


def _raw_rows(session: Session, sql: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    marks = ", ".join(str(int(i)) for i in ids)
    result = session.connection().exec_driver_sql(sql.format(ids=marks))
    return [dict(row) for row in result.mappings()]


def _records(session: Session, ids: Sequence[int], seen: dict[int, Fingerprint]) -> Iterator[dict[str, Any]]:
    """Each dossier's row and events exactly as stored (times as stored text), chunk by chunk."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        events: dict[int, list[dict[str, Any]]] = {i: [] for i in chunk}
        for row in _raw_rows(session, "SELECT e.dossier_id, e.uuid, e.desk, e.seq, e.dossier_code, e.kind, e.at, "
                                      "e.recorded_at, e.actor, e.payload, e.prev_hash, e.hash, e.sync_state, "
                                      "e.sync_reason, r.archive AS redacted_in, r.redacted_hash FROM dossier_events e "
                                      "LEFT JOIN redactions r ON r.event_uuid = e.uuid WHERE e.dossier_id IN ({ids}) "
                                      "ORDER BY e.dossier_id, e.desk, e.seq", chunk):
            dossier_id = row.pop("dossier_id")
            row["payload"] = json.loads(row["payload"])
            if row["redacted_in"] is None:  # the usual case: the event as written, nothing added
                del row["redacted_in"], row["redacted_hash"]
            events[dossier_id].append(row)
        for row in _raw_rows(session, "SELECT * FROM dossiers WHERE id IN ({ids}) ORDER BY id", chunk):
            for column in JSON_COLUMNS:
                if isinstance(row.get(column), str):
                    row[column] = json.loads(row[column])
            history = events[row["id"]]
            seen[row["id"]] = frozenset((e["uuid"], e["hash"]) for e in history)
            yield {"dossier": row, "events": history}


def default_archive_name(now: dt.datetime) -> str:
    return f"luu-tru-du-lieu-ca-nhan-{now:%Y%m%d-%H%M%S}.zip"


# -- archive, then redact -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArchiveResult:
    path: Path | None  # None when nothing was due (no file written)
    dossiers: int  # archived and redacted
    events: int  # events of those dossiers listed as redacted
    cleared_events: int  # of them, events whose payload held personal data
    by_field: dict[str, int]
    archived: int  # dossiers in the archive file (more than ``dossiers`` when some changed meanwhile)
    waiting_sync: int  # due, left for a later run: events not yet held by the upper level
    changed_meanwhile: int  # archived but left for a later run: a new event arrived after the archive was written
    sha256: str | None  # of the archive file as written
    encrypted: bool
    message: str


def _passphrase(session: Session) -> str:
    if PASSPHRASE_SETTING not in SPEC_BY_KEY:
        return ""
    return SettingsService(session).get(PASSPHRASE_SETTING)


def _crypto(passphrase: str) -> tuple[Encrypt | None, Decrypt | None]:
    if not passphrase:
        return None, None
    from desk_app.store import backup_file

    def encrypt(plain: Path, sealed: Path) -> None:
        with open(sealed, "xb") as out:
            backup_file.encrypt(plain, out, passphrase)
            out.flush()

    def decrypt(sealed: Path, plain: Path) -> None:
        backup_file.decrypt_to(sealed, plain, passphrase)

    return encrypt, decrypt


def _header(session: Session, ctx: ServiceContext, now: dt.datetime, plan: RetentionPlan) -> dict[str, Any]:
    settings = SettingsService(session)
    return {"created_at": to_db_time(now), "created_by": ctx.actor, "agency_code": settings.get("agency_code"),
            "commune_name": settings.get("commune_name"), "desk": int(settings.get("desk")),
            "retention_setting": plan.setting,
            "rules": [{"field": f.field_code, "years": f.years, "closed_before": to_db_time(f.closed_before)}
                      for f in plan.fields]}


def archive_and_redact(ctx: ServiceContext, out: Path, *, now: dt.datetime | None = None) -> ArchiveResult:
    """Archive every dossier due at ``now`` into ``out`` (a folder: a dated name in it), check the file, then remove
    their personal data in one transaction. Administrator only. Nothing due: no file, nothing changed."""
    require(ctx, "admin", doing="lưu trữ hồ sơ và xóa dữ liệu cá nhân hết thời hạn lưu")
    now = now or ctx.clock.now()
    if out.is_dir():
        out = out / default_archive_name(now)
    seen: dict[int, Fingerprint] = {}
    with ctx.read() as session:
        plan = plan_of(session, now)
        if not plan.due_ids:
            return ArchiveResult(None, 0, 0, 0, {}, 0, plan.waiting_sync, 0, None, False,
                                 f"Không ghi tệp lưu trữ nào. {plan.summary()}")
        encrypt, decrypt = _crypto(_passphrase(session))
        written = write_archive(out, _header(session, ctx, now, plan), _records(session, plan.due_ids, seen),
                                created=now, encrypt=encrypt, decrypt=decrypt)
    log.info("retention: archive written (%d dossiers, %d events, encrypted=%s)", written.dossiers, written.events,
             written.encrypted)
    return _redact(ctx, plan, seen, written)


def _redact(ctx: ServiceContext, plan: RetentionPlan, seen: dict[int, Fingerprint],
            written: WrittenArchive) -> ArchiveResult:
    done = events = cleared_events = changed = 0
    by_field: dict[str, int] = {}
    ids = list(seen)
    with ctx.write() as (session, now):
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            dossiers = {d.id: d for d in session.scalars(select(Dossier).where(Dossier.id.in_(chunk)))}
            history: dict[int, list[DossierEvent]] = {i: [] for i in chunk}
            for event in session.scalars(select(DossierEvent).where(DossierEvent.dossier_id.in_(chunk))):
                history[event.dossier_id].append(event)
            redacted = set(session.scalars(select(Redaction.event_uuid).where(
                Redaction.event_uuid.in_([e.uuid for rows in history.values() for e in rows]))))
            for dossier_id in chunk:
                rows = history[dossier_id]
                dossier = dossiers.get(dossier_id)
                if (dossier is None or frozenset((e.uuid, e.hash) for e in rows) != seen[dossier_id]
                        or any(e.sync_state not in HELD_UPSTREAM for e in rows)):
                    changed += 1  # archived, but not as it now stands: a later run takes it again
                    continue
                cleared = _redact_dossier(session, dossier, rows, redacted, now, written.path.name)
                if cleared is None:
                    changed += 1
                    continue
                done += 1
                events += sum(1 for e in rows if e.uuid not in redacted)
                cleared_events += cleared
                by_field[dossier.field_code] = by_field.get(dossier.field_code, 0) + 1
        record(session, at=now, actor=ctx.actor, action="export", target=written.path.name,
               detail={"operation": "retention_archive", "dossiers": done, "events": events,
                       "by_field": by_field, "archived": written.dossiers, "sha256": written.sha256,
                       "encrypted": written.encrypted, "waiting_sync": plan.waiting_sync})
    log.info("retention: personal data removed from %d dossiers (%d events changed)", done, cleared_events)
    message = (f"Đã lưu trữ {written.dossiers} hồ sơ ({written.events} sự kiện) và xóa dữ liệu cá nhân của {done} hồ "
               "sơ trên máy (giữ họ tên người nộp, thủ tục, ngày tháng, số sổ theo dõi).")
    if changed:
        message += f" {changed} hồ sơ có thay đổi trong lúc lưu trữ: chưa xóa, sẽ làm lại ở lần sau."
    if plan.waiting_sync:
        message += (f" {plan.waiting_sync} hồ sơ hết hạn nhưng còn sự kiện chưa gửi lên cấp trên: chưa lưu trữ, "
                    "hãy đồng bộ rồi chạy lại.")
    if not written.encrypted:
        message += (" Tệp lưu trữ KHÔNG mã hóa (chưa đặt mật khẩu sao lưu): cất giữ ở nơi an toàn như hồ sơ "
                    "giấy.")
    return ArchiveResult(written.path, done, events, cleared_events, by_field, written.dossiers, plan.waiting_sync,
                         changed, written.sha256, written.encrypted, message)


def _redact_dossier(session: Session, dossier: Dossier, rows: list[DossierEvent], redacted: set[str],
                    now: dt.datetime, archive: str) -> int | None:
    """Clear the personal data of one dossier's events not yet redacted and rewrite its row from them; returns how
    many events changed (None, with nothing changed, when its history no longer folds)."""
    cleared = 0
    nested = session.begin_nested()
    for event in rows:
        if event.uuid in redacted:
            continue
        payload, fields = redact_payload(event.kind, event.payload)
        if fields:
            event.payload = payload
            cleared += 1
        session.add(Redaction(event_uuid=event.uuid, dossier_code=event.dossier_code, redacted_at=now,
                              archive=archive, fields=fields, redacted_hash=hash_of_row(event)))
    try:
        reproject(dossier, rows)
        session.flush()
    except (DomainError, KeyError, TypeError, ValueError):
        log.warning("retention: dossier id %d does not replay; left as it was", dossier.id)
        nested.rollback()
        return None
    nested.commit()
    return cleared


# -- proving an archive ---------------------------------------------------------------------------------------------------
def open_archive(path: Path, passphrase: str = "") -> tuple[ArchiveContents, bool]:
    """The archive's contents (decrypted in a private temporary folder when it is encrypted) and whether it was."""
    if not path.is_file():
        raise ArchiveError(f"Không tìm thấy tệp {path}.", field="file")
    if is_plain_zip(path):
        return read_archive(path), False
    from desk_app.store import backup_file

    if backup_file.sniff(path) != "encrypted":
        raise ArchiveError(f"Tệp {path.name} không phải tệp lưu trữ của Một Cửa Desk (không phải ZIP, không phải tệp "
                           "mã hóa).", field="file")
    if not passphrase:
        raise ValidationError("Tệp lưu trữ được mã hóa: cần mật khẩu sao lưu đã dùng khi lưu trữ.",
                              field="passphrase")
    folder = Path(tempfile.mkdtemp(prefix="motcua-archive-"))
    try:
        plain = folder / "archive.zip"
        try:
            backup_file.decrypt_to(path, plain, passphrase)
        except backup_file.BackupFileError as error:  # a wrong passphrase, a damaged file: said as for a backup
            raise ArchiveError(error.message, field=error.field) from None
        return read_archive(plain), True
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)


def _desk_hashes(session: Session, uuids: list[str]) -> dict[str, tuple[int, int, str]]:
    held: dict[str, tuple[int, int, str]] = {}
    for start in range(0, len(uuids), CHUNK):
        chunk = uuids[start:start + CHUNK]
        for uuid, desk, seq, digest in session.execute(select(DossierEvent.uuid, DossierEvent.desk, DossierEvent.seq,
                                                              DossierEvent.hash).where(DossierEvent.uuid.in_(chunk))):
            held[uuid] = (desk, seq, digest)
    return held


def check_archive(ctx: ServiceContext, path: Path, *, passphrase: str | None = None) -> ArchiveCheck:
    """Check an archive file: its entries against its manifest, each event's content against its own hash, and that
    hash against the one this desk holds (proving the original of every redacted event)."""
    require(ctx, "admin", "leader", doing="kiểm tra tệp lưu trữ")
    with ctx.read() as session:
        secret = passphrase if passphrase is not None else _passphrase(session)
        contents, encrypted = open_archive(path, secret)
        check = check_contents(contents, _desk_hashes(session, [e["uuid"] for e in contents.events]))
    check.encrypted = encrypted
    return check
