"""``desk-app verify``: the database file, the full-text index, every desk's hash chain, and the projection.

Each fault found names where it is (the desk and sequence number of an event, the code of a dossier), so an
administrator can see what was altered and restore from a backup.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from desk_app.domain.errors import DomainError
from desk_app.domain.lifecycle import Event, EventKind
from desk_app.domain.merge import Recorded, fold_merged, merge_key
from desk_app.services.actions import projection
from desk_app.store.events import GENESIS_HASH, canonical_json, event_hash
from desk_app.store.models import VN_TZ, to_db_time
from desk_app.store.search import search_index_state

BATCH = 5000
MAX_PROBLEMS = 200


@dataclass
class VerifyReport:
    events: int = 0
    dossiers: int = 0
    desks: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be checked (e.g. another program was writing)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    report = VerifyReport()
    _check_file(session, report)
    _check_chains(session, report)
    _check_projection(session, report)
    return report


def _check_file(session: Session, report: VerifyReport) -> None:
    result = session.execute(text("PRAGMA integrity_check")).scalars().all()
    if result != ["ok"]:
        report.problems.extend(f"Tệp cơ sở dữ liệu hỏng: {line}" for line in result[:20])
    for row in session.execute(text("PRAGMA foreign_key_check")).all()[:20]:
        report.problems.append(f"Khóa ngoại sai: bảng {row[0]}, dòng {row[1]} trỏ tới {row[2]} không tồn tại")
    state = search_index_state(session)
    if state == "busy":
        report.notes.append("Chưa kiểm tra được chỉ mục tìm kiếm: một chương trình khác đang ghi dữ liệu.")
    elif state != "ok":
        report.problems.append(f"Chỉ mục tìm kiếm không khớp dữ liệu ({state}). Chạy 'desk-app init' để dựng lại.")


def _rows(session: Session, sql: str) -> Iterator[tuple[Any, ...]]:
    """Plain tuples straight from the driver, in batches: verify reads every row of a large database once."""
    result = session.connection().exec_driver_sql(sql)
    while batch := result.fetchmany(BATCH):
        yield from batch


Link = tuple[str, str, str]  # a chain link's uuid, prev_hash, hash


def _links(session: Session) -> dict[int, dict[int, Link]]:
    """The foreign events kept as links of their chain only (desk_app.sync.inbox), by desk and sequence number."""
    links: dict[int, dict[int, Link]] = {}
    for desk, seq, link_uuid, prev, digest in _rows(session, "SELECT desk, seq, uuid, prev_hash, hash "
                                                             "FROM chain_links ORDER BY desk, seq"):
        links.setdefault(desk, {})[seq] = (link_uuid, prev, digest)
    return links


def _bridge(report: VerifyReport, desk: int, links: dict[int, Link], start: int, stop: int | None,
            prev_hash: str) -> tuple[int, str]:
    """Walk the links of ``desk`` from ``start`` while they run without a hole (up to ``stop`` excluded): the chain
    goes on through them. Returns the next sequence number expected and the hash the next event must continue.

    A link's own hash cannot be recomputed here (its content is not kept: only its place and hashes): what is
    checked is that it continues the chain (its prev_hash) and that the next event continues it (its hash)."""
    seq = start
    while seq in links and (stop is None or seq < stop):
        _, link_prev, link_hash = links[seq]
        if link_prev != prev_hash:
            report.problems.append(f"Chuỗi băm đứt ở bàn {desk}, sự kiện số {seq} (chỉ giữ vị trí, nội dung không áp "
                                   "dụng): không khớp với sự kiện liền trước")
        seq, prev_hash = seq + 1, link_hash
    return seq, prev_hash


def _redacted(session: Session) -> dict[str, str]:
    """Events whose personal data was removed under retention (migration 0006), with the hash their content must now
    give; nothing on a database from before that migration (a backup being checked)."""
    if session.connection().exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'redactions'").first() is None:
        return {}
    return dict(_rows(session, "SELECT event_uuid, redacted_hash FROM redactions"))  # type: ignore[arg-type]


def _check_chains(session: Session, report: VerifyReport) -> None:
    anchors = {name: value for name, value in session.connection().exec_driver_sql(
        "SELECT name, value FROM counters WHERE name LIKE 'chain:%'")}
    all_links = _links(session)
    redacted = _redacted(session)
    redacted_count = 0
    rows = _rows(session, "SELECT desk, seq, uuid, dossier_code, kind, at, recorded_at, actor, payload, prev_hash, "
                          "hash FROM dossier_events ORDER BY desk, seq")
    last_seen: dict[int, int] = {}
    for desk, events in groupby(rows, key=lambda r: r[0]):
        report.desks.add(desk)
        links = all_links.pop(desk, {})
        expected_seq, prev_hash = 1, GENESIS_HASH
        for _, seq, event_uuid, code, kind, at, recorded_at, actor, payload, stored_prev, stored_hash in events:
            report.events += 1
            expected_seq, prev_hash = _bridge(report, desk, links, expected_seq, seq, prev_hash)
            where = f"bàn {desk}, sự kiện số {seq} (hồ sơ {code})"
            if seq != expected_seq:
                gap = f"{expected_seq}–{seq - 1}" if seq - 1 > expected_seq else str(expected_seq)
                report.problems.append(f"Chuỗi sự kiện đứt ở {where}: thiếu sự kiện số {gap}")
            if stored_prev != prev_hash:
                report.problems.append(f"Chuỗi băm đứt ở {where}: không khớp với sự kiện liền trước")
            digest = event_hash(uuid=event_uuid, desk=desk, seq=seq, dossier_code=code, kind=kind, at=at,
                                recorded_at=recorded_at, actor=actor,
                                payload_json=canonical_json(json.loads(payload)), prev_hash=stored_prev)
            if digest != stored_hash:
                if redacted.get(event_uuid) == digest:  # personal data removed under retention (and nothing since)
                    redacted_count += 1
                else:
                    report.problems.append(f"Sự kiện bị sửa ở {where}: nội dung không khớp mã băm")
            expected_seq, prev_hash = seq + 1, stored_hash
            last_seen[desk] = seq
            if len(report.problems) > MAX_PROBLEMS:
                return
        end, _ = _bridge(report, desk, links, expected_seq, None, prev_hash)  # links after the last event
        last_seen[desk] = end - 1
    for desk, links in all_links.items():  # a chain held here only as links
        report.desks.add(desk)
        end, _ = _bridge(report, desk, links, 1, None, GENESIS_HASH)
        if end == 1:
            first = min(links)
            report.problems.append(f"Chuỗi sự kiện đứt ở bàn {desk}, sự kiện số {first}: thiếu sự kiện số "
                                   f"{'1' if first == 2 else f'1–{first - 1}'}")
            end, _ = _bridge(report, desk, links, first, None, links[first][1])
        last_seen[desk] = end - 1
    if redacted_count:
        report.notes.append(f"{redacted_count} sự kiện đã được xóa dữ liệu cá nhân theo thời hạn lưu: chuỗi băm được "
                            "kiểm tra liền mạch qua các sự kiện này; nội dung gốc của chúng được chứng minh bằng tệp "
                            "lưu trữ (desk-app verify-archive TỆP).")
    for name, anchored in anchors.items():
        desk = int(name.split(":")[1])
        if last_seen.get(desk, 0) != anchored:
            report.problems.append(f"Chuỗi sự kiện của bàn {desk} kết thúc ở số {last_seen.get(desk, 0)} nhưng đã ghi "
                                   f"tới số {anchored}: các sự kiện cuối đã bị xóa")


LIFECYCLE_COLUMNS = ("transferred_to", "supplement_count", "rescheduled", "result_ready_at", "returned_at",
                     "closed_at", "close_reason", "components")
RECEIPT_COLUMNS = ("received_at", "channel", "copies", "documents", "return_method", "time_limit", "fee_exemption",
                   "procedure_name", "field_code", "desk")
PROJECTION_COLUMNS = ("id", "code", "status", "due_at", "original_due_at", "last_event_seq", "applicant_name",
                      "id_number", "birth_date", "sex", "phone", "email", "address", "return_address",
                      "procedure_code", "fee_due", "lookup_key", "ledger_year", "ledger_desk", "ledger_number",
                      "fee_paid", *LIFECYCLE_COLUMNS, *RECEIPT_COLUMNS)
APPLICANT_COLUMNS = {"applicant_name": "name", "id_number": "id_number", "birth_date": "birth_date", "sex": "sex",
                     "phone": "phone", "email": "email", "address": "address"}
LABELS = {"status": "trạng thái", "due_at": "hẹn trả", "original_due_at": "hẹn trả gốc",
          "last_event_seq": "số sự kiện cuối", "applicant_name": "họ tên", "id_number": "số giấy tờ",
          "birth_date": "ngày sinh", "sex": "giới tính", "phone": "điện thoại", "email": "email",
          "address": "địa chỉ", "return_address": "địa chỉ nhận kết quả", "procedure_code": "thủ tục",
          "fee_due": "lệ phí", "lookup_key": "mã tra cứu", "ledger_year": "năm sổ", "ledger_desk": "bàn của sổ",
          "ledger_number": "số thứ tự sổ", "fee_paid": "đã nộp phí", "transferred_to": "nơi chuyển",
          "supplement_count": "số lần bổ sung", "rescheduled": "đã hẹn lại", "result_ready_at": "ngày có kết quả",
          "returned_at": "ngày trả", "closed_at": "ngày kết thúc", "close_reason": "lý do kết thúc",
          "components": "thủ tục thành phần", "received_at": "ngày nhận", "channel": "kênh nộp",
          "copies": "số bộ", "documents": "thành phần hồ sơ", "return_method": "hình thức nhận kết quả",
          "time_limit": "thời hạn", "fee_exemption": "miễn phí", "procedure_name": "tên thủ tục",
          "field_code": "lĩnh vực", "desk": "bàn tiếp nhận"}


def _expected(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """What the projection row must hold, from the dossier's events alone."""
    recorded = [(Recorded(desk, seq, Event(EventKind(kind), dt.datetime.fromisoformat(at).replace(tzinfo=VN_TZ),
                                         payload)), row) for row in rows for _, seq, kind, at, payload, desk in [row]]
    recorded.sort(key=lambda pair: merge_key(pair[0]))
    state = fold_merged(r for r, _ in recorded).state
    rows = [row for _, row in recorded]  # the merged order every place uses
    received = rows[0][4]
    applicant = {**received["applicant"], **{k: v for k, v in state.corrections.items() if k != "return_address"}}
    expected = {column: applicant.get(key) for column, key in APPLICANT_COLUMNS.items()}
    ledger = received["ledger"]
    projected = projection(state)
    for column in LIFECYCLE_COLUMNS:
        value = projected[column]
        expected[column] = to_db_time(value) if isinstance(value, dt.datetime) else (
            canonical_json(value) if isinstance(value, list) else value)
    expected.update({
        "received_at": to_db_time(state.received_at), "channel": received["channel"], "copies": received["copies"],
        "documents": canonical_json(received["documents"]), "return_method": received["return_method"],
        "time_limit": received["time_limit"], "fee_exemption": received["fee_exemption"],
        "procedure_name": received["procedure_name"], "field_code": received["field"], "desk": rows[0][5],
        "fee_paid": False,
        "status": state.status.value, "due_at": to_db_time(state.due_at),
        "original_due_at": to_db_time(state.original_due_at), "last_event_seq": rows[-1][1],
        "return_address": state.corrections.get("return_address", received["return_address"]),
        "procedure_code": received["procedure"], "fee_due": received["fee_due"],
        "lookup_key": received["lookup_key"], "ledger_year": ledger["year"], "ledger_desk": ledger["desk"],
        "ledger_number": ledger["number"],
    })
    return expected


