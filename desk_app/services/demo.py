"""``desk-app demo-data``: realistic synthetic dossiers as ordinary local records, fast enough for a million.

Dossiers spread over the working days of the past years (at most 700 a day, within the desk's block of codes),
across the catalog with the mix a commune desk sees (copies certified far more often than land disputes), each
with a valid CCCD, phone and address; old ones resolved (mostly early, a few on time or late) and returned, recent
ones pending. Every dossier is written exactly as the intake would write it: its projection row and its events,
numbered and hash-chained after the desk's existing events, with the same counters for codes and ledger numbers.
Batches commit one at a time, so an interrupted run leaves whole dossiers only.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.codes import format_dossier_code, next_ledger_entry, next_sequence
from desk_app.domain.errors import DomainError, ValidationError
from desk_app.domain.lifecycle import Event, EventKind, apply
from desk_app.domain.validation import PROVINCE_CODES, Sex
from desk_app.services.actions import projection
from desk_app.services.applicant import Applicant
from desk_app.services.catalog import time_limit_of
from desk_app.services.clock import Clock
from desk_app.services.intake import LOOKUP_ALPHABET, LOOKUP_LENGTH, components_of, received_record
from desk_app.services.rules import load_rules
from desk_app.services.settings import SettingsService, ledger_start_for
from desk_app.store.counters import code_counter, ledger_counter
from desk_app.store.db import Database
from desk_app.store.events import SyncState, canonical_json, chain_counter, chain_head, event_hash
from desk_app.store.models import Counter, Dossier, Procedure, Rating, to_db_time

BATCH = 10_000
BULK_CACHE_KIB = 256 * 1024
MAX_PER_DAY = 700
MIN_SPAN_DAYS = 3 * 365

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Trương", "Đinh", "Lâm"]
MIDDLE = {Sex.MALE: ["Văn", "Hữu", "Minh", "Quốc", "Thanh", "Công", "Đức", "Hoàng"],
          Sex.FEMALE: ["Thị", "Ngọc", "Thu", "Kim", "Mỹ", "Thanh", "Bích", "Hồng"]}
GIVEN = {Sex.MALE: ["Đức", "Hùng", "Dũng", "Tuấn", "Phúc", "Tài", "Lộc", "Hiếu", "Nam", "Sơn", "Khoa", "Bình",
                    "Trí", "Nghĩa", "Thắng", "Long"],
         Sex.FEMALE: ["Lan", "Hoa", "Hương", "Mai", "Linh", "Trang", "Thảo", "Ngân", "Vy", "Yến", "Nhung",
                      "Hạnh", "Diễm", "Trinh", "Quyên", "Tuyết"]}
HAMLETS = ["Mỹ Thới", "Mỹ Hòa", "Tân Phong", "Bình Hàng Tây", "An Khánh", "Hòa Long", "Tân Thuận", "Phú Mỹ"]
# How often each field's procedures come to a commune desk (certifications dominate).
FIELD_WEIGHT = {"CT": 50, "HT": 25, "CTRU": 10, "BTXH": 5, "KD": 4, "BHXH": 4, "DD": 2}


@dataclass(frozen=True)
class DemoResult:
    dossiers: int
    events: int


class _Batch:
    def __init__(self) -> None:
        self.dossiers: list[dict[str, Any]] = []
        self.events: list[tuple[Any, ...]] = []  # in the column order of EVENT_INSERT
        self.ratings: list[dict[str, Any]] = []


EVENT_INSERT = (
    "INSERT INTO dossier_events (uuid, dossier_id, dossier_code, desk, seq, kind, at, recorded_at, actor, payload, "
    "prev_hash, hash, sync_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _applicant(rng: random.Random) -> Applicant:
    sex = rng.choice([Sex.MALE, Sex.FEMALE])
    birth = dt.date(rng.randint(1940, 2007), rng.randint(1, 12), rng.randint(1, 28))
    province = "087" if rng.random() < 0.8 else rng.choice(sorted(PROVINCE_CODES))
    century_digit = (birth.year // 100 - 19) * 2 + (1 if sex is Sex.FEMALE else 0)
    id_number = f"{province}{century_digit}{birth.year % 100:02d}{rng.randint(0, 999999):06d}"
    phone = f"0{rng.choice('35789')}{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.9 else None
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
    address = f"Ấp {rng.choice(HAMLETS)}, xã Mỹ Phong, tỉnh Đồng Tháp"
    return Applicant(name=name, id_number=id_number, birth_date=birth, sex=sex, phone=phone, address=address)


def _open_minutes(sessions: tuple[tuple[dt.time, dt.time], ...], until: dt.datetime | None = None,
                  ) -> list[tuple[int, int]]:
    """The office sessions as spans [start, end) of minutes of the day; cut before ``until``'s minute (today's,
    so that no dossier is received later than now)."""
    cut = None if until is None else until.hour * 60 + until.minute
    spans = []
    for start, end in sessions:
        first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        if cut is not None:
            last = min(last, cut)
        if last > first:
            spans.append((first, last))
    return spans


def _receipt_times(rng: random.Random, counts: dict[dt.date, int], now: dt.datetime,
                   sessions: tuple[tuple[dt.time, dt.time], ...]) -> list[dt.datetime]:
    """Sorted receipt moments inside office hours; today's before now (:func:`_spread` gives today a share only
    once its office hours have begun)."""
    moments = []
    for day in sorted(counts):
        spans = _open_minutes(sessions, now if day == now.date() else None)
        for _ in range(counts[day]):
            first, last = rng.choice(spans)
            minute = first + rng.randrange(last - first)
            moments.append(dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60),
                                       tzinfo=now.tzinfo))
    moments.sort()
    return moments


@dataclass
class _Desk:
    """The desk's series as the import advances them: its chain head and its counters (codes, ledger, chain)."""

    number: int
    seq: int
    head: str
    counters: dict[str, int]
    touched: set[str]

    def bump(self, name: str, value: int) -> None:
        self.counters[name] = value
        self.touched.add(name)


