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
from desk_app.domain.lifecycle import Event, EventKind, fold
from desk_app.store.events import GENESIS_HASH, canonical_json, event_hash
from desk_app.store.models import VN_TZ, to_db_time

BATCH = 5000
MAX_PROBLEMS = 200


@dataclass
class VerifyReport:
    events: int = 0
    dossiers: int = 0
    desks: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

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
    try:
        session.execute(text("INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('integrity-check', 1)"))
    except Exception as error:  # the FTS module reports corruption as an SQL error
        report.problems.append(f"Chỉ mục tìm kiếm không khớp dữ liệu: {error}. Chạy lại 'desk-app init' để dựng lại.")


def _rows(session: Session, sql: str) -> Iterator[tuple[Any, ...]]:
    """Plain tuples straight from the driver, in batches: verify reads every row of a large database once."""
    result = session.connection().exec_driver_sql(sql)
    while batch := result.fetchmany(BATCH):
        yield from batch


def _check_chains(session: Session, report: VerifyReport) -> None:
    rows = _rows(session, "SELECT desk, seq, uuid, dossier_code, kind, at, actor, payload, prev_hash, hash "
                          "FROM dossier_events ORDER BY desk, seq")
    for desk, events in groupby(rows, key=lambda r: r[0]):
        report.desks.add(desk)
        expected_seq, prev_hash = 1, GENESIS_HASH
        for _, seq, event_uuid, code, kind, at, actor, payload, stored_prev, stored_hash in events:
            report.events += 1
            where = f"bàn {desk}, sự kiện số {seq} (hồ sơ {code})"
            if seq != expected_seq:
                gap = f"{expected_seq}–{seq - 1}" if seq - 1 > expected_seq else str(expected_seq)
                report.problems.append(f"Chuỗi sự kiện đứt ở {where}: thiếu sự kiện số {gap}")
            if stored_prev != prev_hash:
                report.problems.append(f"Chuỗi băm đứt ở {where}: không khớp với sự kiện liền trước")
            digest = event_hash(uuid=event_uuid, desk=desk, seq=seq, dossier_code=code, kind=kind, at=at,
                                actor=actor, payload_json=canonical_json(json.loads(payload)), prev_hash=stored_prev)
            if digest != stored_hash:
                report.problems.append(f"Sự kiện bị sửa ở {where}: nội dung không khớp mã băm")
            expected_seq, prev_hash = seq + 1, stored_hash
            if len(report.problems) > MAX_PROBLEMS:
                return


PROJECTION_COLUMNS = ("id", "code", "status", "due_at", "original_due_at", "last_event_seq", "applicant_name",
                      "id_number", "birth_date", "sex", "phone", "email", "address", "return_address",
                      "procedure_code", "fee_due", "lookup_key", "ledger_year", "ledger_desk", "ledger_number")
APPLICANT_COLUMNS = {"applicant_name": "name", "id_number": "id_number", "birth_date": "birth_date", "sex": "sex",
                     "phone": "phone", "email": "email", "address": "address"}
LABELS = {"status": "trạng thái", "due_at": "hẹn trả", "original_due_at": "hẹn trả gốc",
          "last_event_seq": "số sự kiện cuối", "applicant_name": "họ tên", "id_number": "số giấy tờ",
          "birth_date": "ngày sinh", "sex": "giới tính", "phone": "điện thoại", "email": "email",
          "address": "địa chỉ", "return_address": "địa chỉ nhận kết quả", "procedure_code": "thủ tục",
          "fee_due": "lệ phí", "lookup_key": "mã tra cứu", "ledger_year": "năm sổ", "ledger_desk": "bàn của sổ",
          "ledger_number": "số thứ tự sổ"}


def _expected(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """What the projection row must hold, from the dossier's events alone."""
    state = fold(Event(EventKind(kind), dt.datetime.fromisoformat(at).replace(tzinfo=VN_TZ), payload)
                 for _, _, kind, at, payload in rows)
    received = rows[0][4]
    applicant = {**received["applicant"], **{k: v for k, v in state.corrections.items() if k != "return_address"}}
    expected = {column: applicant.get(key) for column, key in APPLICANT_COLUMNS.items()}
    ledger = received["ledger"]
    expected.update({
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
    events = groupby(_rows(session, "SELECT dossier_id, seq, kind, at, payload FROM dossier_events "
                                    "ORDER BY dossier_id, id"), key=lambda r: r[0])
    pending = next(events, None)
    for values in dossiers:
        row = dict(zip(PROJECTION_COLUMNS, values, strict=True))
        report.dossiers += 1
        history: list[tuple[Any, ...]] = []
        while pending is not None and pending[0] <= row["id"]:
            if pending[0] == row["id"]:
                history = [(d, seq, kind, at, json.loads(payload)) for d, seq, kind, at, payload in pending[1]]
            pending = next(events, None)
        try:
            expected = _expected(history)
        except (DomainError, KeyError, ValueError, TypeError, IndexError) as error:
            report.problems.append(f"Hồ sơ {row['code']}: lịch sử sự kiện không hợp lệ ({error or 'trống'})")
            continue
        for column, value in expected.items():
            if row[column] != value:
                report.problems.append(
                    f"Hồ sơ {row['code']}: {LABELS[column]} đang lưu khác với lịch sử sự kiện (cột {column})")
        if len(report.problems) > MAX_PROBLEMS:
            return
