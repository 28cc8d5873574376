"""``desk-app verify``: the database file, the full-text index, every desk's hash chain, and the projection.

Each fault found names where it is (the desk and sequence number of an event, the code of a dossier), so an
administrator can see what was altered and restore from a backup.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from desk_app.domain.errors import DomainError
from desk_app.domain.lifecycle import Event, EventKind, fold
from desk_app.store.events import GENESIS_HASH, hash_of_row
from desk_app.store.models import Dossier, DossierEvent

BATCH = 5000


@dataclass
class VerifyReport:
    events: int = 0
    dossiers: int = 0
    desks: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _stream(session: Session, query: object) -> Iterator[DossierEvent]:
    yield from session.scalars(query.execution_options(yield_per=BATCH))  # type: ignore[attr-defined]


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


def _check_chains(session: Session, report: VerifyReport) -> None:
    query = select(DossierEvent).order_by(DossierEvent.desk, DossierEvent.seq)
    for desk, events in groupby(_stream(session, query), key=lambda e: e.desk):
        report.desks.add(desk)
        expected_seq, prev_hash = 1, GENESIS_HASH
        for event in events:
            report.events += 1
            where = f"bàn {desk}, sự kiện số {event.seq} (hồ sơ {event.dossier_code})"
            if event.seq != expected_seq:
                report.problems.append(f"Chuỗi sự kiện đứt ở {where}: thiếu sự kiện số {expected_seq}"
                                       f"{'–' + str(event.seq - 1) if event.seq - 1 > expected_seq else ''}")
            if event.prev_hash != prev_hash:
                report.problems.append(f"Chuỗi băm đứt ở {where}: không khớp với sự kiện liền trước")
            if hash_of_row(event) != event.hash:
                report.problems.append(f"Sự kiện bị sửa ở {where}: nội dung không khớp mã băm")
            expected_seq, prev_hash = event.seq + 1, event.hash
            if len(report.problems) > 200:
                return


def _check_projection(session: Session, report: VerifyReport) -> None:
    dossiers = _stream(session, select(Dossier).order_by(Dossier.id))
    events = groupby(_stream(session, select(DossierEvent).order_by(DossierEvent.dossier_id, DossierEvent.id)),
                     key=lambda e: e.dossier_id)
    pending = next(events, None)
    for dossier in dossiers:
        report.dossiers += 1
        rows: list[DossierEvent] = []
        while pending is not None and pending[0] <= dossier.id:
            if pending[0] == dossier.id:
                rows = list(pending[1])
            pending = next(events, None)
        try:
            state = fold(Event(EventKind(r.kind), r.at, r.payload) for r in rows)
        except (DomainError, KeyError, ValueError) as error:
            report.problems.append(f"Hồ sơ {dossier.code}: lịch sử sự kiện không hợp lệ ({error})")
            continue
        expected = {"trạng thái": (dossier.status, state.status.value), "hẹn trả": (dossier.due_at, state.due_at),
                    "hẹn trả gốc": (dossier.original_due_at, state.original_due_at)}
        for label, (stored, folded) in expected.items():
            if stored != folded:
                report.problems.append(f"Hồ sơ {dossier.code}: {label} đang lưu ({stored}) khác với lịch sử ({folded})")
        if len(report.problems) > 200:
            return
