"""Command line: ``python -m geo COMMAND [options]``.

Every command takes ``--db URL`` (default: the configured store), prints one JSON summary line on
stdout, exits 0 on success and 2 with a one-line reason on stderr for bad usage or input.

Commands that read take ``--as USER``: the output is what that user may see (their areas; a
viewer gets no tracks, units or incident rows). No password is asked: the CLI runs on the server,
where whoever can run it can open the store itself; ``--as`` is for producing a user's view, not a
login. Without ``--as`` a command reads everything, as the server's operator. Files written and
imports are recorded in the audit log under the ``--as`` user (or ``cli``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from geo import schema

Handler = Callable[[argparse.Namespace], dict[str, Any]]


class UsageError(Exception):
    """Bad usage or input: reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _engine(args: argparse.Namespace) -> Any:
    from geo import store

    return store.connect(args.db)


def _who(args: argparse.Namespace, engine: Any) -> Any:
    """The principal of ``--as USER`` (ValueError if there is no such enabled user), else all."""
    name = getattr(args, "as_user", None)
    if not name:
        return "all"
    from geo import access

    return access.principal_of(engine, name)


def _audit(args: argparse.Namespace, engine: Any, action: str, what: object, *,
           rows: int | None = None, **detail: Any) -> None:
    from geo import access

    access.audit(engine, getattr(args, "as_user", None) or "cli", action, what, rows=rows,
                 via="cli", command=args.command, **detail)


