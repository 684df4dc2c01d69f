"""users and audit: logins with roles and areas, and the audit trail

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('user_name', sa.Text(), nullable=False),
        sa.Column('role', sa.Text(), nullable=False),
        sa.Column('areas', sa.Text(), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('demo', sa.Boolean(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('locked_until_ms', sa.BigInteger(), nullable=True),
        sa.Column('created_ms', sa.BigInteger(), nullable=False),
        sa.Column('password_ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('user_name'),
    )
    op.create_table(
        'audit',
        sa.Column('audit_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ts_ms', sa.BigInteger(), nullable=False),
        sa.Column('user_name', sa.Text(), nullable=True),
        sa.Column('action', sa.Text(), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('audit_id'),
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index('ix_audit_ts_ms', ['ts_ms'], unique=False)
        batch_op.create_index('ix_audit_user_name', ['user_name'], unique=False)
        batch_op.create_index('ix_audit_action', ['action'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_action')
        batch_op.drop_index('ix_audit_user_name')
        batch_op.drop_index('ix_audit_ts_ms')
    op.drop_table('audit')
    op.drop_table('users')
