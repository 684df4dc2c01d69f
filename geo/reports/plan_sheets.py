"""Exports of a patrol plan for the field: JSON, CSV, GPX, KML, a printable sheet (HTML, PDF).

Every function takes a plan document (:func:`geo.services.plan.make_plan`) and returns ``bytes`` or
``str``; :func:`write` picks the format from a file suffix. Stops are named by their place (grid and
nearest landmark, :func:`geo.domain.places.place_of`) in the sheet's language; the cell id is a
detail (the last column, the waypoint's description). Landmark names come from user data: the
XML formats escape them through ElementTree, the HTML sheet through :func:`html.escape`, the CSV
neutralises spreadsheet formulas.

- GPX 1.1: one ``<rte>`` per unit with one ``<rtept>`` per stop (time = planned arrival, UTC);
- KML 2.2: one ``<Folder>`` per unit with one ``<Placemark>`` per stop (a TimeSpan from arrival to
  leaving);
- CSV: one row per stop;
- HTML: a self-contained printable sheet (a route sketch per unit drawn without a basemap, so it
  prints offline), one page per unit when printed; PDF: the same sheet rendered with reportlab.
"""

from __future__ import annotations

import base64
import html
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.domain import places
from geo.domain.coords import wgs84_to_gcj02
from geo.escape import neutralise_formulas
from geo.i18n import t
from geo.reports import fonts

__all__ = ["CRS", "FORMATS", "to_csv", "to_gpx", "to_html", "to_json", "to_kml", "to_pdf", "write"]

FORMATS = (".json", ".csv", ".gpx", ".kml", ".html", ".pdf")
GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
_STOP_FIELDS = (
    "seq",
    "place",
    "place_en",
    "landmark",
    "lat",
    "lng",
    "arrive",
    "leave",
    "latest_arrive",
    "value",
    "must",
    "h3",
)  # the fields of a planned stop that stops_frame gives, in its column order (cell id last)


def to_json(plan: dict[str, Any]) -> str:
    """The plan document as JSON (UTF-8 text, Chinese kept readable)."""
    return json.dumps(plan, ensure_ascii=False, indent=1)


def stops_frame(plan: dict[str, Any]) -> pd.DataFrame:
    """One row per planned stop of a plan document.

    Columns: plan_id, unit_id, kind, seq, place (zh-CN), place_en (the stop's name,
    :func:`geo.domain.places.place_of`), landmark, lat, lng, arrive, leave, latest_arrive, value,
    must, h3 (the cell id, a detail).
    """
    rows = [
        {
            "plan_id": plan["plan_id"],
            "unit_id": u["unit_id"],
            "kind": u["kind"],
            **{k: s.get(k) for k in _STOP_FIELDS},
            "place": places.place_of(s, "zh-CN"),
            "place_en": places.place_of(s, "en"),
        }
        for u in plan["units"]
        for s in u["stops"]
    ]
    return pd.DataFrame(rows, columns=["plan_id", "unit_id", "kind", *_STOP_FIELDS])


def to_csv(plan: dict[str, Any]) -> str:
    """Stops as CSV (for Excel: write it with a BOM, as :func:`write` does).

    A unit without a stop has one row of its own, saying why in ``why_none`` (zh-CN) and
    ``why_none_en``.
    """
    stops = stops_frame(plan)
    idle = pd.DataFrame(
        [
            {
                "plan_id": plan["plan_id"],
                "unit_id": u["unit_id"],
                "kind": u["kind"],
                "why_none": u.get("why_none_zh") or "",
                "why_none_en": u.get("why_none_en") or "",
            }
            for u in plan["units"]
            if not u["stops"]
        ],
        columns=["plan_id", "unit_id", "kind", "why_none", "why_none_en"],
    )
    if len(idle):
        stops = pd.concat([stops.astype(object), idle.astype(object)], ignore_index=True)
    return neutralise_formulas(stops).to_csv(index=False)


def _why_none(u: dict[str, Any], lang: str) -> str:
    """Why a unit has no stop, in ``lang`` (the plan's words; on standby when it says none)."""
    why = u.get("why_none_en" if lang == "en" else "why_none_zh")
    return str(why) if why else t("plan.no_stops", lang)


def _utc(iso: str) -> str:
    return pd.Timestamp(iso).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, tag, attrs)
    if text is not None:
        e.text = text
    return e


