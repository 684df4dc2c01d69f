"""Briefings as documents: the period's figures of an area as PDF, DOCX, HTML and Markdown.

A briefing is written in the style of campaign reports, in two steps:

1. :func:`compose` turns the figures (:func:`geo.services.briefing.figures`) into a
   :class:`Briefing` in one language: title, the lead sentence
   ("开展百日行动以来，共出动民警、辅警警力 1169人次……"), numbered sections of paragraphs, tables
   and pictures (PNG, drawn here with matplotlib's Agg backend, no basemap: cells by coverage and by
   hot spot class with area outlines and a scale bar, and a weekly trend chart). Every sentence is
   an i18n template (``geo/strings/briefing.py``) filled with the figures.
2. :func:`render` writes a briefing as ``pdf`` (reportlab, the CJK TrueType font embedded as a
   subset, text extractable), ``docx`` (python-docx, East Asian font set on every style), ``html``
   (one self-contained file: images as data URIs, every text escaped) or ``md`` (Markdown, one
   file: images as data URIs too, so that a download is one file; most editors and pandoc show
   them, GitHub does not).

Names of people never appear: units are reported by kind, areas by name. While the demo city is
loaded every briefing says the data is synthetic.

Optional sections (plan compliance, once plans exist) plug in as an :class:`OptionalSection`: its
``compute`` (a service) gives figures or None, its ``build`` (here) makes the :class:`Section`,
rendered after the fixed sections, only when present.

The PDF and the pictures need a TrueType CJK font (:mod:`geo.reports.fonts`: Debian's
fonts-wqy-microhei, installed by the setup scripts); reportlab cannot embed the CFF outlines of
Noto CJK.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import wkt as shapely_wkt

from geo.domain import hexes, places
from geo.domain.disputes import sentences
from geo.domain.hotspots import HOTSPOT_COLOURS
from geo.escape import md_escape
from geo.i18n import t
from geo.reports import fonts

__all__ = [
    "FORMATS",
    "LEAD_FIGURES",
    "MIME",
    "SECTION_BUILDERS",
    "Briefing",
    "OptionalSection",
    "Section",
    "Table",
    "compose",
    "file_name",
    "render",
    "write",
]

FORMATS = ("pdf", "docx", "html", "md")


MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "md": "text/markdown",
}

# The key figures the lead sentence quotes, in its order.
LEAD_FIGURES = (
    "police_aux",
    "volunteers",
    "people_checked",
    "venues_inspected",
    "site_patrols",
    "hazards_rectified",
)


# East Asian font named in the DOCX styles (not embedded: Word and WPS on Chinese systems have it,
# other viewers substitute their own CJK font).
DOCX_EAST_ASIA_FONT = "SimSun"


DOCX_LATIN_FONT = "Arial"


TOP_ROWS = 10  # rows of the hot-spot and gap tables


# Colours of the pictures, the same as the map layers' (hot spot classes: HOTSPOT_COLOURS).
COVERAGE_COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


NOT_PATROLLED = "#eeeeee"


@dataclass(frozen=True)
class OptionalSection:
    """A section rendered only when its figures exist (e.g. plan compliance).

    ``compute(engine, scope, start, end, area, night=..., res=...)`` returns a JSON-like dict or
    None; ``build(value, lang)`` returns the :class:`Section` (untitled number: it is numbered in
    order after the fixed sections).
    """

    key: str
    compute: Callable[..., dict[str, Any] | None]
    build: Callable[[dict[str, Any], str], Section]


@dataclass
class Table:
    """A table of text cells."""

    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """A numbered section: paragraphs, then tables, then pictures (keys of Briefing.images)."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    numbered: bool = True


@dataclass
class Briefing:
    """A briefing in one language, ready to render."""

    lang: str
    title: str
    head: list[str]
    notice: str | None
    lead: str
    sections: list[Section]
    images: dict[str, bytes]
    captions: dict[str, str]
    figures: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)  # rendered formats, see build()
    missing: dict[str, str] = field(default_factory=dict)  # format -> why it was not rendered


