"""Reading the record: one dossier with its history, search, counts. Read-only, never a write."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from desk_app.domain.codes import CODE_RE, LedgerEntry
from desk_app.domain.deadlines import (
    TIMELINESS_VN,
    DeadlinePolicy,
    Timeliness,
    classify_pending,
    classify_resolved,
)
from desk_app.domain.errors import ValidationError
from desk_app.domain.lifecycle import NATIONAL_STATUS, OPEN_STATUSES, STATUS_VN, Status
from desk_app.domain.validation import check_single_line, mask_id_number, normalize_phone, vn_fold
from desk_app.services.actions import find_dossier, recorded_events
from desk_app.services.context import ServiceContext
from desk_app.services.rules import load_rules
from desk_app.store.events import SyncState
from desk_app.store.models import Dossier, DossierEvent

SEARCH_LIMIT = 50
_DIGITS = re.compile(r"^[\d\s.+()\-\u2010\u2011\u2013\u2014]+$")  # what the ID and phone validators accept


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _masked_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """An event payload as shown in lists: the applicant's ID number masked (DOMAIN.md §9)."""
    shown = dict(payload)
    applicant = shown.get("applicant")
    if isinstance(applicant, dict) and applicant.get("id_number"):
        shown["applicant"] = {**applicant, "id_number": mask_id_number(applicant["id_number"])}
    if shown.get("field") == "id_number":
        shown.update({k: mask_id_number(v) for k, v in shown.items() if k in ("old", "new") and v})
    return shown


def dossier_summary(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "name": dossier.applicant_name,
        "procedure": dossier.procedure_name,
        "procedure_code": dossier.procedure_code,
        "status": dossier.status,
        "status_vn": STATUS_VN[Status(dossier.status)],
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
    }


def dossier_detail(dossier: Dossier, events: list[DossierEvent]) -> dict[str, Any]:
    return {
        **dossier_summary(dossier),
        "lookup_key": dossier.lookup_key,
        "desk": dossier.desk,
        "field": dossier.field_code,
        "national_status": NATIONAL_STATUS[Status(dossier.status)],
        "applicant": {
            "name": dossier.applicant_name,
            "id_number": mask_id_number(dossier.id_number) if dossier.id_number else None,
            "birth_date": _iso(dossier.birth_date),
            "sex": dossier.sex,
            "phone": dossier.phone,
            "email": dossier.email,
            "address": dossier.address,
        },
        "documents": dossier.documents,
        "copies": dossier.copies,
        "channel": dossier.channel,
        "return_method": dossier.return_method,
        "return_address": dossier.return_address,
        "fee_due": dossier.fee_due,
        "fee_exemption": dossier.fee_exemption,
        "time_limit": dossier.time_limit,
        "original_due_at": _iso(dossier.original_due_at),
        "rescheduled": dossier.rescheduled,
        "supplement_count": dossier.supplement_count,
        "transferred_to": dossier.transferred_to,
        "components": dossier.components,
        "result_ready_at": _iso(dossier.result_ready_at),
        "returned_at": _iso(dossier.returned_at),
        "closed_at": _iso(dossier.closed_at),
        "close_reason": dossier.close_reason,
        "ledger": {"year": dossier.ledger_year,
                   "book": LedgerEntry(dossier.ledger_year, dossier.ledger_desk, dossier.ledger_number).book,
                   "number": dossier.ledger_number},
        "events": [
            {
                "uuid": e.uuid,
                "seq": e.seq,
                "desk": e.desk,
                "kind": e.kind,
                "at": _iso(e.at),
                "recorded_at": _iso(e.recorded_at),
                "actor": e.actor,
                "payload": _masked_payload(e.payload),
                "sync_state": e.sync_state,
                "sync_reason": e.sync_reason,
            }
            for e in events
        ],
    }


def show(session: Session, code: str, now: dt.datetime) -> dict[str, Any]:
    dossier = find_dossier(session, code)
    policy = load_rules(session).policy
    return {**dossier_detail(dossier, recorded_events(session, dossier)), **timeliness(dossier, now, policy)}


def _fts_queries(folded: str) -> list[str]:
    """The words as a phrase (the last one a prefix) first, then each word anywhere: "nguyen van duc" finds the
    person named so before a "Nguyễn Đức ..." who asked for a "văn bản"."""
    words = [w for w in re.split(r"[^0-9a-z]+", folded) if w]
    if not words:
        return []
    phrase = '"' + " ".join(words) + '"*'
    anywhere = " AND ".join(f'"{w}"*' for w in words)
    return [phrase] if len(words) == 1 else [phrase, anywhere]


