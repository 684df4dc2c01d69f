"""plans: tonight's patrol plans as saved JSON documents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'plans',
        sa.Column('plan_id', sa.Text(), nullable=False),
        sa.Column('night', sa.Date(), nullable=False),
        sa.Column('created_ms', sa.BigInteger(), nullable=False),
        sa.Column('user_name', sa.Text(), nullable=True),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('risk_covered', sa.Float(), nullable=False),
        sa.Column('risk_total', sa.Float(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('plan_id'),
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index('ix_plans_night', ['night'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('ix_plans_night')
    op.drop_table('plans')
