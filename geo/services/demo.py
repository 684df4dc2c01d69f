"""Load the synthetic demo city (data/demo_city.py) into a store through the normal import path.

While it is loaded (:func:`geo.store.is_demo`), every page and briefing says the data is synthetic.
``scripts/setup-and-run.sh`` builds it before the app serves (:func:`prepare_demo`, with a progress
bar in the terminal), so the first visit opens at once.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from tqdm import tqdm

from data.demo_city import (
    build_demo_city,
    build_demo_duty,
    build_demo_mediation,
    write_demo_streets,
)
from geo import ingest, store
from geo.config import get_settings
from geo.services import networks
from geo.store import is_demo

__all__ = ["LOAD_ORDER", "is_demo", "load_demo", "prepare_demo"]

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
PINGS_PER_STEP = 40_000  # the pings go in in steps of whole shifts, so the progress bar moves


def load_demo(
    engine: sa.Engine, *, seed: int = 7, force: bool = False, progress: bool | None = None
) -> dict[str, Any]:
    """Build the demo city for ``seed`` and import it; a second call adds nothing.

    Returns a summary with per-kind accepted and duplicate counts. Without ``force`` a store that
    already holds this seed's demo is left as it is (fast path for app start). ``progress`` shows
    a bar of the rows imported on stderr (None: when stderr is a terminal).
    """
    t0 = time.perf_counter()
    loaded = store.get_meta(engine, "demo")
    if loaded is not None and loaded.get("seed") == seed and not force:
        _demo_streets(engine, seed)  # a demo built before the streets were shipped gets them
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
    per_kind = {k: {"accepted": 0, "duplicates": 0} for k in LOAD_ORDER}
    bar = tqdm(
        total=sum(len(frames[k]) for k in LOAD_ORDER),
        unit="rows",
        unit_scale=True,
        desc="demo city",
        file=sys.stderr,
        disable=not (sys.stderr.isatty() if progress is None else progress),
        dynamic_ncols=True,
    )
    with bar:
        for kind_name, first_row, raw, geometry in _steps(frames):
            bar.set_postfix_str(kind_name)
            s = ingest.import_frame(
                engine,
                kind_name,
                raw,
                file_name=f"demo:seed={seed}:{kind_name}",
                first_row=first_row,
                geometry=geometry,
            )
            if s.rejected or s.conflicts:
                msg = (
                    f"demo {kind_name}: {s.rejected} rejected, {s.conflicts} conflicts; first: "
                    f"{s.rejects.head(3).to_dict('records')}"
                )
                raise RuntimeError(msg)
            per_kind[kind_name]["accepted"] += s.accepted
            per_kind[kind_name]["duplicates"] += s.duplicates
            bar.update(len(raw))
    streets = _demo_streets(engine, seed)  # the street network, as a survey department's file
    with engine.begin() as conn:
        store.set_meta(conn, "demo", {"seed": seed})
    return {
        "seed": seed,
        "status": "loaded",
        "accepted": sum(v["accepted"] for v in per_kind.values()),
        "duplicates": sum(v["duplicates"] for v in per_kind.values()),
        "kinds": per_kind,
        "network": streets,
        "seconds": round(time.perf_counter() - t0, 2),
    }


DEMO_STREETS = "青云示范城区道路中心线.gpkg"  # the demo's road-centreline file, as supplied


def _demo_streets(engine: sa.Engine, seed: int) -> int | None:
    """Import the demo's streets as the active road network; its id (None when it was there).

    Through the road network import, as a survey department's GeoPackage layer in CGCS2000
    Gauss-Kruger with Chinese attributes; skipped when the store holds that file already.
    """
    if (networks.list_networks(engine)["file_name"] == DEMO_STREETS).any():
        return None
    with tempfile.TemporaryDirectory(prefix="qy-demo-") as tmp:
        path = write_demo_streets(str(Path(tmp) / DEMO_STREETS), seed=seed)
        got = networks.import_network(engine, path, name="青云示范城区路网", by=None)
    return int(got["network_id"])


def _steps(
    frames: dict[str, pd.DataFrame],
) -> Iterator[tuple[str, int, pd.DataFrame, np.ndarray | None]]:
    """Steps of the import: (kind, first row, rows, geometry) in :data:`LOAD_ORDER`.

    The pings go in steps of about :data:`PINGS_PER_STEP` rows that never split a shift.
    """
    for kind_name in LOAD_ORDER:
        raw = pd.DataFrame(frames[kind_name])
        if kind_name == "areas":
            geometry = np.asarray(raw["geometry"], dtype=object)
            yield kind_name, 1, raw.drop(columns="geometry"), geometry
        elif kind_name == "pings":
            raw = raw.sort_values(["shift_id", "ts"], kind="stable").reset_index(drop=True)
            first = np.flatnonzero(raw["shift_id"].ne(raw["shift_id"].shift()).to_numpy())
            # the first row of a shift at or after each step boundary
            cuts = np.unique(first[np.searchsorted(first, np.arange(0, len(raw), PINGS_PER_STEP))])
            for a, b in zip(cuts, [*cuts[1:], len(raw)], strict=True):
                yield kind_name, int(a) + 1, raw.iloc[a:b], None
        else:
            yield kind_name, 1, raw, None


def prepare_demo(
    engine: sa.Engine | None = None, *, progress: bool | None = None
) -> dict[str, Any]:
    """Build the demo city before the app serves, as the app's first visit would.

    Only in demo mode (``QY_DEMO``) and on an empty store or one that holds the demo already
    (reused as it is); a store with other data is left alone. ``engine`` None: the configured
    store. Returns :func:`load_demo`'s summary, or ``{"status": "skipped", "reason": ...}``.
    """
    engine = engine if engine is not None else store.connect()
    if not get_settings().demo:
        return {"status": "skipped", "reason": "demo mode is off (QY_DEMO=0)"}
    if sum(store.counts(engine).values()) and not is_demo(engine):
        return {"status": "skipped", "reason": "the store holds other data"}
    return load_demo(engine, progress=progress)