def _load_desk(session: Session, desk: int) -> _Desk:
    seq, head = chain_head(session, desk)
    names = select(Counter).where(Counter.name.like(f"code:{desk}:%") | Counter.name.like(f"ledger:{desk}:%"))
    return _Desk(desk, seq, head, {c.name: c.value for c in session.scalars(names)}, set())


def _check_unchanged(session: Session, desk: _Desk) -> None:
    if chain_head(session, desk.number) != (desk.seq, desk.head):
        raise DomainError("Trong lúc nạp dữ liệu mẫu, bàn này đã ghi hồ sơ khác. Dữ liệu đã nạp đến đây được giữ "
                          "nguyên; chạy lại demo-data khi không có ai đang tiếp nhận.", field="demo-data")


def generate(db: Database, count: int, *, seed: int, clock: Clock, actor: str) -> DemoResult:
    rng = random.Random(seed)
    now = clock.now()
    now_text = to_db_time(now)
    session = db.write_session()
    try:
        session.begin()
        # A bulk import touches indexes all over a large file: a bigger page cache for this connection only.
        session.connection().exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        settings = SettingsService(session).all()
        agency = settings["agency_code"]
        if not agency:
            raise ValidationError("Chưa thiết lập mã cơ quan: chạy desk-app init --agency-code ... trước.",
                                  field="agency_code")
        rules = load_rules(session)
        procedures = list(session.scalars(select(Procedure).where(Procedure.active.is_(True))))
        used_keys = set(session.scalars(select(Dossier.lookup_key)))
        next_id = (session.scalar(select(Dossier.id).order_by(Dossier.id.desc()).limit(1)) or 0) + 1
        desk = _load_desk(session, int(settings["desk"]))

        moments = _receipt_times(rng, _spread(rng, count, now, rules.calendar), now,
                                 rules.calendar.office_hours.sessions)
        weights = [FIELD_WEIGHT.get(p.field_code, 1) / max(1, sum(q.field_code == p.field_code for q in procedures))
                   for p in procedures]
        by_code = {p.code: p for p in procedures}
        total_events = added = 0
        batch = _Batch()
        for received_at in moments:
            procedure = rng.choices(procedures, weights)[0]
            day_name = code_counter(desk.number, f"{received_at:%y%m%d}")
            try:
                sequence = next_sequence(desk.number, desk.counters.get(day_name))
            except DomainError:
                continue  # this day's block is already full (existing records): skip the day rather than collide
            desk.bump(day_name, sequence)
            ledger_name = ledger_counter(desk.number, received_at.year)
            ledger = next_ledger_entry(received_at.year, desk.number, desk.counters.get(ledger_name),
                                       ledger_start_for(settings["ledger_start"], received_at.year))
            desk.bump(ledger_name, ledger.number)
            key = "".join(rng.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_LENGTH))
            while key in used_keys:
                key = "".join(rng.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_LENGTH))
            used_keys.add(key)
            limit = time_limit_of(procedure)
            components = components_of(procedure, by_code, received_at, rules)
            columns, payload = received_record(
                code=format_dossier_code(agency, received_at.date(), sequence), lookup_key=key, desk=desk.number,
                procedure=procedure, applicant=_applicant(rng), documents=[dict(d) for d in procedure.documents],
                copies=1, channel=rng.choices(["direct", "online", "postal"], [90, 8, 2])[0], return_method="desk",
                return_address=None, fee_due=procedure.fee, exemption=None, limit=limit, received_at=received_at,
                appointment=rules.appointment(limit, received_at), components=components, ledger=ledger,
            )
            columns["id"] = next_id
            history = [(EventKind.RECEIVED, received_at, payload)] + _later_events(rng, columns, now)
            state = None
            for kind, moment, event_payload in history:
                at = moment.replace(microsecond=0)  # as the store keeps times: to the second
                state = apply(state, Event(kind, at, event_payload))
                batch.events.append(_chained(desk, next_id, columns["code"], kind.value, to_db_time(at), now_text,
                                             actor, canonical_json(event_payload)))
                if kind is EventKind.RETURNED and rng.random() < 0.3:
                    batch.ratings.append(dict(rated_on=at.date(), field_code=procedure.field_code, clerk=actor,
                                              level=rng.choices([3, 2, 1], [85, 13, 2])[0]))
            assert state is not None
            columns.update(projection(state), last_event_seq=desk.seq)  # after the later events too
            batch.dossiers.append(columns)
            total_events += len(history)
            added += 1
            next_id += 1
            if len(batch.dossiers) >= BATCH:
                _flush(session, batch, desk)
                session.commit()
                session.begin()  # BEGIN IMMEDIATE again: check nobody wrote in between
                _check_unchanged(session, desk)
                batch = _Batch()
        _flush(session, batch, desk)
        session.commit()
    finally:
        session.close()
    return DemoResult(added, total_events)