def _check_projection(session: Session, report: VerifyReport) -> None:
    dossiers = _rows(session, f"SELECT {', '.join(PROJECTION_COLUMNS)} FROM dossiers ORDER BY id")
    events = groupby(_rows(session, "SELECT dossier_id, seq, kind, at, payload, desk FROM dossier_events "
                                    "ORDER BY dossier_id, id"), key=lambda r: r[0])
    pending = next(events, None)
    for values in dossiers:
        row = dict(zip(PROJECTION_COLUMNS, values, strict=True))
        report.dossiers += 1
        history: list[tuple[Any, ...]] = []
        while pending is not None and pending[0] <= row["id"]:
            if pending[0] == row["id"]:
                history = [(d, seq, kind, at, json.loads(payload), desk)
                           for d, seq, kind, at, payload, desk in pending[1]]
            pending = next(events, None)
        try:
            expected = _expected(history)
        except (DomainError, KeyError, ValueError, TypeError, IndexError) as error:
            report.problems.append(f"Hồ sơ {row['code']}: lịch sử sự kiện không hợp lệ ({error or 'trống'})")
            continue
        for column, value in expected.items():
            stored = row[column]
            if column in ("documents", "components") and stored is not None:
                stored = canonical_json(json.loads(stored))  # the JSON column's own spacing is not a difference
            if column in ("rescheduled", "fee_paid"):
                stored = bool(stored)
            if stored != value:
                report.problems.append(
                    f"Hồ sơ {row['code']}: {LABELS[column]} đang lưu khác với lịch sử sự kiện (cột {column})")
        if len(report.problems) > MAX_PROBLEMS:
            return
