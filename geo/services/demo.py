"""Load the synthetic demo city (data/demo_city.py) into a store through the normal import path.

While it is loaded (:func:`geo.store.is_demo`), every page and briefing says the data is synthetic.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data.demo_city import build_demo_city, build_demo_duty, build_demo_mediation
from geo import ingest, store
from geo.store import is_demo

__all__ = ["LOAD_ORDER", "is_demo", "load_demo"]

# Referenced kinds first: shifts need units, pings need shifts, checks need sites...
LOAD_ORDER = (
    "areas",
    "units",
    "sites",
    "venues",
    "shifts",
    "pings",
    "site_checks",
    "inspections",
    "hazards",
    "incidents",
    "disputes",
    "leads",
)


def load_demo(engine: sa.Engine, *, seed: int = 7, force: bool = False) -> dict[str, Any]:
    """Build the demo city for ``seed`` and import it; a second call adds nothing.

    Returns a summary with per-kind accepted and duplicate counts. Without ``force`` a store that
    already holds this seed's demo is left as it is (fast path for app start).
    """
    t0 = time.perf_counter()
    loaded = store.get_meta(engine, "demo")
    if loaded is not None and loaded.get("seed") == seed and not force:
        return {
            "seed": seed,
            "status": "already loaded",
            "accepted": 0,
            "seconds": round(time.perf_counter() - t0, 2),
        }
    frames = build_demo_city(seed=seed)
    frames.update(build_demo_mediation(frames, seed=seed))  # own random stream, after the rest
    for kind_name, extra in build_demo_duty(frames, seed=seed).items():  # a duty night, appended
        frames[kind_name] = pd.concat([frames[kind_name], extra], ignore_index=True)
    per_kind: dict[str, dict[str, int]] = {}
    for kind_name in LOAD_ORDER:
        frame = frames[kind_name]
        geometry = None
        raw = pd.DataFrame(frame)
        if kind_name == "areas":
            geometry = np.asarray(raw["geometry"], dtype=object)
            raw = raw.drop(columns="geometry")
        s = ingest.import_frame(
            engine,
            kind_name,
            raw,
            file_name=f"demo:seed={seed}:{kind_name}",
            first_row=1,
            geometry=geometry,
        )
        if s.rejected or s.conflicts:
            msg = (
                f"demo {kind_name}: {s.rejected} rejected, {s.conflicts} conflicts; first: "
                f"{s.rejects.head(3).to_dict('records')}"
            )
            raise RuntimeError(msg)
        per_kind[kind_name] = {"accepted": s.accepted, "duplicates": s.duplicates}
    with engine.begin() as conn:
        store.set_meta(conn, "demo", {"seed": seed})
    return {
        "seed": seed,
        "status": "loaded",
        "accepted": sum(v["accepted"] for v in per_kind.values()),
        "duplicates": sum(v["duplicates"] for v in per_kind.values()),
        "kinds": per_kind,
        "seconds": round(time.perf_counter() - t0, 2),
    }
