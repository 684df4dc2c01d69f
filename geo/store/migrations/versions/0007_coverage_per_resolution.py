"""coverage per resolution: each served resolution rolled up by its own cells

Adds ``res`` to the coverage and stops rollups and rebuilds every shift's rollups from the stored
pings at resolutions 7-10 (a progress bar of shifts on stderr). Until now coarser resolutions were
served as sums of res-10 rows, which puts dwell in the wrong hexagon (H3 children do not tile their
parent). Storage grows to about 1.5 times the res-10 rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from geo.store import rollups

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('coverage', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('res', sa.SmallInteger(), nullable=False, server_default='10')
        )
        batch_op.drop_index('ix_coverage_date_hour')
        batch_op.create_index('ix_coverage_res_date_hour', ['res', 'date', 'hour'], unique=False)
    with op.batch_alter_table('stops', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('res', sa.SmallInteger(), nullable=False, server_default='10')
        )
    conn = op.get_bind()
    rollups.refresh_coverage(conn, rollups.stored_shifts(conn), progress=True)
    # every row now names its resolution; a writer that forgot it must fail, not get res 10
    for table in ('coverage', 'stops'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('res', server_default=None)


def downgrade() -> None:
    op.execute(sa.text('DELETE FROM coverage WHERE res <> 10'))
    op.execute(sa.text('DELETE FROM stops WHERE res <> 10'))
    with op.batch_alter_table('stops', schema=None) as batch_op:
        batch_op.drop_column('res')
    with op.batch_alter_table('coverage', schema=None) as batch_op:
        batch_op.drop_index('ix_coverage_res_date_hour')
        batch_op.create_index('ix_coverage_date_hour', ['date', 'hour'], unique=False)
        batch_op.drop_column('res')
