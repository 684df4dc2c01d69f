"""Validating rows: every problem of a row is a reject entry naming its row, column and reason.

A row with problems in three columns gets three entries (one per row and column: the first
problem found in that column, with the value as read); a check that follows from others (the
coordinates' region once a coordinate is unreadable) is not made on a row they already failed.

The checks: required values present and readable, coordinates inside the configured region (and
not swapped), known values of the enumerations (a record's category is any text: the load
puts it in its analysis group, :mod:`geo.domain.categories`), sane times and texts, polygons
that are areas. Rows without a problem go on to the store.

Coordinates: ``crs`` names the coordinates of the file (``wgs84``, ``gcj02``, ``bd09`` or any EPSG
code); they are converted to WGS-84 here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.config import Settings
from geo.domain import categories, coords, schema
from geo.ingest.mapping import map_values
from geo.ingest.report import REJECT_COLUMNS, reject_frame, why
from geo.ingest.values import (
    MAX_TEXT,
    has_control,
    header_zone,
    is_blank,
    parse_enum,
    parse_float,
    parse_id,
    parse_int,
    parse_text,
    parse_ts,
)

__all__ = ["MAX_AREA_KM2", "projected_hint", "validate"]

# A polygon larger than this (km2) is no station or grid; its res-10 cover would not end.
MAX_AREA_KM2 = 20_000


def validate(
    kind: schema.Kind,
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    crs: str,
    settings: Settings,
    first_row: int = 2,
    geometry: Any = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    date_order: str | Mapping[str, str | None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Parse and check every row of ``raw``; return (canonical rows, rejects, stripped ids).

    ``values`` (field -> file value -> field value, :class:`geo.ingest.mapping.ImportMapping`)
    maps a field's values before it is read (:func:`geo.ingest.mapping.map_values`); rejects
    show the value as the file wrote it. ``date_order`` is the order of day, month and year the
    user chose for the file (``dmy``, ``mdy``, ``ymd``; None: each time column's own rule), or
    per time header (a streamed import reads every chunk by the rule of the whole column).

    Canonical rows carry ``source_row``. Rejects have row, column (the file's header), value and
    reason: one entry per problem column of a row (its first problem there), so a row may have
    several; a row with any problem is not stored. Stripped ids: id header -> how many of its
    values lost spaces or tabs at their ends (said in the import summary); where that would make
    two distinct ids of the kind's key one, those rows are rejected instead (``id_spaces``).
    """
    n = len(raw)
    rows = pd.Series(np.arange(n) + first_row, index=raw.index)
    out = pd.DataFrame(index=raw.index)
    out["source_row"] = rows
    bad_any = pd.Series(False, index=raw.index)
    bad_in: dict[str, pd.Series] = {}  # file header -> rows with a problem in that column
    rejects: list[pd.DataFrame] = []
    stripped: dict[str, int] = {}  # id header -> values whose spaces or tabs at the ends went

    def fail(mask: pd.Series, column: str, values: pd.Series, reason: tuple[str, str, str]) -> None:
        nonlocal bad_any
        done = bad_in.get(column)
        if done is not None:
            mask = mask & ~done
        if mask.any():
            rejects.append(reject_frame(rows[mask], column, values[mask], reason))
            bad_in[column] = mask if done is None else done | mask
            bad_any = bad_any | mask

    def failed(*headers: str) -> pd.Series:
        """Rows with a problem in any of ``headers`` (checks that follow from them skip these)."""
        mask = pd.Series(False, index=raw.index)
        for h in headers:
            if h in bad_in:
                mask = mask | bad_in[h]
        return mask

    for col in kind.columns:
        if col.type in ("lat", "lng", "geometry"):
            continue
        header = mapping.get(col.name)
        if header is None:
            out[col.name] = col.default
            continue
        s = raw[header]
        if col.type == "ts":
            order = date_order.get(header) if isinstance(date_order, Mapping) else date_order
            v, bad = parse_ts(s, header_zone(header) or settings.tz, order)
            fail(bad, header, s, why("time"))
        elif col.type == "int":
            v, bad = parse_int(s)
            fail(bad, header, s, why("whole_number"))
            if col.default is not None:
                v = v.fillna(col.default)
        elif col.type == "float":
            v, bad = parse_float(s)
            fail(bad, header, s, why("number"))
        elif col.name == categories.GROUP_COLUMN.get(kind.name):
            # a category is never a reject: the load groups it (geo.domain.categories.grouped)
            v, bad = parse_text(map_values(s, (values or {}).get(col.name)))
            fail(bad, header, s, why("text_long", n=MAX_TEXT))
            fail(has_control(v), header, s, why("control"))
        elif col.type == "enum":  # the mapping's values first (the file's text stays in s)
            v, bad = parse_enum(map_values(s, (values or {}).get(col.name)), col.choices)
            fail(bad, header, s, why("enum", column=col.name, choices=", ".join(col.choices)))
        elif col.type == "id":
            v, bad = parse_id(s)
            fail(bad, header, s, why("id_long", n=200))
            fail(has_control(v), header, s, why("control"))
            changed, merged = _stripped_ids(s, key=kind.key == (col.name,))
            fail(merged, header, s, why("id_spaces"))
            if (changed & ~merged).any():
                stripped[header] = int((changed & ~merged).sum())
        else:
            v, bad = parse_text(s)
            fail(bad, header, s, why("text_long", n=MAX_TEXT))
            fail(has_control(v), header, s, why("control"))
        out[col.name] = v
        if col.required:
            fail(_blank_parsed(v), header, s, why("missing"))

    for group in kind.one_of:
        present = [g for g in group if g in mapping]
        empty = pd.Series(True, index=raw.index)
        for g in present:
            empty &= _blank_parsed(out[g])
        fail(
            empty & ~failed(*(mapping[g] for g in present)),
            mapping[present[0]],
            raw[mapping[present[0]]],
            why("one_of", columns=" / ".join(group)),
        )

    if "lat" in kind.names:
        _validate_points(kind, raw, mapping, out, crs, settings, geometry, fail, failed)
    if "geometry" in kind.names:
        _validate_polygons(raw, mapping, out, crs, settings, geometry, fail)

    if kind.name == "shifts":
        fail(
            out["end"].notna()
            & out["start"].notna()
            & (out["end"] <= out["start"])
            & ~failed(mapping["start"], mapping["end"]),
            mapping["end"],
            raw[mapping["end"]],
            why("shift_order"),
        )

    for col in kind.columns:
        if col.type == "ts" and col.name in out:
            out[col.name] = pd.to_datetime(out[col.name], utc=True).dt.tz_convert(settings.tz)
    good = out.loc[~bad_any].copy()
    rej = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    # a row's entries in the order of the file's columns (a geometry last)
    where = {str(h): i for i, h in enumerate(raw.columns)}
    order = rej["column"].map(where).fillna(len(where))
    rej = rej.assign(_at=order).sort_values(["row", "_at"], kind="stable")
    return good, rej.drop(columns="_at").reset_index(drop=True), stripped


