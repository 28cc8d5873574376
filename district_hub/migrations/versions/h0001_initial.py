"""The server's first schema: communes, events (the desks' chains), chain heads, the dossiers projection,
publications and officers.

Revision ID: h0001
Revises:
Create Date: 2026-03-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = 19


def upgrade() -> None:
    op.create_table(
        "communes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(TIME), nullable=False),
        sa.Column("last_push_at", sa.String(TIME)),
        sa.Column("last_pull_at", sa.String(TIME)),
    )
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("desk", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("dossier_code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("at", sa.String(TIME), nullable=False),
        sa.Column("recorded_at", sa.String(TIME), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("stored_at", sa.String(TIME), nullable=False),
        sa.Column("rejected_reason", sa.Text),
        sa.UniqueConstraint("commune_id", "desk", "seq", name="uq_events_chain"),
    )
    op.create_index("ix_events_commune_id", "events", ["commune_id", "id"])
    op.create_index("ix_events_commune_dossier", "events", ["commune_id", "dossier_code"])
    op.create_table(
        "chain_heads",
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), primary_key=True),
        sa.Column("desk", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "dossiers",
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), primary_key=True),
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("lookup_key", sa.String(16), nullable=False),
        sa.Column("procedure", sa.String(40), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("received_at", sa.String(TIME), nullable=False),
        sa.Column("due_at", sa.String(TIME), nullable=False),
        sa.Column("original_due_at", sa.String(TIME), nullable=False),
        sa.Column("result_ready_at", sa.String(TIME)),
        sa.Column("returned_at", sa.String(TIME)),
        sa.Column("closed_at", sa.String(TIME)),
        sa.Column("supplement_count", sa.Integer, nullable=False),
        sa.Column("rescheduled", sa.Boolean, nullable=False),
        sa.Column("desk", sa.Integer, nullable=False),
        sa.Column("transferred_upward", sa.Boolean, nullable=False),
        sa.Column("timeliness", sa.String(10)),
        sa.Column("conflicts", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(TIME), nullable=False),
    )
    op.create_index("ix_dossiers_commune_status", "dossiers", ["commune_id", "status"])
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("published_at", sa.String(TIME), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_index("ix_publications_kind", "publications", ["kind", "id"])
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(TIME), nullable=False),
    )


def downgrade() -> None:
    for table in ("officers", "publications", "dossiers", "chain_heads", "events", "communes"):
        op.drop_table(table)
