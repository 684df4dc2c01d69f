"""Duty-and-readiness pieces: the duty-rules editor (Settings), the night's alerts (Overview) and
the drawing helpers of the Duty & readiness page. Logic in geo.services.duty."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from geo.config import get_settings
from geo.domain import duty as duty_rules
from geo.domain import schema
from geo.i18n import LANGS, STRINGS
from geo.i18n import t as tr_in
from geo.services import duty
from layers.circles import circles_layers
from views import _common as ui
from views import _map

__all__ = ["alert_words", "alerts_panel", "circles_map", "cols", "rules_editor"]


def _saved() -> None:
    st.cache_data.clear()
    st.success(ui.tr("settings.duty_saved"))


def rules_editor() -> None:
    """Edit, import and export the duty rules (stored in the store's meta table)."""
    engine = ui.engine()
    st.subheader(ui.tr("settings.duty"))
    st.caption(ui.tr("settings.duty_help"))
    up = st.file_uploader(
        ui.tr("settings.duty_file"),
        type=["toml"],
        key="set_duty_file",
        max_upload_size=get_settings().max_upload_mb,
    )
    if up is not None and st.session_state.get("set_duty_loaded") != up.file_id:
        try:
            duty.import_rules(engine, up.getvalue(), user=ui.user(), name=up.name)
        except ValueError as e:
            st.error(str(e))
        else:
            st.session_state["set_duty_loaded"] = up.file_id
            _saved()
    rules = duty.get_rules(engine)
    edited = {}
    for table, columns in (
        ("sites", duty_rules.SITE_RULE_COLUMNS),
        ("venues", duty_rules.VENUE_RULE_COLUMNS),
        ("tiers", duty_rules.TIER_COLUMNS),
        ("live", duty_rules.LIVE_RULE_COLUMNS),
    ):
        frame = pd.DataFrame(rules[table], columns=columns)
        shown = st.data_editor(
            _sources_in_words(table, frame),
            hide_index=True,
            num_rows="fixed" if table == "live" else "dynamic",  # live: one row per rule
            key=f"set_duty_{table}",
            width="stretch",
            column_config=_rule_columns(table, frame),
        )
        edited[table] = _sources_as_stored(table, shown)
    a, b, c = st.columns(3)
    if a.button(ui.tr("settings.duty_save"), key="set_duty_save"):
        try:
            duty.save_rules(engine, edited, user=ui.user())
        except ValueError as e:
            st.error(str(e))
        else:
            _saved()
    if b.button(ui.tr("settings.duty_reset"), key="set_duty_reset"):
        duty.reset_rules(engine, user=ui.user())
        st.cache_data.clear()
        st.rerun()
    c.download_button(
        ui.tr("settings.duty_export"),
        duty_rules.rules_to_toml(rules),
        file_name="duty_rules.toml",
        mime="application/toml",
        key="set_duty_export",
    )


# the key column of each rules table, by which a row's default source is found
_RULE_KEY = {"sites": "target", "venues": "grade", "tiers": "minutes", "live": "alert"}


def _key(value: object) -> str:
    """A rule's key as text (tier minutes 1 and 1.0 alike)."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _default_source(table: str, key: object) -> tuple[str, str] | None:
    """(the default rules' source of the row ``key`` of ``table``, its string key), or None."""
    for row in duty_rules.DEFAULT_RULES[table]:
        if _key(row[_RULE_KEY[table]]) == _key(key):
            skey = f"duty.src.{table}.{_key(key)}"
            return (str(row["source"]), skey) if skey in STRINGS else None
    return None


def _sources_in_words(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rules with each default source in the user's language (sources users wrote stay)."""

    def word(key: object, source: object) -> object:
        found = _default_source(table, key)
        return ui.tr(found[1]) if found and found[0] == source else source

    pairs = zip(frame[_RULE_KEY[table]], frame["source"], strict=True)
    out = frame.assign(source=[word(k, s) for k, s in pairs])
    if table == "tiers":  # the targets as a list the multiselect column shows by their labels
        out["targets"] = out["targets"].map(
            lambda v: [x.strip() for x in str(v or "").replace("，", ",").split(",") if x.strip()]
        )
    return out


def _tier_target(code: str) -> str:
    """A response tier's target: every place, the riskiest cells, or a key-site category."""
    if code in ("*", "high_risk"):
        return ui.tr("duty.tier_target.all" if code == "*" else "duty.tier_target.high_risk")
    return _map.label("site", code)


def _sources_as_stored(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The edited rules with a default source shown in either language stored as it was."""

    def stored(key: object, source: object) -> object:
        found = _default_source(table, key)
        words = {tr_in(found[1], lang) for lang in LANGS} if found else set()
        return found[0] if found and source in words else source

    if frame.empty:
        return frame
    pairs = zip(frame[_RULE_KEY[table]], frame["source"], strict=True)
    out = frame.assign(source=[stored(k, s) for k, s in pairs])
    if table == "tiers":  # the targets as the rules store them: a comma-separated list
        out["targets"] = out["targets"].map(
            lambda v: ",".join(v) if isinstance(v, list | tuple) else v
        )
    return out


def _rule_columns(table: str, frame: pd.DataFrame) -> dict[str, Any]:
    """The rules tables' headers in the users' words (with units) and their codes by label."""
    cc = st.column_config
    src = cc.TextColumn(ui.tr("duty.rcol.source"), width="large")
    if table == "sites":
        targets = [*schema.SITE_CATEGORIES]
        targets += [v for v in frame["target"].astype(str) if v not in targets]
        return {
            "target": cc.SelectboxColumn(
                ui.tr("duty.rcol.target"),
                options=targets,
                required=True,
                format_func=_map.formatter("site"),
            ),
            "visits": cc.NumberColumn(ui.tr("duty.rcol.visits"), min_value=0, step=1),
            "per": cc.SelectboxColumn(
                ui.tr("duty.rcol.per"),
                options=["night", "shift"],
                format_func=_map.formatter(prefix="duty.per."),
            ),
            "radius_m": cc.NumberColumn(ui.tr("duty.rcol.radius_m"), min_value=1, step=5),
            "min_dwell_s": cc.NumberColumn(ui.tr("duty.rcol.min_dwell_s"), min_value=0, step=10),
            "source": src,
        }
    if table == "venues":
        return {
            "grade": cc.TextColumn(ui.tr("duty.rcol.grade"), required=True),
            "risk_level": cc.SelectboxColumn(
                ui.tr("duty.rcol.risk_level"),
                options=list(schema.RISK_LEVELS),
                required=True,
                format_func=_map.formatter("risk"),
            ),
            "per_month": cc.NumberColumn(ui.tr("duty.rcol.per_month"), min_value=0, step=1),
            "source": src,
        }
    if table == "live":  # the live alerts' minutes: one fixed row per rule
        return {
            "alert": cc.SelectboxColumn(
                ui.tr("duty.rcol.alert"),
                options=list(duty_rules.LIVE_RULES),
                required=True,
                disabled=True,
                format_func=_map.formatter(prefix="duty.live."),
            ),
            "minutes": cc.NumberColumn(
                ui.tr("duty.rcol.live_minutes"), min_value=1, max_value=720, step=1
            ),
            "source": src,
        }
    return {
        "minutes": cc.NumberColumn(ui.tr("duty.rcol.minutes"), min_value=0.5, step=0.5),
        "targets": cc.MultiselectColumn(
            ui.tr("duty.rcol.targets"),
            options=["*", "high_risk", *schema.SITE_CATEGORIES],
            format_func=_tier_target,
        ),
        "source": src,
    }


def alerts_panel(night: str, area: str | None) -> None:
    """The night's alerts as a list with a link to the Duty & readiness map."""
    st.subheader(ui.tr("alerts.title", night=night))
    got = _map.cached(duty.night_alerts, night, area=area)
    if not got["n"]:
        st.caption(ui.tr("alerts.none"))
        return
    st.caption(
        ui.tr(
            "alerts.counts",
            n=got["n"],
            parts=ui.tr("app.list_sep").join(
                f"{_map.label('alert', k)} {v}" for k, v in got["counts"].items()
            ),
        )
    )
    _map.table(
        alert_words(got["table"]),
        {
            "kind": "duty.col.alert",
            "name": "col.name",
            "what": "col.category",
            "detail": "duty.col.detail",
            "since": "duty.col.since",
        },
        enums={"kind": "alert"},
        height=240,
        key="ov_alerts",
    )
    st.page_link("views/duty.py", label=ui.tr("alerts.link"), icon=":material/map:")


# what each alert kind names in ``what`` (an enum group, or one word) and how its ``detail``
# reads: the pattern the service writes it in and the string key that words it
_WHAT = {"missed_point": "site", "venue_overdue": "venue", "hazard_overdue": "hazard"}
_DETAIL = {
    "missed_point": (r"(?P<missed>\d+)/(?P<required>\d+)", "alerts.d.missed"),
    "long_stop": (r"(?P<minutes>[\d.]+) min", "alerts.d.stop"),
    "hot_cell": (r"(?P<risk>[\d.]+)/wk", "alerts.d.risk"),
    "venue_overdue": (r"(?P<done>\d+)/(?P<required>\d+) \((?P<grade>\w+)\)", "alerts.d.venue"),
}


def alert_words(table: pd.DataFrame) -> pd.DataFrame:
    """The alerts with ``what`` and ``detail`` in the user's words: categories by their labels,
    a stop's minutes, a cell's risk (expected incidents per week), a venue's inspections this
    month and grade, a hazard's severity."""

    def what(kind: str, value: object) -> str:
        group = _WHAT.get(kind)
        return _map.label(group, value) if group else ui.tr(f"alerts.what.{kind}")

    def detail(kind: str, value: object) -> str:
        if kind == "hazard_overdue":
            return _map.label("severity", value)
        pattern, key = _DETAIL[kind]
        found = re.fullmatch(pattern, str(value))
        return ui.tr(key, **found.groupdict()) if found else _map.label("", value)

    kinds = table["kind"].astype(str)
    return table.assign(
        what=[what(k, v) for k, v in zip(kinds, table["what"], strict=True)],
        detail=[detail(k, v) for k, v in zip(kinds, table["detail"], strict=True)],
    )


# --------------------------------------------------------------------------------------------
# Drawing helpers of the Duty & readiness page


def cols(spec: str) -> dict[str, str]:
    """Table headers: ``"col.name done status=duty_status"`` gives ``{"name": "col.name", "done":
    "duty.col.done", "status": "duty.col.duty_status"}`` (in that order). A word with a dot is
    the string key of the column named by its last part; ``column=key`` names the key; a key
    without a dot is one of ``duty.col.``."""
    out = {}
    for c in spec.split():
        column, _, key = c.partition("=")
        key = key or column
        out[column.rpartition(".")[2]] = key if "." in key else f"duty.col.{key}"
    return out


def circles_map(r: dict[str, Any], area: str | None) -> None:
    """The response circles (:func:`geo.services.circles.response_circles`) on the map."""
    m = _map.base_map(area)
    _map.add_areas(m, area)
    words = {
        "circles": "duty.circles",
        "sites": "cell.sites",
        "sources": "duty.m.sources",
        "inside": "duty.inside",
        "outside": "duty.outside",
        "name": "col.name",
        "travel_min": "duty.col.travel_min",
        "required_min": "duty.col.required_min",
    }
    tiers = r["summary"]["tiers"]
    for layer in circles_layers(
        r["cells"],
        r["sites"],
        r["sources"],
        tiers,
        names={w: ui.tr(key) for w, key in words.items()},
        tier_labels=[ui.tr("duty.tier", m=f"{t:g}") for t in tiers] + [ui.tr("duty.beyond")],
        shift_gcj02=_map.shift_gcj02(),
    ):
        layer.add_to(m)
    _map.show_map(m, key="duty_map", height=520)
