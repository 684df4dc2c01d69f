"""Per-cell results as files: GeoJSON (cell polygons), CSV (formula-safe) or Parquet.

Every format carries ``h3`` (the cell id as a string) and ``res`` first, then the metrics
(DESIGN.md's cell outputs).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.domain import hexes
from geo.escape import neutralise_formulas

__all__ = ["CELL_SUFFIXES", "write_cells"]

CELL_SUFFIXES = (".geojson", ".json", ".csv", ".parquet")


def write_cells(result: pd.DataFrame, out: str | Path) -> int:
    """Write a per-cell result as .geojson (cell polygons), .csv or .parquet; returns the row count.

    Every format carries ``h3`` (the cell id as a string) and ``res`` first, then the metrics.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in CELL_SUFFIXES:
        msg = f"{out.name}: output must be .geojson, .csv or .parquet"
        raise ValueError(msg)
    cells = result["cell"].to_numpy().astype(np.uint64)
    table = pd.DataFrame(
        {
            "h3": hexes.cells_to_str(cells),
            "res": hexes.cell_resolution(cells).astype(int) if len(cells) else [],
        }
    )
    for col in result.columns:
        if col in ("cell", "res"):
            continue
        v = result[col]
        if isinstance(v.dtype, pd.DatetimeTZDtype):
            v = v.map(lambda x: None if pd.isna(x) else x.isoformat())
        table[col] = v.to_numpy()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":  # text cells cannot start a spreadsheet formula
        neutralise_formulas(table).to_csv(out, index=False, encoding="utf-8")
    elif suffix == ".parquet":
        table.to_parquet(out, index=False)
    else:
        geoms = hexes.cell_polygons(cells) if len(cells) else np.array([], dtype=object)
        gdf = gpd.GeoDataFrame(table, geometry=list(geoms), crs="EPSG:4326")
        out.write_text(gdf.to_json(drop_id=True, ensure_ascii=False), encoding="utf-8")
    return len(table)