def _plan_section(value: dict[str, Any], lang: str) -> Section:
    rate = "—" if value["compliance"] is None else f"{value['compliance']:.1%}"
    visited = "—" if value["visited"] is None else f"{value['visited']:.1%}"
    return Section(
        t("brief.plan.title", lang),
        paragraphs=[
            t(
                "brief.plan.text",
                lang,
                plans=value["plans"],
                stops=value["stops"],
                full=value["full"],
                brief=value["brief"],
                missed=value["missed"],
                rate=rate,
                visited=visited,
            )
        ],
    )


def _disputes_section(value: dict[str, Any], lang: str) -> Section:
    return Section(
        t("brief.disputes.title", lang),
        paragraphs=[
            "，".join(sentences(value, lang)) + "。"
            if lang != "en"
            else "; ".join(sentences(value, lang)) + "."
        ],
    )


def _site_visits_section(value: dict[str, Any], lang: str) -> Section:
    return Section(t("brief.duty.title", lang), paragraphs=[t("brief.duty.text", lang, **value)])


SECTION_BUILDERS: dict[str, Callable[[dict[str, Any], str], Section]] = {
    "disputes": _disputes_section,
    "site_visits": _site_visits_section,
    "plan_compliance": _plan_section,
}
"""How each optional section of the fixed set is written (by the key of its figures)."""


_ZH_DIGITS = "零一二三四五六七八九"


