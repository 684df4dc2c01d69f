"""App benchmark (issue 21, item 2): every page for every role, cold and warm, at 1 and 10 stations.

Stores: the demo city (one station, ``ST01`` and its twelve grids), and a district of ten stations
built through the import path (:func:`geo.ingest.import_frame`, as the demo loads) from the demo
city moved east and north and renamed (``ST02``..``ST10``, every id and name of its own);
``quick`` builds three stations.

Timing: the real app (``app.py``) runs in Streamlit's AppTest, in this process, logged in as each
demo user (admin; commander of ST01; grid manager of ST01-G03; viewer of ST01). A page's *cold*
time is its first run after every cache is emptied (Streamlit's data cache, the store's
remembered scope answers and the named places kept per reader: a new server process whose
libraries are loaded, by one unmeasured visit of every page first, so that no role pays for the
imports), *warm* the run after it with the same filters (what a user waits for on a rerun).
Pages: Overview, Coverage, Duty & readiness, Briefing, Patrol plan (a viewer opens Overview,
Coverage and Briefing only), with the sidebar's default filters.

Ratios: ``app_<page>_<role>_vs_admin_<cold|warm>`` (target <= 1.5) and
``app_<page>_<role>_<n>_vs_1_stations`` (cold, target <= 3). Figures: the seconds per store, page
and role, the targets (2 s warm, 5 s cold on the demo city) and which were missed (a ratio target
counts as missed when the time is over the target by more than 0.25 s, ``SLACK_S``; the ratios
met only thanks to that allowance are listed apart) and the machine's load averages before and
after the run.

Needs only what requirements.txt installs (no pytest). Run ``python -m geo bench --only app
[--quick]`` or ``python -m tests.bench.bench_app [--quick]``.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("overview", "coverage", "duty", "briefing", "plan")
ROLES = {"admin": "admin", "commander": "commander", "grid_manager": "grid03", "viewer": "viewer"}
WARM_S, COLD_S, RATIO, GROWTH = 2.0, 5.0, 1.5, 3.0
SLACK_S = 0.25  # seconds allowed over a ratio target (a ratio of two tenths is noise)
ID_COLUMNS = (
    "unit_id",
    "shift_id",
    "site_id",
    "venue_id",
    "inspection_id",
    "hazard_id",
    "incident_id",
    "dispute_id",
    "lead_id",
)
NAME_COLUMNS = ("name", "owner", "mediator")


def _frames() -> dict[str, pd.DataFrame]:
    """The demo city's frames, as :func:`geo.services.demo.load_demo` builds them."""
    from data.demo_city import build_demo_city, build_demo_duty, build_demo_mediation

    frames = build_demo_city(seed=7)
    frames.update(build_demo_mediation(frames, seed=7))
    for kind_name, extra in build_demo_duty(frames, seed=7).items():
        frames[kind_name] = pd.concat([frames[kind_name], extra], ignore_index=True)
    return frames


