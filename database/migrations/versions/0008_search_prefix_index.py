"""the search index keeps prefixes of 1 to 3 letters

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

A name search takes the last word typed as a prefix ("ly thu hoa" finds Hoa, Hoài, Hoàng…), so FTS5 merged the
postings of every word starting with it at each search: ≈35 ms for "hoa*" and ≈130 ms for "nguyen bich m*" on the
million-dossier demo database. With ``prefix='1 2 3'`` FTS5 keeps those merged lists in the index itself (each
search of the demo's names ≤ ≈30 ms; the index ≈150 bytes a dossier larger). The index is built again here from
``dossiers.search_folded`` (about half a minute for a million dossiers); its triggers stay as they are.
"""

from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COLUMNS = "search_folded, content='dossiers', content_rowid='id', tokenize='unicode61 remove_diacritics 2'"


def _recreate(options: str) -> None:
    op.execute("DROP TABLE IF EXISTS dossier_fts")
    op.execute(f"CREATE VIRTUAL TABLE dossier_fts USING fts5({COLUMNS}{options})")
    op.execute("INSERT INTO dossier_fts(dossier_fts) VALUES ('rebuild')")


def upgrade() -> None:
    _recreate(", prefix='1 2 3'")


def downgrade() -> None:
    _recreate("")
