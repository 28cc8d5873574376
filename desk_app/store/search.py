"""The full-text index (FTS5 over ``dossiers.search_folded``): its health check and its rebuild."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session


def search_index_state(session: Session) -> str:
    """``ok``; ``busy`` when another program holds the write lock; otherwise what SQLite said was wrong."""
    try:
        with session.begin_nested():
            session.execute(text("INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('integrity-check', 1)"))
    except OperationalError as error:
        message = str(error.orig)
        return "busy" if "locked" in message or "busy" in message else message
    return "ok"


def rebuild_search_index(session: Session) -> None:
    session.execute(text("INSERT INTO dossier_fts(dossier_fts) VALUES ('rebuild')"))