_GEOGRAPHIC = ("wgs84", "gcj02", "bd09")
_OFF_REGION = ("region", "polygon_region", "convert", "swapped")


def projected_hint(
    kind: schema.Kind,
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    rejects: pd.DataFrame,
    *,
    crs: str,
    settings: Settings,
    geometry: Any = None,
) -> dict[str, str] | None:
    """Whether a file read as degrees holds projected coordinates (a Shapefile without .prj).

    When most rows were rejected as outside the region and most coordinates are beyond any
    longitude or latitude (|x| > 180 or |y| > 90), the file's numbers are metres of a CRS it
    does not declare.

    Parameters
    ----------
    kind, raw, mapping
        The record kind, the file's rows and canonical column -> header.
    rejects
        The rejects of :func:`validate`.
    crs
        The coordinates the rows were read as; only ``wgs84``, ``gcj02`` and ``bd09`` are
        checked (a named EPSG code was the user's choice).
    settings
        The configured region (its centre gives the likely Gauss-Kruger zones).
    geometry
        The file's geometries, for a vector file.

    Returns
    -------
    dict or None
        ``n``, ``outside``, ``x``, ``y``, ``epsg`` (the likeliest code) and ``codes`` (the
        likely CGCS2000 Gauss-Kruger codes, best first) for the message, or None.
    """
    n = len(raw)
    if n == 0 or crs not in _GEOGRAPHIC or rejects.empty:
        return None
    outside = int(rejects.loc[rejects["code"].isin(_OFF_REGION), "row"].nunique())
    if outside * 2 <= n:
        return None
    if geometry is not None or ("geometry" in mapping and "lat" not in mapping):
        geoms = (
            np.asarray(geometry, dtype=object)
            if geometry is not None
            else shapely.from_wkt(
                raw[mapping["geometry"]].astype("string").fillna("").to_numpy(dtype=object),
                on_invalid="ignore",
            )
        )
        b = shapely.bounds(geoms)  # NaN for a missing geometry
        x, y = b[:, 2], b[:, 3]
    elif "lat" in mapping and "lng" in mapping:
        x = parse_float(raw[mapping["lng"]])[0].to_numpy(float)
        y = parse_float(raw[mapping["lat"]])[0].to_numpy(float)
    else:
        return None
    ok = np.isfinite(x) & np.isfinite(y)
    metres = ok & ((np.abs(x) > 180) | (np.abs(y) > 90))
    if metres.sum() * 2 <= n:
        return None
    codes = _gauss_kruger(float(np.median(x[metres])), settings)
    return {
        "n": f"{n:,}",
        "outside": f"{outside:,}",
        "x": f"{np.nanmax(np.abs(x[metres])):,.0f}",
        "y": f"{np.nanmax(np.abs(y[metres])):,.0f}",
        "epsg": codes[0],
        "codes": ", ".join(codes),
    }