def _zh_number(n: int) -> str:
    """Chinese numeral of 1..99 (section numbers)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _ZH_DIGITS[ones]
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


def _int(v: int, lang: str) -> str:
    return f"{int(v):,}" if lang == "en" else str(int(v))


def _dec(v: float, lang: str) -> str:
    return f"{float(v):,.1f}" if lang == "en" else f"{float(v):.1f}"


def _pct(v: float | None) -> str:
    return "—" if v is None or pd.isna(v) else f"{100 * v:.1f}%"


def _label(group: str, value: object, lang: str) -> str:
    try:
        return t(f"v.{group}.{value}", lang)
    except KeyError:
        return str(value)


def _change(now: int, before: int, lang: str) -> str:
    n = abs(now - before)
    if now == before:
        return t("brief.change.same", lang)
    if before == 0:
        return t("brief.change.new", lang, n=_int(n, lang))
    key = "brief.change.up" if now > before else "brief.change.down"
    return t(key, lang, n=_int(n, lang), pct=_pct(n / before))


def _signed(v: int, lang: str) -> str:
    return ("+" if v > 0 else "") + _int(v, lang)


def _section(
    lang: str,
    name: str,
    text: str,
    columns: Sequence[str] = (),
    rows: list[list[str]] | None = None,
    images: list[str] | None = None,
) -> Section:
    """Section ``brief.sec.<name>``: one paragraph, then a table when ``rows`` has any.

    ``columns`` are the keys of the table's headings (``brief.col.<key>``); ``images`` as
    :attr:`Section.images`.
    """
    return Section(
        t(f"brief.sec.{name}", lang),
        [text],
        [Table([t(f"brief.col.{c}", lang) for c in columns], rows)] if rows else [],
        images or [],
    )


def compose(
    figs: dict[str, Any],
    lang: str = "zh-CN",
    *,
    campaign: str | None = None,
    pictures: bool = True,
    builders: Mapping[str, Callable[[dict[str, Any], str], Section]] | None = None,
) -> Briefing:
    """The briefing of :func:`geo.services.briefing.figures` in ``lang`` (zh-CN or en).

    ``builders`` writes the optional sections present in ``figs["optional"]`` (default
    :data:`SECTION_BUILDERS`), in the order of ``figs["optional"]``.

    ``campaign`` names the campaign in the lead sentence ("开展{campaign}以来"); without it the lead
    names the period. With ``pictures`` False no image is drawn (faster, for previews).
    """
    lang = "en" if lang == "en" else "zh-CN"
    n, d = functools.partial(_int, lang=lang), functools.partial(_dec, lang=lang)
    per, key = figs["period"], figs["key"]
    area = figs["area"]["name"] or t("brief.area_all", lang)
    title = t("brief.title", lang, area=area)
    head = [
        t(
            "brief.period",
            lang,
            start=per["start"],
            end=per["end"],
            days=n(per["days"]),
            prev_start=per["prev_start"],
            prev_end=per["prev_end"],
        ),
        t("brief.scope", lang, area=area),
    ]
    numbers = {k: n(key[k]) for k in LEAD_FIGURES}
    campaign = (campaign or "").strip()
    if campaign:
        lead = t("brief.lead.campaign", lang, campaign=campaign, **numbers)
    else:
        lead = t("brief.lead.period", lang, start=per["start"], end=per["end"], **numbers)

    images: dict[str, bytes] = {}
    captions: dict[str, str] = {}
    if pictures:
        for name, png in (
            ("coverage", _map_png(figs, "coverage", lang)),
            ("hotspots", _map_png(figs, "hotspots", lang)),
            ("trend", _trend_png(figs, lang)),
        ):
            if png is not None:
                images[name] = png

    p, c, h, i = figs["patrol"], figs["checks"], figs["hazards"], figs["incidents"]
    rows = [
        [
            _label("incident", r["category"], lang),
            n(r["count"]),
            n(r["previous"]),
            _signed(r["change"], lang),
        ]
        for r in i["by_category"]
    ]
    if rows:
        rows.append(
            [
                t("brief.col.total", lang),
                n(i["count"]),
                n(i["previous"]),
                _signed(i["change"], lang),
            ]
        )
    hs, g = figs["hotspots"], figs["gaps"]
    if hs["n_hot"]:
        hot_text = t(
            "brief.hotspots.text",
            lang,
            n_hot=n(hs["n_hot"]),
            n_hot99=n(hs["n_hot99"]),
            nights=n(hs["nights"]),
            avg_nights=d(hs["avg_nights"]),
            unpatrolled=n(hs["unpatrolled"]),
        )
        if hs["n_hot"] > TOP_ROWS:
            hot_text += t("brief.hotspots.more", lang, n=n(TOP_ROWS))
    else:
        hot_text = t("brief.hotspots.none", lang)
    sections = [
        _section(
            lang,
            "patrol",
            t(
                "brief.patrol.text",
                lang,
                shifts=n(p["shifts"]),
                police=n(p["police"]),
                auxiliaries=n(p["auxiliaries"]),
                volunteers=n(p["volunteers"]),
                patrol_h=d(p["patrol_h"]),
                night=p["night"],
                night_patrol_h=d(p["night_patrol_h"]),
                cells_covered=n(p["cells_covered"]),
                dwell_h=d(p["dwell_h"]),
                outreach=n(p["outreach"]),
            ),
            ("kind", "shifts", "person_times", "hours"),
            [
                [
                    _label("unit", r["kind"], lang),
                    n(r["shifts"]),
                    n(r["person_times"]),
                    d(r["hours"]),
                ]
                for r in p["by_kind"]
            ],
        ),
        _section(
            lang,
            "checks",
            t(
                "brief.checks.text",
                lang,
                people_checked=n(c["people_checked"]),
                venues_inspected=n(c["venues_inspected"]),
                inspections=n(c["inspections"]),
                with_findings=n(c["with_findings"]),
                rectify=n(c["rectify"]),
                fail=n(c["fail"]),
                sites=n(c["sites"]),
                site_patrols=n(c["site_patrols"]),
                venues_overdue=n(c.get("venues_overdue", 0)),
                end=per["end"],
            ),
        ),
        _section(
            lang,
            "hazards",
            t(
                "brief.hazards.text",
                lang,
                found=n(h["found"]),
                rectified=n(h["rectified"]),
                rate=_pct(h["rate"]),
                end=per["end"],
                open=n(h["open"]),
                overdue=n(h["overdue"]),
            ),
            ("category", "found", "rectified", "open", "overdue"),
            [
                [
                    _label("hazard", r["category"], lang),
                    n(r["found"]),
                    n(r["rectified"]),
                    n(r["open"]),
                    n(r["overdue"]),
                ]
                for r in h["by_category"]
            ],
        ),
        _section(
            lang,
            "incidents",
            t(
                "brief.incidents.text",
                lang,
                incidents=n(i["count"]),
                previous=n(i["previous"]),
                prev_start=per["prev_start"],
                prev_end=per["prev_end"],
                change=_change(i["count"], i["previous"], lang),
            ),
            ("category", "now", "prev", "change"),
            rows,
            [k for k in ("trend",) if k in images],
        ),
        _section(
            lang,
            "hotspots",
            hot_text,
            ("place", "incidents", "class", "nights", "cell_id"),
            [
                [
                    places.place_of(r, lang),
                    n(r["count"]),
                    _label("bin", r["gi_bin"], lang),
                    n(r["nights"]),
                    r["h3"],
                ]
                for r in hs["cells"][:TOP_ROWS]
            ],
            [k for k in ("coverage", "hotspots") if k in images],
        ),
        _section(
            lang,
            "gaps",
            (t("brief.gaps.define", lang) + ("" if lang == "zh-CN" else " "))
            + (t("brief.gaps.text", lang, n=n(len(g))) if g else t("brief.gaps.none", lang)),
            ("rank", "place", "risk", "risk_pct", "dwell_min", "nights", "cell_id"),
            [
                [
                    n(r["rank"]),
                    places.place_of(r, lang),
                    f"{r['risk']:.3f}",
                    f"{r['risk_pct']:.2f}",
                    d(r["dwell_min"]),
                    n(r["nights"]),
                    r["h3"],
                ]
                for r in g
            ],
        ),
    ]
    builders = SECTION_BUILDERS if builders is None else builders
    for key, value in figs.get("optional", {}).items():
        if key in builders:
            sections.append(builders[key](value, lang))
    sections.append(
        Section(
            t("brief.sec.method", lang),
            [t("brief.method.text", lang, night=per["night"], res=per["res"])],
            numbered=False,
        )
    )
    k = 0
    for s in sections:
        if s.numbered:
            k += 1
            s.title = t(
                "brief.section", lang, n=_zh_number(k) if lang == "zh-CN" else k, title=s.title
            )
    fig_no = 0
    for s in sections:
        for name in s.images:
            fig_no += 1
            captions[name] = t(f"brief.fig.{name}", lang, n=fig_no)
    return Briefing(
        lang=lang,
        title=title,
        head=head,
        notice=t("brief.demo", lang) if figs["demo"] else None,
        lead=lead,
        sections=sections,
        images=images,
        captions=captions,
        figures=figs,
    )


def file_name(start: str, end: str, area: str | None, fmt: str) -> str:
    """A download file name: ``briefing_<start>_<end>[_<area>].<fmt>`` (safe characters only)."""
    stem = f"briefing_{start}_{end}" + (f"_{area}" if area else "")
    return re.sub(r"[^\w.-]", "_", stem, flags=re.ASCII) + f".{fmt}"


def _png(draw: Callable[[Any], None], size: tuple[float, float]) -> bytes:
    # matplotlib loads only when a picture is drawn (a briefing without pictures never does)
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with (
        fonts.mpl_lock,
        mpl.rc_context(
            {
                "font.family": "sans-serif",
                "font.sans-serif": fonts.mpl_sans(),
                "axes.unicode_minus": False,
                "font.size": 9,
            }
        ),
        warnings.catch_warnings(),
    ):
        if not fonts.has_cjk_font():  # drawn all the same; the CJK labels lack their glyphs
            warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    return buf.getvalue()


def _utm(lng: float, lat: float) -> str:
    zone = int((lng + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _nice_length(width_m: float) -> float:
    steps = [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000]
    fit = [s for s in steps if s <= width_m / 4]
    return float(fit[-1] if fit else steps[0])


def _map_png(figs: dict[str, Any], which: str, lang: str) -> bytes | None:
    """Cells coloured by night coverage or by hot spot class, area outlines, scale bar."""
    # matplotlib loads only when a picture is drawn
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    cells: pd.DataFrame = figs["cells"]
    if not len(cells):
        return None
    polys = hexes.cell_polygons(cells["cell"].to_numpy().astype(np.uint64))
    lat0, lng0 = hexes.cell_centres(cells["cell"].to_numpy()[:1].astype(np.uint64))
    tr = Transformer.from_crs("EPSG:4326", _utm(float(lng0[0]), float(lat0[0])), always_xy=True)

    def project(geoms: Any) -> Any:
        return shapely.transform(
            geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
        )

    polys = project(polys)
    verts = [np.asarray(p.exterior.coords) for p in polys]
    areas = figs["areas"]
    outlines = []
    for a in areas.itertuples(index=False) if len(areas) else []:
        outlines.append((a.level, str(a.name), project(shapely_wkt.loads(a.geometry))))

    if which == "coverage":
        minutes = cells["dwell_s"].to_numpy(float) / 60
        pos = minutes[minutes > 0]
        edges = np.unique(np.quantile(pos, [0.2, 0.4, 0.6, 0.8])) if pos.size else np.array([])
        cls = np.searchsorted(edges, minutes, side="right")
        colours = [
            NOT_PATROLLED if m <= 0 else COVERAGE_COLOURS[min(c, 4)]
            for m, c in zip(minutes, cls, strict=True)
        ]
        bounds = [0.0, *edges.tolist(), float(pos.max()) if pos.size else 0.0]
        handles = [
            Patch(facecolor=NOT_PATROLLED, edgecolor="#999999", label=t("brief.map.none", lang))
        ]
        for j in range(len(bounds) - 1):
            if pos.size:
                handles.append(
                    Patch(
                        facecolor=COVERAGE_COLOURS[min(j, 4)],
                        edgecolor="#999999",
                        label=t(
                            "brief.map.minutes",
                            lang,
                            lo=f"{bounds[j]:.0f}",
                            hi=f"{bounds[j + 1]:.0f}",
                        ),
                    )
                )
    else:
        bins = cells["gi_bin"].to_numpy(int)
        colours = [HOTSPOT_COLOURS[int(b)] for b in bins]
        handles = [
            Patch(facecolor=HOTSPOT_COLOURS[b], edgecolor="#999999", label=t(f"v.bin.{b}", lang))
            for b in range(3, -4, -1)
        ]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        ax.add_collection(
            PolyCollection(verts, facecolors=colours, edgecolors="#ffffff", linewidths=0.3)
        )
        for level, name, geom in outlines:
            parts = getattr(geom, "geoms", [geom])
            for part in parts:
                x, y = part.exterior.xy
                ax.plot(
                    x,
                    y,
                    color="#222222" if level == "station" else "#555555",
                    linewidth=1.6 if level == "station" else 0.7,
                )
            if level == "grid" and len(outlines) <= 30:
                pt = geom.representative_point()
                ax.text(
                    pt.x,
                    pt.y,
                    name,
                    fontsize=6.5,
                    ha="center",
                    va="center",
                    color="#333333",
                    alpha=0.85,
                    parse_math=False,
                )  # "$" is no TeX here
        xs = np.concatenate([v[:, 0] for v in verts])
        ys = np.concatenate([v[:, 1] for v in verts])
        x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
        pad = 0.04 * max(x1 - x0, y1 - y0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - 3 * pad, y1 + pad)
        ax.set_aspect("equal")
        ax.set_axis_off()
        # scale bar (metres: the axes are UTM) and north arrow
        length = _nice_length(x1 - x0)
        bx, by = x0, y0 - 2 * pad
        ax.plot([bx, bx + length], [by, by], color="#000000", linewidth=2.5, solid_capstyle="butt")
        for xx in (bx, bx + length):
            ax.plot([xx, xx], [by - pad * 0.3, by + pad * 0.3], color="#000000", linewidth=1)
        label = (
            t("brief.map.km", lang, n=f"{length / 1000:g}")
            if length >= 1000
            else t("brief.map.m", lang, n=f"{length:g}")
        )
        ax.text(bx + length / 2, by + pad * 0.45, label, ha="center", va="bottom", fontsize=8)
        ax.annotate(
            t("brief.map.north", lang),
            xy=(x1, y1),
            xytext=(x1, y1 - 2.5 * pad),
            ha="center",
            va="center",
            fontsize=9,
            arrowprops={"arrowstyle": "-|>", "color": "#000000"},
        )
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False
        )

    return _png(draw, (7.2, 5.6))


def _trend_png(figs: dict[str, Any], lang: str) -> bytes | None:
    """Weekly incidents (bars) and night patrol hours (line)."""
    weekly = figs["weekly"]
    if not weekly:
        return None
    labels = [w["week"][5:] for w in weekly]
    inc = [w["incidents"] for w in weekly]
    hours = [w["night_patrol_h"] for w in weekly]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        x = np.arange(len(labels))
        bars = ax.bar(x, inc, color="#e34a33", alpha=0.8, label=t("brief.trend.incidents", lang))
        for bar, w in zip(bars, weekly, strict=True):
            if w["days"] < 7:  # a shorter last block: hatched
                bar.set_alpha(0.35)
                bar.set_hatch("///")
        ax.set_ylabel(t("brief.trend.incidents", lang))
        ax.set_xlabel(t("brief.trend.week", lang))
        ax.set_xticks(
            x,
            labels,
            rotation=45 if len(labels) > 8 else 0,
            ha="right" if len(labels) > 8 else "center",
        )
        ax2 = ax.twinx()
        (line,) = ax2.plot(
            x,
            hours,
            color="#08519c",
            marker="o",
            markersize=3,
            label=t("brief.trend.patrol_h", lang),
        )
        ax2.set_ylabel(t("brief.trend.patrol_h", lang))
        ax.set_ylim(bottom=0)
        ax2.set_ylim(bottom=0)
        ax.legend(
            handles=[bars, line],
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=2,
            fontsize=7.5,
            frameon=False,
        )
        ax.spines["top"].set_visible(False)
        ax2.spines["top"].set_visible(False)

    return _png(draw, (7.2, 3.4))


def render(b: Briefing, fmt: str) -> bytes:
    """The briefing as ``pdf``, ``docx``, ``html`` or ``md`` (bytes; text formats UTF-8)."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "pdf":
        return _pdf(b)
    if fmt == "docx":
        return _docx(b)
    if fmt in ("html", "htm"):
        return _html(b).encode("utf-8")
    if fmt in ("md", "markdown"):
        return _markdown(b).encode("utf-8")
    msg = f"unknown briefing format {fmt!r}; expected one of: {', '.join(FORMATS)}"
    raise ValueError(msg)