def find(session: Session, query_text: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """By exact dossier code, by ID number or phone (digits), or by accent-insensitive words."""
    typed = query_text.strip()
    if not typed:
        raise ValidationError("Nhập mã hồ sơ, số CCCD, số điện thoại hoặc họ tên để tìm.", field="text")
    check_single_line(typed, field="text", label="Nội dung tìm kiếm", max_length=1000)
    compact = re.sub(r"\s+", "", typed).upper()
    if CODE_RE.match(compact):
        dossiers = list(session.scalars(select(Dossier).where(Dossier.code == compact)))
    elif _DIGITS.match(typed):
        digits = re.sub(r"\D", "", typed)
        try:
            phone = normalize_phone(typed).number
        except ValidationError:
            phone = digits
        dossiers = list(
            session.scalars(
                select(Dossier)
                .where((Dossier.id_number == digits) | (Dossier.phone == phone))
                .order_by(Dossier.id.desc())
                .limit(limit)
            )
        )
    else:
        ids: list[int] = []
        for match in _fts_queries(vn_fold(typed)):
            found = session.execute(
                text("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH :q ORDER BY rowid DESC LIMIT :n"),
                {"q": match, "n": limit},
            ).scalars().all()
            ids.extend(i for i in found if i not in ids)
            if len(ids) >= limit:
                break
        ids = ids[:limit]
        by_id = {d.id: d for d in session.scalars(select(Dossier).where(Dossier.id.in_(ids)))}
        dossiers = [by_id[i] for i in ids if i in by_id]
    return [dossier_summary(d) for d in dossiers]


@dataclass(frozen=True)
class DayCounts:
    received_today: int
    due_today: int
    overdue: int


def day_counts(session: Session, now: dt.datetime) -> DayCounts:
    """Today's figures for the main window: received today; open dossiers due today; open ones whose due date has
    passed (by calendar date, as early / on time / late are judged)."""
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = now.replace(hour=23, minute=59, second=59, microsecond=0)
    # Waiting for the citizen's documents, the clock does not run against the desk: neither due nor overdue.
    open_codes = [s.value for s in OPEN_STATUSES if s is not Status.SUPPLEMENT_REQUESTED]
    received = session.scalar(
        select(func.count()).select_from(Dossier)
        .where(Dossier.received_at.between(day_start, day_end), Dossier.status != Status.VOIDED.value))
    due = session.scalar(
        select(func.count()).select_from(Dossier)
        .where(Dossier.status.in_(open_codes), Dossier.due_at.between(day_start, day_end)))
    overdue = session.scalar(
        select(func.count()).select_from(Dossier)
        .where(Dossier.status.in_(open_codes), Dossier.due_at < day_start))
    return DayCounts(received or 0, due or 0, overdue or 0)


def timeliness(dossier: Dossier, now: dt.datetime, policy: DeadlinePolicy) -> dict[str, Any]:
    """Early / on time / late once resolved, within / overdue while open; against the original due date, and
    against the new date too when the dossier was rescheduled. Closed without a result (refused, withdrawn,
    stopped, voided): none."""
    status = Status(dossier.status)
    if status not in OPEN_STATUSES and dossier.result_ready_at is None:
        return {"timeliness": None}
    if status is Status.SUPPLEMENT_REQUESTED:
        return {"timeliness": "waiting", "timeliness_vn": "Chờ công dân bổ sung (chưa tính hạn)"}

    def judge(due: dt.datetime) -> Timeliness:
        if dossier.result_ready_at is not None:
            return classify_resolved(dossier.result_ready_at, due, supplement_requests=dossier.supplement_count,
                                     policy=policy)
        return classify_pending(due, now, supplement_requests=dossier.supplement_count, policy=policy)

    result: dict[str, Any] = {"timeliness": judge(dossier.original_due_at).value}
    result["timeliness_vn"] = TIMELINESS_VN[Timeliness(result["timeliness"])]
    if dossier.rescheduled:
        result["timeliness_new_date"] = judge(dossier.due_at).value
    return result


def stats(session: Session) -> dict[str, Any]:
    by_state = {
        state: count
        for state, count in session.execute(
            select(DossierEvent.sync_state, func.count()).group_by(DossierEvent.sync_state))
    }
    return {
        "dossiers": session.scalar(select(func.count()).select_from(Dossier)) or 0,
        "events": session.scalar(select(func.count()).select_from(DossierEvent)) or 0,
        # Every state, those with no event too (from_hub: the other desks' and the upper level's events).
        "events_by_sync_state": {state.value: 0 for state in SyncState} | by_state,
    }


def find_codes(ctx: ServiceContext, query_text: str, limit: int = SEARCH_LIMIT) -> list[str]:
    """The codes of the dossiers ``find`` answers, newest first (the scan field opens the one it finds)."""
    with ctx.read() as session:
        return [summary["code"] for summary in find(session, query_text, limit)]
