"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22

Times are text in Vietnamese local time (see desk_app.store.models.VNDateTime). The full-text index
`dossier_fts` is an FTS5 table over the folded search column `dossiers.search_folded`, kept in step by triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('counters',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('lookup_key', sa.String(length=16), nullable=False),
    sa.Column('desk', sa.Integer(), nullable=False),
    sa.Column('procedure_code', sa.String(length=40), nullable=False),
    sa.Column('procedure_name', sa.Text(), nullable=False),
    sa.Column('field_code', sa.String(length=20), nullable=False),
    sa.Column('applicant_name', sa.Text(), nullable=False),
    sa.Column('id_number', sa.String(length=12), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.String(length=6), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('search_folded', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('return_method', sa.String(length=10), nullable=False),
    sa.Column('return_address', sa.Text(), nullable=True),
    sa.Column('fee_due', sa.Integer(), nullable=False),
    sa.Column('fee_exemption', sa.Text(), nullable=True),
    sa.Column('fee_paid', sa.Boolean(), nullable=False),
    sa.Column('time_limit', sa.String(length=30), nullable=False),
    sa.Column('received_at', sa.String(length=19), nullable=False),
    sa.Column('due_at', sa.String(length=19), nullable=False),
    sa.Column('original_due_at', sa.String(length=19), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('transferred_to', sa.Text(), nullable=True),
    sa.Column('supplement_count', sa.Integer(), nullable=False),
    sa.Column('rescheduled', sa.Boolean(), nullable=False),
    sa.Column('result_ready_at', sa.String(length=19), nullable=True),
    sa.Column('returned_at', sa.String(length=19), nullable=True),
    sa.Column('closed_at', sa.String(length=19), nullable=True),
    sa.Column('close_reason', sa.Text(), nullable=True),
    sa.Column('ledger_year', sa.Integer(), nullable=False),
    sa.Column('ledger_desk', sa.Integer(), nullable=False),
    sa.Column('ledger_number', sa.Integer(), nullable=False),
    sa.Column('last_event_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('ledger_year', 'ledger_desk', 'ledger_number', name='uq_dossiers_ledger'),
    sa.UniqueConstraint('lookup_key')
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_procedure_code'), ['procedure_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_status'), ['status'], unique=False)
        batch_op.create_index('ix_dossiers_status_due', ['status', 'due_at'], unique=False)

    op.create_table('holidays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('start', sa.Date(), nullable=True),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holidays_year'), ['year'], unique=False)

    op.create_table('procedures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('national_code', sa.String(length=40), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_folded', sa.Text(), nullable=False),
    sa.Column('field_code', sa.String(length=20), nullable=False),
    sa.Column('field_name', sa.Text(), nullable=False),
    sa.Column('time_value', sa.Integer(), nullable=False),
    sa.Column('time_unit', sa.String(length=20), nullable=False),
    sa.Column('time_note', sa.Text(), nullable=False),
    sa.Column('fee', sa.Integer(), nullable=False),
    sa.Column('fee_note', sa.Text(), nullable=False),
    sa.Column('fee_exemptable', sa.Boolean(), nullable=False),
    sa.Column('fee_rule', sa.JSON(), nullable=True),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('resolving_body', sa.Text(), nullable=False),
    sa.Column('inter_level', sa.Boolean(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('catalog_version', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('field_code', sa.String(length=20), nullable=False),
    sa.Column('clerk', sa.Text(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.String(length=19), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('dossier_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('dossier_code', sa.String(length=40), nullable=False),
    sa.Column('desk', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('at', sa.String(length=19), nullable=False),
    sa.Column('recorded_at', sa.String(length=19), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('sync_state', sa.String(length=12), nullable=False),
    sa.Column('sync_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('desk', 'seq', name='uq_events_desk_seq'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_events_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_events_sync_state'), ['sync_state'], unique=False)

    op.execute(
        "CREATE VIRTUAL TABLE dossier_fts USING fts5("
        "search_folded, content='dossiers', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER dossiers_fts_insert AFTER INSERT ON dossiers BEGIN "
        "INSERT INTO dossier_fts(rowid, search_folded) VALUES (new.id, new.search_folded); END"
    )
    op.execute(
        "CREATE TRIGGER dossiers_fts_delete AFTER DELETE ON dossiers BEGIN "
        "INSERT INTO dossier_fts(dossier_fts, rowid, search_folded) VALUES ('delete', old.id, old.search_folded); END"
    )
    op.execute(
        "CREATE TRIGGER dossiers_fts_update AFTER UPDATE OF search_folded ON dossiers BEGIN "
        "INSERT INTO dossier_fts(dossier_fts, rowid, search_folded) VALUES ('delete', old.id, old.search_folded); "
        "INSERT INTO dossier_fts(rowid, search_folded) VALUES (new.id, new.search_folded); END"
    )


def downgrade() -> None:
    for trigger in ("dossiers_fts_insert", "dossiers_fts_delete", "dossiers_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS dossier_fts")
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_events_sync_state'))
        batch_op.drop_index(batch_op.f('ix_dossier_events_dossier_id'))

    op.drop_table('dossier_events')
    op.drop_table('users')
    op.drop_table('settings')
    op.drop_table('ratings')
    op.drop_table('procedures')
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holidays_year'))

    op.drop_table('holidays')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_status_due')
        batch_op.drop_index(batch_op.f('ix_dossiers_status'))
        batch_op.drop_index(batch_op.f('ix_dossiers_received_at'))
        batch_op.drop_index(batch_op.f('ix_dossiers_procedure_code'))
        batch_op.drop_index(batch_op.f('ix_dossiers_phone'))
        batch_op.drop_index(batch_op.f('ix_dossiers_id_number'))
        batch_op.drop_index(batch_op.f('ix_dossiers_due_at'))

    op.drop_table('dossiers')
    op.drop_table('counters')