def write(b: Briefing, out: str | Path) -> int:
    """Write the briefing in the format its suffix names (.pdf .docx .html .md); returns bytes."""
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in (*FORMATS, "htm", "markdown"):
        msg = f"{out.name}: output must be .pdf, .docx, .html or .md"
        raise ValueError(msg)
    data = render(b, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return len(data)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


_HTML_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",
"Source Han Sans SC",sans-serif;color:#222;background:#fff;margin:0}
main{max-width:860px;margin:0 auto;padding:24px 28px 48px;line-height:1.75}
h1{font-size:1.6em;text-align:center;margin:.4em 0}
h2{font-size:1.2em;border-bottom:2px solid #8b0000;padding-bottom:.2em;margin-top:1.6em}
.head{color:#555;text-align:center;margin:.1em 0;font-size:.95em}
.notice{border:1px solid #d9480f;background:#fff4e6;color:#a33;padding:.6em .9em;margin:1em 0}
.lead{font-size:1.08em;text-indent:2em;font-weight:600}
p{text-indent:2em;margin:.5em 0}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #999;padding:.25em .6em;text-align:left}
th{background:#f1f3f5}
figure{margin:1em 0;text-align:center}
figure img{max-width:100%;height:auto}
figcaption{color:#444;font-size:.92em}
"""


def _html(b: Briefing) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"en" if b.lang == "en" else "zh-CN"}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(b.title)}</title><style>{_HTML_CSS}</style></head><body><main>",
        f"<h1>{e(b.title)}</h1>",
    ]
    out += [f'<p class="head">{e(line)}</p>' for line in b.head]
    if b.notice:
        out.append(f'<p class="notice">{e(b.notice)}</p>')
    out.append(f'<p class="lead">{e(b.lead)}</p>')
    for s in b.sections:
        out.append(f"<section><h2>{e(s.title)}</h2>")
        out += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        for tb in s.tables:
            out.append(
                "<table><thead><tr>"
                + "".join(f"<th>{e(c)}</th>" for c in tb.columns)
                + "</tr></thead><tbody>"
            )
            out += ["<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in tb.rows]
            out.append("</tbody></table>")
        for name in s.images:
            cap = e(b.captions.get(name, name))
            out.append(
                f'<figure><img src="{_data_uri(b.images[name])}" alt="{cap}">'
                f"<figcaption>{cap}</figcaption></figure>"
            )
        out.append("</section>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _markdown(b: Briefing, *, images: bool = True) -> str:
    m = md_escape
    out = [f"# {m(b.title)}", ""]
    for line in b.head:
        out += [m(line), ""]
    if b.notice:
        out += [f"> **{m(b.notice)}**", ""]
    out += [f"**{m(b.lead)}**", ""]
    for s in b.sections:
        out += [f"## {m(s.title)}", ""]
        for p in s.paragraphs:
            out += [m(p), ""]
        for tb in s.tables:
            out.append("| " + " | ".join(m(c) for c in tb.columns) + " |")
            out.append("|" + "|".join("---" for _ in tb.columns) + "|")
            out += ["| " + " | ".join(m(v) for v in row) + " |" for row in tb.rows]
            out.append("")
        if images:
            for name in s.images:
                cap = m(b.captions.get(name, name))
                out += [f"![{cap}]({_data_uri(b.images[name])})", "", f"*{cap}*", ""]
    return "\n".join(out)


def _png_size(png: bytes) -> tuple[int, int]:
    # Pillow loads only for a PDF's pictures
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return im.size


def _pdf(b: Briefing) -> bytes:
    # reportlab loads only when a PDF is written
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as RLTable

    font = fonts.reportlab_font()
    zh = b.lang != "en"
    wrap = "CJK" if zh else None
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=10.5,
        leading=17,
        wordWrap=wrap,
        firstLineIndent=21 if zh else 0,
        spaceAfter=4,
    )
    styles = {
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontSize=18,
            leading=26,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=6,
            textColor=colors.HexColor("#8b0000"),
        ),
        "head": ParagraphStyle(
            "head",
            parent=body,
            fontSize=9.5,
            leading=14,
            alignment=TA_CENTER,
            firstLineIndent=0,
            textColor=colors.HexColor("#555555"),
        ),
        "notice": ParagraphStyle(
            "notice",
            parent=body,
            fontSize=9.5,
            leading=14,
            firstLineIndent=0,
            textColor=colors.HexColor("#a33333"),
            borderColor=colors.HexColor("#d9480f"),
            borderWidth=0.6,
            borderPadding=5,
            backColor=colors.HexColor("#fff4e6"),
            spaceBefore=8,
            spaceAfter=10,
        ),
        "lead": ParagraphStyle("lead", parent=body, fontSize=11.5, leading=19),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontSize=13.5,
            leading=20,
            firstLineIndent=0,
            spaceBefore=10,
            spaceAfter=4,
            textColor=colors.HexColor("#8b0000"),
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, fontSize=9, leading=13, alignment=TA_CENTER, firstLineIndent=0
        ),
        "cell": ParagraphStyle(
            "cell", parent=body, fontSize=9, leading=12, firstLineIndent=0, spaceAfter=0
        ),
    }

    def para(text: str, style: str = "body") -> Any:
        return Paragraph(escape(text), styles[style] if style != "body" else body)

    width = A4[0] - 40 * mm
    story: list[Any] = [para(b.title, "title")]
    story += [para(line, "head") for line in b.head]
    if b.notice:
        story.append(para(b.notice, "notice"))
    else:
        story.append(Spacer(1, 8))
    story.append(para(b.lead, "lead"))
    for s in b.sections:
        story.append(para(s.title, "h2"))
        story += [para(p) for p in s.paragraphs]
        for tb in s.tables:
            data = [[para(c, "cell") for c in tb.columns]]
            data += [[para(v, "cell") for v in row] for row in tb.rows]
            table = RLTable(data, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5")),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            story += [Spacer(1, 4), table, Spacer(1, 6)]
        for name in s.images:
            w, h = _png_size(b.images[name])
            img = Image(io.BytesIO(b.images[name]), width=width, height=width * h / w)
            story.append(
                KeepTogether([Spacer(1, 4), img, para(b.captions.get(name, name), "caption")])
            )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8.5)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {doc.page} -")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=b.title,
        author=t("app.title", b.lang),
        creator=t("app.title", b.lang),
        subject=b.head[0],
        lang="en" if b.lang == "en" else "zh-CN",
        initialFontName=font,
        initialFontSize=10.5,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _docx_fonts(style: Any) -> None:
    # python-docx loads only when a DOCX is written
    from docx.oxml.ns import qn

    style.font.name = DOCX_LATIN_FONT
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), DOCX_EAST_ASIA_FONT)


def _docx(b: Briefing) -> bytes:
    # python-docx loads only when a DOCX is written
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption", "Table Grid"):
        _docx_fonts(doc.styles[name])
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = b.title, t("app.title", b.lang), ""
    props.subject, props.language = b.head[0], "en" if b.lang == "en" else "zh-CN"
    props.comments = ""
    zh = b.lang != "en"

    def para(text: str, *, indent: bool = True) -> Any:
        p = doc.add_paragraph(text)
        if zh and indent:
            p.paragraph_format.first_line_indent = Pt(22)
        return p

    head = doc.add_heading(b.title, level=0)
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in b.head:
        p = para(line, indent=False)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if b.notice:
        p = doc.add_paragraph()
        run = p.add_run(b.notice)
        run.font.color.rgb = RGBColor(0xA3, 0x33, 0x33)
    lead = para("")
    lead.add_run(b.lead).bold = True
    for s in b.sections:
        doc.add_heading(s.title, level=1)
        for text in s.paragraphs:
            para(text)
        for tb in s.tables:
            table = doc.add_table(rows=1 + len(tb.rows), cols=len(tb.columns))
            table.style = doc.styles["Table Grid"]
            for j, c in enumerate(tb.columns):
                table.cell(0, j).text = c
            for i, row in enumerate(tb.rows, start=1):
                for j, v in enumerate(row):
                    table.cell(i, j).text = v
            doc.add_paragraph()
        for name in s.images:
            doc.add_picture(io.BytesIO(b.images[name]), width=Cm(16))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap = doc.add_paragraph(b.captions.get(name, name), style="Caption")
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
