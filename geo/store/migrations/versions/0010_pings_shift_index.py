"""pings by shift: an index on pings.shift_id

A shift's fixes are read by shift id (a night's tracks, the rollup of the shifts an import
touched, the scoped shift sets); the natural key (shift_id, ts) is stored as one text column, so
no index served those reads and each scanned every ping.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:40:00
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_pings_shift_id', 'pings', ['shift_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pings_shift_id', table_name='pings')