def moved(frames: dict[str, pd.DataFrame], i: int) -> dict[str, pd.DataFrame]:
    """Station ``i`` (2..): the demo city moved beside the others and every id and name renamed.

    Stations sit in rows of five, each its bounding box plus 0.005 degree from the last; area
    ids ``ST01...`` become ``STnn...``, every other id gets the prefix ``Snn-``, names the
    prefix ``nn站``.
    """
    west, south, east, north = shapely.from_wkt(
        str(frames["areas"].set_index("area_id").loc["ST01", "geometry"])
    ).bounds
    dx = (east - west + 0.005) * ((i - 1) % 5)
    dy = (north - south + 0.005) * ((i - 1) // 5)
    tag = f"{i:02d}"
    out: dict[str, pd.DataFrame] = {}
    for kind_name, frame in frames.items():
        f = frame.copy()
        for c in ID_COLUMNS:
            if c in f:
                f[c] = f[c].map(lambda v: v if pd.isna(v) else f"S{tag}-{v}")
        for c in ("area_id", "parent_id", "station"):
            if c in f:
                f[c] = f[c].map(lambda v: v if pd.isna(v) else str(v).replace("ST01", f"ST{tag}"))
        for c in NAME_COLUMNS:
            if c in f:
                f[c] = f[c].map(lambda v: v if pd.isna(v) else f"{tag}站{v}")
        if "licence" in f:
            f["licence"] = f["licence"].map(lambda v: v if pd.isna(v) else f"{v}-{tag}")
        if "lat" in f:
            f["lat"] = f["lat"] + dy
            f["lng"] = f["lng"] + dx
        if "geometry" in f:
            geoms = [shapely.from_wkt(g) if isinstance(g, str) else g for g in f["geometry"]]
            f["geometry"] = shapely.transform(
                np.asarray(geoms, dtype=object), lambda xy: xy + np.array([dx, dy])
            )
        out[kind_name] = f
    return out


def build_district(url: str, stations: int) -> dict[str, Any]:
    """A store of ``stations`` stations: the demo city, then its moved and renamed copies."""
    from geo import ingest, store
    from geo.services.demo import LOAD_ORDER, load_demo

    engine = store.connect(url)
    t0 = time.perf_counter()
    load_demo(engine)
    base = _frames()
    for i in range(2, stations + 1):
        frames = moved(base, i)
        for kind_name in LOAD_ORDER:
            raw = frames[kind_name]
            geometry = None
            if kind_name == "areas":
                geometry = np.asarray(raw["geometry"], dtype=object)
                raw = raw.drop(columns="geometry")
            s = ingest.import_frame(
                engine, kind_name, raw, file_name=f"station{i:02d}:{kind_name}", geometry=geometry
            )
            if s.rejected or s.conflicts:
                msg = f"station {i} {kind_name}: {s.rejected} rejected, {s.conflicts} conflicts"
                raise RuntimeError(msg)
    return {
        "stations": stations,
        "pings": store.counts(engine)["pings"],
        "build_s": time.perf_counter() - t0,
    }


def _cold() -> None:
    """Empty every cache a new server process starts without."""
    import streamlit as st

    from geo.services import places
    from geo.store.records import clear_scope_caches

    st.cache_data.clear()
    clear_scope_caches()
    places.forget()  # the named places, kept per reader for 5 minutes
    gc.collect()


def _app(url: str, user: str) -> Any:
    """An AppTest of app.py logged in as demo user ``user`` (after its first, landing run)."""
    from streamlit.testing.v1 import AppTest

    from geo import store
    from geo.services import access

    engine = store.connect(url)
    access.bootstrap(engine)
    password = {n: p for n, p, _r, _a in access.DEMO_USERS}[user]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["qy_session"] = access.login(engine, user, password)
    at.run()
    if at.exception:
        msg = f"{user}: {at.exception}"
        raise RuntimeError(msg)
    return at


def _timed(at: Any, page: str | None = None) -> float:
    if page is not None:
        at.switch_page(f"views/{page}.py")
    t0 = time.perf_counter()
    at.run()
    took = time.perf_counter() - t0
    if at.exception:
        msg = f"{page}: {at.exception}"
        raise RuntimeError(msg)
    return took


def measure(url: str) -> dict[str, dict[str, dict[str, float]]]:
    """{page: {role: {"cold_s", "warm_s"}}} on the store at ``url``."""
    from geo.services.access import DEMO_USERS
    from geo.store.scope import PAGES as MAY

    role_of = {name: role for name, _p, role, _a in DEMO_USERS}
    out: dict[str, dict[str, dict[str, float]]] = {p: {} for p in PAGES}
    warm_up = _app(url, "admin")  # every page once: the libraries are loaded for every role
    for page in PAGES:
        _timed(warm_up, page)
    for role, user in ROLES.items():
        at = _app(url, user)
        for page in PAGES:
            if page not in MAY[role_of[user]]:
                continue
            _cold()
            cold = _timed(at, page)
            warm = _timed(at)
            out[page][role] = {"cold_s": round(cold, 3), "warm_s": round(warm, 3)}
    return out


def _ratios(one: dict, many: dict, n: int) -> dict[str, float]:
    r: dict[str, float] = {}
    for page, by_role in one.items():
        admin = by_role["admin"]
        for role, t in by_role.items():
            if role != "admin":
                for w in ("cold", "warm"):
                    r[f"app_{page}_{role}_vs_admin_{w}"] = round(
                        t[f"{w}_s"] / max(admin[f"{w}_s"], 1e-3), 2
                    )
            if role in many.get(page, {}):
                r[f"app_{page}_{role}_{n}_vs_1_stations"] = round(
                    many[page][role]["cold_s"] / max(t["cold_s"], 1e-3), 2
                )
    return r


def _misses(one: dict, many: dict, n: int, *, slack: float = SLACK_S) -> list[str]:
    """The targets missed: times on the demo city, scoped roles against the admin (with
    ``slack`` seconds of allowance, :data:`SLACK_S`, so that a tenth of a second over a tenth is
    no miss) and the growth to ``n`` stations. ``slack=0`` lists the ratios missed without the
    allowance (those met only thanks to it)."""
    miss = []
    for page, by_role in one.items():
        admin = by_role["admin"]
        for role, t in by_role.items():
            if slack and t["warm_s"] > WARM_S:
                miss.append(f"{page} {role} warm {t['warm_s']} s > {WARM_S} s")
            if slack and t["cold_s"] > COLD_S:
                miss.append(f"{page} {role} cold {t['cold_s']} s > {COLD_S} s")
            for w in ("cold", "warm") if role != "admin" else ():
                if t[f"{w}_s"] > RATIO * admin[f"{w}_s"] + slack:
                    miss.append(f"{page} {role} {w} {t[f'{w}_s']} s, admin {admin[f'{w}_s']} s")
            far = many.get(page, {}).get(role)
            if far is not None and far["cold_s"] > GROWTH * t["cold_s"] + slack:
                miss.append(
                    f"{page} {role} cold at {n} stations {far['cold_s']} s, one {t['cold_s']} s"
                )
    return miss


def _load() -> str:
    """The machine's load averages (1, 5, 15 minutes): the timings are wall clock on a shared
    machine."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def run(quick: bool = False) -> dict[str, Any]:
    """Figures and ratios: every page for every role, cold and warm, at 1 and 10 (quick: 3)
    stations."""
    from geo import store

    n = 3 if quick else 10
    load = _load()
    folder = Path(tempfile.mkdtemp(prefix="qy-bench-app-"))
    saved = {k: os.environ.get(k) for k in ("QY_DATABASE_URL", "QY_DEMO")}
    try:
        os.environ["QY_DEMO"] = "1"
        one_url = f"sqlite:///{folder / 'one.db'}"
        many_url = f"sqlite:///{folder / 'many.db'}"
        store.connect(one_url)
        from geo.services.demo import load_demo

        load_demo(store.connect(one_url))
        built = build_district(many_url, n)
        os.environ["QY_DATABASE_URL"] = one_url
        one = measure(one_url)
        os.environ["QY_DATABASE_URL"] = many_url
        many = measure(many_url)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for url in (f"sqlite:///{folder / 'one.db'}", f"sqlite:///{folder / 'many.db'}"):
            store.forget(url)
        shutil.rmtree(folder, ignore_errors=True)
    ratios = _ratios(one, many, n)
    misses = _misses(one, many, n)
    figures = {
        "one_station": one,
        f"stations_{n}": many,
        "district": {k: round(v, 1) if isinstance(v, float) else v for k, v in built.items()},
        "targets": {"warm_s": WARM_S, "cold_s": COLD_S, "vs_admin": RATIO, "growth": GROWTH},
        "met": not misses,
        "missed": misses,
        # the ratios met only thanks to SLACK_S (missed when it is 0)
        "met_only_with_slack": [m for m in _misses(one, many, n, slack=0.0) if m not in misses],
        "load_before_after": [load, _load()],
    }
    return {"ratios": ratios, "figures": figures}


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, ensure_ascii=False))
