"""Plain data for the printed documents, from a dossier, its procedure and the settings (documents take no session)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from desk_app.domain.codes import LedgerEntry
from desk_app.domain.deadlines import TimeLimit
from desk_app.documents.slip import SlipData, SlipDocument, render_slip
from desk_app.services.actions import find_dossier
from desk_app.services.intake import RETURN_METHODS
from desk_app.services.settings import SettingsService

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
        components=parts,
    )


def slip_pdf(session: Session, code: str, paper: str | None = None) -> bytes:
    settings = SettingsService(session).all()
    return render_slip(slip_data(session, code), paper or settings["paper_size"])
