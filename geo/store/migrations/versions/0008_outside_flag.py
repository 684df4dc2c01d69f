"""outside flag: located records outside every stored area are kept but flagged

Adds ``outside`` to the located record kinds (sites, venues, hazards, incidents, disputes, leads;
not GPS pings, whose fixes outside the areas are normal driving) and ``outside`` (rows stored
flagged) to the import history, then flags the stored rows whose point lies outside every stored
area. Reads leave flagged rows out unless a caller asks for them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from geo.store import write

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ('sites', 'venues', 'hazards', 'incidents', 'disputes', 'leads')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('outside', sa.Boolean(), nullable=False, server_default=sa.false())
            )
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('outside', sa.Integer(), nullable=False, server_default='0')
        )
    write.reflag_outside(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_column('outside')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('outside')
