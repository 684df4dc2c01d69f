"""Write small sample import files under data/samples/, derived from the demo city (seed 7).

Run with ``python -m data.make_samples``. The files look like what users bring:

* ``venues_gcj02_zh.xlsx`` - sheet "场所台账", Chinese headers and values, GCJ-02 (Amap)
  coordinates;
* ``incidents_gbk.csv``   - GBK encoded, Chinese headers, times like "2022/07/01 21:35", WGS-84;
* ``hazards_bad_rows.csv`` - UTF-8 with BOM, English headers, 12 rows of which 2 are bad (see
  BAD_ROWS) and 1 has a category no mapping knows (UNMAPPED_ROWS: stored in "other");
* ``shifts_new.csv``      - one new shift (November 2022) of a demo patrol car, Chinese headers;
* ``pings_bd09.csv``      - ~200 fixes of that shift in BD-09 (Baidu), Chinese headers;
* ``areas.geojson``       - the station and grid polygons (WGS-84).

Records other than the areas are *new* to the demo city (new ids, dated 126 days after the demo
rows they are derived from), so the README's import example adds them to the demo store instead
of reporting
duplicates or conflicts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from shapely.geometry import mapping

from data.demo_city import build_demo_city
from geo.domain import coords

__all__ = ["BAD_ROWS", "SAMPLES_DIR", "UNMAPPED_ROWS", "make_samples"]

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"

# hazards_bad_rows.csv: data row numbers (1-based, header not counted) that ingest must reject,
# and why
BAD_ROWS = {
    4: "lat and lng swapped (lat=115.98..., lng=28.70...): outside the accepted region",
    11: "found_at '2022-13-45 25:61' cannot be parsed as a date",
}
# ... and the rows it stores in the analysis group "other", listing their category as unmapped
UNMAPPED_ROWS = {8: "unknown category 'meteorite' (no hazard category maps it)"}

# the sample records are dated this much after the demo rows they are derived from
_SHIFT = pd.Timedelta(days=126)

_VENUE_ZH = {
    "ktv": "歌厅",
    "bar": "酒吧",
    "hotel": "宾馆",
    "internet_cafe": "网吧",
    "market": "市场",
    "nursing_home": "养老院",
    "bathhouse": "洗浴",
    "restaurant": "饭店",
}
_RISK_ZH = {"low": "低", "medium": "中", "high": "高"}
_INCIDENT_ZH = {
    "theft": "盗窃",
    "fraud": "诈骗",
    "fight": "打架斗殴",
    "dispute": "纠纷",
    "burglary": "入室盗窃",
    "disturbance": "扰民",
    "robbery": "抢劫",
    "traffic": "交通事故",
    "drugs": "涉毒",
    "gambling": "涉赌",
    "other": "其他",
}


def make_samples(out_dir: Path = SAMPLES_DIR, seed: int = 7) -> dict[str, int]:
    """Write the sample files; returns {file name: size in bytes}."""

    city = build_demo_city(seed)
    out_dir.mkdir(parents=True, exist_ok=True)

    # venues: ~15 rows, GCJ-02, Chinese headers and values
    v = city["venues"]
    v = v.groupby("category", sort=True).head(2).head(15).sort_values("venue_id")
    glng, glat = coords.wgs84_to_gcj02(v["lng"].to_numpy(), v["lat"].to_numpy())
    venues = pd.DataFrame(
        {
            "场所编号": ("NEW-" + v["venue_id"]).to_numpy(),
            "名称": v["name"].to_numpy(),
            "类别": v["category"].map(_VENUE_ZH).to_numpy(),
            "经度": [round(float(x), 6) for x in glng],
            "纬度": [round(float(x), 6) for x in glat],
            "风险等级": v["risk_level"].map(_RISK_ZH).to_numpy(),
        }
    )
    venues.to_excel(out_dir / "venues_gcj02_zh.xlsx", sheet_name="场所台账", index=False)

    # incidents: ~40 in July, GBK, Chinese headers
    inc = city["incidents"]
    inc = inc[inc["ts"].dt.month == 7].iloc[::12].head(40).copy()
    inc["ts"] = inc["ts"] + _SHIFT
    inc["incident_id"] = "JQ202211" + inc["incident_id"].str[-4:]
    incidents = pd.DataFrame(
        {
            "警情编号": inc["incident_id"].to_numpy(),
            "报警时间": inc["ts"].dt.strftime("%Y/%m/%d %H:%M").to_numpy(),
            "警情类别": inc["category"].map(_INCIDENT_ZH).to_numpy(),
            "经度": inc["lng"].round(6).to_numpy(),
            "纬度": inc["lat"].round(6).to_numpy(),
            "优先级": inc["priority"].to_numpy(),
        }
    )
    incidents.to_csv(out_dir / "incidents_gbk.csv", index=False, encoding="gbk")

    # hazards: 12 rows, UTF-8 with BOM, English headers, rows in BAD_ROWS spoilt on purpose
    hz = city["hazards"].iloc[::10].head(12).reset_index(drop=True)
    for col in ("found_at", "rectified_at", "deadline"):
        hz[col] = hz[col] + _SHIFT
    hz["hazard_id"] = "YH2211-" + hz["hazard_id"].str[-4:]
    fmt = "%Y-%m-%d %H:%M"
    hazards = pd.DataFrame(
        {
            "hazard_id": hz["hazard_id"],
            "category": hz["category"],
            "severity": hz["severity"],
            "lat": hz["lat"].round(6).astype(str),
            "lng": hz["lng"].round(6).astype(str),
            "found_at": hz["found_at"].dt.strftime(fmt),
            "status": hz["status"],
            "rectified_at": hz["rectified_at"].dt.strftime(fmt).fillna(""),
            "deadline": hz["deadline"].dt.strftime(fmt),
        }
    )
    r = 4 - 1
    hazards.loc[r, ["lat", "lng"]] = hazards.loc[r, ["lng", "lat"]].to_numpy()
    hazards.loc[8 - 1, "category"] = "meteorite"
    hazards.loc[11 - 1, "found_at"] = "2022-13-45 25:61"
    hazards.to_csv(out_dir / "hazards_bad_rows.csv", index=False, encoding="utf-8-sig")

    # pings: ~200 fixes of one night shift of a patrol car, BD-09
    sh = city["shifts"]
    kinds = city["units"].set_index("unit_id")["kind"]
    car_night = (sh["unit_id"].map(kinds) == "police_car") & (sh["start"].dt.hour >= 19)
    july = sh["start"].dt.month == 7
    shift_id = sh.loc[car_night & july, "shift_id"].iloc[0]
    one = sh[sh["shift_id"] == shift_id].iloc[0]
    new_id = f"SH-NEW-{(one['start'] + _SHIFT):%Y%m%d}-{one['unit_id']}"
    pd.DataFrame(
        {
            "班次编号": [new_id],
            "巡逻组编号": [one["unit_id"]],
            "开始时间": [(one["start"] + _SHIFT).strftime("%Y-%m-%d %H:%M")],
            "结束时间": [(one["end"] + _SHIFT).strftime("%Y-%m-%d %H:%M")],
            "民警": [one["police"]],
            "辅警": [one["auxiliaries"]],
            "志愿者": [one["volunteers"]],
            "盘查人数": [one["people_checked"]],
        }
    ).to_csv(out_dir / "shifts_new.csv", index=False, encoding="utf-8")
    p = city["pings"]
    p = p[p["shift_id"] == shift_id].head(200)
    blng, blat = coords.wgs84_to_bd09(p["lng"].to_numpy(), p["lat"].to_numpy())
    pings = pd.DataFrame(
        {
            "班次编号": new_id,
            "定位时间": (p["ts"] + _SHIFT).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
            "经度": [round(float(x), 6) for x in blng],
            "纬度": [round(float(x), 6) for x in blat],
        }
    )
    pings.to_csv(out_dir / "pings_bd09.csv", index=False, encoding="utf-8")

    # areas: GeoJSON FeatureCollection in WGS-84
    feats = []
    for row in city["areas"].itertuples(index=False):
        geom = mapping(row.geometry)
        geom = {
            "type": geom["type"],
            "coordinates": [
                [[round(x, 7), round(y, 7)] for x, y in ring] for ring in geom["coordinates"]
            ],
        }
        feats.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {
                    "area_id": row.area_id,
                    "name": row.name,
                    "level": row.level,
                    "owner": row.owner,
                    "parent_id": row.parent_id,
                },
            }
        )
    (out_dir / "areas.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
        encoding="utf-8",
    )

    names = [
        "venues_gcj02_zh.xlsx",
        "incidents_gbk.csv",
        "hazards_bad_rows.csv",
        "shifts_new.csv",
        "pings_bd09.csv",
        "areas.geojson",
    ]
    return {n: (out_dir / n).stat().st_size for n in names}


def main() -> None:
    sizes = make_samples()
    print(json.dumps({"samples": sizes, "total_bytes": sum(sizes.values())}, ensure_ascii=False))


if __name__ == "__main__":
    main()
