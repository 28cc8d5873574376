"""The retention archive file: what a desk keeps of the dossiers whose personal data it then removes.

A ZIP file (``.zip``; encrypted with the backup passphrase when one is set, in the backup file's format,
desk_app/store/backup_file.py), holding:

- ``dossiers/<code>.json``: one per dossier, ``{"dossier": {...every column of the row...}, "events": [...]}``; each
  event exactly as recorded (times as stored text, the payload, ``prev_hash``, ``hash``, sync state), so its hash can
  be recomputed from the file alone (an event an earlier run already redacted is as it now reads, with
  ``redacted_in``, the earlier archive holding its original, and ``redacted_hash``, what its content now gives);
- ``index.csv``: a readable list (UTF-8 with BOM for Excel): code, field, procedure, applicant, masked ID number,
  received, closed, status, ledger number, event count;
- ``manifest.json`` (written last): the format and version, when and by whom, the desk, the retention setting in
  force, the counts, and the SHA-256 and size of every other entry.

Writing is atomic (a temporary ``.motcua-archive-….tmp`` in the target folder, flushed, read back and checked, then
renamed; one a killed run left is removed by the next); a file already at the target is never replaced. Reading checks every entry against the manifest and every event against
its own hash; :func:`check_archive` also compares each event's hash with the one a desk holds.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import secrets
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk_app.domain.chain import canonical_json, event_hash
from desk_app.domain.errors import ValidationError
from desk_app.domain.lifecycle import STATUS_VN, Status
from desk_app.domain.validation import mask_id_number
from desk_app.fileio import fsync_dir

FORMAT = "mot-cua-desk/retention-archive"
VERSION = 1
MANIFEST = "manifest.json"
INDEX = "index.csv"
DOSSIERS = "dossiers/"
INDEX_COLUMNS = ("Mã hồ sơ", "Lĩnh vực", "Thủ tục", "Người nộp", "Số giấy tờ (che)", "Ngày nhận", "Ngày kết thúc",
                 "Trạng thái", "Sổ theo dõi (năm/bàn/số)", "Số sự kiện")
ZIP_MAGIC = b"PK\x03\x04"


class ArchiveError(ValidationError):
    """An archive file that cannot be read: not one, damaged, or not openable with the passphrase."""


def entry_name(code: str) -> str:
    return f"{DOSSIERS}{code}.json"


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def event_digest(event: Mapping[str, Any]) -> str:
    """The hash an archived event's content gives (as desk_app.domain.chain computes it)."""
    return event_hash(uuid=event["uuid"], desk=event["desk"], seq=event["seq"], dossier_code=event["dossier_code"],
                      kind=event["kind"], at=event["at"], recorded_at=event["recorded_at"], actor=event["actor"],
                      payload_json=canonical_json(event["payload"]), prev_hash=event["prev_hash"])


def _status_vn(value: str) -> str:
    try:
        return STATUS_VN[Status(value)]
    except (ValueError, KeyError):
        return value


def _index_row(record: Mapping[str, Any]) -> list[str]:
    row = record["dossier"]
    id_number = row.get("id_number")
    return [row["code"], row["field_code"], row["procedure_name"], row["applicant_name"],
            mask_id_number(id_number) if id_number else "", row["received_at"], row.get("closed_at") or "",
            _status_vn(row["status"]),
            f"{row['ledger_year']}/{row['ledger_desk']}/{row['ledger_number']}",
            str(len(record["events"]))]


# -- writing ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WrittenArchive:
    path: Path
    size: int
    sha256: str  # of the file as written (encrypted or not)
    dossiers: int
    events: int
    encrypted: bool


Encrypt = Callable[[Path, Path], None]  # (plain file, encrypted file to create)
Decrypt = Callable[[Path, Path], None]  # (encrypted file, plain file to create)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _zip_time(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


TEMP_PREFIX = ".motcua-archive-"


def _temporary(folder: Path) -> Path:
    return folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}.tmp"


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed archive run left in ``folder`` (they hold personal data; never a real archive)."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(".tmp") and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()