def _date(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        msg = f"not a date (YYYY-MM-DD): {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


# --------------------------------------------------------------------------------------------
# Commands


def cmd_demo(args: argparse.Namespace) -> dict[str, Any]:
    """Build the demo city into the store (idempotent); in demo mode (QY_DEMO) also the demo
    users listed in the README."""
    from geo import access
    from geo.demo import load_demo

    engine = _engine(args)
    out = load_demo(engine, seed=args.seed, force=args.force)
    out["users_created"] = access.bootstrap(engine)
    return out


def cmd_import(args: argparse.Namespace) -> dict[str, Any]:
    """Import one file of a record kind."""
    from geo import ingest

    path = Path(args.file)
    if not path.exists():
        raise UsageError(f"{args.file}: no such file")
    engine = _engine(args)
    who = _who(args, engine)
    if who != "all" and who.role != "admin":
        raise UsageError(f"import: {args.as_user} is a {who.role}; only an admin imports")
    summary = ingest.import_file(engine, args.kind, path, crs=args.crs, sheet=args.sheet,
                                 encoding=args.encoding, user=args.as_user or "cli")
    _audit(args, engine, "import", path.name, rows=summary.accepted, kind=args.kind,
           read=summary.read, duplicates=summary.duplicates, conflicts=summary.conflicts,
           rejected=summary.rejected)
    out = summary.as_dict()
    if args.rejects:
        Path(args.rejects).write_text(ingest.rejects_csv(summary.rejects), encoding="utf-8-sig")
        out["rejects_file"] = args.rejects
    elif summary.rejected or summary.conflicts:
        out["first_rejects"] = summary.rejects.head(5)[["row", "column", "reason"]].to_dict(
            "records")
    return out


def cmd_status(args: argparse.Namespace) -> dict[str, Any]:
    """Row counts of every record kind and whether the demo city is loaded."""
    from geo import store
    from geo.demo import is_demo

    engine = _engine(args)
    who = _who(args, engine)
    if who == "all":
        counts = store.counts(engine)
    else:  # the rows this user may read
        counts = {k: len(store.read(engine, k, who, columns=[schema.kind(k).names[0]]))
                  for k in store.RECORD_TABLES if store.may_read(who, k)}
    return {"counts": counts, "demo": is_demo(engine),
            "db": engine.url.render_as_string(hide_password=True)}


def cmd_coverage(args: argparse.Namespace) -> dict[str, Any]:
    """Patrol coverage (dwell, nights, stops) per cell; writes GeoJSON, CSV or Parquet."""
    from geo import analysis

    units = [u.strip() for u in args.units.split(",")] if args.units else None
    for u in units or []:
        if u not in schema.UNIT_KINDS:
            raise UsageError(f"unknown unit kind {u!r}; expected: {', '.join(schema.UNIT_KINDS)}")
    engine = _engine(args)
    result = analysis.coverage_cells(
        engine, _who(args, engine), start=args.date_from, end=args.date_to, night=args.night,
        res=args.res, area=args.area, unit_kinds=units)
    written = analysis.write_cells(result, args.out)
    _audit(args, engine, "export", Path(args.out).name, rows=written, area=args.area)
    return {"command": "coverage", "out": str(args.out), "cells": written,
            "dwell_h": round(float(result["dwell_s"].sum()) / 3600, 1) if len(result) else 0.0,
            "res": args.res, "from": args.date_from, "to": args.date_to, "night": args.night}


def _categories(text: str | None) -> list[str] | None:
    if not text:
        return None
    cats = [c.strip() for c in text.split(",") if c.strip()]
    for c in cats:
        if c not in schema.INCIDENT_CATEGORIES:
            raise UsageError(f"unknown incident category {c!r}; expected: "
                             f"{', '.join(schema.INCIDENT_CATEGORIES)}")
    return cats


def cmd_hotspots(args: argparse.Namespace) -> dict[str, Any]:
    """Getis-Ord Gi* hot and cold spots of incidents per cell (z, p, confidence bin, trend)."""
    from geo import analysis

    engine = _engine(args)
    result = analysis.hotspot_cells(
        engine, _who(args, engine), start=args.date_from, end=args.date_to, res=args.res,
        k=args.k, area=args.area, categories=_categories(args.category), fdr=args.fdr,
        emerging=args.emerging)
    written = analysis.write_cells(result, args.out)
    _audit(args, engine, "export", Path(args.out).name, rows=written, area=args.area)
    bins = result["gi_bin"].value_counts().to_dict()
    out: dict[str, Any] = {"command": "hotspots", "out": str(args.out), "cells": written,
                           "incidents": int(result["count"].sum()), "res": args.res, "k": args.k,
                           "fdr": args.fdr,
                           "hot_cells": int(sum(v for b, v in bins.items() if b > 0)),
                           "cold_cells": int(sum(v for b, v in bins.items() if b < 0))}
    if args.emerging:
        out["trends"] = result["trend"].value_counts().to_dict()
    return out


def cmd_risk(args: argparse.Namespace) -> dict[str, Any]:
    """Risk terrain, night coverage and gap per cell, ranked by gap."""
    from geo import analysis

    engine = _engine(args)
    result = analysis.risk_cells(
        engine, _who(args, engine), start=args.date_from, end=args.date_to, res=args.res,
        area=args.area, night=args.night, top=args.top)
    written = analysis.write_cells(result, args.out)
    _audit(args, engine, "export", Path(args.out).name, rows=written, area=args.area)
    top = result.head(5)
    return {"command": "risk", "out": str(args.out), "cells": written, "res": args.res,
            "top_gaps": [{"h3": h, "gap": round(float(g), 3), "reason": r} for h, g, r in zip(
                analysis.hexes.cells_to_str(top["cell"].to_numpy()), top["gap"], top["reason"],
                strict=True)]}


def _label(key: str, lang: str, fallback: object) -> str:
    from geo.i18n import t

    try:
        return t(key, lang)
    except KeyError:
        return str(fallback)


def cmd_map(args: argparse.Namespace) -> dict[str, Any]:
    """Standalone offline map (one self-contained HTML file) of coverage, hotspots, risk, gap,
    venues or hazards, with the area outlines; no request leaves the machine unless --tiles
    names an online provider."""
    import numpy as np

    import layers
    from geo import analysis, hexes, store
    from geo.config import get_settings
    from geo.demo import is_demo
    from geo.i18n import t
    from layers.standalone import save

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{out.name}: --out must be an .html file")
    lang = args.lang or get_settings().lang
    tiles = args.tiles or get_settings().tiles
    gcj = layers.is_gcj02(tiles)
    engine = _engine(args)
    who = _who(args, engine)
    scope: Any = analysis.narrowed(engine, who, args.area)  # unknown area -> ValueError
    night = None if args.night in ("all", "") else args.night
    kind = args.layer
    summary: dict[str, Any] = {"command": "map", "layer": kind, "out": str(out), "tiles": tiles,
                               "lang": lang, "cells": 0, "points": 0}
    col = {c: t(f"maps.col.{c}", lang) for c in (
        "dwell_h", "nights", "stops", "count", "gi_z", "gi_p", "risk", "gap", "rank", "name",
        "category", "risk_level", "severity", "status", "found_at", "deadline")}
    lat = lng = np.array([])
    element: Any
    if kind in ("coverage", "hotspots", "risk", "gap"):
        common = {"start": args.date_from, "end": args.date_to, "res": args.res, "area": args.area}
        if kind == "coverage":
            df = analysis.coverage_cells(engine, who, night=night, **common)
            df["dwell_h"] = (df["dwell_s"] / 3600).round(2)
            opts: dict[str, Any] = {"value": "dwell_h", "palette": "coverage", "tooltip": [
                ("dwell_h", col["dwell_h"]), ("nights", col["nights"]), ("stops", col["stops"])]}
        elif kind == "hotspots":
            df = analysis.hotspot_cells(engine, who, **common)
            df["gi_z"] = df["gi_z"].round(2)
            df["gi_p"] = df["gi_p"].map(lambda p: f"{p:.3g}")
            opts = {"value": "gi_bin", "palette": "hotspot", "tooltip": [
                ("count", col["count"]), ("gi_z", col["gi_z"]), ("gi_p", col["gi_p"])],
                "labels": {b: t(f"maps.bin.{b}", lang) for b in range(-3, 4)}}
        else:
            df = analysis.risk_cells(engine, who, night=args.night, **common)
            df["risk"] = df["risk"].round(3)
            df["gap"] = df["gap"].round(3)
            opts = {"value": kind, "palette": kind, "tooltip": [
                (kind, col[kind]), *([("risk", col["risk"])] if kind == "gap" else []),
                ("rank", col["rank"])]}
        element = layers.cells_layer(df, name=t(f"maps.layer.{kind}", lang),
                                     legend_title=t(f"maps.legend.{kind}", lang),
                                     shift_gcj02=gcj, **opts)
        summary["cells"] = element.n_cells
        summary["res"] = args.res
        if len(df):
            lat, lng = hexes.cell_centres(df["cell"].to_numpy().astype(np.uint64))
    else:
        frame = store.read(engine, kind, scope, start=args.date_from, end=args.date_to)
        if kind == "venues":
            group, by = "risk", "risk_level"
            colours = {"high": "#d7301f", "medium": "#fc8d59", "low": "#fee08b"}
            popup = [("name", col["name"]), ("category", col["category"]),
                     ("risk_level", col["risk_level"])]
            frame["category"] = [_label(f"v.venue.{v}", lang, v) for v in frame["category"]]
        else:
            group, by = "severity", "severity"
            colours = {"major": "#67000d", "high": "#d7301f", "medium": "#fc8d59", "low": "#fdd49e"}
            popup = [("category", col["category"]), ("severity", col["severity"]),
                     ("status", col["status"]), ("found_at", col["found_at"]),
                     ("deadline", col["deadline"])]
            frame["category"] = [_label(f"v.hazard.{v}", lang, v) for v in frame["category"]]
            frame["status"] = [_label(f"v.hstatus.{v}", lang, v) for v in frame["status"]]
        levels = {k: _label(f"v.{group}.{k}", lang, k) for k in colours}
        frame[f"{by}_label"] = [levels.get(v, v) for v in frame[by]]
        popup = [(f"{by}_label", lbl) if c == by else (c, lbl) for c, lbl in popup]
        element = layers.points_layer(frame, name=t(f"maps.layer.{kind}", lang), popup=popup,
                                      color_by=by, colors=colours, color_labels=levels,
                                      legend_title=t(f"maps.legend.{kind}", lang),
                                      cluster=True, shift_gcj02=gcj)
        summary["points"] = element.n_points
        lat, lng = frame["lat"].to_numpy(float), frame["lng"].to_numpy(float)
    bounds = None
    if lat.size:
        bounds = [[float(np.nanmin(lat)), float(np.nanmin(lng))],
                  [float(np.nanmax(lat)), float(np.nanmax(lng))]]
    m = layers.new_map(tiles=tiles, tianditu_token=args.tianditu_token, bounds=bounds)
    areas = store.read(engine, "areas", scope)
    if len(areas):
        layers.areas_layer(areas, name=t("maps.layer.areas", lang), shift_gcj02=gcj).add_to(m)
    element.add_to(m)
    layers.add_layer_control(m)
    if is_demo(engine):
        from layers.basemap import blank_note

        blank_note(m, t("maps.demo_note", lang))
    summary["areas"] = len(areas)
    summary["bytes"] = save(m, out)
    _audit(args, engine, "export", out.name, rows=summary["cells"] + summary["points"],
           kind="map", layer=kind, area=args.area)
    return summary


def cmd_evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """Backtest of weekly hot-spot forecasts: hit rate, PAI and PEI per method."""
    from geo import analysis, evaluate

    if not (args.date_from and args.date_to):
        raise UsageError("evaluate needs --from and --to")
    engine = _engine(args)
    result = analysis.backtest(engine, _who(args, engine), start=args.date_from,
                               end=args.date_to, res=args.res, area=args.area)
    table = evaluate.summary_table(result)
    if args.out:
        path = Path(args.out)
        if path.suffix.lower() == ".csv":
            from geo.ingest import neutralise_formulas

            neutralise_formulas(table).to_csv(path, index=False)
        else:
            path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str),
                            encoding="utf-8")
        _audit(args, engine, "export", path.name, rows=len(table), area=args.area)
    if not args.quiet:
        print(table.to_string(index=False), file=sys.stderr)
    return {"command": "evaluate", "out": args.out, "summary": result["summary"]}


