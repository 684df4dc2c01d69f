"""road networks: the imported road networks, one of them active

``road_networks`` keeps each imported road network (a road-centreline layer, an osmnx GraphML,
an OSM extract) as its nodes and directed edges in compressed Parquet, with its counts and
bounding box; the active one is what plans, response circles and the nearest unit travel on.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'road_networks',
        sa.Column('network_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('file_name', sa.Text(), nullable=False),
        sa.Column('file_kind', sa.Text(), nullable=False),
        sa.Column('crs', sa.Text(), nullable=True),
        sa.Column('imported_ms', sa.BigInteger(), nullable=False),
        sa.Column('imported_by', sa.Text(), nullable=True),
        sa.Column('nodes', sa.Integer(), nullable=False),
        sa.Column('edges', sa.Integer(), nullable=False),
        sa.Column('km', sa.Float(), nullable=False),
        sa.Column('oneway', sa.Integer(), nullable=False),
        sa.Column('min_lng', sa.Float(), nullable=True),
        sa.Column('min_lat', sa.Float(), nullable=True),
        sa.Column('max_lng', sa.Float(), nullable=True),
        sa.Column('max_lat', sa.Float(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('nodes_parquet', sa.LargeBinary(), nullable=False),
        sa.Column('edges_parquet', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('network_id'),
    )


def downgrade() -> None:
    op.drop_table('road_networks')
