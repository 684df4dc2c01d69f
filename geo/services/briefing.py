"""Briefings of a user's scope: every figure of a period and area, the document and its files.

The figures come from raw rows, then the document is made in one language with its files
(writing: :mod:`geo.reports.briefing`).

:func:`figures` computes every number from raw rows read through the user's scope (narrowed to
``area``). The key figures (police and auxiliary person-times, volunteers, people checked, venues
inspected, key-site patrols, hazards) are :func:`geo.domain.figures.figures_from_frames` on the
same frames, the night patrol hours :func:`geo.services.coverage.night_patrol_hours` and the
venues overdue :func:`geo.services.venues.venue_status`, so a briefing, the Overview, Coverage
and Venues pages never disagree; the rest (unit kinds, inspections with findings, incidents by
category against the previous period of the same length, outreach, hot spots and the nights each
was patrolled, the top gaps, weekly trend) is computed here or by the other services. Names of
people never appear: units are reported by kind, areas by name, and the owner (grid manager) of an
area is not read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import hazards, hexes
from geo.domain.figures import figures_from_frames, shift_hours
from geo.domain.period import (
    DEFAULT_NIGHT,
    DEFAULT_RES,
    local_dates,
    period_dates,
    previous_period,
    shift_night,
)
from geo.reports import fonts
from geo.reports.briefing import (
    FORMATS,
    MIME,
    SECTION_BUILDERS,
    TOP_ROWS,
    Briefing,
    OptionalSection,
    compose,
    file_name,
    render,
    write,
)
from geo.reports.fonts import FONT_PACKAGE
from geo.services import disputes, duty, plan
from geo.services import venues as venues_svc
from geo.services.coverage import coverage_cells, night_hours
from geo.services.hotspots import hotspot_cells
from geo.services.overview import figure_frames
from geo.services.places import name_cells
from geo.services.risk import risk_cells

__all__ = [
    "FONT_PACKAGE",
    "FORMATS",
    "MIME",
    "OPTIONAL_SECTIONS",
    "build",
    "figures",
    "file_name",
    "render",
    "write",
]


def _plan_compliance(
    engine: sa.Engine, scope: store.Reader, start: str, end: str, area: str | None = None, **_: Any
) -> dict[str, Any] | None:
    """Compliance with the saved patrol plans of the period's nights (None without plans)."""
    ids = store.effective_scope(engine, scope, area)
    return plan.period_compliance(engine, "all" if ids is None else ids, start, end)


def _disputes(
    engine: sa.Engine, scope: store.Reader, start: str, end: str, area: str | None = None, **_: Any
) -> dict[str, Any] | None:
    """Disputes screened and settled, leads received and concluded (None when there are none)."""
    figs = disputes.figures(engine, scope, start, end, area)
    return figs if figs["disputes_discovered"] or figs["leads_received"] else None


def _site_visits(
    engine: sa.Engine, scope: store.Reader, start: str, end: str, area: str | None = None, **_: Any
) -> dict[str, Any] | None:
    """Key-site visits from GPS and check-ins, duplicates removed (None without any)."""
    figs = duty.site_visit_figures(engine, scope, start, end, area)
    return figs if figs["gps"] or figs["checks"] else None


OPTIONAL_SECTIONS: list[OptionalSection] = [
    OptionalSection("disputes", _disputes, SECTION_BUILDERS["disputes"]),
    OptionalSection("site_visits", _site_visits, SECTION_BUILDERS["site_visits"]),
    OptionalSection("plan_compliance", _plan_compliance, SECTION_BUILDERS["plan_compliance"]),
]


_FRAME_COLUMNS: dict[str, list[str]] = {
    "incidents": ["incident_id", "ts", "category"],
    "shifts": [
        "shift_id",
        "unit_id",
        "start",
        "end",
        "police",
        "auxiliaries",
        "volunteers",
        "people_checked",
        "outreach",
    ],
    "inspections": ["venue_id", "ts", "result"],
    "site_checks": ["site_id", "ts"],
    "hazards": [
        "hazard_id",
        "category",
        "severity",
        "found_at",
        "status",
        "rectified_at",
        "deadline",
        "lat",
        "lng",
    ],
    "units": ["unit_id", "kind"],
}
"""The raw rows a briefing's figures come from: kind -> columns (read by :func:`figure_frames`)."""


