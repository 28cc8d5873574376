"""The head of each chain the server holds (a desk's, or the upper level's): O(1) continuity checks.

The statements are built once: a push runs each of them once, and building a statement anew costs SQLAlchemy more
than running it.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select, update

from district_hub.schema import chain_heads

_HEAD = select(chain_heads.c.seq, chain_heads.c.hash).where(
    chain_heads.c.commune_id == bindparam("the_commune"), chain_heads.c.desk == bindparam("the_desk"))
_MOVE = update(chain_heads).where(
    chain_heads.c.commune_id == bindparam("the_commune"), chain_heads.c.desk == bindparam("the_desk"),
).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_START = insert(chain_heads).values(commune_id=bindparam("the_commune"), desk=bindparam("the_desk"),
                                    seq=bindparam("new_seq"), hash=bindparam("new_hash"))


def chain_head(conn: Connection, commune_id: int, desk: int) -> tuple[int, str] | None:
    row = conn.execute(_HEAD, {"the_commune": commune_id, "the_desk": desk}).first()
    return (row.seq, row.hash) if row else None


def set_head(conn: Connection, commune_id: int, desk: int, existed: bool, seq: int, digest: str) -> None:
    conn.execute(_MOVE if existed else _START,
                 {"the_commune": commune_id, "the_desk": desk, "new_seq": seq, "new_hash": digest})
