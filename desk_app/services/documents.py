"""Plain data for the printed documents, from a dossier, its procedure and the settings (documents take no session)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.domain.codes import LedgerEntry
from desk_app.domain.deadlines import TIMELINESS_VN, TimeLimit, classify_resolved
from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.domain.lifecycle import EVENT_VN, STATUS_VN, EventKind, Status
from desk_app.domain.validation import vn_fold
from desk_app.documents.slip import SlipData, SlipDocument, render_slip
from desk_app.services.actions import find_dossier, recorded_events
from desk_app.services.intake import RETURN_METHODS
from desk_app.services.settings import SettingsService
from desk_app.store.models import VN_TZ, Dossier, DossierEvent

_UNIT_PREFIX = re.compile(r"^(UBND|Ủy ban nhân dân)\s+(xã|phường|thị trấn|đặc khu)\s+", re.IGNORECASE)


def place_of(unit_name: str) -> str:
    """ "UBND xã Mỹ Phong" → "Mỹ Phong", for the "…, ngày … tháng … năm …" line."""
    return _UNIT_PREFIX.sub("", unit_name).strip() or unit_name


def slip_data(session: Session, code: str) -> SlipData:
    dossier = find_dossier(session, code)
    settings = SettingsService(session).all()
    if dossier.return_method == "desk":
        collect_at = f"Bộ phận Tiếp nhận và Trả kết quả {settings['commune_name']}"
    else:
        collect_at = f"{RETURN_METHODS[dossier.return_method]}: {dossier.return_address}"
    lookup_url = None
    if settings["lookup_url"]:
        lookup_url = settings["lookup_url"].format(code=dossier.code, key=dossier.lookup_key)
    parts = tuple(f"{c['name']} ({c['resolving_body']})" for c in dossier.components) if len(
        dossier.components) > 1 else ()
    return SlipData(
        upper_body=settings["upper_level_name"],
        unit_name=settings["commune_name"],
        place=place_of(settings["commune_name"]),
        code=dossier.code,
        applicant_name=dossier.applicant_name,
        address=dossier.address,
        phone=dossier.phone,
        email=dossier.email,
        procedure_name=dossier.procedure_name,
        documents=tuple(SlipDocument(d["name"], d["originals"], d["copies"]) for d in dossier.documents),
        sets=dossier.copies,
        time_limit_text=TimeLimit.parse(dossier.time_limit).describe(),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        collect_at=collect_at,
        ledger_book=LedgerEntry(dossier.ledger_year, dossier.ledger_desk, dossier.ledger_number).book,
        ledger_number=dossier.ledger_number,
        fee_due=dossier.fee_due,
        hotline=settings["hotline"],
        lookup_key=dossier.lookup_key,
        lookup_url=lookup_url,
        duplex=settings["duplex_hotline"] == "true",
        leader_phone=settings["leader_phone"] or None,
        components=parts,
    )


def slip_pdf(session: Session, code: str, paper: str | None = None) -> bytes:
    settings = SettingsService(session).all()
    return render_slip(slip_data(session, code), paper or settings["paper_size"])


# -- the other forms: their data from the dossier's events -----------------------------------------------------------
def _header(settings: dict[str, str]) -> dict[str, str]:
    return {"upper_body": settings["upper_level_name"], "unit_name": settings["commune_name"],
            "place": place_of(settings["commune_name"])}


def _last_event(session: Session, dossier: Dossier, kind: EventKind) -> DossierEvent:
    for event in reversed(recorded_events(session, dossier)):
        if event.kind == kind.value:
            return event
    raise NotFoundError(f"Hồ sơ {dossier.code} chưa có bước '{EVENT_VN[kind].lower()}', nên chưa có phiếu này.",
                        field="form")


def form_pdf(session: Session, code: str, form: str, paper: str | None = None) -> bytes:
    """The PDF of one form for one dossier: slip, supplement, refusal, apology, stop, control."""
    if form == "slip":
        return slip_pdf(session, code, paper)
    from desk_app.documents import forms
    settings = SettingsService(session).all()
    dossier = find_dossier(session, code)
    header = forms.FormHeader(edition=settings["form_edition"], **_header(settings))
    contact = {"applicant_name": dossier.applicant_name, "address": dossier.address, "phone": dossier.phone,
               "email": dossier.email}
    if form == "supplement":
        event = _last_event(session, dossier, EventKind.SUPPLEMENT_REQUESTED)
        return forms.render_supplement_request(forms.SupplementRequest(
            header=header, code=dossier.code, procedure_name=dossier.procedure_name,
            received_at=dossier.received_at,
            items=tuple(forms.SupplementItem(item, 0, 0, 0) for item in event.payload["items"]),
            reason=event.payload.get("reason"), contact_name=f"Bộ phận Tiếp nhận và Trả kết quả {settings['commune_name']}",
            contact_phone=settings["desk_phone"] or settings["hotline"], issued_on=event.at.date(), **contact))
    if form == "refusal":
        event = _last_event(session, dossier, EventKind.REFUSED)
        return forms.render_refusal(forms.RefusalNotice(
            header=header, code=dossier.code, procedure_name=dossier.procedure_name, received_at=dossier.received_at,
            reason=event.payload["reason"], issued_on=event.at.date(), **contact))
    if form == "apology":
        event = _last_event(session, dossier, EventKind.RESCHEDULED)
        return forms.render_apology(forms.ApologyLetter(
            header=header, code=dossier.code, applicant_name=dossier.applicant_name, address=dossier.address,
            procedure_name=dossier.procedure_name, received_at=dossier.received_at,
            original_due_at=dt.datetime.fromisoformat(event.payload["previous_due_at"]),
            new_due_at=dt.datetime.fromisoformat(event.payload["due_at"]), reason=event.payload["reason"],
            issued_on=event.at.date(), signer_title="THỦ TRƯỞNG CƠ QUAN GIẢI QUYẾT"))
    if form == "stop":
        event = _last_event(session, dossier, EventKind.STOPPED)
        # The stop notice exists only in the 2025 set (Mẫu 05): a desk still on the 2018 forms prints that one.
        return forms.render_stop_notice(forms.StopNotice(
            header=replace(header, edition="2025"), code=dossier.code, applicant_name=dossier.applicant_name,
            procedure_name=dossier.procedure_name, received_at=dossier.received_at, reason=event.payload["reason"],
            issued_on=event.at.date()))
    if form == "control":
        from desk_app.documents import control_sheet

        return control_sheet.render_control_sheet(control_sheet.ControlSheet(
            edition=settings["form_edition"], code=dossier.code, applicant_name=dossier.applicant_name,
            procedure_name=dossier.procedure_name, received_at=dossier.received_at, due_at=dossier.due_at,
            resolving_body=dossier.transferred_to or _resolving_body(dossier),
            coordinating_bodies=", ".join(c["resolving_body"] for c in dossier.components[1:]) or None,
            steps=tuple(_steps(session, dossier, settings)), **_header(settings)))
    raise ValidationError(f"Không có biểu mẫu '{form}'.", field="form")


def _resolving_body(dossier: Dossier) -> str:
    return dossier.components[0]["resolving_body"] if dossier.components else ""


DESK = "Bộ phận Tiếp nhận và Trả kết quả"


def _steps(session: Session, dossier: Dossier, settings: dict[str, str]) -> list[Any]:
    """The hand-overs of the control sheet, from the events: to the resolving body, back with the result, to
    the citizen; each result judged against the original due date."""
    from desk_app.documents.control_sheet import HandoverStep

    steps = []
    holder = _resolving_body(dossier)
    for event in recorded_events(session, dossier):
        if event.kind == EventKind.TRANSFERRED.value:
            holder = event.payload["to"]
            steps.append(HandoverStep(DESK, holder, event.at, None, ""))
        elif event.kind == EventKind.RESULT_READY.value:
            judged = classify_resolved(event.at, dossier.original_due_at)
            steps.append(HandoverStep(holder, DESK, event.at, TIMELINESS_VN[judged], ""))
        elif event.kind == EventKind.RETURNED.value:
            steps.append(HandoverStep(DESK, f"Công dân: {dossier.applicant_name}", event.at, None, ""))
    return steps


def ledger_pdf(session: Session, date_from: dt.date, date_to: dt.date) -> bytes:
    """The ledger (sổ theo dõi) of the dossiers received in a date range, by ledger number."""
    from desk_app.documents.ledger import LedgerBook, LedgerRow, render_ledger

    if date_to < date_from:
        raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.", field="to")
    settings = SettingsService(session).all()
    start = dt.datetime.combine(date_from, dt.time(0, 0), tzinfo=VN_TZ)
    end = dt.datetime.combine(date_to, dt.time(23, 59, 59), tzinfo=VN_TZ)
    dossiers = list(session.scalars(select(Dossier).where(Dossier.received_at.between(start, end))
                                    .order_by(Dossier.ledger_year, Dossier.ledger_desk, Dossier.ledger_number)))
    transfers: dict[int, dt.datetime] = {}
    for dossier_id, at in session.execute(
            select(DossierEvent.dossier_id, func.min(DossierEvent.at))
            .where(DossierEvent.kind == EventKind.TRANSFERRED.value,
                   DossierEvent.dossier_id.in_([d.id for d in dossiers]))
            .group_by(DossierEvent.dossier_id)):
        transfers[dossier_id] = dt.datetime.fromisoformat(at).replace(tzinfo=VN_TZ) if isinstance(at, str) else at
    rows = tuple(LedgerRow(
        number=d.ledger_number, code=d.code, procedure_name=d.procedure_name, sets=d.copies,
        applicant=d.applicant_name, address_phone=", ".join(x for x in (d.address, d.phone) if x),
        resolving_body=d.transferred_to or _resolving_body(d), received_at=d.received_at, due_at=d.due_at,
        transferred_at=transfers.get(d.id), result_received_at=d.result_ready_at, returned_at=d.returned_at,
        note=STATUS_VN[Status(d.status)] if d.status in ("refused", "withdrawn", "stopped", "voided") else "",
    ) for d in dossiers)
    books = sorted({LedgerEntry(d.ledger_year, d.ledger_desk, 1).book for d in dossiers}) or [
        LedgerEntry(date_from.year, int(settings["desk"]), 1).book]
    return render_ledger(LedgerBook(edition=settings["form_edition"], book=", ".join(books), date_from=date_from,
                                    date_to=date_to, rows=rows, **_header(settings)))


def handover_pdf(session: Session, receiver: str, day: dt.date) -> bytes:
    """The day's hand-over list to one resolving body: the dossiers transferred to it that day."""
    from desk_app.documents.handover import HandoverItem, HandoverList, render_handover

    settings = SettingsService(session).all()
    wanted = vn_fold(receiver)
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=VN_TZ)
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=VN_TZ)
    items = []
    seen: set[int] = set()
    for event in session.scalars(select(DossierEvent).where(DossierEvent.kind == EventKind.TRANSFERRED.value,
                                                            DossierEvent.at.between(start, end))
                                 .order_by(DossierEvent.at)):
        if vn_fold(event.payload["to"]) != wanted or event.dossier_id in seen:
            continue
        seen.add(event.dossier_id)
        d = session.get(Dossier, event.dossier_id)
        assert d is not None
        items.append(HandoverItem(d.code, d.procedure_name, d.applicant_name, d.received_at, d.due_at, d.copies))
    return render_handover(HandoverList(receiver=receiver, day=day, items=tuple(items), **_header(settings)))