def _gauss_kruger(x: float, settings: Settings) -> list[str]:
    """Likely CGCS2000 Gauss-Kruger EPSG codes of eastings like ``x``, best first.

    An easting with its zone number in front (39 500 000) names its zone: 3-degree zones 25-45
    are EPSG:4513-4533, 6-degree zones 13-23 EPSG:4491-4501. Without it (500 000 give or take),
    the zone of the configured region's centre: 3-degree CM 75-135E is EPSG:4534-4554, 6-degree
    CM 75-135E EPSG:4502-4512.
    """
    zone = int(x // 1_000_000)
    if 25 <= zone <= 45:
        return [f"EPSG:{4513 + zone - 25}"]
    if 13 <= zone <= 23:
        return [f"EPSG:{4491 + zone - 13}"]
    lng = (settings.region[0] + settings.region[2]) / 2
    cm3 = min(max(round(lng / 3) * 3, 75), 135)
    cm6 = min(max(int(lng // 6) * 6 + 3, 75), 135)
    return [f"EPSG:{4534 + (cm3 - 75) // 3}", f"EPSG:{4502 + (cm6 - 75) // 6}"]


def _stripped_ids(s: pd.Series, *, key: bool) -> tuple[pd.Series, pd.Series]:
    """Ids that lose spaces or tabs at their ends, and those that would then merge with another.

    ``changed``: values whose text had white space at either end (and something else).
    ``merged``: for a kind's key (``key``), the changed values whose stripped text another row
    of the file writes differently (``A1`` and ``␣A1``): two distinct ids would become one. A
    reference (a shift's unit) is meant to match, so never ``merged``.
    """
    text = s.astype("string")
    bare = text.str.strip()
    changed = (text.ne(bare) & bare.ne("")).fillna(False).astype(bool)
    merged = pd.Series(False, index=s.index)
    if key and changed.any():
        spellings = text.groupby(bare).transform("nunique")
        merged = (changed & spellings.gt(1)).fillna(False).astype(bool)
    return changed, merged


def _blank_parsed(v: pd.Series) -> pd.Series:
    if v.dtype.kind in "Mmfiub":  # parsed times and numbers: blank is missing, no text
        return v.isna()
    return v.isna() | v.astype("string").fillna("").str.strip().eq("")


def _validate_points(
    kind: schema.Kind,
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    out: pd.DataFrame,
    crs: str,
    settings: Settings,
    geometry: Any,
    fail: Any,
    failed: Any,
) -> None:
    # lat/lng may be optional (disputes located at a venue, leads without a place): a row with
    # neither is kept unlocated; the store locates it or keeps it so (see Kind.places)
    optional = not kind.column("lat").required
    has_xy = "lat" in mapping and "lng" in mapping
    if optional and geometry is None and not has_xy:
        out["lat"], out["lng"] = np.nan, np.nan
        return
    unlocated = pd.Series(False, index=raw.index)
    if optional and geometry is not None and not has_xy:
        unlocated = pd.Series(
            shapely.is_missing(np.asarray(geometry)) | shapely.is_empty(np.asarray(geometry)),
            index=raw.index,
        )
    elif optional:
        unlocated = is_blank(raw[mapping["lat"]]) & is_blank(raw[mapping["lng"]])
    if unlocated.any():
        fail = _skipping(fail, unlocated)
    if geometry is not None and not has_xy:
        geoms = np.asarray(geometry)
        is_point = shapely.get_type_id(geoms) == 0
        x = np.where(is_point, shapely.get_x(geoms), np.nan)
        y = np.where(is_point, shapely.get_y(geoms), np.nan)
        xs, ys = pd.Series(x, index=raw.index), pd.Series(y, index=raw.index)
        lng_h, lat_h = "geometry", "geometry"
        names = pd.Series(_type_names(geoms), index=raw.index)
        for name in names[~is_point].unique():
            fail(names.eq(name), "geometry", names, why("not_point", geometry=name))
    else:
        lng_h, lat_h = mapping["lng"], mapping["lat"]
        xs, bad_x = parse_float(raw[lng_h])
        ys, bad_y = parse_float(raw[lat_h])
        fail(bad_x | (is_blank(raw[lng_h])), lng_h, raw[lng_h], why("lng"))
        fail(bad_y | (is_blank(raw[lat_h])), lat_h, raw[lat_h], why("lat"))
    # the point's checks follow from its coordinates: not made where one is unreadable
    fail = _skipping(fail, failed(lat_h, lng_h))
    lng, lat = coords.to_wgs84(xs.to_numpy(float), ys.to_numpy(float), crs)
    lng = pd.Series(np.asarray(lng, float), index=raw.index)
    lat = pd.Series(np.asarray(lat, float), index=raw.index)
    min_lng, min_lat, max_lng, max_lat = settings.region
    inside = lng.between(min_lng, max_lng) & lat.between(min_lat, max_lat)
    finite = np.isfinite(lng) & np.isfinite(lat)
    swapped = ~inside & finite & xs.between(min_lat, max_lat) & ys.between(min_lng, max_lng)
    shown = (
        raw[lat_h].astype("string") + "," + raw[lng_h].astype("string")
        if lat_h != lng_h
        else pd.Series([f"{a},{b}" for a, b in zip(ys, xs, strict=True)], index=raw.index)
    )
    fail(swapped & (crs in ("wgs84", "gcj02", "bd09")), lat_h, shown, why("swapped"))
    fail(~finite, lat_h, shown, why("convert"))
    fail(~inside, lat_h, shown, why("region", region=", ".join(f"{v:g}" for v in settings.region)))
    out["lat"] = lat.where(~unlocated)
    out["lng"] = lng.where(~unlocated)


_TYPE_NAMES = np.array(
    [
        "Point",
        "LineString",
        "LinearRing",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
        "none",  # shapely's -1: no geometry
    ],
    dtype=object,
)


def _type_names(geoms: Any) -> np.ndarray:
    """Geometry type names (``Point``, ``MultiPolygon``; ``none`` for a missing one), not codes."""
    return _TYPE_NAMES[shapely.get_type_id(np.asarray(geoms, dtype=object))]


def _skipping(fail: Any, skip: pd.Series) -> Any:
    """``fail`` that ignores the rows of ``skip`` (rows without coordinates, where allowed)."""

    def inner(mask: pd.Series, *args: Any) -> None:
        fail(mask & ~skip, *args)

    return inner


def _validate_polygons(
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    out: pd.DataFrame,
    crs: str,
    settings: Settings,
    geometry: Any,
    fail: Any,
) -> None:
    if geometry is not None:
        geoms = np.asarray(geometry, dtype=object)
        header = "geometry"
    else:
        header = mapping["geometry"]
        text = raw[header].astype("string").fillna("")
        geoms = np.array(
            shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore"), dtype=object
        )
    geom_s = pd.Series(geoms, index=raw.index)
    type_id = pd.Series(shapely.get_type_id(geoms), index=raw.index)
    kind_ok = type_id.isin([3, 6])  # Polygon, MultiPolygon
    names = pd.Series(_type_names(geoms), index=raw.index)
    fail(type_id.lt(0), header, names.where(type_id.ge(0), ""), why("not_polygon"))
    for name in names[~kind_ok & type_id.ge(0)].unique():
        fail(names.eq(name), header, names, why("not_polygon_type", geometry=name))

    def convert(g: Any) -> Any:
        if g is None or g.geom_type not in ("Polygon", "MultiPolygon"):
            return None
        g = shapely.transform(
            g, lambda xy: np.column_stack(coords.to_wgs84(xy[:, 0], xy[:, 1], crs))
        )
        return shapely.make_valid(g) if not g.is_valid else g

    conv = geom_s.map(convert)
    min_lng, min_lat, max_lng, max_lat = settings.region
    inside = conv.map(
        lambda g: (
            g is not None
            and not g.is_empty
            and bool(
                min_lng <= g.bounds[0]
                and g.bounds[2] <= max_lng
                and min_lat <= g.bounds[1]
                and g.bounds[3] <= max_lat
            )
        )
    )
    fail(
        kind_ok & ~inside,
        header,
        conv.map(lambda g: "" if g is None else str(g.bounds)),
        why("polygon_region"),
    )
    area_km2 = pd.Series([_area_km2(g) for g in conv], index=raw.index, dtype=float)
    fail(
        area_km2 > MAX_AREA_KM2,
        header,
        area_km2.round(0).astype("string") + " km2",
        why("polygon_large", n=f"{MAX_AREA_KM2:,}"),
    )
    out["geometry"] = conv


def _area_km2(g: Any) -> float:
    """Approximate area of a WGS-84 polygon in km2 (degrees scaled at its mean latitude)."""
    if g is None or g.is_empty:
        return 0.0
    lat = (g.bounds[1] + g.bounds[3]) / 2
    return float(g.area * 111.32**2 * np.cos(np.radians(lat))) if np.isfinite(lat) else 0.0