def write_archive(out: Path, header: Mapping[str, Any], records: Iterator[dict[str, Any]], *, created: dt.datetime,
                  encrypt: Encrypt | None = None, decrypt: Decrypt | None = None) -> WrittenArchive:
    """Write the records (``{"dossier": {...}, "events": [...]}``) and their manifest to ``out``, atomically, and
    read the result back before it takes its name. Raises ``ArchiveError`` (field ``out``) when it cannot."""
    if out.exists():
        raise ArchiveError(f"Đã có tệp {out}; tệp lưu trữ cũ không bao giờ bị ghi đè. Chọn một tên khác.", field="out")
    folder = out.parent
    if not folder.is_dir():
        raise ArchiveError(f"Không có thư mục {folder} (ổ USB đã rút ra?). Chọn thư mục khác.", field="out")
    remove_stale_temporaries(folder)
    plain = _temporary(folder)
    sealed = _temporary(folder) if encrypt is not None else None
    try:
        entries: list[dict[str, Any]] = []
        index = io.StringIO()
        writer = csv.writer(index, lineterminator="\r\n")
        writer.writerow(INDEX_COLUMNS)
        dossiers = events = 0
        by_field: dict[str, int] = {}
        stamp = _zip_time(created)
        with zipfile.ZipFile(plain, "x", compression=zipfile.ZIP_DEFLATED) as archive:
            def put(name: str, data: bytes) -> None:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
                entries.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})

            for record in records:
                code = record["dossier"]["code"]
                put(entry_name(code), _json_bytes(record))
                writer.writerow(_index_row(record))
                dossiers += 1
                events += len(record["events"])
                by_field[record["dossier"]["field_code"]] = by_field.get(record["dossier"]["field_code"], 0) + 1
            put(INDEX, ("\ufeff" + index.getvalue()).encode("utf-8"))
            manifest = {**header, "format": FORMAT, "version": VERSION,
                        "counts": {"dossiers": dossiers, "events": events, "by_field": by_field},
                        "entries": entries}
            info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, _json_bytes(manifest))
        with open(plain, "rb+") as file:
            os.fsync(file.fileno())
        back = read_archive(plain)  # every entry and event checked before the file is called an archive
        if back.problems or (len(back.records), len(back.events)) != (dossiers, events):
            reason = back.problems[0] if back.problems else "số hồ sơ hoặc sự kiện đọc lại khác số đã ghi."
            raise ArchiveError(f"Tệp lưu trữ vừa ghi đọc lại không khớp (ổ đĩa hoặc USB có lỗi?): {reason} Chưa xóa "
                               "dữ liệu nào.", field="out")
        final_temp = plain
        if encrypt is not None and sealed is not None:
            encrypt(plain, sealed)
            if decrypt is not None:
                opened = _temporary(folder)
                try:
                    decrypt(sealed, opened)
                    if _sha256_of(opened) != _sha256_of(plain):
                        raise ArchiveError(f"Tệp lưu trữ ghi ra {folder} đọc lại không khớp (ổ đĩa hoặc USB có "
                                           "lỗi?). Chưa xóa dữ liệu nào; thử lại hoặc dùng thư mục khác.", field="out")
                finally:
                    with contextlib.suppress(OSError):
                        opened.unlink()
            final_temp = sealed
        if out.exists():  # taken while we wrote: still never replaced
            raise ArchiveError(f"Đã có tệp {out}; chọn một tên khác.", field="out")
        os.replace(final_temp, out)
        fsync_dir(folder)
    except OSError as error:
        raise ArchiveError(f"Không ghi được tệp lưu trữ {out}: {error.strerror or error}. Chưa xóa dữ liệu nào.",
                           field="out") from None
    finally:
        for leftover in (plain, sealed):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    leftover.unlink()
    return WrittenArchive(out, out.stat().st_size, _sha256_of(out), dossiers, events, encrypt is not None)


# -- reading ----------------------------------------------------------------------------------------------------------
@dataclass
class ArchiveContents:
    manifest: dict[str, Any]
    records: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)  # entries or events that do not match (Vietnamese)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for record in self.records for event in record["events"]]


def is_plain_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(4) == ZIP_MAGIC
    except OSError:
        return False


