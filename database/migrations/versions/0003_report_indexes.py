"""indexes for the periodic report: when results were ready, when dossiers were closed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The statistics report finds the dossiers carried over into a period (received before it, resolved or closed
inside it or still open) through the first two, instead of reading every dossier received before the period; the
third covers every column the report reads of the dossiers received in the period, so a year's report reads the
index alone, not the wide dossier rows. The last lets the period's satisfaction ratings be counted from the index.
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

REPORT_COLUMNS = ['received_at', 'field_code', 'channel', 'status', 'result_ready_at', 'original_due_at', 'due_at',
                  'closed_at', 'supplement_count']


def upgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_result_ready_at', ['result_ready_at', 'received_at'], unique=False)
        batch_op.create_index('ix_dossiers_closed_at', ['closed_at', 'received_at'], unique=False)
        batch_op.create_index('ix_dossiers_report', REPORT_COLUMNS, unique=False)
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_rated_on', ['rated_on', 'field_code', 'clerk', 'level'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_rated_on')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_report')
        batch_op.drop_index('ix_dossiers_closed_at')
        batch_op.drop_index('ix_dossiers_result_ready_at')
