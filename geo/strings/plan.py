"""Strings of the patrol plan: the page, the printable sheet, plan against actual."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "page.plan": {"zh-CN": "巡逻方案", "en": "Patrol plan"},
    "plan.kind.police_car": {"zh-CN": "车巡", "en": "car"},
    "plan.kind.e_bike": {"zh-CN": "电动车巡", "en": "e-bike"},
    "plan.kind.foot": {"zh-CN": "步巡", "en": "foot"},
    # beats and why a unit has no stop
    "plan.col.beat": {"zh-CN": "巡区", "en": "Beat"},
    "plan.col.beat_m": {"zh-CN": "巡区半径（米）", "en": "Beat radius (m)"},
    "plan.col.beat_help": {
        "zh-CN": "车巡默认全辖区；电动车巡、步巡默认本网格，没有网格时为岗点周围"
        "（电动车 1500 米、步巡 800 米）。选一个网格，或清空后填半径。",
        "en": "A car patrols the whole area; an e-bike or foot patrol its grid, else the metres "
        "around its post (1500 m by e-bike, 800 m on foot). Pick a grid, or clear it and type "
        "a radius.",
    },
    "plan.beat.all": {"zh-CN": "全辖区", "en": "the whole area"},
    "plan.beat.post": {"zh-CN": "岗点周围（按半径）", "en": "around its post (radius)"},
    "plan.beat.radius": {"zh-CN": "岗点周围 {m} 米", "en": "{m} m around its post"},
    "plan.col.why_none": {"zh-CN": "无巡逻点的原因", "en": "Why no stops"},
    "plan.why.beat_outside": {
        "zh-CN": "巡区（{beat}）不在本次方案的辖区内",
        "en": "its beat ({beat}) lies outside the areas of this plan",
    },
    "plan.why.beat_empty": {
        "zh-CN": "巡区（{beat}）内没有巡防缺口或必巡点",
        "en": "no gap or key point in its beat ({beat})",
    },
    "plan.why.no_time": {
        "zh-CN": "在岗时间内到不了巡区（{beat}）内的巡逻点并返回",
        "en": "no stop in its beat ({beat}) can be reached and left within its shift",
    },
    "plan.why.taken": {
        "zh-CN": "巡区（{beat}）内的巡逻点已由其他单元巡查",
        "en": "the stops in its beat ({beat}) are covered by other units",
    },
    "plan.candidates_help": {
        "zh-CN": "留空：按各单元在岗时长自动确定，足够排满每个单元。",
        "en": "Blank: as many as fill every unit's shift.",
    },
    # printable sheet
    "plan.sheet_title": {
        "zh-CN": "{date} 夜间巡逻方案",
        "en": "Patrol plan for the night of {date}",
    },
    "plan.demo_note": {
        "zh-CN": "演示数据：单位、场所和人员均为虚构。",
        "en": "Demo data: units, venues and people are made up.",
    },
    "plan.sheet_summary": {
        "zh-CN": "方案编号 {plan_id}，时段 {window}，{units} 个巡逻单元，共 {stops} 个巡逻点，"
        "覆盖候选区域风险值的 {pct}%。",
        "en": "Plan {plan_id}, window {window}, {units} units, {stops} stops, covering {pct}% "
        "of the candidate cells' risk value.",
    },
    "plan.unit_head": {
        "zh-CN": "{unit} {name}（{kind}，{start}–{end}）",
        "en": "{unit} {name} ({kind}, {start}–{end})",
    },
    "plan.unit_foot": {
        "zh-CN": "预计 {back} 返回出发点，途中行驶约 {minutes} 分钟。",
        "en": "Back at the start point by {back}; about {minutes} minutes on the move.",
    },
    "plan.no_stops": {
        "zh-CN": "本时段无巡逻点（机动备勤）。",
        "en": "No stops in this window (on standby).",
    },
    "plan.col.seq": {"zh-CN": "序号", "en": "#"},
    "plan.col.arrive": {"zh-CN": "到达", "en": "Arrive"},
    "plan.col.leave": {"zh-CN": "离开", "en": "Leave"},
    "plan.col.landmark": {"zh-CN": "参照地点", "en": "Landmark"},
    "plan.col.h3": {"zh-CN": "格网编号", "en": "Cell id"},
    "plan.col.latlng": {"zh-CN": "坐标（WGS-84）", "en": "Lat, lng (WGS-84)"},
    "plan.col.unit": {"zh-CN": "巡逻单元", "en": "Unit"},
    "plan.col.kind": {"zh-CN": "方式", "en": "Kind"},
    "plan.col.stops": {"zh-CN": "巡逻点数", "en": "Stops"},
    "plan.col.value": {"zh-CN": "排序值（缺口或风险）", "en": "Value (gap or risk)"},
    "plan.col.latest": {"zh-CN": "最晚到达", "en": "Latest arrival"},
    "plan.col.travel_min": {"zh-CN": "行驶（分钟）", "en": "Travel (min)"},
    "plan.col.shift": {"zh-CN": "班次", "en": "Shift"},
    "plan.col.status": {"zh-CN": "执行情况", "en": "Status"},
    "plan.col.dwell_min": {"zh-CN": "实际停留（分钟）", "en": "Dwell (min)"},
    "plan.col.first_in": {"zh-CN": "首次进入", "en": "First in"},
    "plan.col.full": {"zh-CN": "足时到位", "en": "Full"},
    "plan.col.brief": {"zh-CN": "短暂经过", "en": "Brief"},
    "plan.col.missed": {"zh-CN": "未到", "en": "Missed"},
    "plan.col.compliance": {"zh-CN": "执行率", "en": "Compliance"},
    "plan.col.in_plan_min": {"zh-CN": "方案区域内（分钟）", "en": "In plan cells (min)"},
    "plan.col.outside_min": {"zh-CN": "方案区域外（分钟）", "en": "Outside (min)"},
    "plan.status.full": {"zh-CN": "足时到位", "en": "Full dwell"},
    "plan.status.brief": {"zh-CN": "短暂经过", "en": "Brief visit"},
    "plan.status.missed": {"zh-CN": "未到", "en": "Missed"},
    "plan.col.start_h": {"zh-CN": "上岗（时段开始后小时）", "en": "Starts (h after window start)"},
    "plan.col.start_h_help": {
        "zh-CN": "巡逻时段开始后多少小时上岗，0 表示时段开始即上岗。",
        "en": "Hours after the window starts that the unit goes out; 0 is at the start.",
    },
    "plan.col.shift_h": {"zh-CN": "在岗时长（小时）", "en": "On duty (h)"},
    "plan.col.lat": {"zh-CN": "出发点纬度", "en": "Start latitude"},
    "plan.col.lng": {"zh-CN": "出发点经度", "en": "Start longitude"},
    # page
    "plan.make": {"zh-CN": "制定方案", "en": "Make a plan"},
    "plan.night": {"zh-CN": "巡逻日期（夜间开始的日期）", "en": "Night (the date it starts on)"},
    "plan.window": {"zh-CN": "巡逻时段", "en": "Shift window"},
    "plan.units": {"zh-CN": "在岗巡逻单元", "en": "Units on duty"},
    "plan.units_help": {
        "zh-CN": "默认取当晚已排班的单元；没有排班时取辖区内全部单元。",
        "en": "Defaults to the units rostered that night; with no roster, every unit in the area.",
    },
    "plan.dwell": {"zh-CN": "每点停留（分钟）", "en": "Dwell per stop (minutes)"},
    "plan.candidates": {"zh-CN": "候选六边形数", "en": "Candidate cells"},
    "plan.value": {"zh-CN": "按何排序", "en": "Rank cells by"},
    "plan.value.gap": {
        "zh-CN": "巡防缺口（区域内排序：风险高、巡逻少）",
        "en": "gap (ranking within the area: high risk, little patrol)",
    },
    "plan.value.risk": {"zh-CN": "风险（起/周）", "en": "risk (incidents/week)"},
    "plan.must": {"zh-CN": "必巡地点", "en": "Must-visit places"},
    "plan.avoid": {"zh-CN": "避开的地点", "en": "Places to avoid"},
    "plan.places_help": {
        "zh-CN": "可输入名称搜索重点部位、场所、热点和巡防缺口，或在地图上点选。",
        "en": "Type to search key sites, venues, hot spots and gaps, or click on the map.",
    },
    "plan.places_none": {"zh-CN": "未选择", "en": "No place chosen"},
    "plan.pick_as": {"zh-CN": "地图点选加入", "en": "A click on the map adds the place to"},
    "plan.pick_as.must": {"zh-CN": "必巡地点", "en": "must-visit"},
    "plan.pick_as.avoid": {"zh-CN": "避开的地点", "en": "avoid"},
    "plan.pick_map": {"zh-CN": "点选地点", "en": "Pick places on the map"},
    "plan.pick_hint": {
        "zh-CN": "点击地图：选中最近 150 米内的重点部位、场所或热点，否则选中所点的格网。",
        "en": "Click the map: the nearest key site, venue or hot spot within 150 m, else the "
        "cell clicked.",
    },
    "plan.picked": {"zh-CN": "已加入{what}：{place}", "en": "Added to {what}: {place}"},
    "plan.picked_both": {
        "zh-CN": "“{place}”已在另一个列表中，先将其移除。",
        "en": "“{place}” is in the other list; remove it there first.",
    },
    "plan.windows_help": {
        "zh-CN": "在该时段内到达，例如学校放学 16:30–17:30；留空则整个巡逻时段均可。",
        "en": "Arrive between these times, e.g. a school's closing 16:30–17:30; blank: any time "
        "of the shift window.",
    },
    "plan.col.from": {"zh-CN": "最早到达", "en": "From"},
    "plan.col.to": {"zh-CN": "最晚到达", "en": "To"},
    "plan.must_ok": {"zh-CN": "{arrive} 到达", "en": "arrives {arrive}"},
    "plan.opt.must": {"zh-CN": "必巡地点：{places}", "en": "Must-visit: {places}"},
    "plan.opt.avoid": {"zh-CN": "避开：{places}", "en": "Avoided: {places}"},
    "plan.opt.window": {"zh-CN": "{place}（{start}–{end}）", "en": "{place} ({start}–{end})"},
    "plan.opt.sep": {"zh-CN": "、", "en": "; "},
    "plan.place.label": {"zh-CN": "{name}（{kind}）", "en": "{name} ({kind})"},
    "plan.place.kind.site": {"zh-CN": "重点部位", "en": "key site"},
    "plan.place.kind.venue": {"zh-CN": "场所", "en": "venue"},
    "plan.place.kind.gap": {"zh-CN": "巡防缺口", "en": "gap"},
    "plan.place.kind.hotspot": {"zh-CN": "热点", "en": "hot spot"},
    "plan.place.kind.cell": {"zh-CN": "格网", "en": "cell"},
    "plan.must_missed": {
        "zh-CN": "必巡地点“{place}”未能安排：{reason}",
        "en": "Must-visit place “{place}” could not be planned: {reason}",
    },
    "plan.must_why.window_outside": {
        "zh-CN": "其时间窗 {start}–{end} 不在巡逻时段 {window} 内",
        "en": "its time window {start}–{end} lies outside the shift window {window}",
    },
    "plan.must_why.no_unit": {
        "zh-CN": "没有巡逻单元能在其时间窗内到达并在下班前返回",
        "en": "no unit can arrive within its time window and be back before its shift ends",
    },
    "plan.must_why.no_time": {
        "zh-CN": "与其他必巡地点无法在各单元班次内同时安排",
        "en": "it does not fit the units' shifts together with the other must-visit places",
    },
    "plan.window_bad": {
        "zh-CN": "“{place}”的时间窗须同时填写最早和最晚到达",
        "en": "“{place}”: a time window needs both its from and to times",
    },
    "plan.randomise": {"zh-CN": "生成路线变体", "en": "Make a variant of the routes"},
    "plan.randomise_help": {
        "zh-CN": "同样的地点换一种走法，避免每晚路线雷同、被人摸清规律；同一变体编号得到同一路线。",
        "en": "Another way through the same places, so that patrols are not predictable from "
        "night to night; the same variant number gives the same routes.",
    },
    "plan.seed": {"zh-CN": "变体编号", "en": "Variant"},
    "plan.crs.wgs84": {"zh-CN": "WGS-84，GPS 设备", "en": "WGS-84, GPS devices"},
    "plan.crs.gcj02": {"zh-CN": "GCJ-02，高德等手机地图", "en": "GCJ-02, Amap and phone maps"},
    "plan.fmt_crs": {"zh-CN": "{fmt}（{crs}）", "en": "{fmt} ({crs})"},
    "plan.file_desc": {
        "zh-CN": "坐标系：{crs}",
        "en": "Coordinates: {crs}",
    },
    "plan.crs_name.wgs84": {"zh-CN": "WGS-84（GPS 原始坐标）", "en": "WGS-84 (GPS)"},
    "plan.crs_name.gcj02": {
        "zh-CN": "GCJ-02（高德、腾讯地图坐标）",
        "en": "GCJ-02 (Amap and Tencent maps)",
    },
    "plan.gpx_desc": {
        "zh-CN": "覆盖价值 {covered} / {total}；坐标系：{crs}",
        "en": "value covered {covered} of {total}; coordinates: {crs}",
    },
    "plan.rte_desc": {"zh-CN": "{kind}；班次 {start}–{end}", "en": "{kind}; shift {start}–{end}"},
    "plan.time_limit": {"zh-CN": "求解时限（秒）", "en": "Solver time limit (s)"},
    "plan.network": {
        "zh-CN": "路网文件（服务器上的 OSM .pbf，可留空）",
        "en": "Road network (an OSM .pbf on the server; optional)",
    },
    "plan.run": {"zh-CN": "生成方案", "en": "Make the plan"},
    "plan.solving": {"zh-CN": "正在求解巡逻路线…", "en": "Solving the routes…"},
    "plan.failed": {"zh-CN": "无法生成方案：{reason}", "en": "No plan: {reason}"},
    "plan.saved": {"zh-CN": "方案 {plan_id} 已保存。", "en": "Plan {plan_id} saved."},
    "plan.result": {"zh-CN": "方案 {plan_id}", "en": "Plan {plan_id}"},
    "plan.m.units": {"zh-CN": "巡逻单元", "en": "Units"},
    "plan.m.stops": {"zh-CN": "巡逻点", "en": "Stops"},
    "plan.m.covered": {"zh-CN": "覆盖价值", "en": "Value covered"},
    "plan.m.vs_greedy": {"zh-CN": "较简单方案", "en": "Against a simple plan"},
    "plan.m.cover_help": {
        "zh-CN": "方案到访地点的价值（缺口或风险）之和 / 全部候选地点之和",
        "en": "Value (gap or risk) of the places visited over that of all candidate places",
    },
    "plan.m.vs_greedy_help": {
        "zh-CN": "与简单方案（每个单元总去最近的高价值地点）相比多覆盖的价值",
        "en": "Value covered beyond a simple plan (each unit always goes to the nearest "
        "valuable place next)",
    },
    "plan.map": {"zh-CN": "方案路线", "en": "Routes"},
    "plan.layer.candidates": {"zh-CN": "候选六边形", "en": "Candidate cells"},
    "plan.layer.routes": {"zh-CN": "巡逻路线", "en": "Routes"},
    "plan.layer.tracks": {"zh-CN": "实际轨迹", "en": "Actual tracks"},
    "plan.tip.unit": {"zh-CN": "单元", "en": "Unit"},
    "plan.tip.start": {"zh-CN": "出发点", "en": "Start"},
    "plan.stops_of": {"zh-CN": "各单元巡逻点", "en": "Stops per unit"},
    "plan.downloads": {"zh-CN": "导出", "en": "Exports"},
    "plan.download": {"zh-CN": "下载 {fmt}", "en": "Download {fmt}"},
    "plan.warnings": {"zh-CN": "注意：{text}", "en": "Note: {text}"},
    "plan.actual": {"zh-CN": "方案执行情况", "en": "Plan against actual"},
    "plan.pick": {"zh-CN": "已保存的方案", "en": "Saved plan"},
    "plan.none_saved": {"zh-CN": "还没有保存的方案。", "en": "No saved plans yet."},
    "plan.actual_caption": {
        "zh-CN": "以当晚 GPS 轨迹对照：在六边形内停留达到计划时长的 {pct}% 为足时到位，"
        "停留至少 {brief} 秒为短暂经过，否则为未到。",
        "en": "Compared with the night's GPS tracks: {pct}% of the planned dwell in the cell is a "
        "full visit, at least {brief} s a brief one, less is missed.",
    },
    "plan.m.compliance": {"zh-CN": "足时到位率", "en": "Full-dwell compliance"},
    "plan.m.visited": {"zh-CN": "到访率", "en": "Visited"},
    "plan.m.in_plan": {"zh-CN": "方案区域内停留", "en": "Dwell in plan cells"},
    "plan.m.outside": {"zh-CN": "方案区域外停留", "en": "Dwell outside"},
    "plan.minutes": {"zh-CN": "{n} 分钟", "en": "{n} min"},
    "plan.no_units_scope": {
        "zh-CN": "您的辖区内没有可排班的巡逻单元。",
        "en": "There are no patrol units in your areas.",
    },
    # briefing section
    "brief.plan.title": {"zh-CN": "巡逻方案执行情况", "en": "Patrol plan compliance"},
    "brief.plan.text": {
        "zh-CN": "期间共制定夜间巡逻方案{plans}份，计划巡逻点{stops}个，经 GPS 轨迹核对，足时到位"
        "{full}个、短暂经过{brief}个、未到{missed}个，足时到位率{rate}，到访率{visited}。",
        "en": "Night patrol plans made: {plans}, with {stops} planned stops. Checked against the "
        "GPS tracks, {full} had the full dwell, {brief} a brief visit and {missed} were "
        "missed: {rate} full-dwell compliance, {visited} visited.",
    },
}
