"""Strings of disputes and leads: the page, the cell panel, enum labels, briefing sentences."""

from __future__ import annotations


def _enum(group: str, pairs: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {f"v.{group}.{k}": {"zh-CN": zh, "en": en} for k, (zh, en) in pairs.items()}


STRINGS: dict[str, dict[str, str]] = {
    "page.disputes": {"zh-CN": "矛盾纠纷与线索", "en": "Disputes & leads"},
    "kind.disputes": {"zh-CN": "矛盾纠纷", "en": "Disputes"},
    "kind.leads": {"zh-CN": "线索", "en": "Leads"},
    "reject.no_place": {
        "zh-CN": "没有坐标，也没有可用于定位的{columns}",
        "en": "no coordinates and no known {columns} to locate it at",
    },
    # briefing sentences (geo.domain.disputes.sentences)
    "settings.dispute_days": {
        "zh-CN": "纠纷未化解满多少天计入风险",
        "en": "Days after which an unsettled dispute counts as a risk factor",
    },
    "settings.dispute_days_help": {
        "zh-CN": "风险权重表中“未化解纠纷”一项只计入超过此天数仍未化解的纠纷（默认 30 天）。",
        "en": "The risk-weights row for unsettled disputes counts only disputes still open "
        "after this many days (30 by default).",
    },
    "brief.disputes.title": {"zh-CN": "矛盾纠纷排查化解与线索核查", "en": "Disputes and leads"},
    "dsp.sentence_disputes": {
        "zh-CN": "排查化解矛盾纠纷{n}起，化解率{rate}",
        "en": "{n} disputes screened and mediated, resolution rate {rate}",
    },
    "dsp.sentence_leads": {
        "zh-CN": "收到线索{n}条，已办结{closed}条，{verifying}条正在核查",
        "en": "{n} leads received, {closed} concluded, {verifying} still being verified",
    },
    # the page
    "dsp.none": {
        "zh-CN": "辖区内没有矛盾纠纷或线索数据。",
        "en": "No disputes or leads in this area.",
    },
    "dsp.board": {"zh-CN": "矛盾纠纷化解看板", "en": "Dispute board"},
    "dsp.as_of": {
        "zh-CN": "状态截至 {date}；排查、化解和化解率按所选时段登记的纠纷统计。",
        "en": "State as of {date}; discovered, settled and the rate count the disputes "
        "reported in the chosen period.",
    },
    "dsp.days": {"zh-CN": "超过多少天未化解算超期", "en": "Overdue after (days unsettled)"},
    "dsp.discovered": {"zh-CN": "排查纠纷", "en": "Disputes reported"},
    "dsp.settled": {"zh-CN": "已化解", "en": "Settled"},
    "dsp.rate": {"zh-CN": "化解率", "en": "Resolution rate"},
    "dsp.escalated": {"zh-CN": "激化转警情", "en": "Escalated"},
    "dsp.referred": {"zh-CN": "移交诉讼/仲裁", "en": "Referred"},
    "dsp.open": {"zh-CN": "在调解", "en": "Still open"},
    "dsp.overdue": {"zh-CN": "超期未化解", "en": "Overdue"},
    "dsp.leads_board": {"zh-CN": "线索核查", "en": "Leads"},
    "dsp.received": {"zh-CN": "收到线索", "en": "Leads received"},
    "dsp.concluded": {"zh-CN": "已办结", "en": "Concluded"},
    "dsp.verifying": {"zh-CN": "正在核查", "en": "Verifying"},
    "dsp.unfounded": {"zh-CN": "其中经查不实", "en": "of which unfounded"},
    "dsp.unlocated": {
        "zh-CN": "{n} 条线索没有位置，不在地图上显示（仍计入统计）。",
        "en": "{n} leads have no location and are not on the map (they are counted).",
    },
    "dsp.map": {"zh-CN": "矛盾纠纷与线索分布", "en": "Disputes and leads on the map"},
    "dsp.layer": {"zh-CN": "地图图层", "en": "Map layer"},
    "dsp.layer.points": {"zh-CN": "纠纷和线索点位", "en": "Disputes and leads"},
    "dsp.layer.hot_disputes": {"zh-CN": "纠纷热点（Gi*）", "en": "Dispute hotspots (Gi*)"},
    "dsp.layer.hot_leads": {"zh-CN": "线索热点（Gi*）", "en": "Lead hotspots (Gi*)"},
    "dsp.disputes_layer": {"zh-CN": "矛盾纠纷", "en": "Disputes"},
    "dsp.leads_layer": {"zh-CN": "线索", "en": "Leads"},
    "dsp.hot_summary": {
        "zh-CN": "{n} 起，{hot} 个热点六边形。",
        "en": "{n} in all, {hot} hot cells.",
    },
    "dsp.no_hot": {"zh-CN": "所选时段没有可检验的点位。", "en": "Nothing to test in the period."},
    "dsp.none_significant": {
        "zh-CN": "所选时段的 {n} 条记录没有形成显著的热点（Gi* 检验不显著，或辖区内不足两个六边形）。",
        "en": "The {n} records of the period form no significant hot spot (Gi* not significant, "
        "or fewer than two hexagons in the area).",
    },
    "dsp.by_grid": {"zh-CN": "各网格化解率与激化率", "en": "Resolution and escalation by grid"},
    "dsp.by_category": {"zh-CN": "按纠纷类型", "en": "By category"},
    "dsp.by_grid_category": {
        "zh-CN": "各网格、各类型的激化情况",
        "en": "Escalation by grid and category",
    },
    "dsp.overdue_list": {
        "zh-CN": "超期未化解纠纷（超过 {days} 天）",
        "en": "Disputes unsettled for over {days} days",
    },
    "dsp.no_overdue": {"zh-CN": "没有超期未化解的纠纷。", "en": "No dispute is overdue."},
    "dsp.places": {
        "zh-CN": "纠纷多发的市场、场所和部位",
        "en": "Markets and venues with repeated disputes",
    },
    "dsp.no_places": {
        "zh-CN": "没有重复发生纠纷的市场或场所。",
        "en": "No market or venue has repeated disputes.",
    },
    "dsp.leads_by_topic": {"zh-CN": "线索按类别", "en": "Leads by topic"},
    "dsp.leads_list": {"zh-CN": "本期线索", "en": "Leads of the period"},
    "dsp.sentences": {"zh-CN": "简报口径", "en": "As a briefing puts it"},
    # columns
    "col.grid": {"zh-CN": "网格", "en": "Grid"},
    "col.discovered": {"zh-CN": "排查", "en": "Reported"},
    "col.settled": {"zh-CN": "化解", "en": "Settled"},
    "col.resolution_rate": {"zh-CN": "化解率", "en": "Resolution rate"},
    "col.escalated": {"zh-CN": "激化", "en": "Escalated"},
    "col.escalation_rate": {"zh-CN": "激化率", "en": "Escalation rate"},
    "col.referred": {"zh-CN": "移交", "en": "Referred"},
    "col.still_open": {"zh-CN": "未化解", "en": "Open"},
    "col.reported_at": {"zh-CN": "登记时间", "en": "Reported"},
    "col.settled_at": {"zh-CN": "化解时间", "en": "Settled"},
    "col.mediator": {"zh-CN": "调解组织", "en": "Mediator"},
    "col.parties": {"zh-CN": "当事人数", "en": "Parties"},
    "col.place": {"zh-CN": "地点类型", "en": "Place"},
    "col.disputes": {"zh-CN": "纠纷数", "en": "Disputes"},
    "col.market_trade": {"zh-CN": "其中市场交易", "en": "Market trade"},
    "col.last_reported": {"zh-CN": "最近一起", "en": "Latest"},
    "col.days_unsettled": {"zh-CN": "未化解天数", "en": "Days unsettled"},
    "col.incident": {"zh-CN": "关联警情", "en": "Linked incident"},
    "col.topic": {"zh-CN": "线索类别", "en": "Topic"},
    "col.channel": {"zh-CN": "来源渠道", "en": "Channel"},
    "col.received_at": {"zh-CN": "收到时间", "en": "Received"},
    "col.closed_at": {"zh-CN": "办结时间", "en": "Closed"},
    "col.received": {"zh-CN": "收到", "en": "Received"},
    "col.concluded": {"zh-CN": "已办结", "en": "Concluded"},
    "col.verifying": {"zh-CN": "核查中", "en": "Verifying"},
    # cell panel
    "cell.disputes": {"zh-CN": "矛盾纠纷", "en": "Disputes"},
    "cell.leads": {"zh-CN": "线索", "en": "Leads"},
    **_enum(
        "dcat",
        {
            "neighbours": ("邻里纠纷", "Neighbours"),
            "family": ("婚姻家庭", "Family"),
            "wages": ("劳资纠纷", "Wages"),
            "market_trade": ("市场交易", "Market trade"),
            "property_management": ("物业纠纷", "Property management"),
            "consumer": ("消费纠纷", "Consumer"),
            "traffic": ("交通纠纷", "Traffic"),
            "other": ("其他", "Other"),
        },
    ),
    **_enum(
        "dstatus",
        {
            "pending": ("待调解", "Pending"),
            "mediating": ("调解中", "Mediating"),
            "settled": ("已化解", "Settled"),
            "escalated": ("激化转警情", "Escalated"),
            "referred": ("移交诉讼/仲裁", "Referred to court/arbitration"),
        },
    ),
    **_enum(
        "channel",
        {
            "phone_line": ("举报热线", "Phone line"),
            "app": ("网上/APP", "App"),
            "courier": ("快递外卖员", "Courier"),
            "volunteer": ("志愿者", "Volunteer"),
            "walk_in": ("群众来访", "Walk-in"),
        },
    ),
    **_enum(
        "topic",
        {
            "elder_fraud": ("涉老诈骗", "Elder fraud"),
            "drugs": ("涉毒", "Drugs"),
            "gambling": ("涉赌", "Gambling"),
            "hazard": ("安全隐患", "Hazard"),
            "other": ("其他", "Other"),
        },
    ),
    **_enum(
        "lstatus",
        {
            "verifying": ("正在核查", "Verifying"),
            "closed": ("已办结", "Closed"),
            "unfounded": ("经查不实", "Unfounded"),
        },
    ),
    **_enum("place", {"venue": ("场所", "Venue"), "site": ("重点部位", "Key site")}),
}