def cmd_brief(args: argparse.Namespace) -> dict[str, Any]:
    """Briefing of a period and area: the campaign figures, maps and trends, as .pdf, .docx,
    .html or .md."""
    from geo import briefing
    from geo.config import get_settings

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in briefing.FORMATS:
        raise UsageError(f"{out.name}: --out must be .pdf, .docx, .html or .md")
    lang = {"zh": "zh-CN", "zh-CN": "zh-CN", "en": "en"}[args.lang or get_settings().lang]
    engine = _engine(args)
    b = briefing.build(engine, _who(args, engine), args.date_from, args.date_to, args.area,
                       lang=lang, campaign=args.campaign, night=args.night, res=args.res)
    size = briefing.write(b, out)
    _audit(args, engine, "export", out.name, kind="briefing", format=fmt, area=args.area,
           start=args.date_from, end=args.date_to)
    key = b.figures["key"]
    return {"command": "brief", "out": str(out), "format": fmt, "bytes": size, "lang": lang,
            "from": args.date_from, "to": args.date_to, "area": args.area,
            "demo": b.figures["demo"],
            "figures": {k: key[k] for k in ("police_aux", "volunteers", "people_checked",
                                            "venues_inspected", "site_patrols",
                                            "hazards_rectified", "incidents")}}


