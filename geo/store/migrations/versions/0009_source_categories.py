"""source categories: every categorised record keeps its category as the file wrote it

Adds ``category_source`` (the file's text, required) and ``category_code`` (its code, if any) to
incidents, hazards, venues, disputes and leads, with an index on the source (a re-mapping
updates the rows of a source). The stored rows get the zh label of their group as their source
(建筑结构 for ``structural``): the text of their file was not kept. Their content hashes are
computed again over the source and code in place of the group
(``geo.domain.categories.hashed_columns``), so that re-mapping a source never makes a
re-imported row a conflict.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import sqlalchemy as sa
from alembic import op

from geo.domain import categories, schema
from geo.store.values import content_hashes

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SOURCE, CODE = categories.SOURCE, categories.CODE
CHUNK = 20_000


def upgrade() -> None:
    conn = op.get_bind()
    for name in categories.KINDS:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(SOURCE, sa.Text(), nullable=True))
            batch_op.add_column(sa.Column(CODE, sa.Text(), nullable=True))
        table = sa.table(name, sa.column(categories.GROUP_COLUMN[name]), sa.column(SOURCE))
        group = table.c[categories.GROUP_COLUMN[name]]
        for g in categories.groups(name):
            conn.execute(
                table.update()
                .where(group == g)
                .values({SOURCE: categories.group_label(name, g, 'zh-CN')})
            )
        conn.execute(table.update().where(table.c[SOURCE].is_(None)).values({SOURCE: group}))
        _rehash(conn, name, categories.hashed_columns)
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column(SOURCE, existing_type=sa.Text(), nullable=False)
            batch_op.create_index(f'ix_{name}_{SOURCE}', [SOURCE], unique=False)


def downgrade() -> None:
    conn = op.get_bind()
    for name in reversed(categories.KINDS):
        _rehash(conn, name, lambda k: k.names)
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{name}_{SOURCE}')
            batch_op.drop_column(CODE)
            batch_op.drop_column(SOURCE)


def _rehash(
    conn: sa.Connection, name: str, columns: Callable[[schema.Kind], list[str]]
) -> None:
    """Compute the content hash of every stored row of ``name`` over ``columns(kind)``.

    The stored values are cast as ``geo.store.write`` casts them before hashing (times and whole
    numbers as Int64, reals as floats, the rest as text), so a row hashes as its import did.
    """
    k = schema.kind(name)
    cols = columns(k)
    types = {c.name: c.type for c in k.columns}
    table = sa.table(name, sa.column('rid'), sa.column('content_hash'), *map(sa.column, cols))
    update = (
        table.update()
        .where(table.c.rid == sa.bindparam('b_rid'))
        .values(content_hash=sa.bindparam('b_hash'))
    )
    last = -1
    while True:
        rows = conn.execute(
            sa.select(table.c.rid, *[table.c[c] for c in cols])
            .where(table.c.rid > last)
            .order_by(table.c.rid)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        frame = pd.DataFrame(rows, columns=['rid', *cols])
        db = pd.DataFrame(index=frame.index)
        for c in cols:
            kind_of = types.get(c, 'str')
            if kind_of in ('ts', 'int'):
                db[c] = pd.to_numeric(frame[c]).astype('Int64')
            elif kind_of in ('float', 'lat', 'lng'):
                db[c] = pd.to_numeric(frame[c]).astype(float)
            else:
                db[c] = frame[c].astype('string')
        hashes = content_hashes(db, cols)
        conn.execute(
            update,
            [
                {'b_rid': int(r), 'b_hash': str(h)}
                for r, h in zip(frame['rid'], hashes, strict=True)
            ],
        )
        last = int(frame['rid'].iloc[-1])
