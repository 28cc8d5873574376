"""the outbox's index: a desk's events by sync state and sequence number

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Each batch of a sync starts at the desk's first event not yet acknowledged, and the status bar counts the desk's
waiting events: with the state alone indexed, both walked every event of that state and looked its desk up in the
table (≈4 s on the million-dossier demo database, whose events were never sent). With (desk, sync_state, seq) the
first waiting event is one index probe and the count reads the index only.
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_events_outbox', ['desk', 'sync_state', 'seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_events_outbox')