def _spread(rng: random.Random, count: int, now: dt.datetime, calendar: Any) -> dict[dt.date, int]:
    """How many dossiers each working day of the span receives (at most MAX_PER_DAY)."""
    span = max(MIN_SPAN_DAYS, int(count / MAX_PER_DAY * 7 / 5 * 1.3) + 30)
    first = now.date() - dt.timedelta(days=span)
    days = [d for d in (first + dt.timedelta(days=i) for i in range(span + 1)) if calendar.is_working_day(d)]
    if days and days[-1] == now.date() and not _open_minutes(calendar.office_hours.sessions, now):
        days.pop()  # today's office hours have not begun: nothing can have been received today yet
    counts: dict[dt.date, int] = defaultdict(int)
    for _ in range(count):
        day = rng.choice(days)
        while counts[day] >= MAX_PER_DAY:
            day = rng.choice(days)
        counts[day] += 1
    return counts


def _chained(desk: _Desk, dossier_id: int, code: str, kind: str, at: str, recorded_at: str, actor: str,
             payload_json: str) -> tuple[Any, ...]:
    """The next event of the desk's chain, as a row for EVENT_INSERT (the bulk form of store.events.append_event)."""
    desk.seq += 1
    event_uuid = str(uuid.uuid4())
    digest = event_hash(uuid=event_uuid, desk=desk.number, seq=desk.seq, dossier_code=code, kind=kind, at=at,
                        recorded_at=recorded_at, actor=actor, payload_json=payload_json, prev_hash=desk.head)
    row = (event_uuid, dossier_id, code, desk.number, desk.seq, kind, at, recorded_at, actor, payload_json,
           desk.head, digest, SyncState.TO_SEND.value)
    desk.head = digest
    return row