def cmd_plan(args: argparse.Namespace) -> dict[str, Any]:
    """Tonight's patrol plan: routes for the units on duty over the largest gaps, saved in the
    store and written as .json, .gpx, .kml, .csv, .html or .pdf."""
    from geo import plan_export, planning
    from geo.config import get_settings
    from geo.demo import is_demo

    out = Path(args.out)
    if out.suffix.lower() not in plan_export.FORMATS:
        raise UsageError(f"{out.name}: --out must be one of {', '.join(plan_export.FORMATS)}")
    if args.units is not None and args.unit:
        raise UsageError("plan takes --units N or --unit ID ..., not both")
    engine = _engine(args)
    who = _who(args, engine)
    plan = planning.make_plan(
        engine, who, night=args.date, window=args.window, unit_ids=args.unit or None,
        n_units=args.units, dwell_min=args.dwell, n_candidates=args.candidates,
        must=args.must or (), avoid=args.avoid or (), res=args.res, area=args.area,
        value=args.value, seed=args.seed, time_limit_s=args.time_limit, network=args.network)
    planning.save_plan(engine, plan, user=args.as_user or "cli", scope=who)
    n_stops = sum(len(u["stops"]) for u in plan["units"])
    _audit(args, engine, "plan", plan["plan_id"], rows=n_stops, night=plan["date"],
           area=args.area, units=len(plan["units"]))
    lang = args.lang or get_settings().lang
    plan_export.write(plan, out, lang, demo=is_demo(engine))
    _audit(args, engine, "export", out.name, rows=n_stops, kind="plan",
           plan_id=plan["plan_id"])
    return {"command": "plan", "plan_id": plan["plan_id"], "out": str(out), "date": plan["date"],
            "window": plan["window"], "units": len(plan["units"]),
            "stops": sum(len(u["stops"]) for u in plan["units"]),
            "risk_covered": plan["risk_covered"], "risk_total": plan["risk_total"],
            "greedy_covered": plan["greedy_covered"], "travel": plan["travel"]["model"],
            "solve_s": plan["solve_s"], "warnings": plan["warnings"]}


def cmd_actual(args: argparse.Namespace) -> dict[str, Any]:
    """Plan against actual: each planned stop visited with full dwell, briefly, or missed, from
    the units' GPS tracks of the plan's night."""
    from geo import planning

    engine = _engine(args)
    who = _who(args, engine)
    source = Path(args.plan)
    if source.suffix.lower() == ".json" and source.exists():
        try:
            plan = json.loads(source.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise UsageError(f"{source.name}: not a plan JSON file ({e.msg})") from None
        if not isinstance(plan, dict) or not all(k in plan for k in planning.PLAN_KEYS):
            raise UsageError(f"{source.name}: not a plan JSON file (no plan_id, units...)")
    elif source.suffix.lower() == ".json":
        raise UsageError(f"{args.plan}: no such file")
    else:
        plan = planning.load_plan(engine, args.plan, who)
    result = planning.actual(engine, who, plan, full_ratio=args.full_ratio)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".csv":
            import pandas as pd

            from geo.ingest import neutralise_formulas

            neutralise_formulas(pd.DataFrame(result["stops"])).to_csv(
                out, index=False, encoding="utf-8-sig")
        else:
            out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        _audit(args, engine, "export", out.name, rows=len(result["stops"]), kind="actual",
               plan_id=result["plan_id"])
    return {"command": "actual", "plan_id": result["plan_id"], "out": args.out,
            "overall": result["overall"],
            "units": [{k: u[k] for k in ("unit_id", "stops", "full", "brief", "missed",
                                         "compliance")} for u in result["units"]]}


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask the password on: give it on stdin with "
                         "--password-stdin")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def cmd_users(args: argparse.Namespace) -> dict[str, Any]:
    """User administration: add, list, disable, enable, passwd. Changes are audited as made by
    ``cli``; passwords are hashed (argon2id) and never printed."""
    from geo import access

    engine = _engine(args)
    out: dict[str, Any] = {"command": "users", "action": args.action}
    if args.action == "list":
        table = access.users(engine)
        out["users"] = [{"name": r.user_name, "role": r.role, "areas": r.areas,
                         "disabled": bool(r.disabled), "locked": bool(r.locked),
                         "demo": bool(r.demo)}
                        for r in table.itertuples(index=False)]
        return out
    out["name"] = args.name
    if args.action == "add":
        access.add_user(engine, args.name, _password(args), args.role, args.area, by="cli")
        out |= {"role": args.role, "areas": sorted(args.area)}
    elif args.action in ("disable", "enable"):
        access.set_disabled(engine, args.name, args.action == "disable", by="cli")
    else:
        access.set_password(engine, args.name, _password(args), by="cli")
    return out


