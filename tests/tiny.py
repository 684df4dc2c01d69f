"""A tiny hand-built jurisdiction for tests: two grids, two units, two shifts, a few of everything.

Coordinates are WGS-84 near Luojia, Nanchang. Grid G1 is the west half, G2 the east half of
station ST (115.970..115.990 E, 28.690..28.710 N).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from shapely.geometry import box

from geo.services.demo import LOAD_ORDER

TZ = "Asia/Shanghai"


def ts(text: str) -> pd.Timestamp:
    """A local timestamp."""
    return pd.Timestamp(text, tz=TZ)


def frames() -> dict[str, pd.DataFrame]:
    """Canonical frames of every record kind."""
    areas = pd.DataFrame(
        {
            "area_id": ["ST", "G1", "G2"],
            "name": ["罗家派出所辖区", "一网格", "二网格"],
            "level": ["station", "grid", "grid"],
            "owner": [None, "网格员甲", "网格员乙"],
            "parent_id": [None, "ST", "ST"],
            "geometry": [
                box(115.970, 28.690, 115.990, 28.710).wkt,
                box(115.970, 28.690, 115.980, 28.710).wkt,
                box(115.980, 28.690, 115.990, 28.710).wkt,
            ],
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["U1", "U2"],
            "name": ["巡逻一组", "志愿者队"],
            "kind": ["police_car", "volunteer"],
            "station": ["ST", "ST"],
        }
    )
    shifts = pd.DataFrame(
        {
            "shift_id": ["S1", "S2"],
            "unit_id": ["U1", "U2"],
            "start": [ts("2022-07-01 20:00"), ts("2022-07-02 21:00")],
            "end": [ts("2022-07-02 00:00"), ts("2022-07-02 23:30")],
            "police": [2, 0],
            "auxiliaries": [1, 0],
            "volunteers": [0, 6],
            "people_checked": [4, 0],
            "outreach": [0, 35],
        }
    )
    # S1 drives west->east along 28.700 N across both grids, one fix every 20 s.
    n = 60
    t1 = pd.date_range(ts("2022-07-01 21:00"), periods=n, freq="20s")
    lng1 = np.linspace(115.972, 115.988, n)
    # S2 walks in grid G2 only.
    t2 = pd.date_range(ts("2022-07-02 21:30"), periods=30, freq="30s")
    lng2 = np.linspace(115.984, 115.986, 30)
    pings = pd.DataFrame(
        {
            "shift_id": ["S1"] * n + ["S2"] * 30,
            "unit_id": ["U1"] * n + ["U2"] * 30,
            "ts": list(t1) + list(t2),
            "lat": [28.700] * n + [28.705] * 30,
            "lng": list(lng1) + list(lng2),
            "speed": np.nan,
            "accuracy": np.nan,
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": ["K1", "K2"],
            "name": ["罗家小学", "罗家银行网点"],
            "category": ["school", "bank"],
            "lat": [28.695, 28.705],
            "lng": [115.975, 115.985],
        }
    )
    site_checks = pd.DataFrame(
        {
            "site_id": ["K1", "K2", "K2"],
            "unit_id": ["U1", "U1", "U2"],
            "ts": [ts("2022-07-01 21:10"), ts("2022-07-01 22:10"), ts("2022-07-02 21:40")],
        }
    )
    venues = pd.DataFrame(
        {
            "venue_id": ["V1", "V2"],
            "name": ["星光KTV", "畅游网吧"],
            "category": ["ktv", "internet_cafe"],
            "lat": [28.698, 28.702],
            "lng": [115.976, 115.987],
            "licence": ["L-001", "L-002"],
            "risk_level": ["high", "medium"],
        }
    )
    inspections = pd.DataFrame(
        {
            "inspection_id": [None, None],
            "venue_id": ["V1", "V2"],
            "ts": [ts("2022-07-01 21:30"), ts("2022-07-02 22:00")],
            "unit_id": ["U1", "U2"],
            "result": ["rectify", "pass"],
            "findings": ["消防通道堵塞", None],
            "follow_up_due": [ts("2022-07-08 00:00"), pd.NaT],
        }
    )
    hazards = pd.DataFrame(
        {
            "hazard_id": ["H1", "H2"],
            "category": ["fire", "electrical"],
            "severity": ["high", "low"],
            "lat": [28.698, 28.704],
            "lng": [115.976, 115.986],
            "found_at": [ts("2022-07-01 21:30"), ts("2022-07-02 10:00")],
            "status": ["rectified", "open"],
            "rectified_at": [ts("2022-07-05 10:00"), pd.NaT],
            "deadline": [ts("2022-07-08 00:00"), ts("2022-07-20 00:00")],
        }
    )
    incidents = pd.DataFrame(
        {
            "incident_id": ["I1", "I2", "I3"],
            "ts": [ts("2022-07-01 22:15"), ts("2022-07-02 23:05"), ts("2022-07-03 01:20")],
            "category": ["theft", "fight", "fraud"],
            "lat": [28.699, 28.703, 28.701],
            "lng": [115.977, 115.986, 115.975],
            "priority": [2, 1, 3],
        }
    )
    return {
        "areas": areas,
        "units": units,
        "shifts": shifts,
        "pings": pings,
        "sites": sites,
        "site_checks": site_checks,
        "venues": venues,
        "inspections": inspections,
        "hazards": hazards,
        "incidents": incidents,
    }


ORDER = tuple(k for k in LOAD_ORDER if k not in ("disputes", "leads"))
"""The demo's load order (referenced kinds first) of the kinds tiny has (no mediation records)."""


