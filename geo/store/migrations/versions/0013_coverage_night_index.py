"""coverage by night: the index of (res, date, hour) carries the cell and the dwell

``ix_coverage_night`` on ``(res, date, hour, cell, dwell_s)`` replaces
``ix_coverage_res_date_hour`` (its first three columns, so every read that used it still does):
a night's patrol hours are summed from the index alone, and a scope's cells are tested in it
before a row is read.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 21:50:00
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_coverage_night', 'coverage', ['res', 'date', 'hour', 'cell', 'dwell_s'], unique=False
    )
    op.drop_index('ix_coverage_res_date_hour', table_name='coverage')


def downgrade() -> None:
    op.create_index(
        'ix_coverage_res_date_hour', 'coverage', ['res', 'date', 'hour'], unique=False
    )
    op.drop_index('ix_coverage_night', table_name='coverage')
