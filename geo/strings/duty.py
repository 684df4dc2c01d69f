"""Strings of duty and readiness: the page, alerts, rules in Settings, the briefing section."""

from __future__ import annotations


def _enum(group: str, pairs: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {f"v.{group}.{k}": {"zh-CN": zh, "en": en} for k, (zh, en) in pairs.items()}


STRINGS: dict[str, dict[str, str]] = {
    "page.duty": {"zh-CN": "勤务与战备", "en": "Duty & readiness"},
    # briefing: how the key-site figure relates to the GPS tracks
    "brief.duty.title": {"zh-CN": "重点部位巡查核验", "en": "Key-site visits checked"},
    "brief.duty.text": {
        "zh-CN": "巡查重点部位签到记录{checks}次；GPS轨迹显示在重点部位电子围栏内停留达标的到访{gps}次。"
        "同一巡逻单元在同一部位{window_min}分钟内的轨迹到访与签到合并计为一次，去重后共到访{merged}次"
        "（涉及{sites}处部位），其中轨迹与签到相互印证{both}次、仅有轨迹{gps_only}次、仅有签到{check_only}次。"
        "正文巡查重点部位数字按签到台账统计。",
        "en": "Key-site check-ins numbered {checks}; the GPS tracks show {gps} visits that stayed "
        "inside a site's geofence long enough. A track visit and check-ins of the same "
        "unit at the same site within {window_min} minutes count once: {merged} visits "
        "after removing duplicates ({sites} sites), {both} seen in both, {gps_only} in "
        "the tracks only and {check_only} checked in only. The key-site figure above "
        "counts the check-in ledger.",
    },
    # the page
    "duty.night": {"zh-CN": "勤务夜", "en": "Night"},
    "duty.window": {
        "zh-CN": "时段 {window}（{start} 至 {end}）",
        "en": "Window {window} ({start} to {end})",
    },
    "duty.points": {"zh-CN": "必巡点到访", "en": "Key-point visits"},
    "duty.m.required": {"zh-CN": "应巡（次）", "en": "Required"},
    "duty.m.done": {"zh-CN": "按时完成", "en": "Done on time"},
    "duty.m.late": {"zh-CN": "超时完成", "en": "Late"},
    "duty.m.missed": {"zh-CN": "漏巡", "en": "Missed"},
    "duty.dedup": {
        "zh-CN": "GPS轨迹到访{gps}次、签到{checks}次；同一单元同一部位{window_min}分钟内合并计为一次，共{merged}次（相互印证{both}次）。",
        "en": "{gps} GPS visits and {checks} check-ins; the same unit at the same site within "
        "{window_min} minutes counts once: {merged} visits ({both} seen in both).",
    },
    "duty.sites": {"zh-CN": "各点位情况", "en": "Per key point"},
    "duty.units": {"zh-CN": "各巡逻单元", "en": "Per unit"},
    "duty.circles": {"zh-CN": "1-3-5分钟快速反应圈", "en": "1-3-5 minute response circles"},
    "duty.at": {"zh-CN": "时刻（含各单元最后位置）", "en": "Moment (with the units' last fixes)"},
    "duty.use_units": {"zh-CN": "加入巡逻单元当时位置", "en": "Add the units' positions then"},
    "duty.kind": {"zh-CN": "出警方式", "en": "Unit kind"},
    "duty.m.sites_inside": {"zh-CN": "重点部位达标率", "en": "Key sites inside their tier"},
    "duty.m.risk_inside": {"zh-CN": "高风险网格达标率", "en": "High-risk cells inside tier"},
    "duty.m.sources": {"zh-CN": "屯警点/单元", "en": "Posts / units"},
    "duty.outside": {"zh-CN": "未在要求时间内到达的重点部位", "en": "Key sites outside their tier"},
    "duty.inside": {"zh-CN": "在要求时间内可达的重点部位", "en": "Key sites inside their tier"},
    "duty.all_inside": {
        "zh-CN": "所有重点部位均在要求时间内可达。",
        "en": "Every key site is inside its tier.",
    },
    "duty.tier": {"zh-CN": "{m}分钟圈", "en": "{m}-minute tier"},
    "duty.beyond": {"zh-CN": "超出", "en": "beyond"},
    "duty.optimise": {"zh-CN": "今晚屯警点位优化", "en": "Where to stand tonight"},
    "duty.n_units": {"zh-CN": "屯警力量数", "en": "Units to place"},
    "duty.optimise_run": {"zh-CN": "计算最优点位", "en": "Find the best points"},
    "duty.optimise_result": {
        "zh-CN": "现有{n}个屯警点覆盖权重{posts}（重点部位{posts_sites}处）；优化后覆盖{covered}/{total}（重点部位{sites}处）。",
        "en": "The {n} posts as they are reach weight {posts} ({posts_sites} key sites); the "
        "best {n} points reach {covered} of {total} ({sites} key sites).",
    },
    "duty.schedule": {
        "zh-CN": "场所检查计划（本月）",
        "en": "Venue inspection schedule (this month)",
    },
    "duty.schedule_sum": {
        "zh-CN": "本月应检{required}家次，已检{done}家次；共{venues}家场所，截至当日超期未检{venues_overdue}家"
        "（与“场所”页同一口径：超过等级检查周期未检或从未检查）。",
        "en": "{required} venue-visits required this month, {done} done; {venues} venues, "
        "{venues_overdue} overdue at the end of the day (as on the Venues page: their grade's "
        "interval passed since the last inspection, or never inspected).",
    },
    "duty.grid": {"zh-CN": "网格考核", "en": "Grid assessment"},
    "duty.rules_note": {
        "zh-CN": "勤务规范可在“设置”页修改。",
        "en": "Duty rules are edited on the Settings page.",
    },
    # columns
    "duty.col.required": {"zh-CN": "应巡", "en": "Required"},
    "duty.col.done": {"zh-CN": "按时", "en": "On time"},
    "duty.col.late": {"zh-CN": "超时", "en": "Late"},
    "duty.col.missed": {"zh-CN": "漏巡", "en": "Missed"},
    "duty.col.first_visit": {"zh-CN": "首次到访", "en": "First visit"},
    "duty.col.duty_status": {"zh-CN": "状态", "en": "Status"},
    "duty.col.visits": {"zh-CN": "到访", "en": "Visits"},
    "duty.col.unit": {"zh-CN": "巡逻单元", "en": "Unit"},
    "duty.col.travel_min": {"zh-CN": "到达（分钟）", "en": "Travel (min)"},
    "duty.col.required_min": {"zh-CN": "要求（分钟）", "en": "Required (min)"},
    "duty.col.grade": {"zh-CN": "等级", "en": "Grade"},
    "duty.col.due": {"zh-CN": "应检", "en": "Due"},
    "duty.col.overdue": {"zh-CN": "逾期", "en": "Overdue"},
    "duty.col.next_due": {"zh-CN": "下次期限", "en": "Next due"},
    "duty.col.checkin_rate": {"zh-CN": "必巡完成率", "en": "Check-in rate"},
    "duty.col.hazard_rate": {"zh-CN": "隐患按期整改率", "en": "Hazards closed on time"},
    "duty.col.inspection_rate": {"zh-CN": "场所按计划检查率", "en": "Inspections on schedule"},
    "duty.col.dispute_rate": {"zh-CN": "纠纷化解率", "en": "Disputes settled"},
    "duty.col.score": {"zh-CN": "综合得分", "en": "Score"},
    "duty.col.owner": {"zh-CN": "网格员", "en": "Grid manager"},
    "duty.col.alert": {"zh-CN": "提醒", "en": "Alert"},
    "duty.col.detail": {"zh-CN": "说明", "en": "Detail"},
    "duty.col.since": {"zh-CN": "自", "en": "Since"},
    # alerts on the Overview page
    "alerts.title": {"zh-CN": "勤务提醒（{night}夜）", "en": "Alerts (night of {night})"},
    "alerts.none": {"zh-CN": "当前没有需要处理的提醒。", "en": "Nothing needs attention."},
    "alerts.counts": {"zh-CN": "共{n}条：{parts}", "en": "{n} in all: {parts}"},
    "alerts.link": {
        "zh-CN": "在勤务与战备页查看地图",
        "en": "See them on the Duty & readiness map",
    },
    # rules in Settings
    "settings.duty": {"zh-CN": "勤务规范", "en": "Duty rules"},
    "settings.duty_help": {
        "zh-CN": "必巡点（按类别或部位编号）每夜/每班次应巡次数、电子围栏半径、最短停留；场所按等级每月检查次数（同时决定检查周期，即何时算超期未检）；"
        "1-3-5分钟反应圈；实时提醒的分钟数。每行注明来源。也可导入/导出TOML文件。",
        "en": "Key points (by category or site id): visits per night or shift, geofence radius, "
        "minimum dwell; venue inspections per month by grade (which also set the inspection "
        "interval, so when a venue is overdue); the 1-3-5 minute response "
        "tiers; the minutes of the live alerts. Each row says where it comes from. Import or "
        "export them as a TOML file.",
    },
    "settings.duty_save": {"zh-CN": "保存勤务规范", "en": "Save duty rules"},
    "settings.duty_saved": {"zh-CN": "勤务规范已保存。", "en": "Duty rules saved."},
    "settings.duty_reset": {"zh-CN": "恢复默认勤务规范", "en": "Default duty rules"},
    "settings.duty_file": {"zh-CN": "导入勤务规范（TOML）", "en": "Import duty rules (TOML)"},
    "settings.duty_export": {"zh-CN": "导出勤务规范（TOML）", "en": "Export duty rules (TOML)"},
    **_enum(
        "dstat",
        {
            "done": ("完成", "Done"),
            "late": ("超时", "Late"),
            "missed": ("漏巡", "Missed"),
            "pending": ("待巡", "Pending"),
            "none": ("不作要求", "Not required"),
        },
    ),
    **_enum(
        "vsched",
        {
            "overdue": ("超期未检", "Overdue"),
            "complete": ("已完成", "Complete"),
            "on_schedule": ("按计划", "On schedule"),
            "none": ("不作要求", "Not required"),
        },
    ),
    # the duty rules tables of the Settings page: headers, codes and the default rules' sources
    "duty.rcol.target": {"zh-CN": "部位类别或部位", "en": "Site category or site"},
    "duty.rcol.visits": {"zh-CN": "到访次数", "en": "Visits"},
    "duty.rcol.per": {"zh-CN": "每", "en": "Per"},
    "duty.rcol.radius_m": {"zh-CN": "电子围栏半径（米）", "en": "Geofence radius (m)"},
    "duty.rcol.min_dwell_s": {"zh-CN": "最短停留（秒）", "en": "Shortest stay (s)"},
    "duty.rcol.source": {"zh-CN": "依据", "en": "Basis"},
    "duty.rcol.grade": {"zh-CN": "场所等级", "en": "Venue grade"},
    "duty.rcol.risk_level": {"zh-CN": "风险等级", "en": "Risk level"},
    "duty.rcol.per_month": {"zh-CN": "每月检查（次）", "en": "Inspections a month"},
    "duty.rcol.minutes": {"zh-CN": "到达时限（分钟）", "en": "Reach within (min)"},
    "duty.rcol.targets": {"zh-CN": "适用部位", "en": "Applies to"},
    "duty.per.night": {"zh-CN": "夜", "en": "Night"},
    "duty.per.shift": {"zh-CN": "班次", "en": "Shift"},
    "duty.tier_target.all": {"zh-CN": "辖区其余地方", "en": "The rest of the jurisdiction"},
    "duty.tier_target.high_risk": {
        "zh-CN": "高风险区域（前10%）",
        "en": "Riskiest cells (top 10%)",
    },
    **{
        f"duty.src.sites.{target}": {
            "zh-CN": "勤务规范：必巡点每晚到访规定次数（派出所默认值，以本局勤务规范为准）" + zh,
            "en": "Duty norm: key points visited a set number of times each night (station "
            "default; check against the bureau's duty rules)" + en,
        }
        for target, zh, en in (
            ("bank", "；银行：押运与自助银行时段", "; banks: cash-in-transit and ATM hours"),
            ("hub", "；交通枢纽：末班公交与列车", "; hubs: last buses and trains"),
            ("market", "", ""),
            ("mall", "", ""),
            ("hospital", "", ""),
            (
                "school",
                "；学校：白天有护学岗，夜间巡一次",
                "; schools: school-gate guards cover the day, the night needs one pass",
            ),
        )
    },
    "duty.src.sites.government": {
        "zh-CN": "派出所默认：纳入巡逻，不作为必巡点",
        "en": "Station default: patrolled, not a key point",
    },
    "duty.src.sites.post": {
        "zh-CN": "屯警点是巡逻单元驻守的位置，不是到访点",
        "en": "Posts are where units stand, not a point to visit",
    },
    "duty.src.venues.A": {
        "zh-CN": "分级分类检查：A 级每月至少一次",
        "en": "Graded inspections: grade A at least once a month",
    },
    "duty.src.venues.B": {
        "zh-CN": "分级分类检查：B 级每月三次",
        "en": "Graded inspections: grade B three times a month",
    },
    "duty.src.venues.C": {
        "zh-CN": "分级分类检查：C 级每月五次",
        "en": "Graded inspections: grade C five times a month",
    },
    "duty.src.tiers.1": {
        "zh-CN": "1、3、5分钟快速反应圈：交通枢纽和派出所 1 分钟内到达",
        "en": "1-3-5 minute response circles: hubs and stations within 1 minute",
    },
    "duty.src.tiers.3": {
        "zh-CN": "1、3、5分钟快速反应圈：银行、学校、商场 3 分钟内到达；风险最高的区域（前10%）同此（派出所默认值）",
        "en": "1-3-5 minute response circles: banks, schools and malls within 3 minutes; the "
        "riskiest cells (top 10%) held to the same tier (station default)",
    },
    "duty.src.tiers.5": {
        "zh-CN": "1、3、5分钟快速反应圈：辖区其余地方 5 分钟内到达",
        "en": "1-3-5 minute response circles: the rest of the jurisdiction within 5 minutes",
    },
    # the alerts' "what" for kinds that name no category, and their details
    "alerts.what.long_stop": {"zh-CN": "停留", "en": "Stop"},
    "alerts.what.hot_cell": {"zh-CN": "高风险区域", "en": "High-risk cell"},
    "alerts.d.missed": {
        "zh-CN": "漏巡 {missed}/{required} 次",
        "en": "{missed} of {required} visits missed",
    },
    "alerts.d.stop": {"zh-CN": "停留 {minutes} 分钟", "en": "{minutes} min stopped"},
    "alerts.d.risk": {
        "zh-CN": "风险 {risk} 起/周",
        "en": "Risk {risk} incidents/week",
    },
    "alerts.d.venue": {
        "zh-CN": "本月已检 {done}/{required} 次（{grade} 级）",
        "en": "{done} of {required} inspections this month (grade {grade})",
    },
    **_enum(
        "alert",
        {
            "long_stop": ("长时间停留（非屯警点）", "Long stop outside a post"),
            "missed_point": ("必巡点漏巡", "Key point missed"),
            "hot_cell": ("高风险区域久未巡逻", "Hot cell not patrolled"),
            "venue_overdue": ("场所超期未检", "Venue overdue for inspection"),
            "hazard_overdue": ("隐患整改逾期", "Hazard past deadline"),
            # the live night's alerts (issue 22; long_stop above is the same alert, live)
            "gps_silent": ("GPS 信号中断", "GPS silent"),
            "left_beat": ("离开责任区", "Left the beat"),
            "left_jurisdiction": ("离开辖区", "Left the jurisdiction"),
            "stop_window_passed": ("计划巡逻点超时未到", "Planned stop's window passed"),
            "point_due": ("必巡点即将到期未巡", "Key point due, not visited"),
        },
    ),
    # the live alerts' details (geo.services.live_alerts.worded)
    "alerts.d.silent": {
        "zh-CN": "已 {minutes} 分钟无定位",
        "en": "No fix for {minutes} min",
    },
    "alerts.d.left_beat": {
        "zh-CN": "离开责任区（{beat}）{minutes} 分钟",
        "en": "{minutes} min outside the beat ({beat})",
    },
    "alerts.d.left_jurisdiction": {
        "zh-CN": "离开辖区 {minutes} 分钟",
        "en": "{minutes} min outside the jurisdiction",
    },
    "alerts.d.stop_window": {
        "zh-CN": "第 {seq} 个巡逻点（{stop}）最晚 {latest} 到达，已过 {minutes} 分钟",
        "en": "Stop {seq} ({stop}) was due by {latest}, {minutes} min ago",
    },
    "alerts.d.point_due": {
        "zh-CN": "{site} 应于 {due} 前到访，还有 {minutes} 分钟",
        "en": "{site} is due by {due}, in {minutes} min",
    },
    "alerts.d.point_overdue": {
        "zh-CN": "{site} 应于 {due} 前到访，已超时 {minutes} 分钟",
        "en": "{site} was due by {due}, {minutes} min ago",
    },
    # the live rules table of the Settings page (duty rules ``live``)
    "duty.rcol.alert": {"zh-CN": "实时规则", "en": "Live rule"},
    "duty.rcol.live_minutes": {"zh-CN": "分钟", "en": "Minutes"},
    "duty.live.gps_silent": {"zh-CN": "GPS 无定位（分钟后提醒）", "en": "GPS silent (alert after)"},
    "duty.live.long_stop": {
        "zh-CN": "屯警点外停留（分钟后提醒）",
        "en": "Standing outside posts (alert after)",
    },
    "duty.live.point_due": {
        "zh-CN": "必巡点到期前（分钟内提醒）",
        "en": "Key point due (alert within)",
    },
    "duty.live.close_shift": {
        "zh-CN": "无定位多久结束实时班次",
        "en": "Silence that closes a live shift",
    },
    "duty.src.live.gps_silent": {
        "zh-CN": "派出所默认：终端每隔几秒上报一次，10 分钟无定位即为故障、信号盲区或设备关机",
        "en": "Station default: terminals report every few seconds, so 10 minutes without a fix "
        "is a fault, a dead zone or a switched-off device",
    },
    "duty.src.live.long_stop": {
        "zh-CN": "派出所默认：在所有屯警点之外停留 20 分钟不算巡逻；屯警点才是驻守的位置",
        "en": "Station default: standing 20 minutes outside every post is not patrolling; posts "
        "are where units stand",
    },
    "duty.src.live.point_due": {
        "zh-CN": "派出所默认：必巡点下一次到访到期前半小时提醒（到期时间按必巡点规则计算）",
        "en": "Station default: half an hour's warning before a key point's next visit falls "
        "due (the due times of the key-point rules)",
    },
    "duty.src.live.close_shift": {
        "zh-CN": "与导入相同的断开规则：轨迹中断超过 30 分钟即切分为新班次",
        "en": "The import's gap rule: a track is cut into a new shift after a gap of more "
        "than 30 minutes",
    },
}
