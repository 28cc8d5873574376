"""personal data removed from events under the retention setting

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

When a closed dossier's retention period ends (setting ``personal_data_retention``), its full record is written to an
archive file and the personal data is removed from the dossier row and from its events' payloads. The events keep
their stored ``hash`` and ``prev_hash`` (the chain stays continuous); each one is listed here: when, into which
archive, which fields, and the hash of its content as it now reads (``redacted_hash``), so ``desk-app verify`` still
catches an edit made after the redaction. The archive proves the original content against ``hash``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('redactions',
    sa.Column('event_uuid', sa.String(length=36), nullable=False),
    sa.Column('dossier_code', sa.String(length=40), nullable=False),
    sa.Column('redacted_at', sa.String(length=19), nullable=False),
    sa.Column('archive', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('redacted_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('event_uuid')
    )
    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redactions_dossier_code'), ['dossier_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redactions_dossier_code'))
    op.drop_table('redactions')
