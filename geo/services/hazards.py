"""Safety hazards for a user's scope: the status board of a period and the hazard list.

The board counts found, rectified, the rectification rate, not rectified (open or rectifying),
of those rectifying and overdue (past the deadline), by category and by severity (one definition
each, in :mod:`geo.domain.hazards`; the Overview's and the briefing's figures are the same).

Hazards are read through the store's scoped reads with the user's principal, narrowed to an area
(a viewer may read hazard rows: they are places); an unknown area or one outside the user's scope
raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain import hazards as hazard_rules
from geo.domain import schema
from geo.domain.period import period_instants

__all__ = ["BOARD_FIGURES", "HazardBoard", "hazard_board"]

BOARD_FIGURES = ("found", "rectified", "rate", "not_rectified", "rectifying", "overdue")
"""The board's figures, in the order the page shows them."""


@dataclass(frozen=True)
class HazardBoard:
    """The hazards of a period (see :func:`hazard_board`).

    Attributes
    ----------
    known
        Hazards found by the end of the period in the scope (0: nothing to show).
    figures
        :data:`BOARD_FIGURES` -> value: found and rectified in the period, ``rate`` (rectified /
        found, 0..1, None when none found), and at the end of it not rectified (open or
        rectifying, any found date), of those rectifying, and of those overdue.
    by_category, by_severity
        The same counts per group (:data:`geo.domain.hazards.GROUP_COLUMNS`; ``rate`` NaN
        without hazards found); categories in :data:`schema.HAZARD_CATEGORIES` order,
        severities from the most severe (groups outside the schema last).
    table
        :data:`geo.domain.hazards.TABLE_COLUMNS` of the hazards still open at the end of the
        period and of everything found in it: overdue first, then by severity and found date.
    overdue
        The overdue rows of ``table``.
    """

    known: int
    figures: dict[str, Any]
    by_category: pd.DataFrame
    by_severity: pd.DataFrame
    table: pd.DataFrame
    overdue: pd.DataFrame


def _in_order(by: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Rows of a per-group frame with the groups of ``order`` first, in that order."""
    if by.empty or "group" not in by:
        return by
    by = by.set_index("group")
    by = by.loc[[g for g in order if g in by.index] + [g for g in by.index if g not in order]]
    return by.reset_index()


def hazard_board(
    engine: sa.Engine, scope: store.Reader, start: str, end: str, area: str | None = None
) -> HazardBoard:
    """The hazard board of the local dates ``start``..``end`` (inclusive).

    The state of each hazard is as at the end of ``end``.

    Parameters
    ----------
    engine, scope
        The store and who reads (a principal keeps its row rules).
    start, end
        Local dates (YYYY-MM-DD): hazards found up to the end of ``end`` are read; the period's
        figures count those found from ``start``.
    area
        Narrow the scope to this area (ValueError when unknown or outside the scope).

    Returns
    -------
    HazardBoard
    """
    lo, hi = period_instants(start, end)
    cols = [c.name for c in schema.kind("hazards").columns] + ["category_source"]
    found = store.read(
        engine, "hazards", store.narrowed(engine, scope, area), end=end, columns=cols
    )
    if found.empty:
        empty = pd.DataFrame(columns=[*hazard_rules.TABLE_COLUMNS, "category_source"])
        figures: dict[str, Any] = {k: None if k == "rate" else 0 for k in BOARD_FIGURES}
        return HazardBoard(0, figures, pd.DataFrame(), pd.DataFrame(), empty, empty)
    board = hazard_rules.hazard_board(found, lo, hi)
    table = hazard_rules.hazard_table(found, hi)
    # the open ones, and everything found in the period
    table = table.loc[(table["status"] != "rectified") | (table["found_at"] >= lo)]
    # the category as the file wrote it, beside the group it counts in
    source = found.drop_duplicates("hazard_id").set_index("hazard_id")["category_source"]
    table = table.assign(category_source=table["hazard_id"].map(source))
    return HazardBoard(
        known=len(found),
        figures={k: board[k] for k in BOARD_FIGURES},
        by_category=_in_order(board["by_category"], schema.HAZARD_CATEGORIES),
        by_severity=_in_order(board["by_severity"], schema.HAZARD_SEVERITIES[::-1]),
        table=table,
        overdue=table.loc[table["overdue"]],
    )