def _area_label(areas: pd.DataFrame, ids: frozenset[str] | None, area: str | None) -> str | None:
    """Name of the area the briefing covers; None for everything."""
    names = dict(zip(areas["area_id"], areas["name"], strict=True)) if len(areas) else {}
    if area is not None:
        return str(names.get(area, area))
    if not len(areas):
        return None if ids is None else "、".join(sorted(ids))
    # the top areas of the scope: a station stands for its grids
    tops = areas.loc[~areas["parent_id"].isin(list(areas["area_id"]))].sort_values("area_id")
    return "、".join(str(n) for n in tops["name"])


def figures(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    night: str = DEFAULT_NIGHT,
    res: int = DEFAULT_RES,
    top: int = TOP_ROWS,
) -> dict[str, Any]:
    """Every figure of a briefing for ``start``..``end`` (local dates, inclusive) in the scope.

    Parameters
    ----------
    scope
        The areas the user may see; ``area`` narrows it (ValueError when outside it).
    night
        Night window ``HH:MM-HH:MM`` of night patrol hours and coverage.
    res
        H3 resolution of coverage, hot spots and gaps.
    top
        Rows of the hot-spot and gap tables.

    Returns
    -------
    dict with ``period``, ``area``, ``demo``, ``key`` and ``previous`` (the
    :data:`geo.domain.figures.FIGURES` of the period and of the previous period of the same length),
    ``patrol``, ``checks``, ``hazards``, ``incidents``, ``hotspots``, ``gaps`` (hot cells and
    gaps named by ``place`` and ``place_en``, grid and nearest landmark, with the cell id
    ``h3``), ``weekly``, ``optional`` (figures of :data:`OPTIONAL_SECTIONS` that have any), and
    the frames ``cells`` (study cells: cell, dwell_s, nights, count, gi_bin) and ``areas``
    (outlines, WKT) that the pictures draw.
    """
    scope = store.figures_scope(scope)  # a briefing is figures: rows never leave geo
    tz = get_settings().tz
    lo, hi = period_dates(start, end)
    start, end = lo.isoformat(), hi.isoformat()
    ids = store.effective_scope(engine, scope, area)  # unknown area -> ValueError
    sc: store.Scope = "all" if ids is None else ids
    p0, p1 = previous_period(start, end)
    frames = figure_frames(engine, sc, p0, end, _FRAME_COLUMNS)

    weeks = []  # 7-day blocks from the first day (the last one may be shorter)
    a = lo
    while a <= hi:
        weeks.append((a, min(a + dt.timedelta(days=6), hi)))
        a += dt.timedelta(days=7)
    # night patrol hours (the Overview's and Coverage's) of the period, the previous period and
    # each week, from one read of the nights
    hours = night_hours(
        engine,
        sc,
        [(start, end), (p0, p1), *((a.isoformat(), b.isoformat()) for a, b in weeks)],
        night=night,
    )

    key = figures_from_frames(frames, start, end) | {"night_patrol_h": hours[0]}
    previous = figures_from_frames(frames, p0, p1) | {"night_patrol_h": hours[1]}

    # shifts of the period's nights
    sh = frames["shifts"]
    if len(sh):
        nights = shift_night(sh["start"])
        sh = sh.loc[((nights >= lo) & (nights <= hi)).to_numpy()]
    kinds = dict(zip(frames["units"]["unit_id"], frames["units"]["kind"], strict=True))
    sh = sh.assign(kind=sh["unit_id"].map(kinds).fillna("unknown") if len(sh) else [])

    def total(frame: pd.DataFrame, col: str) -> int:
        return int(pd.to_numeric(frame[col]).fillna(0).sum()) if len(frame) else 0

    by_kind = []
    for kind in ("police_car", "foot", "auxiliary", "volunteer", "unknown"):
        part = sh.loc[sh["kind"] == kind] if len(sh) else sh
        if len(part):
            by_kind.append(
                {
                    "kind": kind,
                    "shifts": len(part),
                    "person_times": sum(
                        total(part, c) for c in ("police", "auxiliaries", "volunteers")
                    ),
                    "hours": shift_hours(part),
                }
            )
    cov = coverage_cells(  # figures: cells covered, nights and dwell of the hot cells
        engine, store.figures_scope(scope), start=start, end=end, night=night, res=res, area=area
    )
    patrol = {
        "shifts": key["shifts"],
        "police": total(sh, "police"),
        "auxiliaries": total(sh, "auxiliaries"),
        "volunteers": key["volunteers"],
        "outreach": total(sh, "outreach"),
        "patrol_h": shift_hours(sh),
        "night_patrol_h": key["night_patrol_h"],
        "night": night,
        "cells_covered": int((cov["dwell_s"] > 0).sum()) if len(cov) else 0,
        "dwell_h": key["night_patrol_h"],  # the tracks' night dwell: the night patrol hours
        "by_kind": by_kind,
    }

    def in_period(f: pd.DataFrame, col: str, a: dt.date, b: dt.date) -> pd.DataFrame:
        if not len(f):
            return f
        d = local_dates(f[col], tz).to_numpy()
        return f.loc[(d >= a) & (d <= b)]

    ins = in_period(frames["inspections"], "ts", lo, hi)
    results = ins["result"].value_counts().to_dict() if len(ins) else {}
    checks_ = in_period(frames["site_checks"], "ts", lo, hi)
    checks = {
        "people_checked": key["people_checked"],
        "venues_inspected": key["venues_inspected"],
        "inspections": len(ins),
        "with_findings": int(results.get("rectify", 0) + results.get("fail", 0)),
        "rectify": int(results.get("rectify", 0)),
        "fail": int(results.get("fail", 0)),
        "site_patrols": key["site_patrols"],
        "sites": int(checks_["site_id"].nunique()) if len(checks_) else 0,
        # overdue at the end of the period, the Venues page's rule (geo.domain.venues)
        "venues_overdue": venues_svc.venue_status(engine, sc, end).n_overdue,
    }

    hz = frames["hazards"]
    end_ts = pd.Timestamp(hi + dt.timedelta(days=1), tz=tz)
    board = hazards.hazard_board(hz, pd.Timestamp(lo, tz=tz), end_ts)
    by_cat = []
    if len(board["by_category"]):
        for row in board["by_category"].itertuples(index=False):
            by_cat.append(
                {
                    "category": row.group,
                    "found": int(row.found),
                    "rectified": int(row.rectified),
                    "open": int(row.not_rectified),
                    "overdue": int(row.overdue),
                }
            )
    hazard_figs = {
        "found": key["hazards_found"],
        "rectified": key["hazards_rectified"],
        "rate": (key["hazards_rectified"] / key["hazards_found"] if key["hazards_found"] else None),
        "open": key["hazards_open"],
        "overdue": board["overdue"],
        "by_category": by_cat,
    }

    inc_now = in_period(frames["incidents"], "ts", lo, hi)
    inc_before = in_period(
        frames["incidents"], "ts", dt.date.fromisoformat(p0), dt.date.fromisoformat(p1)
    )
    now_c = inc_now["category"].value_counts() if len(inc_now) else pd.Series(dtype=int)
    before_c = inc_before["category"].value_counts() if len(inc_before) else pd.Series(dtype=int)
    cats = sorted(
        set(now_c.index) | set(before_c.index), key=lambda c: (-int(now_c.get(c, 0)), str(c))
    )
    incidents = {
        "count": key["incidents"],
        "previous": previous["incidents"],
        "change": key["incidents"] - previous["incidents"],
        "by_category": [
            {
                "category": c,
                "count": int(now_c.get(c, 0)),
                "previous": int(before_c.get(c, 0)),
                "change": int(now_c.get(c, 0)) - int(before_c.get(c, 0)),
            }
            for c in cats
        ],
    }

    hot = hotspot_cells(engine, scope, start=start, end=end, res=res, area=area)
    nights_of = dict(zip(cov["cell"], cov["nights"], strict=True)) if len(cov) else {}
    dwell_of = dict(zip(cov["cell"], cov["dwell_s"], strict=True)) if len(cov) else {}
    cells = pd.DataFrame(
        {
            "cell": hot["cell"].to_numpy(),
            "count": hot["count"].to_numpy(),
            "gi_bin": hot["gi_bin"].to_numpy(),
        }
    )
    cells["dwell_s"] = [float(dwell_of.get(c, 0.0)) for c in cells["cell"]]
    cells["nights"] = [int(nights_of.get(c, 0)) for c in cells["cell"]]
    hot_cells = cells.loc[cells["gi_bin"] > 0].sort_values(
        ["gi_bin", "count", "cell"], ascending=[False, False, True]
    )
    n_nights = (hi - lo).days + 1
    hot_named = name_cells(engine, scope, hot_cells["cell"].to_numpy())
    hotspots = {
        "n_hot": len(hot_cells),
        "n_hot99": int((hot_cells["gi_bin"] == 3).sum()),
        "nights": n_nights,
        "avg_nights": round(float(hot_cells["nights"].mean()), 1) if len(hot_cells) else 0.0,
        "unpatrolled": int((hot_cells["nights"] == 0).sum()),
        "cells": [
            {
                "h3": h,
                "place": p,
                "place_en": e,
                "count": int(c),
                "gi_bin": int(b),
                "nights": int(n),
            }
            for h, p, e, c, b, n in zip(
                hexes.cells_to_str(hot_cells["cell"].to_numpy()),
                hot_named["place"],
                hot_named["place_en"],
                hot_cells["count"],
                hot_cells["gi_bin"],
                hot_cells["nights"],
                strict=True,
            )
        ],
    }

    risk = risk_cells(engine, scope, start=start, end=end, res=res, area=area, night=night)
    risk = risk.loc[risk["gap"] > 0].head(top) if len(risk) else risk
    gap_named = name_cells(engine, scope, risk["cell"].to_numpy() if len(risk) else [])
    gaps = (
        [
            {
                "rank": int(r),
                "h3": h,
                "place": pl,
                "place_en": pe,
                "risk": round(float(k), 3),
                "risk_pct": round(float(p), 2),
                "dwell_min": round(float(d) / 60, 1),
                "nights": int(n),
            }
            for r, h, pl, pe, k, p, d, n in zip(
                risk["rank"],
                hexes.cells_to_str(risk["cell"].to_numpy()),
                gap_named["place"],
                gap_named["place_en"],
                risk["risk"],
                risk["risk_pct"],
                risk["dwell_s"],
                risk["nights"],
                strict=True,
            )
        ]
        if len(risk)
        else []
    )

    weekly = [
        {
            "week": a.isoformat(),
            "days": (b - a).days + 1,
            "incidents": figures_from_frames(frames, a.isoformat(), b.isoformat())["incidents"],
            "night_patrol_h": h,
        }
        for (a, b), h in zip(weeks, hours[2:], strict=True)
    ]

    areas = store.read(
        engine, "areas", sc, columns=["area_id", "name", "level", "parent_id", "geometry"]
    )
    optional: dict[str, Any] = {}
    for opt in OPTIONAL_SECTIONS:
        value = opt.compute(engine, scope, start, end, area, night=night, res=res)
        if value is not None:
            optional[opt.key] = value
    return {
        "period": {
            "start": start,
            "end": end,
            "days": n_nights,
            "prev_start": p0,
            "prev_end": p1,
            "night": night,
            "res": res,
        },
        "area": {"id": area, "name": _area_label(areas, ids, area)},
        "demo": store.is_demo(engine),
        "key": key,
        "previous": previous,
        "patrol": patrol,
        "checks": checks,
        "hazards": hazard_figs,
        "incidents": incidents,
        "hotspots": hotspots,
        "gaps": gaps,
        "weekly": weekly,
        "optional": optional,
        "cells": cells,
        "areas": areas,
    }


def build(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    lang: str = "zh-CN",
    campaign: str | None = None,
    night: str = DEFAULT_NIGHT,
    res: int = DEFAULT_RES,
    pictures: bool = True,
    formats: tuple[str, ...] = (),
) -> Briefing:
    """:func:`figures` then :func:`compose`: the briefing of a period and area in ``lang``.

    ``formats`` (e.g. :data:`FORMATS`) are rendered into ``Briefing.files`` (one call for a page
    that offers every download). A PDF needs a TrueType CJK font: without one, ``pdf`` is left
    out of ``files`` and ``Briefing.missing["pdf"]`` says why (install :data:`FONT_PACKAGE`);
    the other formats are rendered all the same.
    """
    figs = figures(engine, scope, start, end, area, night=night, res=res)
    b = compose(
        figs,
        lang,
        campaign=campaign,
        pictures=pictures,
        builders={o.key: o.build for o in OPTIONAL_SECTIONS},
    )
    for fmt in formats:
        if fmt == "pdf" and not fonts.has_cjk_font():
            b.missing[fmt] = f"no TrueType CJK font for the PDF; install {FONT_PACKAGE}"
            continue
        b.files[fmt] = render(b, fmt)
    return b
