"""disputes and leads: the mediation register (矛盾纠纷) and reported leads (线索)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _bookkeeping() -> list[sa.Column]:
    return [
        sa.Column('rid', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.Text(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('source_file', sa.Text(), nullable=False),
        sa.Column('source_row', sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'disputes',
        *_bookkeeping(),
        sa.Column('dispute_id', sa.Text(), nullable=False),
        sa.Column('reported_at', sa.BigInteger(), nullable=False),
        sa.Column('category', sa.Text(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lng', sa.Float(), nullable=True),
        sa.Column('site_id', sa.Text(), nullable=True),
        sa.Column('venue_id', sa.Text(), nullable=True),
        sa.Column('parties', sa.BigInteger(), nullable=True),
        sa.Column('mediator', sa.Text(), nullable=True),
        sa.Column('status', sa.Text(), nullable=False),
        sa.Column('settled_at', sa.BigInteger(), nullable=True),
        sa.Column('incident_id', sa.Text(), nullable=True),
        sa.Column('cell', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('rid'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_cell'), ['cell'], unique=False)
        batch_op.create_index(batch_op.f('ix_disputes_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_disputes_reported_at', ['reported_at'], unique=False)
        batch_op.create_index('ix_disputes_site_id', ['site_id'], unique=False)
        batch_op.create_index('ix_disputes_venue_id', ['venue_id'], unique=False)

    op.create_table(
        'leads',
        *_bookkeeping(),
        sa.Column('lead_id', sa.Text(), nullable=False),
        sa.Column('received_at', sa.BigInteger(), nullable=False),
        sa.Column('channel', sa.Text(), nullable=False),
        sa.Column('topic', sa.Text(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lng', sa.Float(), nullable=True),
        sa.Column('area_id', sa.Text(), nullable=True),
        sa.Column('status', sa.Text(), nullable=False),
        sa.Column('closed_at', sa.BigInteger(), nullable=True),
        sa.Column('cell', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('rid'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_cell'), ['cell'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_leads_received_at', ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_received_at')
        batch_op.drop_index(batch_op.f('ix_leads_import_id'))
        batch_op.drop_index(batch_op.f('ix_leads_cell'))
    op.drop_table('leads')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_disputes_venue_id')
        batch_op.drop_index('ix_disputes_site_id')
        batch_op.drop_index('ix_disputes_reported_at')
        batch_op.drop_index(batch_op.f('ix_disputes_import_id'))
        batch_op.drop_index(batch_op.f('ix_disputes_cell'))
    op.drop_table('disputes')
