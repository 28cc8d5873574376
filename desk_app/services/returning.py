"""Returning citizens: what earlier dossiers at this desk already say about the holder of an ID number.

When the clerk types or scans an ID number the desk has seen before, the intake screen offers the latest name, birth
date, sex, phone, email and address given, and the citizen's recent dossiers with their status, so a returning
citizen is not asked again. Only the dossiers table is read, by its indexed ID number column: a dossier whose
personal data was removed under the retention rules no longer carries the number, so it is simply not found.
A read, not a reveal: the clerk typed the number, nothing is shown that the number did not find, and no audit record
is written (nor any log line: everything here is personal data).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.lifecycle import STATUS_VN, Status
from desk_app.domain.validation import Sex, vn_fold
from desk_app.services.accounts import require
from desk_app.services.context import ServiceContext
from desk_app.store.models import Dossier

RECENT_DOSSIERS = 5
LOOKED_AT = 200  # a citizen's dossiers read at most (latest first), for the latest value of each field
_ID = re.compile(r"\d{12}|\d{9}")


@dataclass(frozen=True)
class EarlierDossier:
    code: str
    procedure_name: str
    received_at: dt.datetime
    status: Status

    @property
    def status_vn(self) -> str:
        return STATUS_VN[self.status]


@dataclass(frozen=True)
class ReturningCitizen:
    """The latest non-empty value of each field over the citizen's earlier dossiers, and the recent dossiers."""

    id_number: str
    name: str
    birth_date: dt.date | None
    sex: Sex | None
    phone: str | None
    email: str | None
    address: str | None
    address_from: str  # the dossier the address was last given in
    dossiers: tuple[EarlierDossier, ...]  # the most recent first, at most RECENT_DOSSIERS
    dossier_count: int  # every earlier dossier found (up to LOOKED_AT)


def same_address(first: str | None, second: str | None) -> bool:
    """Whether two addresses say the same place, whatever the case, accents, spaces and punctuation typed."""
    def key(text: str | None) -> str:
        return " ".join(re.sub(r"[^\w]+", " ", vn_fold(text or "")).split())

    return key(first) == key(second)


def latest_address(session: Session, id_number: str) -> tuple[str, str] | None:
    """(the code of the latest dossier that gave an address with this ID number, that address), or None."""
    row = session.execute(
        select(Dossier.code, Dossier.address)
        .where(Dossier.id_number == id_number, Dossier.address.is_not(None), Dossier.address != "",
               Dossier.status != Status.VOIDED.value)
        .order_by(Dossier.received_at.desc(), Dossier.id.desc())
        .limit(1)
    ).first()
    return (row.code, row.address) if row is not None else None


def id_digits(text: str) -> str | None:
    """The ID number as typed ("087 084 000.999"), as 12 (CCCD) or 9 (old CMND) digits; None when it is neither."""
    digits = re.sub(r"[\s.]", "", text or "")
    return digits if _ID.fullmatch(digits) else None


def returning_citizen(ctx: ServiceContext, id_number: str) -> ReturningCitizen | None:
    """What the desk knows of the holder of ``id_number`` (as typed; spaces and dots ignored), or None when the
    number is not a whole ID number or no dossier carries it. Voided entries (typed twice by mistake) are left out."""
    require(ctx, "clerk", "admin", doing="tra cứu hồ sơ cũ của công dân theo số CCCD")
    digits = id_digits(id_number)
    if digits is None:
        return None
    with ctx.read() as session:
        rows = session.execute(
            select(Dossier.code, Dossier.procedure_name, Dossier.received_at, Dossier.status,
                   Dossier.applicant_name, Dossier.birth_date, Dossier.sex, Dossier.phone, Dossier.email,
                   Dossier.address)
            .where(Dossier.id_number == digits, Dossier.status != Status.VOIDED.value)
            .order_by(Dossier.received_at.desc(), Dossier.id.desc())
            .limit(LOOKED_AT)
        ).all()
    if not rows:
        return None

    def latest(column: str) -> tuple[Any, str]:
        """The most recent non-empty value of a column, and the dossier it was given in."""
        for row in rows:
            value = getattr(row, column)
            if value is not None and (not isinstance(value, str) or value.strip()):
                return value, row.code
        return None, ""

    address, address_from = latest("address")
    return ReturningCitizen(
        id_number=digits,
        name=str(latest("applicant_name")[0] or ""),
        birth_date=latest("birth_date")[0],
        sex=Sex(latest("sex")[0]) if latest("sex")[0] else None,
        phone=latest("phone")[0],
        email=latest("email")[0],
        address=address,
        address_from=address_from,
        dossiers=tuple(EarlierDossier(r.code, r.procedure_name, r.received_at, Status(r.status))
                       for r in rows[:RECENT_DOSSIERS]),
        dossier_count=len(rows),
    )
