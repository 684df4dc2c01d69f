"""Strings of the app frame, the start page and record kinds."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {"zh-CN": "青云巡防", "en": "Qingyun Patrol"},
    "app.subtitle": {
        "zh-CN": "巡防覆盖、热点与风险一张图",
        "en": "Patrol coverage, hotspots and risk on one map",
    },
    "app.language": {"zh-CN": "语言", "en": "Language"},
    "app.list_sep": {"zh-CN": "，", "en": ", "},  # between the items of a list in a sentence
    "app.demo_banner": {
        "zh-CN": "演示数据：当前加载的是合成的演示辖区（南昌市青山湖区罗家一带）。其中的人员、巡逻单元和场所均为虚构，"
        "地名与百日行动战果数字取自公开报道。",
        "en": "Demo data: the store holds the synthetic demo jurisdiction (Luojia, Qingshanhu "
        "district, Nanchang). Its people, units and venues are made up; the places and the "
        "campaign figures come from public reports.",
    },
    "app.store_busy": {
        "zh-CN": "数据库正在写入一次导入，本次保存未能等到它完成，未写入任何内容。请在导入完成后重试。",
        "en": "The store is busy storing an import and this change could not wait "
        "for it: nothing was saved. Try again once the import has ended.",
    },
    "app.error": {
        "zh-CN": "本页出现错误，未能显示。请刷新重试；若仍出错，请联系系统管理员（错误详情已记入日志）。",
        "en": "This page ran into an error and could not be shown. Reload to try again; if it "
        "happens again, tell your administrator (the details are in the log).",
    },
    "admin.store": {"zh-CN": "数据库：{url}", "en": "Store: {url}"},
    "app.building_demo": {
        "zh-CN": "首次启动：正在生成演示辖区数据（约半分钟）……",
        "en": "First start: building the demo jurisdiction (about half a minute)...",
    },
    "app.records": {"zh-CN": "数据概况", "en": "Records in the store"},
    "app.kind": {"zh-CN": "数据类型", "en": "Record kind"},
    "app.rows": {"zh-CN": "条数", "en": "Rows"},
    "app.imports": {"zh-CN": "导入记录", "en": "Import history"},
    "app.no_imports": {"zh-CN": "尚无导入记录。", "en": "No imports yet."},
    "app.store": {"zh-CN": "数据库", "en": "Store"},
    "app.period": {"zh-CN": "数据时间范围", "en": "Period covered"},
    "col.file": {"zh-CN": "文件", "en": "File"},
    "col.kind": {"zh-CN": "类型", "en": "Kind"},
    "col.read": {"zh-CN": "读取", "en": "Read"},
    "col.accepted": {"zh-CN": "入库", "en": "Accepted"},
    "col.duplicates": {"zh-CN": "重复", "en": "Duplicates"},
    "col.conflicts": {"zh-CN": "冲突", "en": "Conflicts"},
    "col.rejected": {"zh-CN": "拒收", "en": "Rejected"},
    "kind.units": {"zh-CN": "巡逻单元", "en": "Patrol units"},
    "kind.shifts": {"zh-CN": "巡逻班次", "en": "Shifts"},
    "kind.pings": {"zh-CN": "GPS定位点", "en": "GPS pings"},
    "kind.sites": {"zh-CN": "重点部位", "en": "Key sites"},
    "kind.site_checks": {"zh-CN": "重点部位巡查", "en": "Key-site checks"},
    "kind.venues": {"zh-CN": "场所", "en": "Venues"},
    "kind.inspections": {"zh-CN": "场所检查", "en": "Inspections"},
    "kind.hazards": {"zh-CN": "安全隐患", "en": "Safety hazards"},
    "kind.incidents": {"zh-CN": "警情", "en": "Incidents"},
    "kind.areas": {"zh-CN": "辖区/网格", "en": "Areas"},
}
