"""links of other desks' chains taken in without their content

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

A foreign event the desk cannot apply (the upper level refused its content, its dossier is unknown here, its hash does
not match) is kept as a link of its desk's chain only: desk, sequence number, UUID, hashes and why. It is never folded
into a dossier; ``desk-app verify`` bridges the chain over it instead of reporting a missing event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('desk', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('dossier_code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('taken_at', sa.String(length=19), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('desk', 'seq', name='uq_chain_links_desk_seq'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('chain_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_links_dossier_code'), ['dossier_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chain_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_links_dossier_code'))
    op.drop_table('chain_links')