def _flush(session: Session, batch: _Batch, desk: _Desk) -> None:
    if not batch.dossiers:
        return
    connection = session.connection()
    for table, rows in ((Dossier.__table__, batch.dossiers), (Rating.__table__, batch.ratings)):
        _insert_rows(connection, table, rows)
    connection.exec_driver_sql(EVENT_INSERT, batch.events)
    desk.bump(chain_counter(desk.number), desk.seq)
    connection.exec_driver_sql(
        "INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value=excluded.value",
        [(name, desk.counters[name]) for name in desk.touched],
    )
    desk.touched.clear()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# The form the store's column types write each Python type in (see desk_app.store.models).
_CONVERT: dict[type, Any] = {
    dt.datetime: to_db_time,
    dt.date: dt.date.isoformat,
    list: _json,
    dict: _json,
    bool: int,
}


def _sql_value(value: Any) -> Any:
    convert = _CONVERT.get(type(value))
    return value if convert is None else convert(value)


def _insert_rows(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert with the driver's executemany: the type conversion done once here, not per ORM object."""
    if not rows:
        return
    names = [c.name for c in table.columns if c.name in rows[0]]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    connection.exec_driver_sql(sql, [tuple(_sql_value(row[n]) for n in names) for row in rows])


def _later_events(rng: random.Random, columns: dict[str, Any], now: dt.datetime) -> list[tuple[EventKind, dt.datetime, dict[str, Any]]]:
    """What happened to a dossier after receipt, by its age."""
    received: dt.datetime = columns["received_at"]
    due: dt.datetime = columns["due_at"]
    events: list[tuple[EventKind, dt.datetime, dict[str, Any]]] = []
    if columns["time_limit"] != "same_day":
        handed = received + dt.timedelta(minutes=rng.randint(10, 90))
        if handed < now:
            body = columns["components"][0]["resolving_body"]
            events.append((EventKind.TRANSFERRED, handed, {"to": body, "upper": False, "component": None}))
    last = events[-1][1] if events else received
    roll = rng.random()
    if roll < 0.01:
        moment = last + dt.timedelta(hours=rng.randint(1, 30))
        if moment < now:
            kind = EventKind.REFUSED if rng.random() < 0.6 else EventKind.WITHDRAWN
            reason = "Hồ sơ không thuộc thẩm quyền giải quyết của xã" if kind is EventKind.REFUSED else \
                "Công dân xin rút hồ sơ để bổ sung giấy tờ"
            events.append((kind, moment, {"reason": reason}))
        return events
    if roll < 0.93:
        ready = _ready_moment(rng, last, due)
    elif roll < 0.95:
        ready = due.replace(hour=min(due.hour, 16))
    else:
        ready = due + dt.timedelta(days=rng.randint(1, 6))
    ready = max(ready, last + dt.timedelta(minutes=5))
    if ready >= now:
        return events
    events.append((EventKind.RESULT_READY, ready, {"component": None}))
    returned = ready + dt.timedelta(hours=rng.choice([0.5, 2, 20, 26, 50, 75]))
    if returned < now and rng.random() < 0.96:
        events.append((EventKind.RETURNED, returned, {"method": columns["return_method"]}))
    return events


def _ready_moment(rng: random.Random, start: dt.datetime, due: dt.datetime) -> dt.datetime:
    """A moment between the hand-over and the due date (the same day for same-day procedures)."""
    span = (due - start).total_seconds()
    if span <= 3600:
        return start + dt.timedelta(minutes=rng.randint(5, 40))
    moment = start + dt.timedelta(seconds=rng.uniform(0.05, 0.8) * span)
    if moment.date() >= due.date():
        moment = start + dt.timedelta(minutes=rng.randint(5, 60))
    return moment