def _frame_records(frame: Any, limit: int | None = None) -> list[dict[str, Any]]:
    import pandas as pd

    f = frame.head(limit) if limit else frame
    f = f.astype(object).where(pd.notna(f), None)
    return json.loads(f.to_json(orient="records", date_format="iso", force_ascii=False))


def cmd_duty(args: argparse.Namespace) -> dict[str, Any]:
    """The night's duty: key points required, visited on time, late and missed (GPS visits and
    check-ins, each visit once), per site and per unit."""
    from geo import duty

    engine = _engine(args)
    rules = duty.rules_from_toml(Path(args.rules).read_bytes()) if args.rules else None
    result = duty.night_duty(engine, "all", args.date, window=args.window, area=args.area,
                             rules=rules)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".csv":
            from geo.ingest import neutralise_formulas

            neutralise_formulas(result["sites"]).to_csv(out, index=False, encoding="utf-8-sig")
        else:
            out.write_text(json.dumps({"summary": result["summary"],
                                       "sites": _frame_records(result["sites"]),
                                       "units": _frame_records(result["units"])},
                                      ensure_ascii=False, indent=1), encoding="utf-8")
    missed = result["sites"].loc[result["sites"]["missed"] > 0, "site_id"].tolist()
    return {"command": "duty", "date": args.date, "window": result["window"],
            "out": args.out, **result["summary"], "missed_sites": missed}


def cmd_circles(args: argparse.Namespace) -> dict[str, Any]:
    """1-3-5 minute response circles: travel time from the posts (and the units' last fixes at
    --at) to every cell, the share of key sites and high-risk cells inside their tier; writes
    the cells as GeoJSON (h3, res, travel_min, tier, required_min, inside, risk)."""
    import pandas as pd

    from geo import analysis, circles

    if not args.out.lower().endswith((".geojson", ".csv", ".parquet")):
        raise UsageError(f"{args.out}: --out must be .geojson, .csv or .parquet")
    at = None
    if args.at:
        try:
            at = pd.Timestamp(args.at)
        except ValueError:
            raise UsageError(f"--at: not a time (YYYY-MM-DD HH:MM): {args.at!r}") from None
    result = circles.readiness(_engine(args), "all", area=args.area, at=at, kind=args.kind,
                               res=args.res, network=args.network, optimise=args.optimise,
                               time_limit_s=args.time_limit)
    cells = result["cells"].drop(columns=["lat", "lng"])
    analysis.write_cells(cells, args.out)
    outside = result["sites"].loc[~result["sites"]["inside"], "site_id"].tolist()
    out = {"command": "circles", "out": args.out, "at": args.at, **result["summary"],
           "sites_outside": outside}
    if "optimised" in result:
        o = result["optimised"]
        out["optimised"] = {k: v for k, v in o.items() if k != "points"} | {
            "points": o["points"]["id"].tolist()}
    return out


def cmd_alerts(args: argparse.Namespace) -> dict[str, Any]:
    """What needs attention on a night: long stops outside posts, key points missed, hot cells
    not patrolled for hours, venues behind their inspection schedule, hazards past deadline."""
    import pandas as pd

    from geo import duty

    at = None
    if args.at:
        try:
            at = pd.Timestamp(args.at)
        except ValueError:
            raise UsageError(f"--at: not a time (YYYY-MM-DD HH:MM): {args.at!r}") from None
        if at.tzinfo is None:
            from geo.config import get_settings

            at = at.tz_localize(get_settings().tz)
    table = duty.alerts(_engine(args), "all", args.date, at=at, area=args.area,
                        hot_hours=args.hours)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".csv":
            from geo.ingest import neutralise_formulas

            neutralise_formulas(table).to_csv(out, index=False, encoding="utf-8-sig")
        else:
            out.write_text(json.dumps(_frame_records(table), ensure_ascii=False, indent=1),
                           encoding="utf-8")
    return {"command": "alerts", "date": args.date, "out": args.out, "alerts": len(table),
            "by_kind": {str(k): int(v) for k, v in table["kind"].value_counts().items()},
            "first": _frame_records(table[["kind", "id", "name", "detail"]], 5)}


def cmd_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    """Recompute every shift's coverage rollup from the stored pings."""
    from geo import store

    return {"command": "rebuild", "shifts": store.rebuild_coverage(_engine(args))}


