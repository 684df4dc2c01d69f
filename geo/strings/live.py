"""Strings of the live night (:mod:`geo.services.live`): why a posted fix was refused.

Sections: ``# fixes`` (the reasons of :func:`geo.services.live.accept_fixes`, one per code:
``live.reject.<code>``); the Live page's strings follow in their own section.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # fixes
    "live.reject.not_object": {
        "zh-CN": "第{index}条定位不是一个对象（应为含时间、经纬度的键值对）",
        "en": "fix {index} is not an object (expected keys such as time, lat and lng)",
    },
    "live.reject.other_unit": {
        "zh-CN": "第{index}条定位属于单元“{value}”，此设备令牌只能上报本单元“{unit}”的定位",
        "en": "fix {index} is for unit “{value}”; this device's token posts only unit “{unit}”",
    },
    "live.reject.missing": {
        "zh-CN": "第{index}条定位缺少{field}",
        "en": "fix {index} has no {field}",
    },
    "live.reject.time": {
        "zh-CN": "第{index}条定位的时间“{value}”无法识别（应为带时区的ISO 8601时间或纪元毫秒/秒，且不早于2000年）",
        "en": "fix {index}: time “{value}” cannot be read (ISO 8601 with a zone, or epoch "
        "milliseconds or seconds, not before 2000)",
    },
    "live.reject.future": {
        "zh-CN": "第{index}条定位的时间“{value}”比服务器当前时间晚5分钟以上",
        "en": "fix {index}: time “{value}” is more than 5 minutes after the server's clock",
    },
    "live.reject.not_number": {
        "zh-CN": "第{index}条定位的{field}“{value}”不是数字",
        "en": "fix {index}: {field} “{value}” is not a number",
    },
    "live.reject.range": {
        "zh-CN": "第{index}条定位的{field}“{value}”超出取值范围",
        "en": "fix {index}: {field} “{value}” is out of range",
    },
    "live.reject.negative": {
        "zh-CN": "第{index}条定位的{field}“{value}”不能为负数",
        "en": "fix {index}: {field} “{value}” must not be negative",
    },
    "live.reject.crs": {
        "zh-CN": "第{index}条定位的坐标系“{value}”不受支持（可用 wgs84、gcj02、bd09）",
        "en": "fix {index}: coordinate system “{value}” is not supported (wgs84, gcj02, bd09)",
    },
    "live.reject.region": {
        "zh-CN": "第{index}条定位（{value}）不在配置的区域内（{region}）",
        "en": "fix {index} ({value}) lies outside the configured region ({region})",
    },
    # the fields named in the reasons
    "live.field.unit_id": {"zh-CN": "单元编号", "en": "unit id"},
    "live.field.device_id": {"zh-CN": "设备编号", "en": "device id"},
    "live.field.time": {"zh-CN": "定位时间", "en": "time"},
    "live.field.lat": {"zh-CN": "纬度", "en": "latitude"},
    "live.field.lng": {"zh-CN": "经度", "en": "longitude"},
    "live.field.speed": {"zh-CN": "速度", "en": "speed"},
    "live.field.accuracy": {"zh-CN": "定位精度", "en": "accuracy"},
    "live.field.crs": {"zh-CN": "坐标系", "en": "coordinate system"},
    "live.field.fix": {"zh-CN": "定位", "en": "fix"},
    # page
    "page.live": {"zh-CN": "实时态势", "en": "Live"},
    "lv.updated": {
        "zh-CN": "更新于 {time} · 在线 {live} 个单位 · 信号中断 {silent} 个",
        "en": "Updated {time} · live: {live} · silent: {silent}",
    },
    "lv.none": {
        "zh-CN": "今晚尚无实时定位。设备接入后，各单位的位置每隔几秒就会出现在这里：管理员在“系统管理”页为每台车载或手持终端创建设备令牌，终端携带令牌把定位成批发送到巡防服务器的定位上报接口（服务器自带接口说明）。",
        "en": "No live positions tonight yet. Once devices are connected, the units' positions "
        "appear here every few seconds: an admin creates a device token for each car terminal "
        "or handheld on the Admin page, and the device posts its fixes with that token to the "
        "server's positions endpoint (POST /api/v1/positions; the server documents its API).",
    },
    "lv.none_area": {
        "zh-CN": "所选区域内暂无单位的实时定位（按各单位最后一次定位所在位置）。",
        "en": "No unit's last position lies in the chosen area.",
    },
    "lv.refresh": {
        "zh-CN": "本区每 {s} 秒自动刷新，无需重新加载页面。",
        "en": "This part refreshes by itself every {s} seconds; no need to reload the page.",
    },
    "lv.units": {"zh-CN": "各单位", "en": "Units"},
    "lv.col.name": {"zh-CN": "单位", "en": "Unit"},
    "lv.col.kind": {"zh-CN": "巡逻方式", "en": "Kind"},
    "lv.col.age": {"zh-CN": "最后定位", "en": "Last fix"},
    "lv.col.status": {"zh-CN": "状态", "en": "Status"},
    "lv.col.speed": {"zh-CN": "km/h", "en": "km/h"},
    "lv.col.place": {"zh-CN": "位置", "en": "Place"},
    "lv.col.stops": {"zh-CN": "已巡/计划", "en": "Stops done"},
    "lv.col.next_stop": {"zh-CN": "下一巡逻点", "en": "Next stop"},
    "lv.col.eta": {"zh-CN": "预计到达", "en": "ETA"},
    "lv.col.late": {"zh-CN": "迟到", "en": "Late"},
    "lv.status.live": {"zh-CN": "在线", "en": "Live"},
    "lv.status.silent": {"zh-CN": "信号中断", "en": "Silent"},
    "lv.age.s": {"zh-CN": "{n} 秒前", "en": "{n} s ago"},
    "lv.age.min": {"zh-CN": "{n} 分钟前", "en": "{n} min ago"},
    "lv.age.h": {"zh-CN": "{h} 小时 {m} 分钟前", "en": "{h} h {m} min ago"},
    "lv.late.yes": {"zh-CN": "迟到", "en": "Late"},
    "lv.late.no": {"zh-CN": "准时", "en": "On time"},
    "lv.no_plan": {"zh-CN": "无计划", "en": "No plan"},
    "lv.alerts": {"zh-CN": "实时提醒", "en": "Live alerts"},
    "lv.alerts_none": {"zh-CN": "当前没有实时提醒。", "en": "No live alerts right now."},
    "lv.acol.alert": {"zh-CN": "提醒", "en": "Alert"},
    "lv.acol.unit": {"zh-CN": "单位", "en": "Unit"},
    "lv.acol.since": {"zh-CN": "开始于", "en": "Since"},
    "lv.acol.minutes": {"zh-CN": "持续（分钟）", "en": "For (min)"},
    "lv.acol.place": {"zh-CN": "位置", "en": "Place"},
    "lv.acol.detail": {"zh-CN": "详情", "en": "Detail"},
    "lv.nearest": {"zh-CN": "距警情最近的警力", "en": "Nearest units to a call"},
    "lv.nearest_hint": {
        "zh-CN": "在地图上点击警情地点，或在下方输入坐标。",
        "en": "Click the call's place on the map, or type its coordinates below.",
    },
    "lv.call_at": {
        "zh-CN": "警情地点：纬度 {lat}，经度 {lng}（{crs}）",
        "en": "Call at latitude {lat}, longitude {lng} ({crs})",
    },
    "lv.call_map": {"zh-CN": "地图点选", "en": "picked on the map"},
    "lv.nearest_none": {
        "zh-CN": "没有可派的单位（所辖范围内没有仍在班的定位）。",
        "en": "No unit to send (no unit on duty with a recent fix in your areas).",
    },
    "lv.ncol.travel_min": {"zh-CN": "到达用时（分钟）", "en": "Travel (min)"},
    "lv.ncol.tier": {"zh-CN": "反应圈", "en": "Response circle"},
    "lv.ncol.distance_m": {"zh-CN": "距离（米）", "en": "Distance (m)"},
    "lv.tier": {"zh-CN": "{m}分钟圈", "en": "{m}-minute circle"},
    "lv.tier_beyond": {"zh-CN": "超出5分钟圈", "en": "Beyond 5 minutes"},
    "lv.form": {"zh-CN": "输入警情坐标", "en": "Type the call's coordinates"},
    "lv.lat": {"zh-CN": "纬度", "en": "Latitude"},
    "lv.lng": {"zh-CN": "经度", "en": "Longitude"},
    "lv.crs": {"zh-CN": "坐标系", "en": "Coordinate system"},
    "lv.find": {"zh-CN": "查找最近警力", "en": "Find the nearest units"},
    "lv.clear": {"zh-CN": "清除警情地点", "en": "Clear the call"},
    "lv.bad_call": {"zh-CN": "坐标无效：{reason}", "en": "The coordinates are not valid: {reason}"},
    "lv.layer.units": {"zh-CN": "单位位置", "en": "Unit positions"},
    "lv.layer.tracks": {"zh-CN": "近1小时轨迹", "en": "Last hour's tracks"},
    "lv.layer.next": {"zh-CN": "下一巡逻点", "en": "Next planned stop"},
    "lv.layer.points": {"zh-CN": "到期必巡点", "en": "Key points due"},
    "lv.layer.call": {"zh-CN": "警情地点", "en": "The call"},
    "lv.legend": {"zh-CN": "实时位置", "en": "Live positions"},
    "lv.state.fresh": {"zh-CN": "{m} 分钟内定位", "en": "Fix within {m} min"},
    "lv.state.aging": {"zh-CN": "超过 {m} 分钟未更新", "en": "No fix for over {m} min"},
    "lv.state.silent": {"zh-CN": "信号中断", "en": "Silent"},
    "lv.tip.kind": {"zh-CN": "巡逻方式", "en": "Kind"},
    "lv.tip.age": {"zh-CN": "最后定位", "en": "Last fix"},
    "lv.tip.speed": {"zh-CN": "速度（km/h）", "en": "Speed (km/h)"},
    "lv.tip.place": {"zh-CN": "位置", "en": "Place"},
    "lv.tip.next": {"zh-CN": "下一巡逻点", "en": "Next stop"},
    "lv.tip.eta": {"zh-CN": "预计到达", "en": "ETA"},
    "lv.tip.due": {"zh-CN": "到期必巡点", "en": "Key point due"},
}
