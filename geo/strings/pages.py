"""Strings of the analysis pages: overview, coverage, hotspots, venues, hazards, cell details."""

from __future__ import annotations


def _enum(group: str, pairs: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {f"v.{group}.{k}": {"zh-CN": zh, "en": en} for k, (zh, en) in pairs.items()}


STRINGS: dict[str, dict[str, str]] = {
    # shared page texts
    "pg.no_data": {
        "zh-CN": "所选时间范围和辖区内没有数据。",
        "en": "No data for the chosen period and area.",
    },
    "pg.no_cells": {"zh-CN": "没有可绘制的六边形。", "en": "No cells to draw."},
    "pg.bad_filter": {
        "zh-CN": "筛选条件无效：{reason}",
        "en": "The filters are not valid: {reason}",
    },
    "pg.map_hint": {
        "zh-CN": "点击地图上的六边形查看详情。",
        "en": "Click a hexagon on the map to see its details.",
    },
    "pg.point_hint": {
        "zh-CN": "点击地图上的点查看详情。",
        "en": "Click a point on the map to see its details.",
    },
    "pg.layers_missing": {
        "zh-CN": "地图图层模块尚未就绪，暂时只显示表格。",
        "en": "The map layers are not ready yet; tables only for now.",
    },
    "pg.all": {"zh-CN": "全部", "en": "All"},
    "pg.yes": {"zh-CN": "是", "en": "Yes"},
    "pg.no": {"zh-CN": "否", "en": "No"},
    "pg.choose": {"zh-CN": "请选择", "en": "Choose"},
    "pg.period": {"zh-CN": "{start} 至 {end}", "en": "{start} to {end}"},
    "pg.download_csv": {"zh-CN": "下载 CSV", "en": "Download CSV"},
    "map.areas": {"zh-CN": "辖区/网格边界", "en": "Area outlines"},
    "map.station": {"zh-CN": "派出所辖区", "en": "Station"},
    "map.grid": {"zh-CN": "网格", "en": "Grid"},
    # cell details
    "cell.title": {"zh-CN": "六边形 {h3} 详情", "en": "Cell {h3}"},
    "cell.period": {
        "zh-CN": "统计时段：{start} 至 {end}（夜间 {night}）",
        "en": "Period: {start} to {end} (night {night})",
    },
    "cell.incidents": {"zh-CN": "警情", "en": "Incidents"},
    "cell.dwell": {"zh-CN": "夜间巡逻（分钟）", "en": "Night patrol (minutes)"},
    "cell.nights": {"zh-CN": "有巡逻的夜数", "en": "Nights patrolled"},
    "cell.stops": {"zh-CN": "停留次数", "en": "Stops"},
    "cell.last_visit": {"zh-CN": "最近巡逻：{when}", "en": "Last patrolled: {when}"},
    "cell.withheld": {
        "zh-CN": "巡逻的班次太少，不予显示（防止还原巡逻路线）。",
        "en": "Patrolled by too few shifts to show (so that no route can be rebuilt).",
    },
    "cell.never": {"zh-CN": "时段内无巡逻", "en": "Not patrolled in the period"},
    "cell.by_category": {"zh-CN": "警情类别", "en": "Incidents by category"},
    "cell.by_unit": {"zh-CN": "按巡逻方式", "en": "By unit kind"},
    "cell.venues": {"zh-CN": "场所", "en": "Venues"},
    "cell.hazards": {"zh-CN": "安全隐患", "en": "Hazards"},
    "cell.sites": {"zh-CN": "重点部位", "en": "Key sites"},
    "cell.none": {"zh-CN": "无", "en": "Nothing here"},
    "cell.outside": {
        "zh-CN": "该位置不在可查看的辖区内。",
        "en": "That spot is outside the areas you may see.",
    },
    # column labels
    "col.category": {"zh-CN": "类别", "en": "Category"},
    "col.count": {"zh-CN": "数量", "en": "Count"},
    "col.time": {"zh-CN": "时间", "en": "Time"},
    "col.id": {"zh-CN": "编号", "en": "ID"},
    "col.name": {"zh-CN": "名称", "en": "Name"},
    "col.priority": {"zh-CN": "优先级", "en": "Priority"},
    "col.risk_level": {"zh-CN": "风险等级", "en": "Risk level"},
    "col.severity": {"zh-CN": "严重程度", "en": "Severity"},
    "col.status": {"zh-CN": "状态", "en": "Status"},
    "col.found_at": {"zh-CN": "发现时间", "en": "Found"},
    "col.deadline": {"zh-CN": "整改期限", "en": "Deadline"},
    "col.rectified_at": {"zh-CN": "整改完成", "en": "Rectified"},
    "col.overdue": {"zh-CN": "已超期", "en": "Overdue"},
    "col.days_open": {"zh-CN": "持续天数", "en": "Days open"},
    "col.inspections": {"zh-CN": "检查次数", "en": "Inspections"},
    "col.checks": {"zh-CN": "巡查次数", "en": "Check-ins"},
    "col.unit": {"zh-CN": "巡逻单元", "en": "Unit"},
    "col.unit_kind": {"zh-CN": "巡逻方式", "en": "Unit kind"},
    "col.dwell_min": {"zh-CN": "巡逻分钟", "en": "Patrol minutes"},
    "col.nights": {"zh-CN": "夜数", "en": "Nights"},
    "col.rank": {"zh-CN": "排名", "en": "Rank"},
    "col.h3": {"zh-CN": "六边形", "en": "Cell"},
    "col.risk": {"zh-CN": "风险（起/周）", "en": "Risk (incidents/week)"},
    "col.risk_pct": {"zh-CN": "区域内风险百分位", "en": "Risk percentile in area"},
    "col.coverage_pct": {"zh-CN": "区域内覆盖百分位", "en": "Coverage percentile in area"},
    "col.gap": {"zh-CN": "缺口（区域内，0–1）", "en": "Gap (within the area, 0-1)"},
    "col.incident_count": {"zh-CN": "警情数", "en": "Incidents"},
    "col.gi_z": {"zh-CN": "Gi* z 值", "en": "Gi* z"},
    "col.gi_bin": {"zh-CN": "热点等级", "en": "Hotspot class"},
    "col.trend": {"zh-CN": "时空趋势", "en": "Space-time pattern"},
    "col.cells": {"zh-CN": "六边形数", "en": "Cells"},
    "col.night": {"zh-CN": "夜间日期", "en": "Night"},
    "col.pings": {"zh-CN": "定位点数", "en": "GPS fixes"},
    "col.gap_breaks": {"zh-CN": "断点（超过5分钟）", "en": "Gaps (over 5 min)"},
    "col.jump_breaks": {"zh-CN": "跳点（超速漂移）", "en": "Jumps (bad GPS)"},
    "col.start": {"zh-CN": "开始", "en": "Start"},
    "col.end": {"zh-CN": "结束", "en": "End"},
    "col.interval_days": {"zh-CN": "检查周期（天）", "en": "Interval (days)"},
    "col.last_inspection": {"zh-CN": "最近检查", "en": "Last inspection"},
    "col.due": {"zh-CN": "应检日期", "en": "Due"},
    "col.grade": {"zh-CN": "等级", "en": "Grade"},
    "col.overdue_days": {"zh-CN": "超期天数", "en": "Days overdue"},
    "col.last_result": {"zh-CN": "最近结果", "en": "Last result"},
    "col.open_follow_up": {"zh-CN": "待复查", "en": "Follow-up owed"},
    "col.follow_up_due": {"zh-CN": "复查期限", "en": "Follow-up due"},
    "col.result": {"zh-CN": "结果", "en": "Result"},
    "col.findings": {"zh-CN": "发现问题", "en": "Findings"},
    "col.found": {"zh-CN": "发现", "en": "Found"},
    "col.rectified": {"zh-CN": "已整改", "en": "Rectified"},
    "col.rate": {"zh-CN": "整改率", "en": "Rectification rate"},
    "col.not_rectified": {
        "zh-CN": "期末未整改",
        "en": "Not rectified at end",
    },
    "col.rectifying": {"zh-CN": "其中整改中", "en": "of which rectifying"},
    "col.past_deadline": {"zh-CN": "其中超期", "en": "of which overdue"},
    "col.figure": {"zh-CN": "指标", "en": "Figure"},
    "col.value": {"zh-CN": "本期", "en": "This period"},
    "col.previous": {"zh-CN": "上期", "en": "Previous period"},
    "col.change": {"zh-CN": "变化", "en": "Change"},
    # overview
    "ov.figures": {"zh-CN": "本期关键数字", "en": "Key figures of the period"},
    "ov.compared": {
        "zh-CN": "变化与上一同长时段（{start} 至 {end}）相比。",
        "en": "Changes against the previous period of the same length ({start} to {end}).",
    },
    "ov.map": {"zh-CN": "辖区一张图", "en": "Jurisdiction map"},
    "ov.layer": {"zh-CN": "六边形图层", "en": "Cell layer"},
    "ov.layer.risk": {"zh-CN": "风险（起/周）", "en": "Risk (incidents/week)"},
    "ov.layer.coverage": {"zh-CN": "夜间巡逻覆盖", "en": "Night patrol coverage"},
    "ov.layer.gap": {"zh-CN": "巡防缺口（区域内排序）", "en": "Patrol gaps (within the area)"},
    # in-app help: what risk and gap mean, one sentence each
    "help.risk": {
        "zh-CN": "风险：风险模型估计的该六边形每周预期警情数（起/周），由全辖区的风险地形（场所、重点部位、未整改隐患、"
        "久拖纠纷）和本期警情得出，各单元之和等于本期实际每周警情数，任何用户看到的同一六边形数值相同。",
        "en": "Risk: the expected incidents per week in the cell (incidents/week) from the risk "
        "model of the whole jurisdiction (risk terrain of venues, key sites, open hazards and "
        "disputes left unsettled, plus the period's incidents); the cells add up to the "
        "period's observed incidents per week, and every user sees the same value for a cell.",
    },
    "help.gap": {
        "zh-CN": "缺口：区域内风险百分位 ×（1 − 区域内夜间巡逻覆盖百分位），0–1，是所选区域内各六边形之间的排序"
        "（风险高而夜间巡逻少的排在前面），换一个区域会变。",
        "en": "Gap: risk percentile in area x (1 - night patrol coverage percentile in area), "
        "0-1, a ranking among the chosen area's cells (risky and thinly patrolled at night "
        "first) that changes with the area.",
    },
    # in-app help: coverage, night patrol hours, overdue venue and hazards, one sentence each
    "help.coverage": {
        "zh-CN": "覆盖：所选时段各夜的夜间时段内，巡逻单元GPS轨迹在该六边形内停留的分钟数（轨迹按六边形边界切分，"
        "相邻定位间隔超过5分钟或速度超过150公里/小时的不计）及有巡逻的夜数。",
        "en": "Coverage: the minutes patrol units' GPS tracks spent inside the hexagon during "
        "the night window of the period's nights (the track split at the hexagon's edges; fixes "
        "over 5 minutes apart or faster than 150 km/h apart not counted), and the nights it "
        "was patrolled.",
    },
    "help.night_patrol_h": {
        "zh-CN": "夜间巡逻时长：所选时段各夜的夜间时段内，各巡逻单元GPS轨迹在所选区域内停留时长之和（台·小时，"
        "两个单元同在一处计两次），总览、巡防覆盖、简报和命令行为同一数值。",
        "en": "Night patrol hours: the unit-hours the patrol units' GPS tracks spent inside the "
        "chosen area during the night window of the period's nights (two units in one place "
        "count twice); the Overview, Coverage, the briefing and the command line show this "
        "one number.",
    },
    "help.overdue_venue": {
        "zh-CN": "超期未检场所：截至当日，距上次检查已超过其等级检查周期（一个月除以该等级每月应检次数，取整天数），"
        "或从未检查的场所；场所检查、勤务与战备页和简报按同一口径计数。",
        "en": "Overdue venue: a venue whose last inspection is more days ago, at the end of the "
        "day, than its grade's interval (a month divided by the grade's inspections per "
        "month, in whole days), or that was never inspected; the Venues and Duty pages and "
        "the briefing count it the same way.",
    },
    "help.hazards": {
        "zh-CN": "期末未整改：期末前发现、期末时尚未整改完成（待整改或整改中）的隐患；超过整改期限：其中期末时已过整改期限的，"
        "因此不会多于未整改数。",
        "en": "Not rectified at the end: hazards found before the end of the period and not "
        "rectified then (open or rectifying); past deadline: those of them whose deadline "
        "had passed, so never more than the not rectified.",
    },
    "ov.gaps": {
        "zh-CN": "巡防缺口（风险高、夜间巡逻少）前 {n} 名",
        "en": "Top {n} gaps (high risk, little night patrol)",
    },
    "ov.no_gaps": {"zh-CN": "没有缺口数据。", "en": "No gap data."},
    "fig.incidents": {"zh-CN": "警情", "en": "Incidents"},
    "fig.shifts": {"zh-CN": "巡逻班次", "en": "Patrol shifts"},
    "fig.police_aux": {
        "zh-CN": "投入警力（民警+辅警，人次）",
        "en": "Officers (person-times)",  # police and auxiliaries; fits its card
    },
    "fig.volunteers": {"zh-CN": "群防群治力量（人次）", "en": "Volunteers (person-times)"},
    "fig.people_checked": {"zh-CN": "盘查人员", "en": "People checked"},
    "fig.night_patrol_h": {
        "zh-CN": "夜间巡逻（台·小时）",
        "en": "Night patrol (unit-hours)",
    },
    "fig.venues_inspected": {"zh-CN": "检查场所（家）", "en": "Venues inspected"},
    "fig.site_patrols": {"zh-CN": "重点部位巡查（次）", "en": "Key-site patrols"},
    "fig.hazards_found": {"zh-CN": "发现隐患", "en": "Hazards found"},
    "fig.hazards_rectified": {"zh-CN": "整改隐患", "en": "Hazards rectified"},
    "fig.hazards_open": {
        "zh-CN": "期末未整改隐患",
        "en": "Not rectified at end",
    },
    # coverage
    "cov.map": {"zh-CN": "夜间巡逻停留（按六边形）", "en": "Night patrol dwell by cell"},
    "cov.unit_kinds": {"zh-CN": "巡逻方式", "en": "Unit kinds"},
    "cov.legend": {"zh-CN": "夜间巡逻（分钟）", "en": "Night patrol (minutes)"},
    "cov.summary": {
        "zh-CN": "{cells} 个六边形有夜间巡逻；夜间巡逻 {hours} 台·小时（{night}，各巡逻单元GPS轨迹在所选区域内停留之和）。",
        "en": "{cells} cells patrolled at night; {hours} night patrol hours ({night}; "
        "unit-hours the units' GPS tracks spent in the chosen area).",
    },
    "cov.kinds_only": {
        "zh-CN": "仅计所选巡逻方式：{kinds}（总览页为全部巡逻方式）。",
        "en": "Chosen unit kinds only: {kinds} (the Overview counts every kind).",
    },
    "cov.tracks": {"zh-CN": "单夜巡逻轨迹", "en": "One night's tracks"},
    "cov.night": {"zh-CN": "夜间日期", "en": "Night of"},
    "cov.units": {"zh-CN": "巡逻单元", "en": "Units"},
    "cov.no_shifts": {"zh-CN": "该夜没有巡逻班次。", "en": "No shifts that night."},
    "cov.pick_units": {
        "zh-CN": "选择要显示轨迹的巡逻单元。",
        "en": "Choose the units whose tracks to show.",
    },
    "cov.tracks_layer": {"zh-CN": "巡逻轨迹", "en": "Patrol tracks"},
    "cov.track": {"zh-CN": "轨迹", "en": "Track"},
    "cov.gap": {"zh-CN": "断点（超过5分钟）", "en": "Gap (over 5 min)"},
    "cov.jump": {"zh-CN": "跳点（GPS漂移）", "en": "Jump (bad GPS)"},
    "cov.breaks": {"zh-CN": "GPS 质量：轨迹断点", "en": "GPS quality: track breaks"},
    "cov.breaks_help": {
        "zh-CN": "相邻定位间隔超过5分钟或速度超过150公里/小时的不连线，不计入覆盖。",
        "en": "Fixes more than 5 minutes apart or faster than 150 km/h apart are "
        "not joined and not counted as coverage.",
    },
    "cov.no_breaks": {
        "zh-CN": "时段内所有轨迹都连续。",
        "en": "Every track in the period is continuous.",
    },
    # hotspots
    "hot.map": {"zh-CN": "警情热点（Getis-Ord Gi*）", "en": "Incident hotspots (Getis-Ord Gi*)"},
    "hot.categories": {"zh-CN": "警情类别", "en": "Incident categories"},
    "hot.k": {"zh-CN": "邻域范围（圈数 k）", "en": "Neighbourhood (rings k)"},
    "hot.fdr": {"zh-CN": "FDR 多重检验校正", "en": "FDR correction"},
    "hot.fdr_help": {
        "zh-CN": "Benjamini-Hochberg 校正，减少偶然出现的热点。",
        "en": "Benjamini-Hochberg correction: fewer hotspots by chance.",
    },
    "hot.emerging": {"zh-CN": "时空趋势（按周）", "en": "Space-time trends (weekly)"},
    "hot.emerging_short": {
        "zh-CN": "时空趋势至少需要两周的数据，请选择更长的时间范围。",
        "en": "Space-time trends need at least two weeks; choose a longer period.",
    },
    "hot.legend": {"zh-CN": "Gi* 热点等级", "en": "Gi* class"},
    "hot.summary": {
        "zh-CN": "{n} 起警情，{hot} 个热点六边形，{cold} 个冷点六边形。",
        "en": "Incidents: {n}; hot cells: {hot}; cold cells: {cold}.",
    },
    "hot.patterns": {"zh-CN": "时空趋势类型统计", "en": "Cells per space-time pattern"},
    "hot.cell_incidents": {"zh-CN": "所选六边形内的警情", "en": "Incidents in the chosen cell"},
    "hot.too_few_cells": {
        "zh-CN": "热点分析（Gi*）需要所选辖区内至少两个六边形，而这里不足两个（可能尚未导入辖区或网格边界）。"
        "请导入辖区边界或选择更大的区域。",
        "en": "Hot spot analysis (Gi*) needs at least two hexagons in the chosen area, and there "
        "are fewer here (the area or grid boundaries may not be imported yet). Import the "
        "boundaries or choose a larger area.",
    },
    "hot.no_incidents": {
        "zh-CN": "所选时间范围内没有警情。",
        "en": "No incidents in the chosen period.",
    },
    # venues
    "ven.map": {"zh-CN": "场所分布", "en": "Venues"},
    "ven.layer": {"zh-CN": "场所", "en": "Venues"},
    "ven.table": {"zh-CN": "场所台账与检查状态", "en": "Venues and inspection status"},
    "ven.overdue": {"zh-CN": "超期未检或待复查的场所", "en": "Venues overdue or owing a follow-up"},
    "ven.rules": {
        "zh-CN": "超期未检：截至当日，距上次检查已超过该场所等级的检查周期，或从未检查。"
        "检查周期按“设置”页勤务规范中各等级每月检查次数换算（默认A级每月1次即30天、B级3次即10天、"
        "C级5次即6天）；无风险等级的场所按B级。",
        "en": "Overdue: at the end of the day, more days since the last inspection than the "
        "venue's grade interval, or never inspected. The interval is a month divided by the "
        "grade's inspections per month in the duty rules (Settings; by default grade A once a "
        "month: 30 days, B three times: 10 days, C five times: 6 days); a venue without a risk "
        "level is grade B.",
    },
    "ven.as_of": {"zh-CN": "状态截至 {date}。", "en": "Status as of {date}."},
    "ven.history": {"zh-CN": "场所检查记录", "en": "Inspection history"},
    "ven.choose": {"zh-CN": "选择场所", "en": "Choose a venue"},
    "ven.no_history": {"zh-CN": "该场所尚无检查记录。", "en": "No inspections of this venue yet."},
    "ven.none": {"zh-CN": "辖区内没有场所数据。", "en": "No venues in this area."},
    "ven.category": {"zh-CN": "场所类别", "en": "Venue categories"},
    "ven.n_overdue": {"zh-CN": "超期未检", "en": "Overdue"},
    "ven.n_follow": {"zh-CN": "待复查", "en": "Follow-up owed"},
    "ven.n_never": {"zh-CN": "从未检查", "en": "Never inspected"},
    "ven.never": {"zh-CN": "从未检查", "en": "Never inspected"},
    "ven.due_now": {"zh-CN": "应立即检查", "en": "Due now"},
    "ven.ok": {"zh-CN": "按期检查", "en": "Up to date"},
    "ven.n_total": {"zh-CN": "场所总数", "en": "Venues"},
    "ven.all_ok": {
        "zh-CN": "没有超期或待复查的场所。",
        "en": "No venue is overdue or owes a follow-up.",
    },
    # hazards
    "haz.map": {"zh-CN": "隐患分布", "en": "Hazards"},
    "haz.layer_open": {"zh-CN": "未整改隐患", "en": "Open hazards"},
    "haz.layer_rect": {"zh-CN": "已整改隐患", "en": "Rectified hazards"},
    "haz.board": {"zh-CN": "隐患整改看板", "en": "Hazard board"},
    "haz.as_of": {
        "zh-CN": "状态截至 {date}；发现、整改和整改率按所选时段统计。",
        "en": "State as of {date}; found, rectified and the rate count the chosen period.",
    },
    "haz.found": {"zh-CN": "本期发现", "en": "Found in period"},
    "haz.rectified": {"zh-CN": "本期整改", "en": "Rectified"},
    "haz.rate": {"zh-CN": "整改率", "en": "Rectification rate"},
    "haz.not_rectified": {
        "zh-CN": "期末未整改",
        "en": "Not rectified at end",
    },
    "haz.rectifying": {"zh-CN": "其中整改中", "en": "of which rectifying"},
    "haz.overdue": {"zh-CN": "其中超期", "en": "of which overdue"},
    "haz.by_category": {"zh-CN": "按类别", "en": "By category"},
    "haz.by_severity": {"zh-CN": "按严重程度", "en": "By severity"},
    "haz.table": {"zh-CN": "隐患清单（未整改及本期）", "en": "Hazards (open and found in period)"},
    "haz.only_overdue": {"zh-CN": "只看超期", "en": "Overdue only"},
    "haz.none": {"zh-CN": "辖区内没有隐患数据。", "en": "No hazards in this area."},
    **_enum(
        "bin",
        {
            "3": ("热点 99%", "Hot 99%"),
            "2": ("热点 95%", "Hot 95%"),
            "1": ("热点 90%", "Hot 90%"),
            "0": ("不显著", "Not significant"),
            "-1": ("冷点 90%", "Cold 90%"),
            "-2": ("冷点 95%", "Cold 95%"),
            "-3": ("冷点 99%", "Cold 99%"),
        },
    ),
    **_enum(
        "pattern",
        {
            "new_hot": ("新增热点", "New hot spot"),
            "consecutive_hot": ("连续热点", "Consecutive hot spot"),
            "intensifying_hot": ("加剧热点", "Intensifying hot spot"),
            "persistent_hot": ("持续热点", "Persistent hot spot"),
            "diminishing_hot": ("减弱热点", "Diminishing hot spot"),
            "sporadic_hot": ("零星热点", "Sporadic hot spot"),
            "oscillating_hot": ("振荡热点", "Oscillating hot spot"),
            "historical_hot": ("历史热点", "Historical hot spot"),
            "new_cold": ("新增冷点", "New cold spot"),
            "consecutive_cold": ("连续冷点", "Consecutive cold spot"),
            "intensifying_cold": ("加剧冷点", "Intensifying cold spot"),
            "persistent_cold": ("持续冷点", "Persistent cold spot"),
            "diminishing_cold": ("减弱冷点", "Diminishing cold spot"),
            "sporadic_cold": ("零星冷点", "Sporadic cold spot"),
            "oscillating_cold": ("振荡冷点", "Oscillating cold spot"),
            "historical_cold": ("历史冷点", "Historical cold spot"),
            "none": ("无明显趋势", "No pattern"),
        },
    ),
    **_enum(
        "incident",
        {
            "theft": ("盗窃", "Theft"),
            "burglary": ("入室盗窃", "Burglary"),
            "robbery": ("抢劫抢夺", "Robbery"),
            "fraud": ("诈骗", "Fraud"),
            "fight": ("打架斗殴", "Fight"),
            "disturbance": ("扰乱秩序", "Disturbance"),
            "dispute": ("纠纷", "Dispute"),
            "traffic": ("交通", "Traffic"),
            "drugs": ("涉毒", "Drugs"),
            "gambling": ("涉赌", "Gambling"),
            "other": ("其他", "Other"),
        },
    ),
    **_enum(
        "venue",
        {
            "ktv": ("KTV", "KTV"),
            "bar": ("酒吧", "Bar"),
            "hotel": ("旅馆", "Hotel"),
            "internet_cafe": ("网吧", "Internet cafe"),
            "market": ("市场", "Market"),
            "nursing_home": ("养老机构", "Nursing home"),
            "bathhouse": ("洗浴场所", "Bathhouse"),
            "restaurant": ("餐饮", "Restaurant"),
            "other": ("其他", "Other"),
        },
    ),
    **_enum(
        "site",
        {
            "school": ("学校", "School"),
            "bank": ("银行", "Bank"),
            "hub": ("交通枢纽", "Transport hub"),
            "market": ("市场", "Market"),
            "hospital": ("医院", "Hospital"),
            "mall": ("商场", "Mall"),
            "government": ("党政机关", "Government"),
            "post": ("警务站（屯警点）", "Police post"),
        },
    ),
    **_enum(
        "hazard",
        {
            "fire": ("消防", "Fire"),
            "electrical": ("用电", "Electrical"),
            "gas": ("燃气", "Gas"),
            "structural": ("建筑结构", "Structural"),
            "traffic": ("交通", "Traffic"),
            "public_order": ("治安", "Public order"),
            "other": ("其他", "Other"),
        },
    ),
    **_enum(
        "severity",
        {
            "low": ("一般", "Low"),
            "medium": ("较大", "Medium"),
            "high": ("重大", "High"),
            "major": ("特别重大", "Major"),
        },
    ),
    **_enum(
        "hstatus",
        {
            "open": ("未整改", "Open"),
            "rectifying": ("整改中", "Rectifying"),
            "rectified": ("已整改", "Rectified"),
        },
    ),
    **_enum(
        "unit",
        {
            "police_car": ("警车巡逻", "Police car"),
            "foot": ("步巡", "Foot patrol"),
            "e_bike": ("电动车巡逻", "E-bike patrol"),
            "auxiliary": ("辅警巡逻", "Auxiliary"),
            "volunteer": ("群防群治", "Volunteers"),
            "unknown": ("未知", "Unknown"),
        },
    ),
    **_enum("risk", {"low": ("低", "Low"), "medium": ("中", "Medium"), "high": ("高", "High")}),
    **_enum(
        "result",
        {"pass": ("合格", "Pass"), "rectify": ("责令整改", "Rectify"), "fail": ("不合格", "Fail")},
    ),
    **_enum("bool", {"True": ("是", "Yes"), "False": ("否", "No")}),
}
