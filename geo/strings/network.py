"""Strings of road networks.

The Data page's road network section, the plan's network choice, and why a road network file is
refused.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "net.title": {"zh-CN": "路网", "en": "Road networks"},
    "net.help": {
        "zh-CN": "上传测绘或城管部门提供的道路中心线（Shapefile 压缩包 .zip 或 GeoPackage）、"
        "osmnx 导出的 GraphML，或 OpenStreetMap 的 .osm.pbf。巡逻方案、快速反应圈和最近警力"
        "按启用的路网计算通行时间：道路等级、单行和限速按文件属性，缺省时按道路等级取默认值。",
        "en": "Upload a road-centreline layer as survey or city-management departments supply it "
        "(a zipped Shapefile or a GeoPackage), an osmnx GraphML, or an OpenStreetMap .osm.pbf. "
        "Plans, response circles and the nearest unit take travel times on the active network: "
        "road class, one-way and speed limit from the file, defaults by road class otherwise.",
    },
    "net.file": {"zh-CN": "路网文件", "en": "Road network file"},
    "net.name": {"zh-CN": "路网名称（可选）", "en": "Name (optional)"},
    "net.crs": {"zh-CN": "无 .prj 时的坐标系", "en": "Coordinates without a .prj"},
    "net.import": {"zh-CN": "导入路网并启用", "en": "Import and use this network"},
    "net.imported": {
        "zh-CN": "已导入路网“{name}”（{file}）：{nodes} 个节点，{edges} 条有向路段，"
        "道路 {km} 公里，单行路段 {oneway} 条。",
        "en": "Imported the road network “{name}” ({file}): {nodes} nodes, {edges} directed "
        "edges, {km} km of roads, {oneway} one-way roads.",
    },
    "net.classes": {"zh-CN": "各等级道路（公里）", "en": "Roads by class (km)"},
    "net.none": {
        "zh-CN": "还没有路网：通行时间按直线距离乘绕行系数计算。",
        "en": "No road network yet: travel times are the straight line times a detour factor.",
    },
    "net.active": {"zh-CN": "启用", "en": "Active"},
    "net.use": {"zh-CN": "启用所选路网", "en": "Use the chosen network"},
    "net.use_none": {"zh-CN": "不用路网（直线）", "en": "Use no network (straight line)"},
    "net.delete": {"zh-CN": "删除所选路网", "en": "Delete the chosen network"},
    "net.pick": {"zh-CN": "路网", "en": "Network"},
    "net.done": {"zh-CN": "已更新。", "en": "Updated."},
    "net.col.name": {"zh-CN": "名称", "en": "Name"},
    "net.col.file": {"zh-CN": "文件", "en": "File"},
    "net.col.kind": {"zh-CN": "文件类型", "en": "Kind of file"},
    "net.col.nodes": {"zh-CN": "节点", "en": "Nodes"},
    "net.col.edges": {"zh-CN": "有向路段", "en": "Directed edges"},
    "net.col.km": {"zh-CN": "道路（公里）", "en": "Roads (km)"},
    "net.col.oneway": {"zh-CN": "单行路段", "en": "One-way roads"},
    "net.col.imported": {"zh-CN": "导入时间", "en": "Imported"},
    "net.col.active": {"zh-CN": "启用", "en": "Active"},
    "net.kind.shapefile": {"zh-CN": "Shapefile", "en": "Shapefile"},
    "net.kind.geopackage": {"zh-CN": "GeoPackage", "en": "GeoPackage"},
    "net.kind.graphml": {"zh-CN": "GraphML", "en": "GraphML"},
    "net.kind.pbf": {"zh-CN": "OSM .pbf", "en": "OSM .pbf"},
    "net.class.motorway": {"zh-CN": "高速公路", "en": "Motorway"},
    "net.class.expressway": {"zh-CN": "快速路", "en": "Expressway"},
    "net.class.trunk": {"zh-CN": "国道", "en": "Trunk road"},
    "net.class.primary": {"zh-CN": "主干路", "en": "Main road"},
    "net.class.secondary": {"zh-CN": "次干路", "en": "Secondary road"},
    "net.class.tertiary": {"zh-CN": "三级道路", "en": "Tertiary road"},
    "net.class.unclassified": {"zh-CN": "未分级道路", "en": "Unclassified road"},
    "net.class.residential": {"zh-CN": "支路", "en": "Local street"},
    "net.class.service": {"zh-CN": "街巷", "en": "Lane"},
    "net.class.living_street": {"zh-CN": "生活街道", "en": "Living street"},
    "net.class.track": {"zh-CN": "机耕路", "en": "Track"},
    "net.class.cycleway": {"zh-CN": "非机动车道", "en": "Cycleway"},
    "net.class.path": {"zh-CN": "小路", "en": "Path"},
    "net.class.pedestrian": {"zh-CN": "步行街", "en": "Pedestrian street"},
    "net.class.footway": {"zh-CN": "人行道", "en": "Footway"},
    "net.class.steps": {"zh-CN": "台阶", "en": "Steps"},
    "net.plan_choice": {"zh-CN": "通行时间", "en": "Travel times"},
    "net.plan_straight": {
        "zh-CN": "直线距离 × 绕行系数",
        "en": "Straight line × detour factor",
    },
    "net.plan_network": {"zh-CN": "路网：{name}", "en": "Road network: {name}"},
    "net.err.missing": {"zh-CN": "{file}：文件不存在。", "en": "{file}: no such file."},
    "net.err.kind": {
        "zh-CN": "{file}：不是可用的路网文件，请上传 {kinds} 文件。",
        "en": "{file}: not a road network file; give one of {kinds}.",
    },
    "net.err.unreadable": {
        "zh-CN": "{file}：无法读取（{reason}）。",
        "en": "{file}: cannot be read ({reason}).",
    },
    "net.err.zip_no_shp": {
        "zh-CN": "{file}：压缩包里没有 .shp 文件。",
        "en": "{file}: the zip holds no .shp file.",
    },
    "net.err.layers": {
        "zh-CN": "{file}：有多个图层（{layers}），请指定道路中心线所在的图层。",
        "en": "{file}: several layers ({layers}); name the layer of the road centrelines.",
    },
    "net.err.layer_unknown": {
        "zh-CN": "{file}：没有图层“{layer}”（有：{layers}）。",
        "en": "{file}: no layer “{layer}” (it has: {layers}).",
    },
    "net.err.no_lines": {
        "zh-CN": "{file}：没有道路中心线（线要素），只有：{types}。",
        "en": "{file}: no road centrelines (lines); it holds: {types}.",
    },
    "net.err.no_crs": {
        "zh-CN": "{file}：缺少 .prj 坐标系文件，且坐标不是经纬度（像是投影坐标，单位米）。"
        "请附上 .prj（如 CGCS2000 3度带高斯-克吕格投影 EPSG:4548）。",
        "en": "{file}: no .prj and the coordinates are not degrees (they look projected, in "
        "metres). Add the .prj (e.g. CGCS2000 3-degree Gauss-Kruger, EPSG:4548).",
    },
    "net.err.no_graph": {
        "zh-CN": "{file}：不是 GraphML 图（没有 graph 元素）。",
        "en": "{file}: not a GraphML graph (no graph element).",
    },
    "net.err.no_coords": {
        "zh-CN": "{file}：节点 {node} 没有 x、y 坐标。",
        "en": "{file}: node {node} has no x and y.",
    },
    "net.err.bad_edge": {
        "zh-CN": "{file}：路段引用了不存在的节点 {node}。",
        "en": "{file}: an edge names node {node}, which is not in the file.",
    },
    "net.err.no_edges": {
        "zh-CN": "{file}：没有可用的道路。",
        "en": "{file}: holds no usable road.",
    },
}
