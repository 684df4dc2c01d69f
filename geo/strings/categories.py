"""Strings of source categories and their mapping to analysis groups (the Data page)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "cats.title": {"zh-CN": "类别对照", "en": "Category mapping"},
    "cats.help": {
        "zh-CN": "每条记录保留导入文件中的原始类别；这里把原始类别归入分析所用的类别组"
        "（风险、热点、简报都按类别组统计）。改动后已存的记录立即重新归组，无需重新导入。",
        "en": "Every record keeps the category its file wrote; here each source category is "
        "put in the group that risk, hot spots and briefings count. A change re-groups the "
        "stored records at once, without importing again.",
    },
    "cats.kind": {"zh-CN": "记录类型", "en": "Record kind"},
    "cats.unmapped_only": {"zh-CN": "只看未对照的类别", "en": "Only categories not mapped"},
    "cats.none": {"zh-CN": "没有已存的类别。", "en": "No stored categories."},
    "cats.all_mapped": {
        "zh-CN": "所有原始类别都已对照。",
        "en": "Every source category is mapped.",
    },
    "cats.unmapped_caption": {
        "zh-CN": "{n} 个原始类别未对照，相应的 {rows} 条记录归入“其他”。",
        "en": "{n} source categories are not mapped; their {rows} records are in Other.",
    },
    "cats.save": {"zh-CN": "保存对照", "en": "Save mapping"},
    "cats.saved": {
        "zh-CN": "已保存 {n} 个对照，{rows} 条记录重新归组。",
        "en": "{n} mappings saved; {rows} records re-grouped.",
    },
    "cats.nothing": {"zh-CN": "没有改动。", "en": "Nothing changed."},
    "cats.import_unmapped": {
        "zh-CN": "以下原始类别未能对照，已归入“其他”（可在“类别对照”中归组）：{names}",
        "en": "These source categories are not mapped and were stored as Other (map them "
        "under Category mapping): {names}",
    },
    "col.source_category": {"zh-CN": "原始类别", "en": "Source category"},
    "col.category_code": {"zh-CN": "类别代码", "en": "Code"},
    "col.group": {"zh-CN": "类别组", "en": "Group"},
    "col.mapped": {"zh-CN": "已对照", "en": "Mapped"},
}