def _stop_name(u: dict[str, Any], s: dict[str, Any], lang: str) -> str:
    return f"{u['unit_id']}-{s['seq']} {places.place_of(s, lang)}".strip()


def _hhmm(iso: str) -> str:
    return pd.Timestamp(iso).strftime("%H:%M")


CRS = ("wgs84", "gcj02")
"""Coordinate systems of the GPX and KML files: WGS-84 (GPS devices) or GCJ-02 (Amap and the
phone maps that expect its coordinates)."""


def _at(s: dict[str, Any], crs: str) -> tuple[float, float]:
    """A stop's (lat, lng) in ``crs`` (:data:`CRS`)."""
    if crs not in CRS:
        msg = f"coordinates: {crs!r} is none of {', '.join(CRS)}"
        raise ValueError(msg)
    if crs == "wgs84":
        return float(s["lat"]), float(s["lng"])
    lng, lat = wgs84_to_gcj02(float(s["lng"]), float(s["lat"]))
    return float(lat), float(lng)


def to_gpx(plan: dict[str, Any], lang: str = "zh-CN", *, crs: str = "wgs84") -> bytes:
    """GPX 1.1: one route per unit, one route point per stop (in visiting order).

    A stop is named by its unit, number and place in ``lang``; its cell id is in its description.
    Points in ``crs`` (:data:`CRS`: GPX readers expect WGS-84; GCJ-02 for phone maps that read
    Amap coordinates), said in the file's description.
    """
    ET.register_namespace("", GPX_NS)
    q = f"{{{GPX_NS}}}"
    root = ET.Element(f"{q}gpx", {"version": "1.1", "creator": "Qingyun Patrol"})
    meta = _sub(root, f"{q}metadata")
    _sub(meta, f"{q}name", f"{plan['plan_id']} {plan['date']} {plan['window']}")
    desc = t(
        "plan.gpx_desc",
        lang,
        covered=plan["risk_covered"],
        total=plan["risk_total"],
        crs=t(f"plan.crs_name.{crs}", lang),
    )
    _sub(meta, f"{q}desc", desc)
    _sub(meta, f"{q}time", _utc(plan.get("created") or plan["start"]))
    for i, u in enumerate(plan["units"], start=1):
        rte = _sub(root, f"{q}rte")
        _sub(rte, f"{q}name", f"{u['unit_id']} {u.get('name', '')}".strip())
        kind = t(f"plan.kind.{u['kind']}", lang)
        start, end = _hhmm(u["shift"][0]), _hhmm(u["shift"][1])
        _sub(rte, f"{q}desc", t("plan.rte_desc", lang, kind=kind, start=start, end=end))
        _sub(rte, f"{q}number", str(i))
        for s in u["stops"]:
            lat, lng = _at(s, crs)
            pt = _sub(rte, f"{q}rtept", lat=f"{lat:.6f}", lon=f"{lng:.6f}")
            _sub(pt, f"{q}time", _utc(s["arrive"]))
            _sub(pt, f"{q}name", _stop_name(u, s, lang))
            _sub(pt, f"{q}desc", f"{_hhmm(s['arrive'])}-{_hhmm(s['leave'])} h3 {s['h3']}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_kml(plan: dict[str, Any], lang: str = "zh-CN", *, crs: str = "wgs84") -> bytes:
    """KML 2.2: a folder per unit holding one Placemark per stop.

    A stop is named by its unit, number and place in ``lang``; its cell id is in its description.
    Points in ``crs`` (:data:`CRS`; KML is WGS-84 by its standard, GCJ-02 for phone maps that read
    Amap coordinates), said in the document's description.
    """
    ET.register_namespace("", KML_NS)
    q = f"{{{KML_NS}}}"
    root = ET.Element(f"{q}kml")
    doc = _sub(root, f"{q}Document")
    _sub(doc, f"{q}name", f"{plan['plan_id']} {plan['date']} {plan['window']}")
    _sub(doc, f"{q}description", t("plan.file_desc", lang, crs=t(f"plan.crs_name.{crs}", lang)))
    for u in plan["units"]:
        folder = _sub(doc, f"{q}Folder")
        _sub(folder, f"{q}name", f"{u['unit_id']} {u.get('name', '')}".strip())
        for s in u["stops"]:
            pm = _sub(folder, f"{q}Placemark")
            _sub(pm, f"{q}name", _stop_name(u, s, lang))
            _sub(
                pm,
                f"{q}description",
                f"{_hhmm(s['arrive'])}-{_hhmm(s['leave'])}; h3 {s['h3']}; value {s['value']}",
            )
            span = _sub(pm, f"{q}TimeSpan")
            _sub(span, f"{q}begin", _utc(s["arrive"]))
            _sub(span, f"{q}end", _utc(s["leave"]))
            point = _sub(pm, f"{q}Point")
            lat, lng = _at(s, crs)
            _sub(point, f"{q}coordinates", f"{lng:.6f},{lat:.6f},0")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------------------------
# Printable sheet


def route_sketch(
    unit: dict[str, Any], *, width_in: float = 5.5, backdrop: dict[str, Any] | None = None
) -> bytes:
    """PNG of one unit's route: start point, numbered stops and straight legs, with a scale bar.

    No basemap, so that it prints offline; ``backdrop``
    (:func:`geo.services.networks.sheet_backdrop`) draws the streets under the route (thin
    grey, main roads thicker) and the grid lines (dashed), cut to the route's surroundings.
    """
    # matplotlib loads only when a route sketch is drawn
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lat = [
        unit["start_point"]["lat"],
        *(s["lat"] for s in unit["stops"]),
        unit["start_point"]["lat"],
    ]
    lng = [
        unit["start_point"]["lng"],
        *(s["lng"] for s in unit["stops"]),
        unit["start_point"]["lng"],
    ]
    k = np.cos(np.radians(np.mean(lat)))
    x = (np.array(lng) - lng[0]) * 111_320.0 * k
    y = (np.array(lat) - lat[0]) * 110_540.0
    with fonts.mpl_lock:
        fig = Figure(figsize=(width_in, width_in * 0.62), dpi=110)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if backdrop:
            _draw_backdrop(ax, backdrop, lng[0], lat[0], k, x, y)
        _draw_route(ax, x, y)
        fig.tight_layout(pad=0.2)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _draw_backdrop(
    ax: Any, backdrop: dict[str, Any], lng0: float, lat0: float, k: float, x: Any, y: Any
) -> None:
    """Streets (grey; main roads thicker) and grid lines (dashed) near the route.

    In the sketch's metres east and north of the start.
    """
    # matplotlib loads only when a route sketch is drawn
    from matplotlib.collections import LineCollection

    span = max(float(np.ptp(x)), float(np.ptp(y)), 200.0)
    pad = 0.15 * span
    x0, x1 = float(np.min(x)) - pad, float(np.max(x)) + pad
    y0, y1 = float(np.min(y)) - pad, float(np.max(y)) + pad

    def local(coords: Any) -> np.ndarray:
        c = np.asarray(coords, float)
        return np.column_stack([(c[:, 0] - lng0) * 111_320.0 * k, (c[:, 1] - lat0) * 110_540.0])

    def near(xy: np.ndarray) -> bool:
        return bool(
            (xy[:, 0].max() >= x0)
            and (xy[:, 0].min() <= x1)
            and (xy[:, 1].max() >= y0)
            and (xy[:, 1].min() <= y1)
        )

    for main in (False, True):
        segs = [local(c) for c, m in backdrop.get("streets", ()) if m == main]
        segs = [s for s in segs if len(s) > 1 and near(s)]
        if segs:
            ax.add_collection(
                LineCollection(
                    segs, colors="#b5b5b5" if main else "#d2d2d2", linewidths=2.2 if main else 0.8
                )
            )
    grids = [local(c) for c in backdrop.get("grids", ())]
    grids = [g for g in grids if len(g) > 1 and near(g)]
    if grids:
        ax.add_collection(
            LineCollection(grids, colors="#7a9a7a", linewidths=0.9, linestyles="dashed")
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0 - 0.1 * span, y1)


def _draw_route(ax: Any, x: Any, y: Any) -> None:
    ax.plot(x, y, "-", color="#1f5fa8", lw=1.4, zorder=1)
    ax.scatter(x[1:-1], y[1:-1], s=150, color="#d8442c", zorder=2, edgecolor="white")
    for i in range(1, len(x) - 1):
        ax.text(
            x[i],
            y[i],
            str(i),
            color="white",
            ha="center",
            va="center",
            fontsize=7,
            zorder=3,
            fontweight="bold",
        )
    ax.scatter([x[0]], [y[0]], marker="s", s=90, color="#222", zorder=3)
    span = max(float(np.ptp(x)), float(np.ptp(y)), 200.0)
    bar = 10 ** np.floor(np.log10(span / 3))
    bar *= 5 if span / bar > 12 else 2 if span / bar > 6 else 1
    x0, y0 = float(x.min()), float(y.min()) - 0.08 * span
    ax.plot([x0, x0 + bar], [y0, y0], color="#222", lw=3)
    ax.text(
        x0 + bar / 2,
        y0 + 0.02 * span,
        f"{bar:.0f} m" if bar < 1000 else f"{bar / 1000:.0f} km",
        ha="center",
        va="bottom",
        fontsize=7,
    )
    ax.set_aspect("equal")
    ax.set_axis_off()


_SHEET_COLUMNS = (
    "plan.col.seq",
    "plan.col.arrive",
    "plan.col.leave",
    "plan.col.place",
    "plan.col.latlng",
    "plan.col.h3",
)  # headings of a unit's table of stops on the printable sheet (the cell id last, a detail)


def _summary(plan: dict[str, Any], lang: str) -> str:
    """The sheet's summary line: plan, window, units, stops and the share of risk covered."""
    pct = 100 * plan["risk_covered"] / plan["risk_total"] if plan["risk_total"] else 0.0
    return t(
        "plan.sheet_summary",
        lang,
        plan_id=plan["plan_id"],
        window=plan["window"],
        units=len(plan["units"]),
        stops=sum(len(u["stops"]) for u in plan["units"]),
        pct=f"{pct:.0f}",
    )


def _warnings(plan: dict[str, Any], lang: str) -> list[str]:
    """The plan's notes in ``lang`` (a plan saved before they were worded: as it kept them)."""
    key = "warnings_en" if lang == "en" else "warnings_zh"
    return list(plan.get(key, plan.get("warnings", [])))


def _options(plan: dict[str, Any], lang: str) -> list[str]:
    """The plan's must-visit places (with their time windows) and avoided places, by name."""
    sep = t("plan.opt.sep", lang)
    out = []
    must = []
    for m in plan.get("must", []):
        name, span = places.place_of(m, lang), m.get("window")
        must.append(
            t("plan.opt.window", lang, place=name, start=span[0], end=span[1]) if span else name
        )
    if must:
        out.append(t("plan.opt.must", lang, places=sep.join(must)))
    avoided = [places.place_of(a, lang) for a in plan.get("avoided", [])]
    if avoided:
        out.append(t("plan.opt.avoid", lang, places=sep.join(avoided)))
    return out


def _unit_head(u: dict[str, Any], lang: str) -> str:
    """A unit's heading on the sheet: id, name, kind and shift."""
    return t(
        "plan.unit_head",
        lang,
        unit=u["unit_id"],
        name=u.get("name", ""),
        kind=t(f"plan.kind.{u['kind']}", lang),
        start=_hhmm(u["shift"][0]),
        end=_hhmm(u["shift"][1]),
    )


def _unit_foot(u: dict[str, Any], lang: str) -> str:
    """The line under a unit's stops: when it is back and its minutes on the road."""
    return t("plan.unit_foot", lang, back=_hhmm(u["back"]), minutes=f"{u['travel_s'] / 60:.0f}")


def to_html(
    plan: dict[str, Any],
    lang: str = "zh-CN",
    *,
    demo: bool = False,
    backdrop: dict[str, Any] | None = None,
) -> str:
    """A self-contained printable plan sheet (one printed page per unit).

    ``backdrop``: streets and grid lines under each route (:func:`route_sketch`).
    """
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(t('plan.sheet_title', lang, date=plan['date']))}</title>",
        "<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:18px;"
        "color:#222}table{border-collapse:collapse;width:100%;font-size:13px}"
        "th,td{border:1px solid #999;padding:3px 6px;text-align:left}th{background:#eee}"
        ".unit{page-break-after:always;margin-bottom:24px}.demo{color:#a00;font-weight:bold}"
        "img{max-width:100%}@media print{.unit{page-break-after:always}}</style></head><body>",
        f"<h1>{e(t('plan.sheet_title', lang, date=plan['date']))}</h1>",
    ]
    if demo:
        parts.append(f"<p class='demo'>{e(t('plan.demo_note', lang))}</p>")
    parts.append("<p>" + e(_summary(plan, lang)) + "</p>")
    parts.extend(f"<p>{e(o)}</p>" for o in _options(plan, lang))
    for w in _warnings(plan, lang):
        parts.append(f"<p class='demo'>{e(w)}</p>")
    head = "".join(f"<th>{e(t(k, lang))}</th>" for k in _SHEET_COLUMNS)
    for u in plan["units"]:
        parts.append("<div class='unit'>")
        parts.append("<h2>" + e(_unit_head(u, lang)) + "</h2>")
        if not u["stops"]:
            parts.append(f"<p>{e(_why_none(u, lang))}</p></div>")
            continue
        png = base64.b64encode(route_sketch(u, backdrop=backdrop)).decode()
        parts.append(f"<img alt='route' src='data:image/png;base64,{png}'>")
        parts.append(f"<table><tr>{head}</tr>")
        for s in u["stops"]:
            parts.append(
                f"<tr><td>{s['seq']}</td><td>{e(_hhmm(s['arrive']))}</td>"
                f"<td>{e(_hhmm(s['leave']))}</td><td>{e(places.place_of(s, lang))}</td>"
                f"<td>{s['lat']:.5f}, {s['lng']:.5f}</td><td>{e(s['h3'])}</td></tr>"
            )
        parts.append("</table>")
        parts.append("<p>" + e(_unit_foot(u, lang)) + "</p></div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_pdf(
    plan: dict[str, Any],
    lang: str = "zh-CN",
    *,
    demo: bool = False,
    backdrop: dict[str, Any] | None = None,
) -> bytes:
    """The printable sheet as PDF (reportlab, CJK font embedded, text extractable).

    ``backdrop``: streets and grid lines under each route (:func:`route_sketch`).
    """
    # reportlab loads only when a PDF sheet is written
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = fonts.reportlab_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13)
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=21, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceAfter=4)
    red = ParagraphStyle("red", parent=body, textColor=colors.HexColor("#aa0000"))
    e = html.escape
    story: list[Any] = [Paragraph(e(t("plan.sheet_title", lang, date=plan["date"])), h1)]
    if demo:
        story.append(Paragraph(e(t("plan.demo_note", lang)), red))
    story.append(Paragraph(e(_summary(plan, lang)), body))
    story.extend(Paragraph(e(o), body) for o in _options(plan, lang))
    for w in _warnings(plan, lang):
        story.append(Paragraph(e(w), red))
    head = [t(k, lang) for k in _SHEET_COLUMNS]
    for i, u in enumerate(plan["units"]):
        if i:
            story.append(PageBreak())
        story.append(Paragraph(e(_unit_head(u, lang)), h2))
        if not u["stops"]:
            story.append(Paragraph(e(_why_none(u, lang)), body))
            continue
        sketch = route_sketch(u, backdrop=backdrop)
        story.append(Image(io.BytesIO(sketch), width=150 * mm, height=93 * mm))
        story.append(Spacer(1, 4 * mm))
        rows = [head] + [
            [
                str(s["seq"]),
                _hhmm(s["arrive"]),
                _hhmm(s["leave"]),
                Paragraph(e(places.place_of(s, lang)), body),
                f"{s['lat']:.5f}, {s['lng']:.5f}",
                s["h3"],
            ]
            for s in u["stops"]
        ]
        table = Table(
            rows, colWidths=[9 * mm, 13 * mm, 13 * mm, 81 * mm, 34 * mm, 32 * mm], repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story.append(table)
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(e(_unit_foot(u, lang)), body))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=t("plan.sheet_title", lang, date=plan["date"]),
        author="Qingyun Patrol",
    )
    doc.build(story)
    return buf.getvalue()


def write(
    plan: dict[str, Any],
    out: str | Path,
    lang: str = "zh-CN",
    *,
    demo: bool = False,
    backdrop: dict[str, Any] | None = None,
) -> Path:
    """Write the plan in the format of ``out``'s suffix (:data:`FORMATS`).

    ``backdrop``: streets and grid lines under the sheets' routes (:func:`route_sketch`).
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        msg = f"{out.name}: a plan is written as {', '.join(FORMATS)}"
        raise ValueError(msg)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        out.write_text(to_json(plan), encoding="utf-8")
    elif suffix == ".csv":
        out.write_text(to_csv(plan), encoding="utf-8-sig")
    elif suffix == ".gpx":
        out.write_bytes(to_gpx(plan, lang))
    elif suffix == ".kml":
        out.write_bytes(to_kml(plan, lang))
    elif suffix == ".html":
        out.write_text(to_html(plan, lang, demo=demo, backdrop=backdrop), encoding="utf-8")
    else:
        out.write_bytes(to_pdf(plan, lang, demo=demo, backdrop=backdrop))
    return out
