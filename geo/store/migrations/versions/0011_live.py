"""live: the machine API's tokens and the fixes devices post

``api_tokens`` keeps a device's token (bound to one unit) or a user's (reading with the user's
scope) as the SHA-256 of its secret; ``fixes`` keeps each unit's GPS fixes as posted, one per
unit and time (a fix sent twice is stored once), until and after they are settled into shifts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_tokens',
        sa.Column('token_id', sa.Text(), nullable=False),
        sa.Column('kind', sa.Text(), nullable=False),
        sa.Column('unit_id', sa.Text(), nullable=True),
        sa.Column('user_name', sa.Text(), nullable=True),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('secret_hash', sa.Text(), nullable=False),
        sa.Column('created_ms', sa.BigInteger(), nullable=False),
        sa.Column('created_by', sa.Text(), nullable=True),
        sa.Column('revoked_ms', sa.BigInteger(), nullable=True),
        sa.Column('last_used_ms', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('token_id'),
    )
    op.create_index('ix_api_tokens_unit_id', 'api_tokens', ['unit_id'], unique=False)
    op.create_index('ix_api_tokens_user_name', 'api_tokens', ['user_name'], unique=False)
    op.create_table(
        'fixes',
        sa.Column('unit_id', sa.Text(), nullable=False),
        sa.Column('ts', sa.BigInteger(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lng', sa.Float(), nullable=False),
        sa.Column('speed', sa.Float(), nullable=True),
        sa.Column('accuracy', sa.Float(), nullable=True),
        sa.Column('received_ms', sa.BigInteger(), nullable=False),
        sa.Column('token_id', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'ts'),
    )
    op.create_index('ix_fixes_received_ms', 'fixes', ['received_ms'], unique=False)
    op.create_index('ix_fixes_ts', 'fixes', ['ts'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_fixes_ts', table_name='fixes')
    op.drop_index('ix_fixes_received_ms', table_name='fixes')
    op.drop_table('fixes')
    op.drop_index('ix_api_tokens_user_name', table_name='api_tokens')
    op.drop_index('ix_api_tokens_unit_id', table_name='api_tokens')
    op.drop_table('api_tokens')
