"""The communes the server knows (each with its bearer token), the upper level's officers (the web form's users),
and the server database's own instance id.

Tokens are shown once, when issued, and stored only as their SHA-256 (:mod:`district_hub.tokens`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from desk_app.domain.codes import validate_agency_code
from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.domain.validation import nfc
from district_hub.clock import Clock, system_now, to_text
from district_hub.db import HubDatabase
from district_hub.schema import communes, hub_meta, officers
from district_hub.tokens import new_token, token_hash

MAX_NAME = 200


@dataclass(frozen=True)
class Commune:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Officer:
    id: int
    name: str
    token_hash: str


def clean_name(value: str, what: str) -> str:
    name = " ".join(nfc(value or "").split())
    if not name:
        raise ValidationError(f"Cần ghi {what}.", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"{what.capitalize()} quá dài (tối đa {MAX_NAME} ký tự).", field="name")
    return name


def add_commune(db: HubDatabase, code: str, name: str | None, *, rotate: bool = False,
                clock: Clock = system_now) -> tuple[Commune, str]:
    """Register a commune (or, with ``rotate``, issue a registered commune a new token); returns it and the token.

    The old token stops working at once when a new one is issued.
    """
    agency = validate_agency_code(code)
    token = new_token()
    with db.write() as conn:
        row = conn.execute(select(communes.c.id, communes.c.name).where(communes.c.code == agency)).first()
        if rotate:
            if row is None:
                raise NotFoundError(f"Máy chủ chưa có xã mã {agency}; thêm xã bằng 'district-hub add-commune "
                                    f"--code {agency} --name \"...\"' (không kèm --rotate).", field="code")
            new_name = clean_name(name, "tên xã") if name else row.name
            conn.execute(update(communes).where(communes.c.id == row.id)
                         .values(token_hash=token_hash(token), name=new_name))
            return Commune(row.id, agency, new_name), token
        if row is not None:
            raise ValidationError(f"Xã mã {agency} đã có trên máy chủ (tên '{row.name}'). Để cấp mã bí mật mới cho "
                                  f"xã này, chạy lại lệnh với --rotate.", field="code")
        clean = clean_name(name or "", "tên xã")
        new_id = conn.execute(insert(communes).values(
            code=agency, name=clean, token_hash=token_hash(token), created_at=to_text(clock()),
        ).returning(communes.c.id)).scalar_one()
        return Commune(new_id, agency, clean), token


def commune_by_token(conn: Connection, token: str) -> Commune | None:
    row = conn.execute(select(communes.c.id, communes.c.code, communes.c.name)
                       .where(communes.c.token_hash == token_hash(token))).first()
    return Commune(row.id, row.code, row.name) if row else None


def commune_by_code(conn: Connection, code: str) -> Commune | None:
    row = conn.execute(select(communes.c.id, communes.c.code, communes.c.name)
                       .where(communes.c.code == code)).first()
    return Commune(row.id, row.code, row.name) if row else None


def lock_commune(conn: Connection, commune_id: int) -> None:
    """Serialise the writes of one commune (PostgreSQL: a row lock; SQLite's BEGIN IMMEDIATE already does)."""
    conn.execute(select(communes.c.id).where(communes.c.id == commune_id).with_for_update())


def touch(conn: Connection, commune_id: int, column: str, moment: str) -> None:
    conn.execute(update(communes).where(communes.c.id == commune_id).values({column: moment}))


def all_communes(conn: Connection) -> list[Commune]:
    rows = conn.execute(select(communes.c.id, communes.c.code, communes.c.name).order_by(communes.c.code))
    return [Commune(r.id, r.code, r.name) for r in rows]


def add_officer(db: HubDatabase, name: str, *, rotate: bool = False, clock: Clock = system_now) -> tuple[str, str]:
    """Register an officer of the upper level for the web pages (or issue a new token); returns name and token."""
    clean = clean_name(name, "tên cán bộ")
    token = new_token()
    with db.write() as conn:
        existing = conn.scalar(select(officers.c.id).where(func.lower(officers.c.name) == clean.lower()))
        if rotate:
            if existing is None:
                raise NotFoundError(f"Chưa có cán bộ '{clean}'; thêm bằng 'district-hub add-officer --name "
                                    f"\"{clean}\"' (không kèm --rotate).", field="name")
            conn.execute(update(officers).where(officers.c.id == existing).values(token_hash=token_hash(token)))
        elif existing is not None:
            raise ValidationError(f"Đã có cán bộ '{clean}'. Để cấp mã bí mật mới, chạy lại lệnh với --rotate.",
                                  field="name")
        else:
            conn.execute(insert(officers).values(name=clean, token_hash=token_hash(token),
                                                 created_at=to_text(clock())))
    return clean, token


def officer_by_token(conn: Connection, token: str) -> Officer | None:
    row = conn.execute(select(officers.c.id, officers.c.name, officers.c.token_hash)
                       .where(officers.c.token_hash == token_hash(token))).first()
    return Officer(row.id, row.name, row.token_hash) if row else None


def instance_id(conn: Connection) -> str:
    """The instance id of this server database (HubStatus.instance)."""
    return conn.scalar(select(hub_meta.c.instance).where(hub_meta.c.id == 1)) or ""


def renew_instance(conn: Connection, clock: Clock = system_now) -> str:
    """Give this server database a new instance id, inside the caller's write transaction; returns it.

    Every desk that sees the new id in the status reads the feed again from the start (the ids of the feed it holds
    belong to another life of the database: a restored backup gives the ids after its last event out again).
    """
    new = str(uuid.uuid4())
    values = {"instance": new, "instance_since": to_text(clock())}
    if conn.execute(update(hub_meta).where(hub_meta.c.id == 1).values(values)).rowcount == 0:
        conn.execute(insert(hub_meta).values(id=1, **values))
    return new


def new_instance(db: HubDatabase, clock: Clock = system_now) -> str:
    """``district-hub new-instance``: after the database was restored from a backup (or copied to a new server)."""
    with db.write() as conn:
        return renew_instance(conn, clock)