def cmd_rollup(args: argparse.Namespace) -> dict[str, Any]:
    """Batch coverage rollup of archive-size ping files (Parquet or CSV, any partitioning) with
    the local engine or on a Dask cluster; writes the store's per-shift rollups."""
    from geo import engines

    if args.engine == "local" and (args.scheduler or args.workers):
        raise UsageError("--scheduler and --workers go with --engine dask")
    db = _engine(args)
    with engines.open_engine(args.engine, scheduler=args.scheduler,
                             workers=args.workers) as eng:
        summary = engines.rollup_files(eng, args.input, db=db, shifts_file=args.shifts,
                                       spill_dir=args.spill, crs=args.crs,
                                       progress=not args.no_progress)
    return {"command": "rollup", **summary}


def cmd_bench(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmarks and write their ratios and figures as JSON."""
    from geo import bench

    result = bench.run(quick=args.quick, only=args.only)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return {"command": "bench", "out": args.out, "ratios": result["ratios"]}


# --------------------------------------------------------------------------------------------
# Parser


def _doc(command: Callable[..., object]) -> str:
    """A command's docstring, its help text; empty under ``python -OO``, which strips them."""
    return command.__doc__ or ""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="store URL (default: QY_DATABASE_URL or the "
                   "embedded SQLite file data/qingyun.db)")


def _as(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="as_user", metavar="USER",
                   help="produce what this user may see (their areas and role); no password: "
                        "the CLI runs on the server. Default: everything")


def _period(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", type=_date, metavar="D",
                   help="first local date, YYYY-MM-DD (inclusive)")
    p.add_argument("--to", dest="date_to", type=_date, metavar="D",
                   help="last local date, YYYY-MM-DD (inclusive)")


