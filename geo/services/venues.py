"""Venues and their inspections for a user's scope: status, the overdue, one venue's history.

The register with each venue's inspection status at the end of a period, the venues overdue,
and one venue's inspection history. An overdue venue is the one rule of :mod:`geo.domain.venues`
(its grade's interval, from the stored duty rules, passed since its last inspection, or never
inspected); the Duty & readiness schedule, the night's alerts and the briefing count the same.

Records are read through the store's scoped reads with the user's principal, narrowed to an area:
a role that may not read venue or inspection rows is refused (``PermissionError``), an unknown
area or one outside the user's scope raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain import venues as venue_rules
from geo.services.duty import get_rules, unit_names

__all__ = ["VenueStatus", "venue_history", "venue_status"]


@dataclass(frozen=True)
class VenueStatus:
    """The venue register's inspection status at the end of a period (see :func:`venue_status`).

    Attributes
    ----------
    registered
        Venues in the scope, of every category (0: the register is empty).
    status
        :data:`geo.domain.venues.STATUS_COLUMNS` of the venues of the chosen categories, the most
        overdue first.
    overdue
        The rows of ``status`` overdue or owing a follow-up, most urgent first.
    total, n_overdue, n_follow_up, n_never
        Venues in ``status``; of them, overdue; of them, owing a follow-up inspection; of the
        overdue, those never inspected.
    choices
        ``venue_id`` and ``label`` (the name; ``"name (venue_id)"`` for venues of one name) of
        the venues in ``status``, the most recently inspected first (never inspected last): the
        venues whose history one may pick.
    """

    registered: int
    status: pd.DataFrame
    overdue: pd.DataFrame
    total: int
    n_overdue: int
    n_follow_up: int
    choices: pd.DataFrame
    n_never: int = 0


def venue_status(
    engine: sa.Engine,
    scope: store.Reader,
    end: str,
    area: str | None = None,
    categories: Sequence[str] | None = None,
) -> VenueStatus:
    """Inspection status of the venues in the scope at the end of local date ``end``.

    Parameters
    ----------
    engine, scope
        The store and who reads (a principal keeps its row rules).
    end
        Local date (YYYY-MM-DD): inspections up to its end count; the status is taken at its end
        (the grades' intervals are the stored duty rules' ``venues`` table).
    area
        Narrow the scope to this area (ValueError when unknown or outside the scope).
    categories
        Venue categories to keep (None or empty: every category).

    Returns
    -------
    VenueStatus
    """
    register = store.read(engine, "venues", store.narrowed(engine, scope, area))
    history = store.read(engine, "inspections", store.narrowed(engine, scope, area), end=end)
    if register.empty:
        empty = pd.DataFrame(columns=venue_rules.STATUS_COLUMNS)
        return VenueStatus(0, empty, empty, 0, 0, 0, pd.DataFrame(columns=["venue_id", "label"]))
    status = venue_rules.venue_status(register, history, end, grades=get_rules(engine)["venues"])
    if categories:
        status = status.loc[status["category"].isin(list(categories))]
    recent = status.sort_values("last_inspection", ascending=False, na_position="last")
    choices = pd.DataFrame(
        {
            "venue_id": recent["venue_id"].to_numpy(),
            # the name alone; venues of one name add their id (the one thing telling them apart)
            "label": recent["name"]
            .where(
                ~recent["name"].duplicated(keep=False),
                recent["name"] + " (" + recent["venue_id"] + ")",
            )
            .to_numpy(),
        }
    )
    return VenueStatus(
        registered=len(register),
        status=status,
        overdue=venue_rules.overdue_venues(status),
        total=len(status),
        n_overdue=int(status["overdue"].sum()),
        n_follow_up=int(status["open_follow_up"].sum()),
        choices=choices,
        n_never=int((status["overdue"] & status["last_inspection"].isna()).sum()),
    )


def venue_history(
    engine: sa.Engine, scope: store.Reader, venue_id: str | None, end: str, area: str | None = None
) -> pd.DataFrame:
    """The inspections of one venue up to the end of local date ``end``, newest first.

    Parameters
    ----------
    venue_id
        The venue (None: no venue chosen, an empty frame).
    end
        Local date (YYYY-MM-DD), inclusive.
    area
        Narrow the scope to this area (ValueError when unknown or outside the scope).

    Returns
    -------
    DataFrame of inspection records (ts in local time, unit_id, result, findings,
    follow_up_due...) and ``unit_name``, the inspecting unit's stored name (its id when the
    store has no name for it).
    """
    rows = store.read(
        engine,
        "inspections",
        store.narrowed(engine, scope, area),
        end=end,
        where={"venue_id": [] if venue_id is None else [str(venue_id)]},
    )
    names = unit_names(engine, rows["unit_id"].tolist())
    rows = rows.assign(unit_name=rows["unit_id"].map(names))
    return rows.sort_values("ts", ascending=False)
