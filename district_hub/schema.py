"""The server's tables (SQLAlchemy Core). The migrations in ``district_hub/migrations`` create exactly these.

Times are stored as text (see :mod:`district_hub.clock`); an event's payload as its canonical JSON, the very text its
hash covers, so a resent event compares byte for byte.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# An autoincrementing 64-bit key on PostgreSQL; SQLite only autoincrements INTEGER PRIMARY KEY (64-bit anyway).
BigId = BigInteger().with_variant(Integer(), "sqlite")
TIME = 19  # "YYYY-MM-DD HH:MM:SS"

communes = Table(
    "communes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),  # the agency code (QCVN 102:2016)
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the bearer token
    Column("created_at", String(TIME), nullable=False),
    Column("last_push_at", String(TIME)),
    Column("last_pull_at", String(TIME)),
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True),  # the commune feed's cursor
    Column("commune_id", Integer, ForeignKey("communes.id"), nullable=False),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("desk", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("dossier_code", String(40), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("at", String(TIME), nullable=False),
    Column("recorded_at", String(TIME), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("stored_at", String(TIME), nullable=False),
    Column("rejected_reason", Text),  # stored as a link of the chain only, never applied
    UniqueConstraint("commune_id", "desk", "seq", name="uq_events_chain"),
    Index("ix_events_commune_id", "commune_id", "id"),
    Index("ix_events_commune_dossier", "commune_id", "dossier_code"),
    sqlite_autoincrement=True,  # an id once given is never given again (PostgreSQL's sequence already never goes back)
)

chain_heads = Table(
    "chain_heads",
    metadata,
    Column("commune_id", Integer, ForeignKey("communes.id"), primary_key=True),
    Column("desk", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("commune_id", Integer, ForeignKey("communes.id"), primary_key=True),
    Column("code", String(40), primary_key=True),
    Column("lookup_key", String(16), nullable=False),
    Column("procedure", String(40), nullable=False),
    Column("field", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("received_at", String(TIME), nullable=False),
    Column("due_at", String(TIME), nullable=False),  # the appointment in force
    Column("original_due_at", String(TIME), nullable=False),  # the statutory one: early / on time / late
    Column("result_ready_at", String(TIME)),
    Column("returned_at", String(TIME)),
    Column("closed_at", String(TIME)),
    Column("supplement_count", Integer, nullable=False),
    Column("rescheduled", Boolean, nullable=False),
    Column("desk", Integer, nullable=False),  # the desk that received it
    Column("transferred_upward", Boolean, nullable=False),
    Column("timeliness", String(10)),  # early / on_time / late once resolved (domain.deadlines.classify_resolved)
    Column("conflicts", Text, nullable=False),  # JSON list of the events the merged fold left out, with reasons
    Column("updated_at", String(TIME), nullable=False),
    Index("ix_dossiers_commune_status", "commune_id", "status"),
)

publications = Table(
    "publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # catalog | holidays
    Column("published_at", String(TIME), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON
    Index("ix_publications_kind", "kind", "id"),
)

officers = Table(
    "officers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(TIME), nullable=False),
)

# One row (id 1): the instance id of this server database, returned in HubStatus.instance. A new id (district-hub
# new-instance, or a desk's feed cursor this database never gave out) tells every desk to read the feed from the start.
hub_meta = Table(
    "hub_meta",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instance", String(36), nullable=False),
    Column("instance_since", String(TIME), nullable=False),
)
