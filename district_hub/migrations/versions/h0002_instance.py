"""The server database's instance id (a one-row meta table), and event ids never reused on SQLite.

``hub_meta`` holds one row: the instance id (a uuid4) the status endpoint returns, so a desk notices when the
database behind the server is another one (a restored backup after ``district-hub new-instance``, a new server) and
reads the feed again from the start. A database made before this revision gets its id here.

The events table is rebuilt on SQLite with AUTOINCREMENT: an id once given is never given again, even when the
newest rows are removed (PostgreSQL's sequence never goes back already). A restored backup goes back in both: that
is what the instance id is for.

Revision ID: h0002
Revises: h0001
Create Date: 2026-03-09
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None

TIME = 19


def upgrade() -> None:
    meta = op.create_table(
        "hub_meta",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance", sa.String(36), nullable=False),
        sa.Column("instance_since", sa.String(TIME), nullable=False),
    )
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).strftime("%Y-%m-%d %H:%M:%S")
    op.bulk_insert(meta, [{"id": 1, "instance": str(uuid.uuid4()), "instance_since": now}])
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("events", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("events", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass
    op.drop_table("hub_meta")