def read_archive(path: Path) -> ArchiveContents:
    """The archive's manifest and dossiers; each entry checked against the manifest's SHA-256 and each event against
    its own hash (mismatches listed in ``problems``). Raises ``ArchiveError`` when it is not a readable archive."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        raise ArchiveError(f"Tệp {path.name} không phải tệp lưu trữ ZIP của Một Cửa Desk, hoặc đã hỏng.",
                           field="file") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except (KeyError, ValueError, zipfile.BadZipFile, OSError):
            raise ArchiveError(f"Tệp {path.name} không có bản kê (manifest.json) đọc được: không phải tệp lưu trữ "
                               "của Một Cửa Desk hoặc đã hỏng.", field="file") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ArchiveError(f"Tệp {path.name} không phải tệp lưu trữ hồ sơ của Một Cửa Desk.", field="file")
        if manifest.get("version") != VERSION:
            raise ArchiveError(f"Tệp lưu trữ phiên bản {manifest.get('version')}: phiên bản phần mềm này không đọc "
                               "được. Hãy cài phiên bản mới nhất.", field="file")
        contents = ArchiveContents(manifest, [])
        listed = {entry["name"] for entry in manifest.get("entries", [])}
        for name in sorted(set(archive.namelist()) - listed - {MANIFEST}):
            contents.problems.append(f"Mục {name} có trong tệp nhưng không có trong bản kê (đã bị thêm vào).")
        for entry in manifest.get("entries", []):
            name = entry["name"]
            try:
                data = archive.read(name)
            except KeyError:
                contents.problems.append(f"Thiếu mục {name} mà bản kê liệt kê.")
                continue
            except (zipfile.BadZipFile, OSError, ValueError):
                contents.problems.append(f"Mục {name} hỏng, không đọc được.")
                continue
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                contents.problems.append(f"Mục {name} không khớp mã SHA-256 trong bản kê (đã bị sửa hoặc hỏng).")
                continue
            if name.startswith(DOSSIERS):
                record = json.loads(data)
                contents.records.append(record)
                _check_events(record, contents.problems)
        counts = manifest.get("counts", {})
        if (counts.get("dossiers"), counts.get("events")) != (len(contents.records), len(contents.events)) \
                and not contents.problems:
            contents.problems.append("Số hồ sơ hoặc số sự kiện trong tệp khác với bản kê.")
    return contents


def _check_events(record: Mapping[str, Any], problems: list[str]) -> None:
    code = record["dossier"]["code"]
    for event in record["events"]:
        # An event redacted by an earlier run is archived as it now reads: its original is in that run's archive.
        expected = event["redacted_hash"] if event.get("redacted_in") else event["hash"]
        if event_digest(event) != expected:
            problems.append(f"Hồ sơ {code}, sự kiện số {event['seq']} của bàn {event['desk']}: nội dung trong tệp "
                            "lưu trữ không khớp mã băm của nó (đã bị sửa).")


# -- checking against a desk -----------------------------------------------------------------------------------------
@dataclass
class ArchiveCheck:
    dossiers: int = 0
    events: int = 0
    matched: int = 0  # events whose hash equals the one the desk holds
    not_on_desk: int = 0  # events this desk does not hold (the archive of another desk's database?)
    encrypted: bool = False
    created_at: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_contents(contents: ArchiveContents, desk_hashes: Mapping[str, tuple[int, int, str]] | None) -> ArchiveCheck:
    """The archive's own checks, and each event's hash against ``desk_hashes`` (uuid → desk, seq, stored hash) when
    a desk is given: the archive then proves the original content of every event the desk redacted."""
    check = ArchiveCheck(dossiers=len(contents.records), events=len(contents.events),
                         created_at=str(contents.manifest.get("created_at", "")), problems=list(contents.problems))
    if desk_hashes is None:
        return check
    for record in contents.records:
        for event in record["events"]:
            held = desk_hashes.get(event["uuid"])
            if held is None:
                check.not_on_desk += 1
                continue
            if held != (event["desk"], event["seq"], event["hash"]):
                check.problems.append(f"Hồ sơ {record['dossier']['code']}, sự kiện số {event['seq']} của bàn "
                                      f"{event['desk']}: mã băm trong tệp lưu trữ khác với mã băm máy đang lưu.")
            else:
                check.matched += 1
    return check
