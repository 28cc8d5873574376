"""Named counters (the day's dossier sequence of a desk, a ledger book), read and bumped inside the caller's
transaction, which holds SQLite's write lock from its first statement (BEGIN IMMEDIATE)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from desk_app.store.models import Counter


def last_value(session: Session, name: str) -> int | None:
    row = session.get(Counter, name)
    return row.value if row is not None else None


def store_value(session: Session, name: str, value: int) -> None:
    row = session.get(Counter, name)
    if row is None:
        session.add(Counter(name=name, value=value))
    else:
        row.value = value


def code_counter(desk: int, day_text: str) -> str:
    return f"code:{desk}:{day_text}"


def ledger_counter(desk: int, year: int) -> str:
    return f"ledger:{desk}:{year}"
