"""Strings of places by name (:mod:`geo.domain.places`).

The name of a cell or a stop, and the headers of the place and cell-id columns of tables, sheets
and briefings.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # a place: "罗家第3网格 · 青云谱小学东120米" / "Luojia Grid 3 · 120 m E of Qingyunpu School"
    "place.in_area": {"zh-CN": "{area} · {where}", "en": "{area} · {where}"},
    "place.near": {
        "zh-CN": "{landmark}{direction}{m}米",
        "en": "{m} m {direction} of {landmark}",
    },
    "place.at": {"zh-CN": "{landmark}", "en": "{landmark}"},
    # beside a street of the road network: "青云路旁30米" / "30 m off 青云路"
    "place.beside": {"zh-CN": "{street}旁{m}米", "en": "{m} m off {street}"},
    # a crossing of two named streets (the names as stored)
    "place.crossing": {"zh-CN": "{a}与{b}交叉口", "en": "{a} & {b} crossing"},
    "place.latlng": {"zh-CN": "北纬{lat}° 东经{lng}°", "en": "{lat}°N {lng}°E"},
    "place.dir.N": {"zh-CN": "北", "en": "N"},
    "place.dir.NE": {"zh-CN": "东北", "en": "NE"},
    "place.dir.E": {"zh-CN": "东", "en": "E"},
    "place.dir.SE": {"zh-CN": "东南", "en": "SE"},
    "place.dir.S": {"zh-CN": "南", "en": "S"},
    "place.dir.SW": {"zh-CN": "西南", "en": "SW"},
    "place.dir.W": {"zh-CN": "西", "en": "W"},
    "place.dir.NW": {"zh-CN": "西北", "en": "NW"},
    # headers: the place, and the hexagon id kept as a detail
    "col.named_place": {"zh-CN": "地点", "en": "Place"},
    "col.cell_id": {"zh-CN": "格网编号", "en": "Cell id"},
    "plan.col.place": {"zh-CN": "地点", "en": "Place"},
    "brief.col.place": {"zh-CN": "地点", "en": "Place"},
    "brief.col.cell_id": {"zh-CN": "格网编号", "en": "Cell id"},
    "cell.title_place": {"zh-CN": "{place} 详情", "en": "{place}"},
    "cell.cell_id": {"zh-CN": "格网编号 {h3}", "en": "Cell id {h3}"},
}
