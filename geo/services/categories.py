"""Source categories and the mapping that puts them in analysis groups (the Data page, the CLI).

Every incident, hazard, venue, dispute and lead keeps its category as its file wrote it; the
mapping table of each kind (stored in ``meta``, defaults in :mod:`geo.domain.categories`) gives
its analysis group. :func:`category_table` lists the stored sources with their row counts and
groups; :func:`map_categories` edits the table and re-groups the stored rows at once, without
re-importing, audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain import categories
from geo.services import access
from geo.store import write as store_write

__all__ = ["CATEGORY_COLUMNS", "KINDS", "category_table", "map_categories", "parse_pairs"]

KINDS = categories.KINDS
"""The record kinds that keep their source categories."""
CATEGORY_COLUMNS = ["kind", "source", "code", "group", "rows", "mapped"]
"""The columns of :func:`category_table`."""


def _kinds(kind: str | None) -> tuple[str, ...]:
    if kind is None:
        return KINDS
    if kind not in KINDS:
        msg = f"{kind!r} keeps no source categories; expected one of: {', '.join(KINDS)}"
        raise ValueError(msg)
    return (kind,)


def category_table(
    engine: sa.Engine, kind: str | None = None, *, unmapped: bool = False
) -> pd.DataFrame:
    """The stored source categories: kind, source, code, group, rows, mapped.

    Parameters
    ----------
    engine
        The store.
    kind
        One kind of :data:`KINDS`, or None for all of them.
    unmapped
        Only the sources no mapping knows (their rows are in the group ``other``).

    Returns
    -------
    pandas.DataFrame
        One row per kind, source, code and stored group, most rows first within a kind;
        ``mapped`` is False where neither the store's table nor the defaults know the source.
    """
    parts = []
    for name in _kinds(kind):
        with engine.connect() as conn:
            counts = store_write.category_counts(conn, name)
        table = store.get_meta(engine, categories.meta_name(name), {}) or {}
        found = categories.resolve(name, counts["source"], table)
        counts["mapped"] = counts["source"].map(found).notna().astype(bool)
        counts.insert(0, "kind", name)
        if unmapped:
            counts = counts[~counts["mapped"] & counts["group"].eq(categories.OTHER)]
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out = out.reindex(columns=CATEGORY_COLUMNS)
    out["rows"] = out["rows"].astype("int64")
    out["mapped"] = out["mapped"].astype(bool)
    return out.reset_index(drop=True)


def parse_pairs(kind: str, pairs: list[str]) -> dict[str, str]:
    """``source=group`` texts as source -> group.

    A group is named by its own name or by its label in either language (入室盗窃, Burglary);
    the source is everything before the last ``=``.

    Raises
    ------
    ValueError
        For a text without ``=``, an empty source, or a group the kind does not have.
    """
    _kinds(kind)
    out: dict[str, str] = {}
    for pair in pairs:
        source, eq, group = pair.rpartition("=")
        if not eq or not source.strip():
            msg = f"{pair!r}: expected 'source=group'"
            raise ValueError(msg)
        out[source.strip()] = categories.parse_group(kind, group)
    return out


def map_categories(
    engine: sa.Engine, kind: str, pairs: Mapping[str, str], *, user: str | None, **detail: Any
) -> dict[str, object]:
    """Map source categories of ``kind`` to groups and re-group the stored rows at once.

    The mapping table of the kind (``meta``) takes the pairs; then every stored source whose
    group the new table gives differently, and every source named, gets its group in one
    transaction (no re-import); the change is audited (``settings``, ``categories:<kind>``).

    Parameters
    ----------
    engine
        The store.
    kind
        A kind of :data:`KINDS`.
    pairs
        Source category (as stored, or any text that normalises alike) -> group.
    user
        Who maps (the audit log's user).
    **detail
        Joins the audit row's detail (``via="cli"``).

    Returns
    -------
    dict
        ``kind``, ``mapped`` (normalised source -> group taken into the table) and ``rows``
        (stored rows whose group changed).
    """
    _kinds(kind)
    choices = set(categories.groups(kind))
    bad = sorted(g for g in pairs.values() if g not in choices)
    if bad:
        msg = f"no group of {kind}: {', '.join(bad)}"
        raise ValueError(msg)
    name = categories.meta_name(kind)
    mapped = {categories.norm(s): g for s, g in pairs.items()}
    with engine.begin() as conn:
        old = dict(store.get_meta(conn, name, {}) or {})
        new = {**old, **mapped}
        stored = store_write.category_counts(conn, kind)
        sources = list(dict.fromkeys(stored["source"]))
        before = categories.resolve(kind, sources, old)
        after = categories.resolve(kind, sources, new)
        regroup = {
            s: after[s] or categories.OTHER
            for s in sources
            if after[s] != before[s] or categories.norm(s) in mapped
        }
        store.set_meta(conn, name, new)
        rows = store_write.regroup(conn, kind, regroup)
    access.audit(
        engine,
        user,
        "settings",
        f"categories:{kind}",
        rows=rows,
        mapped=mapped,
        **detail,
    )
    return {"kind": kind, "mapped": mapped, "rows": rows}
