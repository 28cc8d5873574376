"""Events whose personal data was removed under the retention setting (migration 0006).

A redacted event keeps its stored ``hash`` and ``prev_hash``: the chain stays continuous, but its content no longer
gives back its ``hash``. Each one is listed here with the archive that holds its original content and the hash of its
content as it now reads (``redacted_hash``, computed like an event's hash over the redacted payload), so that
``desk-app verify`` tells a redaction from an edit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from desk_app.store.models import Base, VNDateTime


class Redaction(Base):
    __tablename__ = "redactions"
    event_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(40), index=True)
    redacted_at: Mapped[dt.datetime] = mapped_column(VNDateTime)
    archive: Mapped[str] = mapped_column(Text)  # the archive file's name (not its folder)
    fields: Mapped[list[Any]] = mapped_column(JSON)  # what was cleared, e.g. ["applicant.id_number", ...]
    redacted_hash: Mapped[str] = mapped_column(String(64))


def redacted_codes(session: Session, codes: list[str]) -> set[str]:
    """Which of these dossiers had personal data removed (a screen may say so instead of showing blanks)."""
    if not codes:
        return set()
    return set(session.scalars(select(Redaction.dossier_code).where(Redaction.dossier_code.in_(codes)).distinct()))
