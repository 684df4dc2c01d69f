"""Drawing pieces of the Patrol plan page: the units editor, the routes map (the plan made and
the plan against actual), the download buttons and the tables. No logic: see
geo.services.plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from geo.domain import routing
from geo.services import plan as plan_svc
from layers.plan import plan_layers
from views import _common as ui
from views import _map

__all__ = ["downloads", "plan_form", "routes_map", "table", "units_editor"]


def units_editor(units: pd.DataFrame, beats: dict[str, str]) -> pd.DataFrame:
    """The editable table of the units to plan for (rows may be added, ticked off, changed).

    ``beats``: the beats offered (:func:`geo.services.plan.beat_choices`); a unit without one
    patrols the metres of its beat radius around its post.
    """
    words = {"all": ui.tr("plan.beat.all"), plan_svc.AROUND_POST: ui.tr("plan.beat.post")}
    return st.data_editor(
        units,
        key="plan_units",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "on": st.column_config.CheckboxColumn(ui.tr("plan.units"), default=True),
            "unit_id": st.column_config.TextColumn(ui.tr("plan.col.unit"), required=True),
            "name": st.column_config.TextColumn(ui.tr("col.name")),
            "kind": st.column_config.SelectboxColumn(
                ui.tr("plan.col.kind"),
                options=list(routing.PLAN_KINDS),
                required=True,
                default="police_car",
                format_func=_map.formatter("unit"),
            ),
            "beat": st.column_config.SelectboxColumn(
                ui.tr("plan.col.beat"),
                help=ui.tr("plan.col.beat_help"),
                options=list(beats),
                format_func=lambda v: beats.get(str(v)) or words.get(str(v), str(v)),
                width="medium",  # "the whole area", "around its post": read whole
            ),
            "beat_m": st.column_config.NumberColumn(
                ui.tr("plan.col.beat_m"),
                help=ui.tr("plan.col.beat_help"),
                min_value=50.0,
                max_value=20_000.0,
                step=50.0,
                format="%.0f",
            ),
            "start_h": st.column_config.NumberColumn(
                ui.tr("plan.col.start_h"),
                help=ui.tr("plan.col.start_h_help"),
                min_value=0.0,
                max_value=24.0,
                step=0.25,
                default=0.0,
            ),
            "shift_h": st.column_config.NumberColumn(
                ui.tr("plan.col.shift_h"), min_value=0.5, max_value=24.0, step=0.5
            ),
            "lat": st.column_config.NumberColumn(
                ui.tr("plan.col.lat"), format="%.6f", required=True
            ),
            "lng": st.column_config.NumberColumn(
                ui.tr("plan.col.lng"), format="%.6f", required=True
            ),
        },
    )


def plan_form() -> tuple[bool, dict[str, Any]]:
    """The plan's options; returns whether "make the plan" was pressed and the options as
    :func:`geo.services.plan.make_from_rows` takes them."""
    with st.form("plan_form"):
        a, b, c, d = st.columns(4)
        dwell = a.slider(ui.tr("plan.dwell"), 5, 30, 15, key="plan_dwell")
        n_cand = b.number_input(
            ui.tr("plan.candidates"),
            10,
            600,
            None,
            step=10,
            key="plan_cands",
            help=ui.tr("plan.candidates_help"),
        )
        value_labels = {v: ui.tr(f"plan.value.{v}") for v in ("gap", "risk")}  # bound now
        value = c.radio(
            ui.tr("plan.value"),
            list(value_labels),
            key=ui.relabelled("plan_value"),
            format_func=value_labels.get,
        )
        limit = d.slider(ui.tr("plan.time_limit"), 1, 30, 9, key="plan_limit")
        must = st.text_input(ui.tr("plan.must"), key="plan_must")
        avoid = st.text_input(ui.tr("plan.avoid"), key="plan_avoid")
        e1, e2, e3 = st.columns([1, 1, 2])
        randomise = e1.checkbox(
            ui.tr("plan.randomise"), key="plan_random", help=ui.tr("plan.randomise_help")
        )
        seed = e2.number_input(ui.tr("plan.seed"), 0, 10**6, 1, key="plan_seed")
        network = e3.text_input(ui.tr("plan.network"), key="plan_network")
        go = st.form_submit_button(ui.tr("plan.run"), type="primary", key="plan_go")
    return go, {
        "dwell_min": dwell,
        "n_candidates": None if n_cand is None else int(n_cand),
        "must": must,
        "avoid": avoid,
        "value": value,
        "seed": int(seed) if randomise else None,
        "time_limit_s": float(limit),
        "network": network,
    }


def routes_map(
    plan: dict[str, Any],
    key: str,
    status: dict[tuple[str, int], str] | None = None,
    tracks: pd.DataFrame | None = None,
) -> None:
    """The plan's routes (and candidate cells; with ``status`` and ``tracks``, the stops by how
    they were kept and the tracks driven) on the scope's map."""
    area = ui.filters().area
    m = _map.base_map(area)
    _map.add_areas(m, area)
    names = {
        "tracks": ui.tr("plan.layer.tracks"),
        "candidates": ui.tr("plan.layer.candidates"),
        "routes": ui.tr("plan.layer.routes"),
        "value": ui.tr("plan.col.value"),
    }
    labels = {
        "unit": ui.tr("plan.tip.unit"),
        "start": ui.tr("plan.tip.start"),
        "arrive": ui.tr("plan.col.arrive"),
        "leave": ui.tr("plan.col.leave"),
        "landmark": ui.tr("plan.col.landmark"),
        "full": ui.tr("plan.status.full"),
        "brief": ui.tr("plan.status.brief"),
        "missed": ui.tr("plan.status.missed"),
    }
    for layer in plan_layers(
        plan,
        names=names,
        labels=labels,
        status=status,
        tracks=tracks,
        shift_gcj02=_map.shift_gcj02(),
    ):
        layer.add_to(m)
    _map.show_map(m, key=key)


def downloads(
    plan_id: str, files: dict[str, tuple[Callable[[], str | bytes], str, str]], rows: int
) -> None:
    """A download button per file; each click is audited as an export of ``rows`` stops."""
    for col, (label, (make, mime, ext)) in zip(st.columns(len(files)), files.items(), strict=True):
        # the file is made when its button is pressed, not on every rerun (PDF + HTML: ~1 s)
        col.download_button(
            ui.tr("plan.download", fmt=label),
            data=make,
            mime=mime,
            file_name=f"{plan_id}.{ext}",
            key=f"plan_dl_{ext}",
            on_click=ui.audit,
            args=("export", f"{plan_id}.{ext}"),
            kwargs={"kind": "plan", "format": ext, "rows": rows},
        )
    if "PDF" not in files:  # no CJK TrueType font here: the other files, and what to install
        st.info(ui.tr("brief.no_pdf_font", package=plan_svc.FONT_PACKAGE))


def table(frame: pd.DataFrame, spec: str, coded: str | None = None, **kwargs: Any) -> None:
    """``frame`` as a table unless it is empty: headers ``plan.col.<name>`` from ``spec`` (see
    :func:`views._map.columns`), the codes of the column ``coded`` as ``plan.<coded>.<code>``."""
    if len(frame):
        if coded:  # unit kinds by the units' words (v.unit), a stop's status as plan.status.
            prefix = None if coded == "kind" else f"plan.{coded}."
            fmt = _map.formatter("unit", prefix=prefix)
            frame = frame.assign(**{coded: frame[coded].map(fmt)})
        _map.table(frame, _map.columns(spec, "plan.col."), **kwargs)