def _cells(p: argparse.ArgumentParser) -> None:
    """Options of every per-cell command: store, user, period, resolution, area."""
    _common(p)
    _as(p)
    _period(p)
    p.add_argument("--res", type=int, default=9, choices=[7, 8, 9, 10], help="H3 resolution")
    p.add_argument("--area", help="area id (station or grid)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = _Parser(prog="python -m geo", description="Qingyun Patrol (青云巡防) command line. "
                     "Each command prints one JSON summary line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("demo", help=_doc(cmd_demo), description=_doc(cmd_demo))
    _common(p)
    p.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p.add_argument("--force", action="store_true",
                   help="re-import even if this seed is loaded (adds nothing new)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help=_doc(cmd_import), description=_doc(cmd_import) +
                       " Formats: CSV (UTF-8, BOM, GBK), XLSX, GeoJSON, GeoPackage, zipped "
                       "Shapefile, Parquet.")
    _common(p)
    p.add_argument("kind", choices=list(schema.KINDS), help="record kind")
    p.add_argument("file", help="file to import")
    p.add_argument("--crs", default="wgs84",
                   help="coordinates of the file: wgs84 (default), gcj02, bd09 or EPSG:n; a "
                        "vector file's own projected CRS wins")
    p.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    p.add_argument("--encoding", help="CSV encoding (default: UTF-8/BOM, then GB18030)")
    p.add_argument("--rejects", metavar="F.csv", help="write rejected rows with reasons here")
    p.add_argument("--as", dest="as_user", metavar="USER",
                   help="the admin recorded as importing (default: cli)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("status", help=_doc(cmd_status), description=_doc(cmd_status))
    _common(p)
    _as(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("coverage", help=_doc(cmd_coverage), description=_doc(cmd_coverage))
    _cells(p)
    p.add_argument("--night", default="20:00-06:00",
                   help="night window HH:MM-HH:MM (default 20:00-06:00); 'all' for whole days")
    p.add_argument("--units", help="unit kinds, comma-separated: " + ",".join(schema.UNIT_KINDS))
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("hotspots", help=_doc(cmd_hotspots), description=_doc(cmd_hotspots))
    _cells(p)
    p.add_argument("--k", type=int, default=1, help="k-ring of the binary weights (default 1)")
    p.add_argument("--category", help="incident categories, comma-separated")
    p.add_argument("--fdr", action="store_true", help="Benjamini-Hochberg false discovery rate")
    p.add_argument("--emerging", action="store_true",
                   help="weekly emerging hot spot pattern per cell (property trend)")
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_hotspots)

    p = sub.add_parser("risk", help=_doc(cmd_risk), description=_doc(cmd_risk))
    _cells(p)
    p.add_argument("--night", default="20:00-06:00", help="night window for coverage")
    p.add_argument("--top", type=int, help="keep only the N largest gaps")
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_risk)

    p = sub.add_parser("map", help=_doc(cmd_map).split(";")[0], description=_doc(cmd_map))
    _cells(p)
    p.add_argument("--layer", required=True,
                   choices=["coverage", "hotspots", "risk", "gap", "venues", "hazards"],
                   help="what to draw")
    p.add_argument("--night", default="20:00-06:00",
                   help="night window HH:MM-HH:MM for coverage (default 20:00-06:00); 'all' "
                        "for whole days")
    p.add_argument("--tiles", help="none (default: QY_TILES or none; no tile requests), osm, "
                   "amap (geometries shifted to GCJ-02), tianditu, or a tile URL template")
    p.add_argument("--tianditu-token", dest="tianditu_token", help="token for --tiles tianditu")
    p.add_argument("--lang", choices=["zh-CN", "en"], help="labels (default: QY_LANG, zh-CN)")
    p.add_argument("--out", required=True, help="output .html (self-contained, works offline)")
    p.set_defaults(func=cmd_map)

    p = sub.add_parser("evaluate", help=_doc(cmd_evaluate), description=_doc(cmd_evaluate))
    _cells(p)
    p.add_argument("--out", help="write the full result as .json or the summary as .csv")
    p.add_argument("--quiet", action="store_true", help="do not print the table on stderr")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("brief", help=_doc(cmd_brief).split(":")[0],
                       description=_doc(cmd_brief))
    _common(p)
    _as(p)
    p.add_argument("--from", dest="date_from", type=_date, metavar="D", required=True,
                   help="first local date, YYYY-MM-DD (inclusive)")
    p.add_argument("--to", dest="date_to", type=_date, metavar="D", required=True,
                   help="last local date, YYYY-MM-DD (inclusive)")
    p.add_argument("--area", help="area id (station or grid; default: all areas)")
    p.add_argument("--lang", choices=["zh", "zh-CN", "en"],
                   help="language (default: QY_LANG, zh-CN)")
    p.add_argument("--campaign", help="campaign name for the lead sentence, e.g. 百日行动 "
                   "(\"开展百日行动以来...\"); default: the period")
    p.add_argument("--night", default="20:00-06:00",
                   help="night window HH:MM-HH:MM (default 20:00-06:00)")
    p.add_argument("--res", type=int, default=9, choices=[7, 8, 9, 10],
                   help="H3 resolution of the maps, hot spots and gaps")
    p.add_argument("--out", required=True, help="output .pdf, .docx, .html or .md")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("plan", help=_doc(cmd_plan).split(":")[0], description=_doc(cmd_plan))
    _common(p)
    _as(p)
    p.add_argument("--date", type=_date, required=True, metavar="D",
                   help="the night, as the local date it starts on (YYYY-MM-DD)")
    p.add_argument("--units", type=int, metavar="N", help="the first N units on duty")
    p.add_argument("--unit", nargs="+", metavar="ID", help="these units (ids)")
    p.add_argument("--window", default="20:00-06:00", help="shift window HH:MM-HH:MM "
                   "(default 20:00-06:00)")
    p.add_argument("--network", metavar="F.pbf", help="OpenStreetMap .osm.pbf road network "
                   "(default: straight line x detour factor)")
    p.add_argument("--dwell", type=float, default=15, metavar="MIN",
                   help="minutes per stop (default 15)")
    p.add_argument("--candidates", type=int, default=150, metavar="N",
                   help="candidate cells from the gap ranking (default 150)")
    p.add_argument("--must", nargs="+", metavar="H3", help="cells that must be visited")
    p.add_argument("--avoid", nargs="+", metavar="H3", help="cells not to visit")
    p.add_argument("--value", choices=["gap", "risk"], default="gap",
                   help="value of a cell (default gap)")
    p.add_argument("--seed", type=int, help="a randomised variant with this seed")
    p.add_argument("--time-limit", dest="time_limit", type=float, default=9.0, metavar="S",
                   help="seconds for the route search (default 9)")
    p.add_argument("--area", help="area id (station or grid)")
    p.add_argument("--res", type=int, default=9, choices=[7, 8, 9, 10], help="H3 resolution")
    p.add_argument("--lang", choices=["zh-CN", "en"], help="language of .html/.pdf sheets")
    p.add_argument("--out", required=True,
                   help="output .json, .gpx, .kml, .csv, .html or .pdf")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("actual", help=_doc(cmd_actual).split(":")[0],
                       description=_doc(cmd_actual))
    _common(p)
    _as(p)
    p.add_argument("--plan", required=True, metavar="ID|F.json",
                   help="a saved plan id or a plan .json file")
    p.add_argument("--full-ratio", dest="full_ratio", type=float, default=0.8,
                   help="share of the planned dwell that counts as a full visit (default 0.8)")
    p.add_argument("--out", help="write the result as .json, or the stops as .csv")
    p.set_defaults(func=cmd_actual)

    p = sub.add_parser("users", help="user administration: add, list, disable, enable, passwd",
                       description=_doc(cmd_users) + " Each action takes --db URL.")
    users = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    q = users.add_parser("add", help="add a user", description="Add a user. The password is "
                         "read from stdin with --password-stdin, else asked twice on the "
                         "terminal; it is never an argument (argument lists are visible to "
                         "other users of the machine).")
    _common(q)
    q.add_argument("name", help="user name (letters, digits, . _ - @)")
    q.add_argument("--role", required=True, choices=["admin", "commander", "grid_manager",
                                                     "viewer"], help="role")
    q.add_argument("--area", nargs="+", default=[], metavar="ID",
                   help="areas: stations for a commander, grids for a grid manager, any for "
                        "a viewer; none for an admin")
    q.add_argument("--password-stdin", dest="password_stdin", action="store_true",
                   help="read the password from the first line of stdin")
    q = users.add_parser("list", help="list users (no password hashes)")
    _common(q)
    for action, text in (("disable", "disable a user (their sessions end)"),
                         ("enable", "enable a disabled user again")):
        q = users.add_parser(action, help=text, description=text)
        _common(q)
        q.add_argument("name", help="user name")
    q = users.add_parser("passwd", help="set a user's password (ends their sessions, lifts a "
                         "lockout)")
    _common(q)
    q.add_argument("name", help="user name")
    q.add_argument("--password-stdin", dest="password_stdin", action="store_true",
                   help="read the password from the first line of stdin")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("duty", help=_doc(cmd_duty).split(":")[0], description=_doc(cmd_duty))
    _common(p)
    p.add_argument("--date", type=_date, required=True, metavar="D",
                   help="the night, as the local date it starts on (YYYY-MM-DD)")
    p.add_argument("--window", help="night window HH:MM-HH:MM (default: the configured night)")
    p.add_argument("--area", help="area id (station or grid)")
    p.add_argument("--rules", metavar="F.toml", help="duty rules file (default: the stored "
                   "rules, else the defaults)")
    p.add_argument("--out", help="write the sites as .csv or everything as .json")
    p.set_defaults(func=cmd_duty)

    p = sub.add_parser("circles", help=_doc(cmd_circles).split(":")[0],
                       description=_doc(cmd_circles))
    _common(p)
    p.add_argument("--at", metavar="TIME", help="a moment (YYYY-MM-DD HH:MM, local): the units' "
                   "last fixes stand beside the posts")
    p.add_argument("--kind", default="police_car", help="unit kind travelling: police_car "
                   "(default), e_bike or foot")
    p.add_argument("--network", metavar="F.pbf", help="OpenStreetMap .osm.pbf road network "
                   "(default: straight line x detour factor)")
    p.add_argument("--optimise", type=int, metavar="N",
                   help="also place N units where they reach the most key sites and risk")
    p.add_argument("--time-limit", dest="time_limit", type=float, default=10.0, metavar="S",
                   help="seconds for the placement search (default 10)")
    p.add_argument("--area", help="area id (station or grid)")
    p.add_argument("--res", type=int, default=9, choices=[7, 8, 9, 10], help="H3 resolution")
    p.add_argument("--out", required=True, help="output .geojson, .csv or .parquet")
    p.set_defaults(func=cmd_circles)

    p = sub.add_parser("alerts", help=_doc(cmd_alerts).split(":")[0],
                       description=_doc(cmd_alerts))
    _common(p)
    p.add_argument("--date", type=_date, required=True, metavar="D",
                   help="the night, as the local date it starts on (YYYY-MM-DD)")
    p.add_argument("--at", metavar="TIME", help="a moment in the night (default: its end)")
    p.add_argument("--hours", type=float, default=4.0,
                   help="hot cells not patrolled for this many hours (default 4)")
    p.add_argument("--area", help="area id (station or grid)")
    p.add_argument("--out", help="write the alerts as .csv or .json")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("rebuild", help=_doc(cmd_rebuild), description=_doc(cmd_rebuild))
    _common(p)
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("rollup", help=_doc(cmd_rollup).split(";")[0],
                       description=_doc(cmd_rollup))
    _common(p)
    p.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local (pandas, this process; default) or dask (distributed)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDR",
                       help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (workers must see "
                            "the input and --spill at the same paths)")
    where.add_argument("--workers", type=int, metavar="N",
                       help="start a local Dask cluster of N single-threaded worker processes "
                            "(default 2)")
    p.add_argument("--input", required=True, metavar="GLOB",
                   help="ping files: a glob ('**' allowed) or a folder of .parquet/.csv files")
    p.add_argument("--shifts", metavar="FILE",
                   help="shifts/units file: shift_id or unit_id, unit_kind, optional start/end "
                        "(kinds and shifts of unit-only fixes; the store's are used too)")
    p.add_argument("--crs", default="wgs84", help="coordinates of the files (default wgs84)")
    p.add_argument("--spill", metavar="DIR",
                   help="folder for the intermediate buckets (default: a temporary folder)")
    p.add_argument("--no-progress", dest="no_progress", action="store_true",
                   help="no progress bar on stderr")
    p.set_defaults(func=cmd_rollup)

    p = sub.add_parser("bench", help=_doc(cmd_bench), description=_doc(cmd_bench))
    _common(p)
    p.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    p.add_argument("--only", help="comma-separated benchmark names")
    p.add_argument("--out", default="bench.json", help="output JSON (default bench.json)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    from geo.ingest import FileError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        summary = args.func(args)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except (UsageError, FileError, ValueError, KeyError, OSError) as e:
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"error: {text}", file=sys.stderr)
        return 2
    except Exception as e:  # an internal fault: still one line, never a traceback
        print(f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
              file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
