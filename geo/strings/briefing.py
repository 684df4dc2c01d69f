"""Strings of briefings (geo/briefing.py) and the Briefing page.

Numbers reach these templates already formatted for the language (``1169`` in Chinese, ``1,169``
in English), so both languages take the same fields.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # the page
    "page.briefing": {"zh-CN": "工作简报", "en": "Briefing"},
    "brief.campaign": {"zh-CN": "行动名称（可选）", "en": "Campaign name (optional)"},
    "brief.campaign_help": {
        "zh-CN": "填写后首句写作“开展××以来”，例如“百日行动”；不填则写统计时段。",
        "en": 'With a name the lead sentence opens "Since the ... began" (e.g. the 100-day '
        "campaign); without one it names the period.",
    },
    "brief.export": {"zh-CN": "导出简报", "en": "Export the briefing"},
    "brief.download": {"zh-CN": "下载 {fmt}", "en": "Download {fmt}"},
    "brief.no_pdf_font": {
        "zh-CN": "PDF 需要中文 TrueType 字体，本机未找到；请安装 {package}（Debian/Ubuntu："
        "apt-get install {package}）。其他格式可照常下载。",
        "en": "The PDF needs a Chinese TrueType font and none was found; install {package} "
        "(Debian/Ubuntu: apt-get install {package}). The other formats download as usual.",
    },
    "brief.preview": {"zh-CN": "简报预览", "en": "Preview"},
    # document head
    "brief.title": {
        "zh-CN": "{area}治安巡防工作简报",
        "en": "Patrol and public-safety briefing: {area}",
    },
    "brief.period": {
        "zh-CN": "统计时段：{start} 至 {end}（{days}天）；对比时段：{prev_start} 至 {prev_end}",
        "en": "Period: {start} to {end} ({days} days); compared with {prev_start} to {prev_end}",
    },
    "brief.scope": {"zh-CN": "统计范围：{area}", "en": "Area: {area}"},
    "brief.area_all": {"zh-CN": "全部辖区", "en": "all areas"},
    "brief.demo": {
        "zh-CN": "说明：本简报由合成的演示数据生成（演示辖区：南昌市青山湖区罗家一带），其中的人员、巡逻单元和场所均为虚构，"
        "仅供演示，不代表真实工作情况。",
        "en": "Note: this briefing was generated from synthetic demo data (the demo jurisdiction "
        "around Luojia, Qingshanhu district, Nanchang). Its people, units and venues are made "
        "up; it shows how the platform works and reports no real work.",
    },
    "brief.section": {"zh-CN": "{n}、{title}", "en": "{n}. {title}"},
    # the lead sentence, in the style of campaign reports
    "brief.lead.campaign": {
        "zh-CN": "开展{campaign}以来，共出动民警、辅警警力{police_aux}人次，发动组织群防群治力量{volunteers}人次，"
        "盘查人员{people_checked}人，检查场所{venues_inspected}个，巡查重点部位{site_patrols}处（次），"
        "排查整改各类安全隐患{hazards_rectified}处。",
        "en": "Since the {campaign} began, police and auxiliary officers have been deployed "
        "{police_aux} person-times and community volunteers mobilised {volunteers} "
        "person-times; {people_checked} people were checked, {venues_inspected} venues "
        "inspected, key sites patrolled {site_patrols} times, and {hazards_rectified} "
        "safety hazards found and rectified.",
    },
    "brief.lead.period": {
        "zh-CN": "{start}至{end}，共出动民警、辅警警力{police_aux}人次，发动组织群防群治力量{volunteers}人次，"
        "盘查人员{people_checked}人，检查场所{venues_inspected}个，巡查重点部位{site_patrols}处（次），"
        "排查整改各类安全隐患{hazards_rectified}处。",
        "en": "From {start} to {end}, police and auxiliary officers were deployed {police_aux} "
        "person-times and community volunteers mobilised {volunteers} person-times; "
        "{people_checked} people were checked, {venues_inspected} venues inspected, key "
        "sites patrolled {site_patrols} times, and {hazards_rectified} safety hazards found "
        "and rectified.",
    },
    # sections
    "brief.sec.patrol": {"zh-CN": "巡防力量投入", "en": "Patrol forces"},
    "brief.patrol.text": {
        "zh-CN": "期间共安排巡逻班次{shifts}个，出动民警{police}人次、辅警{auxiliaries}人次、群防群治力量{volunteers}人次；"
        "排班巡逻总时长{patrol_h}小时。夜间（{night}）巡逻轨迹覆盖六边形单元{cells_covered}个，"
        "夜间巡逻{night_patrol_h}小时（各巡逻单元GPS轨迹在辖区内停留时长之和，台·小时）。宣传走访群众{outreach}人次。",
        "en": "{shifts} patrol shifts were run, with police deployed {police} person-times, "
        "auxiliaries {auxiliaries} and volunteers {volunteers}; the rostered shifts lasted "
        "{patrol_h} hours in all. At night ({night}) patrol tracks covered {cells_covered} "
        "hexagon cells: {night_patrol_h} night patrol hours (unit-hours the units' GPS tracks "
        "spent inside the area). Outreach reached {outreach} residents.",
    },
    "brief.sec.checks": {"zh-CN": "盘查与场所检查", "en": "Checks and inspections"},
    "brief.checks.text": {
        "zh-CN": "盘查人员{people_checked}人。检查场所{venues_inspected}个、共{inspections}家次，其中发现问题"
        "{with_findings}家次（责令整改{rectify}家次、检查不合格{fail}家次）。巡查重点部位{sites}处、共{site_patrols}次。"
        "截至{end}，超期未检场所{venues_overdue}家（超过等级检查周期未检或从未检查）。",
        "en": "{people_checked} people were checked. {venues_inspected} venues were inspected "
        "in {inspections} inspections, {with_findings} of which found problems ({rectify} "
        "ordered to rectify, {fail} failed). {sites} key sites were patrolled "
        "{site_patrols} times. At the end of {end}, {venues_overdue} venues were overdue for "
        "inspection (their grade's interval passed since the last inspection, or never "
        "inspected).",
    },
    "brief.sec.hazards": {"zh-CN": "安全隐患排查整改", "en": "Safety hazards"},
    "brief.hazards.text": {
        "zh-CN": "排查发现各类安全隐患{found}处，已整改{rectified}处，整改率{rate}。截至{end}，尚有{open}处隐患未完成整改，"
        "其中{overdue}处已超过整改期限。",
        "en": "{found} safety hazards were found and {rectified} of them rectified (rectification "
        "rate {rate}). At the end of {end}, {open} hazards were still open, {overdue} of "
        "them past their deadline.",
    },
    "brief.sec.incidents": {"zh-CN": "警情态势", "en": "Incidents"},
    "brief.incidents.text": {
        "zh-CN": "接报各类警情{incidents}起，与上一周期（{prev_start}至{prev_end}）的{previous}起相比{change}。",
        "en": "{incidents} incidents were reported; against {previous} in the previous period "
        "({prev_start} to {prev_end}) that is {change}.",
    },
    "brief.change.up": {"zh-CN": "上升{n}起（{pct}）", "en": "up {n} ({pct})"},
    "brief.change.down": {"zh-CN": "下降{n}起（{pct}）", "en": "down {n} ({pct})"},
    "brief.change.new": {"zh-CN": "增加{n}起", "en": "up {n}"},
    "brief.change.same": {"zh-CN": "持平", "en": "unchanged"},
    "brief.sec.hotspots": {"zh-CN": "热点巡防", "en": "Hot spots and patrols"},
    "brief.hotspots.text": {
        "zh-CN": "统计时段内警情热点单元（Gi*，置信度90%以上）{n_hot}个，其中99%置信度{n_hot99}个。共{nights}夜中，"
        "热点单元平均有夜间巡逻{avg_nights}夜，{unpatrolled}个热点单元期内无夜间巡逻。",
        "en": "{n_hot} cells were incident hot spots (Gi*, 90 % confidence or more), {n_hot99} "
        "of them at 99 %. Of the {nights} nights, a hot-spot cell was patrolled on "
        "{avg_nights} nights on average; {unpatrolled} hot-spot cells had no night patrol.",
    },
    "brief.hotspots.none": {
        "zh-CN": "统计时段内未发现显著的警情热点单元。",
        "en": "No significant incident hot spot in the period.",
    },
    "brief.hotspots.more": {
        "zh-CN": "（下表列出前{n}个）",
        "en": "(the table lists the first {n})",
    },
    "brief.sec.gaps": {"zh-CN": "巡防薄弱点", "en": "Patrol gaps"},
    "brief.gaps.text": {
        "zh-CN": "下列{n}个单元风险较高而夜间巡逻较少，建议列入下一阶段重点巡逻：",
        "en": "These {n} cells are risky but thinly patrolled at night; they should be patrolled "
        "more in the next period:",
    },
    "brief.gaps.define": {
        "zh-CN": "风险为风险模型估计的每周预期警情数（起/周），全辖区统一口径；区域内风险百分位为该单元风险在所选区域各单元中的排位（0–1）；"
        "缺口 = 区域内风险百分位 ×（1 − 区域内夜间巡逻覆盖百分位），是所选区域内的排序。",
        "en": "Risk is the expected incidents per week in the cell from the risk model, the same "
        "for the whole jurisdiction; the risk percentile in area ranks it among the chosen "
        "area's cells (0-1); gap = risk percentile in area x (1 - night patrol coverage "
        "percentile in area), a ranking within the area.",
    },
    "brief.gaps.none": {"zh-CN": "未发现巡防薄弱点。", "en": "No patrol gap found."},
    "brief.sec.method": {"zh-CN": "口径说明", "en": "How the figures are counted"},
    "brief.method.text": {
        "zh-CN": "数据由系统原始记录按所选时段和范围统计。夜间指{night}，每个班次归属其开始的夜晚；警力人次为各班次民警与辅警人数之和，"
        "群防群治人次为志愿者人数之和；检查场所为期内被检查的不同场所数；排查整改隐患为期内发现且期末前已整改的隐患数；"
        "热点为Gi*（{res}级H3六边形，一阶邻接）。简报仅列单位，不列个人姓名。",
        "en": "Counted from the stored records for the chosen period and area. Night means "
        "{night}; a shift belongs to the night it starts on. Police person-times add up "
        "each shift's police and auxiliaries, volunteer person-times its volunteers; venues "
        "inspected are distinct venues with an inspection in the period; hazards rectified "
        "are those found in the period and rectified by its end; hot spots are Gi* on H3 "
        "cells of resolution {res} (first-order neighbours). The briefing names units, "
        "never people.",
    },
    # tables
    "brief.col.kind": {"zh-CN": "巡逻方式", "en": "Unit kind"},
    "brief.col.shifts": {"zh-CN": "班次", "en": "Shifts"},
    "brief.col.person_times": {"zh-CN": "人次", "en": "Person-times"},
    "brief.col.hours": {"zh-CN": "排班时长（小时）", "en": "Rostered hours"},
    "brief.col.category": {"zh-CN": "类别", "en": "Category"},
    "brief.col.found": {"zh-CN": "发现", "en": "Found"},
    "brief.col.rectified": {"zh-CN": "已整改", "en": "Rectified"},
    "brief.col.open": {"zh-CN": "期末未整改", "en": "Open at end"},
    "brief.col.overdue": {"zh-CN": "超期", "en": "Overdue"},
    "brief.col.now": {"zh-CN": "本期", "en": "This period"},
    "brief.col.prev": {"zh-CN": "上期", "en": "Previous"},
    "brief.col.change": {"zh-CN": "增减", "en": "Change"},
    "brief.col.cell": {"zh-CN": "单元（H3）", "en": "Cell (H3)"},
    "brief.col.incidents": {"zh-CN": "警情", "en": "Incidents"},
    "brief.col.class": {"zh-CN": "热点等级", "en": "Hot spot class"},
    "brief.col.nights": {"zh-CN": "巡逻夜数", "en": "Nights patrolled"},
    "brief.col.rank": {"zh-CN": "排名", "en": "Rank"},
    "brief.col.risk": {"zh-CN": "风险（起/周）", "en": "Risk (incidents/week)"},
    "brief.col.risk_pct": {"zh-CN": "区域内风险百分位", "en": "Risk percentile in area"},
    "brief.col.dwell_min": {"zh-CN": "夜间巡逻（分钟）", "en": "Night patrol (minutes)"},
    "brief.col.total": {"zh-CN": "合计", "en": "Total"},
    # pictures
    "brief.fig.coverage": {
        "zh-CN": "图{n}  夜间巡逻覆盖（每单元停留分钟）",
        "en": "Figure {n}. Night patrol coverage (minutes per cell)",
    },
    "brief.fig.hotspots": {
        "zh-CN": "图{n}  警情热点（Gi* 置信度）",
        "en": "Figure {n}. Incident hot spots (Gi* confidence)",
    },
    "brief.fig.trend": {
        "zh-CN": "图{n}  每周警情与夜间巡逻时长",
        "en": "Figure {n}. Incidents and night patrol hours by week",
    },
    "brief.map.none": {"zh-CN": "无巡逻", "en": "Not patrolled"},
    "brief.map.minutes": {"zh-CN": "{lo}–{hi} 分钟", "en": "{lo}–{hi} min"},
    "brief.map.m": {"zh-CN": "{n} 米", "en": "{n} m"},
    "brief.map.km": {"zh-CN": "{n} 公里", "en": "{n} km"},
    "brief.map.north": {"zh-CN": "北", "en": "N"},
    "brief.trend.incidents": {"zh-CN": "警情（起）", "en": "Incidents"},
    "brief.trend.patrol_h": {
        "zh-CN": "夜间巡逻（台·小时，轨迹）",
        "en": "Night patrol (unit-hours, GPS)",
    },
    "brief.trend.week": {
        "zh-CN": "周（起始日，阴影为不足7天）",
        "en": "Week (first day; hatched: under 7 days)",
    },
}
