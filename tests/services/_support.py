"""Helpers shared by the service tests: raw looks at the database file, settings, a typical applicant.

Reads go through ``sqlite3`` directly, not through the application's models, so an assertion about what landed in
the database does not depend on the code under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from contextlib import closing
from typing import Any

from desk_app.services.context import ServiceContext
from desk_app.services.intake import Receipt, ReceiveRequest, receive
from desk_app.services.settings import SettingsService
from desk_app.store.db import Database

AGENCY = "000.31.22.H20"
GENESIS = "0" * 64

# Letters that only Vietnamese text carries; a message with none of them is not a Vietnamese message.
_VIET_LETTERS = set("àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ")

WRITE_TABLES = ("dossiers", "dossier_events", "counters", "ratings", "settings")

# A citizen whose CCCD agrees with the birth date and sex: 087 Đồng Tháp, 0 = 1900s male, 84 = 1984.
DUC = {
    "name": "nguyễn   văn đức",
    "id_number": "087084001234",
    "birth_date": "05/09/1984",
    "sex": "Nam",
    "phone": "0912 345 678",
    "address": "Ấp Mỹ Tây, xã Mỹ Phong, tỉnh Đồng Tháp",
}


def assert_vietnamese(message: str) -> None:
    assert message, "empty message"
    assert any(ch in _VIET_LETTERS for ch in message.lower()), f"not a Vietnamese message: {message!r}"


def _connect(db: Database) -> sqlite3.Connection:
    conn = sqlite3.connect(db.path)
    conn.row_factory = sqlite3.Row
    return conn


def rows(db: Database, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
    with closing(_connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(db: Database, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
    with closing(_connect(db)) as conn:
        row = conn.execute(sql, params).fetchone()
        return None if row is None else row[0]


def execute(db: Database, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> int:
    """Run a raw write (tampering, as an attacker with an SQLite tool would) and commit it."""
    with closing(sqlite3.connect(db.path)) as conn:
        cursor = conn.execute(sql, params)
        conn.commit()
        return cursor.rowcount


def count(db: Database, table: str) -> int:
    return scalar(db, f"SELECT count(*) FROM {table}")


def snapshot(db: Database, tables: tuple[str, ...] = WRITE_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a write may touch, to prove that a refusal wrote nothing."""
    with closing(sqlite3.connect(db.path)) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def dossier(db: Database, code: str) -> sqlite3.Row:
    found = rows(db, "SELECT * FROM dossiers WHERE code = ?", (code,))
    assert len(found) == 1, f"{len(found)} dossier rows for {code}"
    return found[0]


def events(db: Database, code: str) -> list[sqlite3.Row]:
    return rows(db, "SELECT * FROM dossier_events WHERE dossier_code = ? ORDER BY id", (code,))


def payload(event: sqlite3.Row) -> dict[str, Any]:
    return json.loads(event["payload"])


def independent_hash(event: sqlite3.Row) -> str:
    """SHA-256 over the documented canonical JSON of a stored event row (times as stored text)."""
    body = json.dumps(
        {
            "uuid": event["uuid"],
            "desk": event["desk"],
            "seq": event["seq"],
            "dossier": event["dossier_code"],
            "kind": event["kind"],
            "at": event["at"],
            "recorded": event["recorded_at"],
            "actor": event["actor"],
            "payload": json.loads(event["payload"]),
            "prev": event["prev_hash"],
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def act_as_desk(db: Database, desk: int) -> None:
    """Write the desk number past the settings guard: as if this database also held another desk's records (as it
    will once desks sync), so a test can see two desks' chains side by side."""
    with closing(sqlite3.connect(db.path)) as conn, conn:
        conn.execute("INSERT INTO settings(key, value) VALUES ('desk', ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(desk),))


def set_settings(db: Database, **values: str) -> None:
    with db.session() as session, session.begin():
        service = SettingsService(session)
        for key, value in values.items():
            service.set(key, value)


def receive_one(ctx: ServiceContext, procedure: str = "XA.HT.01", applicant: dict[str, Any] | None = None,
                **options: Any) -> Receipt:
    return receive(ctx, ReceiveRequest(procedure, dict(DUC if applicant is None else applicant), **options))


def stored_time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")
