"""SQLAlchemy 2 models of the desk's local record.

``dossiers`` is the projection used for fast queries; ``dossier_events`` is the record itself (append-only, hash
chained per desk, each event carrying its own sync state). ``ratings`` are kept apart from dossiers and citizens.
Times are stored as local Vietnamese time text ``YYYY-MM-DD HH:MM:SS`` (sortable, readable in any SQLite tool) and
come back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class VNDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime kept as Vietnamese local time text."""

    impl = String(19)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; the clock must give aware times")
        return to_db_time(value)

    def process_result_value(self, value: str | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return dt.datetime.fromisoformat(value).replace(tzinfo=VN_TZ)


def to_db_time(value: dt.datetime) -> str:
    """The stored text of a time (``YYYY-MM-DD HH:MM:SS``, Vietnamese local time), for raw SQL comparisons."""
    return value.astimezone(VN_TZ).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Last number issued per series (the day's dossier sequence of a desk, a ledger book)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Procedure(Base):
    __tablename__ = "procedures"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    national_code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text)
    field_code: Mapped[str] = mapped_column(String(20))
    field_name: Mapped[str] = mapped_column(Text)
    time_value: Mapped[int] = mapped_column(Integer)
    time_unit: Mapped[str] = mapped_column(String(20))
    time_note: Mapped[str] = mapped_column(Text, default="")
    fee: Mapped[int] = mapped_column(Integer, default=0)
    fee_note: Mapped[str] = mapped_column(Text, default="")
    fee_exemptable: Mapped[bool] = mapped_column(default=False)
    fee_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # per page / per copy; None: flat per dossier
    variants: Mapped[list[Any]] = mapped_column(JSON, default=list)  # e.g. "cần xác minh" with a longer limit
    resolving_body: Mapped[str] = mapped_column(Text)
    inter_level: Mapped[bool] = mapped_column(default=False)
    documents: Mapped[list[Any]] = mapped_column(JSON)
    components: Mapped[list[Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    catalog_version: Mapped[str] = mapped_column(String(20))


class Holiday(Base):
    """An official schedule entry (a period off, or a make-up working day) or an optional holiday switch."""

    __tablename__ = "holidays"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # period | makeup | optional
    start: Mapped[dt.date | None]
    end: Mapped[dt.date | None]
    name: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # occasions, swapped days, optional-holiday fields
    source: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))  # admin | leader | clerk
    password_hash: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(VNDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(VNDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(VNDateTime)


class Dossier(Base):
    __tablename__ = "dossiers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    lookup_key: Mapped[str] = mapped_column(String(16), unique=True)
    desk: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str] = mapped_column(String(40), index=True)
    procedure_name: Mapped[str] = mapped_column(Text)
    field_code: Mapped[str] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(String(12), index=True)
    birth_date: Mapped[dt.date | None]
    sex: Mapped[str | None] = mapped_column(String(6))
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    email: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    search_folded: Mapped[str] = mapped_column(Text)  # vn_fold(name, address, phone, procedure) for FTS
    documents: Mapped[list[Any]] = mapped_column(JSON)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(10))
    return_method: Mapped[str] = mapped_column(String(10))
    return_address: Mapped[str | None] = mapped_column(Text)
    fee_due: Mapped[int] = mapped_column(Integer, default=0)
    fee_exemption: Mapped[str | None] = mapped_column(Text)
    fee_paid: Mapped[bool] = mapped_column(default=False)
    time_limit: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[dt.datetime] = mapped_column(VNDateTime, index=True)
    due_at: Mapped[dt.datetime] = mapped_column(VNDateTime, index=True)
    original_due_at: Mapped[dt.datetime] = mapped_column(VNDateTime)
    status: Mapped[str] = mapped_column(String(24), index=True)
    components: Mapped[list[Any]] = mapped_column(JSON)
    transferred_to: Mapped[str | None] = mapped_column(Text)
    supplement_count: Mapped[int] = mapped_column(Integer, default=0)
    rescheduled: Mapped[bool] = mapped_column(default=False)
    result_ready_at: Mapped[dt.datetime | None] = mapped_column(VNDateTime)
    returned_at: Mapped[dt.datetime | None] = mapped_column(VNDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(VNDateTime)
    close_reason: Mapped[str | None] = mapped_column(Text)
    ledger_year: Mapped[int] = mapped_column(Integer)
    ledger_desk: Mapped[int] = mapped_column(Integer)
    ledger_number: Mapped[int] = mapped_column(Integer)
    last_event_seq: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("ledger_year", "ledger_desk", "ledger_number", name="uq_dossiers_ledger"),
        Index("ix_dossiers_status_due", "status", "due_at"),
        # The periodic report (migration 0003): carried-over dossiers, and every column it reads of the period's.
        Index("ix_dossiers_result_ready_at", "result_ready_at", "received_at"),
        Index("ix_dossiers_closed_at", "closed_at", "received_at"),
        Index("ix_dossiers_report", "received_at", "field_code", "channel", "status", "result_ready_at",
              "original_due_at", "due_at", "closed_at", "supplement_count"),
    )


class DossierEvent(Base):
    __tablename__ = "dossier_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    dossier_code: Mapped[str] = mapped_column(String(40))
    desk: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(VNDateTime)  # when it happened (may be given by the clerk)
    recorded_at: Mapped[dt.datetime] = mapped_column(VNDateTime)  # the clock when it was written
    actor: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    sync_state: Mapped[str] = mapped_column(String(12), default="to_send", index=True)
    sync_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("desk", "seq", name="uq_events_desk_seq"),
        Index("ix_dossier_events_outbox", "desk", "sync_state", "seq"),  # migration 0007: the sync's outbox
    )


class Rating(Base):
    """A satisfaction rating, deliberately not linked to a dossier or a citizen (DOMAIN.md §8)."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    rated_on: Mapped[dt.date]
    field_code: Mapped[str] = mapped_column(String(20))
    clerk: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer)  # 3 rất hài lòng, 2 hài lòng, 1 không hài lòng

    __table_args__ = (Index("ix_ratings_rated_on", "rated_on", "field_code", "clerk", "level"),)


class AuditRecord(Base):
    """What is not a dossier change but must show who did it: logins, reveals, prints and exports, settings."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(VNDateTime, index=True)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SyncRun(Base):
    """One sync with the upper level (``desk-app sync``, the end-of-day action, the automatic one): when, how it
    ended, what it moved. The last success survives a restart (migration 0004)."""

    __tablename__ = "sync_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(VNDateTime, index=True)
    finished_at: Mapped[dt.datetime] = mapped_column(VNDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)  # ok | set_aside | unreachable | refused | ...
    sent: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)
    set_aside: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")


class ChainLink(Base):
    """A foreign event (another desk's, the upper level's) taken in as a link of its desk's chain only: its place
    (desk, seq) and hashes, never its content, never folded into a dossier. The server refused its content, or this
    desk could not apply it (unknown dossier, hash not matching, a receipt whose code is taken). ``desk-app verify``
    bridges the chain over it (migration 0005)."""

    __tablename__ = "chain_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    desk: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    dossier_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)  # Vietnamese: why it is a link only
    taken_at: Mapped[dt.datetime] = mapped_column(VNDateTime)

    __table_args__ = (UniqueConstraint("desk", "seq", name="uq_chain_links_desk_seq"),)
