"""The head of each chain the server holds (a desk's, or the upper level's): O(1) continuity checks."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from district_hub.schema import chain_heads


def chain_head(conn: Connection, commune_id: int, desk: int) -> tuple[int, str] | None:
    row = conn.execute(select(chain_heads.c.seq, chain_heads.c.hash).where(
        chain_heads.c.commune_id == commune_id, chain_heads.c.desk == desk)).first()
    return (row.seq, row.hash) if row else None


def set_head(conn: Connection, commune_id: int, desk: int, existed: bool, seq: int, digest: str) -> None:
    if existed:
        conn.execute(update(chain_heads).where(chain_heads.c.commune_id == commune_id, chain_heads.c.desk == desk)
                     .values(seq=seq, hash=digest))
    else:
        conn.execute(insert(chain_heads).values(commune_id=commune_id, desk=desk, seq=seq, hash=digest))