def load(engine: object, folder: object) -> None:
    """Import every frame through CSV files written in ``folder`` (the real import path)."""
    from pathlib import Path

    from geo import ingest

    for name in ORDER:
        frame = frames()[name].copy()
        for c in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[c]):
                frame[c] = frame[c].dt.strftime("%Y-%m-%d %H:%M:%S%z")
        path = Path(str(folder)) / f"{name}.csv"
        frame.to_csv(path, index=False)
        s = ingest.import_file(engine, name, path)  # type: ignore[arg-type]
        assert s.rejected == 0, s.rejects


# --------------------------------------------------------------------------------------------
# Disputes and leads (issue 10), appended so that the frames and ORDER above stay as they were.
# Period 2022-07-01..2022-07-05 (statuses at 07-06 00:00): G1 holds D1, D2 (at venue V1), D3 (June,
# still mediating: overdue), D7 (at V1, settled only on 07-10); G2 holds D4 (escalated into I2),
# D5 (at site K2, referred), D6 (pending). Leads: L1 west, L2 and L5 east, L3 without a point but
# assigned to G1, L4 with neither (seen only with scope "all").

DISPUTE_ORDER = ("disputes", "leads")


def dispute_frames() -> dict[str, pd.DataFrame]:
    """Canonical frames of disputes and leads (load :func:`frames` first: venues, sites, areas)."""
    nat = pd.NaT
    disputes = pd.DataFrame(
        {
            "dispute_id": ["D1", "D2", "D3", "D4", "D5", "D6", "D7"],
            "reported_at": [
                ts("2022-07-01 10:00"),
                ts("2022-07-01 20:00"),
                ts("2022-06-01 09:00"),
                ts("2022-07-02 09:30"),
                ts("2022-07-02 15:00"),
                ts("2022-07-03 11:00"),
                ts("2022-07-03 19:00"),
            ],
            "category": [
                "neighbours",
                "consumer",
                "wages",
                "family",
                "property_management",
                "neighbours",
                "consumer",
            ],
            "lat": [28.699, np.nan, 28.7067, 28.703, np.nan, 28.696, np.nan],
            "lng": [115.974, np.nan, 115.9734, 115.986, np.nan, 115.988, np.nan],
            "site_id": [None, None, None, None, "K2", None, None],
            "venue_id": [None, "V1", None, None, None, None, "V1"],
            "parties": [2, 2, 12, 2, 30, 3, 2],
            "mediator": [
                "网格员甲",
                "星光KTV调解点",
                "罗家司法所",
                "罗家派出所调解室",
                "社区人民调解委员会",
                None,
                "星光KTV调解点",
            ],
            "status": [
                "settled",
                "settled",
                "mediating",
                "escalated",
                "referred",
                "pending",
                "settled",
            ],
            "settled_at": [
                ts("2022-07-02 10:00"),
                ts("2022-07-01 21:00"),
                nat,
                ts("2022-07-03 01:00"),
                ts("2022-07-04 10:00"),
                nat,
                ts("2022-07-10 10:00"),
            ],
            "incident_id": [None, None, None, "I2", None, None, None],
        }
    )
    leads = pd.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3", "L4", "L5"],
            "received_at": [
                ts("2022-07-01 09:00"),
                ts("2022-07-02 12:00"),
                ts("2022-07-02 18:00"),
                ts("2022-07-03 08:00"),
                ts("2022-07-04 16:00"),
            ],
            "channel": ["phone_line", "app", "volunteer", "walk_in", "courier"],
            "topic": ["elder_fraud", "drugs", "gambling", "other", "hazard"],
            "lat": [28.701, 28.707, np.nan, np.nan, 28.694],
            "lng": [115.975, 115.984, np.nan, np.nan, 115.983],
            "area_id": [None, None, "G1", None, None],
            "status": ["closed", "verifying", "unfounded", "verifying", "closed"],
            "closed_at": [
                ts("2022-07-02 17:00"),
                nat,
                ts("2022-07-03 12:00"),
                nat,
                ts("2022-07-09 10:00"),
            ],
        }
    )
    return {"disputes": disputes, "leads": leads}


def load_disputes(engine: object, folder: object) -> None:
    """Import :func:`frames` and then :func:`dispute_frames` through CSV files in ``folder``."""
    from pathlib import Path

    from geo import ingest

    load(engine, folder)
    for name in DISPUTE_ORDER:
        frame = dispute_frames()[name].copy()
        for c in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[c]):
                frame[c] = frame[c].dt.strftime("%Y-%m-%d %H:%M:%S%z")
        path = Path(str(folder)) / f"{name}.csv"
        frame.to_csv(path, index=False)
        s = ingest.import_file(engine, name, path)  # type: ignore[arg-type]
        assert s.rejected == 0, s.rejects
