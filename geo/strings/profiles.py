"""Strings of import mappings and profiles: fields in the users' words, the editor, errors."""

from __future__ import annotations

# A field as users name it, in both languages: field.<column>, or field.<kind>.<column> where a
# kind's users name it their own way.
_FIELDS: dict[str, tuple[str, str]] = {
    "accuracy": ("定位精度（米）", "Accuracy (m)"),
    "area_id": ("网格编号", "Grid number"),
    "auxiliaries": ("辅警人数", "Auxiliary officers"),
    "category": ("类别", "Category"),
    "channel": ("线索来源", "Channel"),
    "closed_at": ("办结时间", "Closed at"),
    "deadline": ("整改期限", "Deadline"),
    "dispute_id": ("纠纷编号", "Dispute number"),
    "end": ("结束时间", "End"),
    "findings": ("检查情况", "Findings"),
    "follow_up_due": ("复查期限", "Follow-up due"),
    "found_at": ("发现时间", "Found at"),
    "geometry": ("边界范围", "Boundary"),
    "hazard_id": ("隐患编号", "Hazard number"),
    "incident_id": ("警情编号", "Incident number"),
    "inspection_id": ("检查编号", "Inspection number"),
    "kind": ("巡逻方式", "Patrol type"),
    "lat": ("纬度", "Latitude"),
    "lead_id": ("线索编号", "Lead number"),
    "level": ("层级（派出所或网格）", "Level (station or grid)"),
    "licence": ("许可证号", "Licence"),
    "lng": ("经度", "Longitude"),
    "mediator": ("调解组织", "Mediator"),
    "name": ("名称", "Name"),
    "outreach": ("宣传人数", "People reached"),
    "owner": ("负责人", "Person in charge"),
    "parent_id": ("上级辖区", "Parent area"),
    "parties": ("当事人数", "Parties"),
    "people_checked": ("盘查人数", "People checked"),
    "police": ("民警人数", "Police officers"),
    "priority": ("优先级", "Priority"),
    "received_at": ("接收时间", "Received at"),
    "rectified_at": ("整改完成时间", "Rectified at"),
    "reported_at": ("登记时间", "Reported at"),
    "result": ("检查结果", "Result"),
    "risk_level": ("风险等级", "Risk level"),
    "settled_at": ("化解时间", "Settled at"),
    "severity": ("隐患等级", "Severity"),
    "shift_id": ("班次编号", "Shift number"),
    "site_id": ("重点部位编号", "Key site number"),
    "speed": ("速度（公里/时）", "Speed (km/h)"),
    "start": ("开始时间", "Start"),
    "station": ("所属派出所", "Station"),
    "status": ("状态", "Status"),
    "topic": ("线索类别", "Topic"),
    "ts": ("时间", "Time"),
    "unit_id": ("巡逻单元编号", "Patrol unit number"),
    "venue_id": ("场所编号", "Venue number"),
    "volunteers": ("群防群治人数", "Volunteers"),
    "units.name": ("单元名称", "Unit name"),
    "sites.name": ("部位名称", "Key site name"),
    "venues.name": ("场所名称", "Venue name"),
    "areas.name": ("辖区或网格名称", "Station or grid name"),
    "pings.ts": ("定位时间", "Fix time"),
    "site_checks.ts": ("巡查时间", "Check time"),
    "inspections.ts": ("检查时间", "Inspection time"),
    "incidents.ts": ("报警时间", "Call time"),
    "sites.category": ("部位类别", "Key site type"),
    "venues.category": ("场所类型", "Venue type"),
    "hazards.category": ("隐患类别", "Hazard category"),
    "incidents.category": ("警情类别", "Incident category"),
    "disputes.category": ("纠纷类型", "Dispute type"),
    "hazards.status": ("整改状态", "Rectification status"),
    "disputes.status": ("调处状态", "Mediation status"),
    "leads.status": ("核查状态", "Verification status"),
}

STRINGS: dict[str, dict[str, str]] = {
    f"field.{k}": {"zh-CN": zh, "en": en} for k, (zh, en) in _FIELDS.items()
}

# The Data page's profile editor
STRINGS.update(
    {
        "prof.title": {
            "zh-CN": "导入方案（字段、取值与默认值）",
            "en": "Import profile (columns, values and defaults)",
        },
        "prof.help": {
            "zh-CN": "导入方案记住一种导出文件的写法：哪一列是哪个字段、文件中的取值对应什么、"
            "文件没有的字段填什么。表头与某个已保存方案一致时自动使用该方案。",
            "en": "A profile remembers how one kind of export is written: which column is which "
            "field, what the file's values mean, and what to fill in where the file has "
            "nothing. A saved profile whose columns the file has is used automatically.",
        },
        "prof.pick": {"zh-CN": "导入方案", "en": "Profile"},
        "prof.none": {"zh-CN": "（不使用方案）", "en": "(no profile)"},
        "prof.auto": {
            "zh-CN": "文件表头与导入方案“{name}”一致，已自动使用该方案。",
            "en": "The file's headers match the profile '{name}': it is used.",
        },
        "prof.columns": {"zh-CN": "字段对应", "en": "Columns"},
        "prof.columns_help": {
            "zh-CN": "带 * 的字段必填（或在下方给出默认值）。能识别的中英文表头已自动对应，"
            "其余请手动选择。",
            "en": "Fields with * are required (or give a default below). Known Chinese and "
            "English headers are matched already; choose the others by hand.",
        },
        "prof.unmapped": {"zh-CN": "（不导入）", "en": "(not imported)"},
        "prof.values": {"zh-CN": "取值对应", "en": "Values"},
        "prof.values_help": {
            "zh-CN": "文件“{column}”列中的取值，对应到{field}：",
            "en": "The values of the file's column '{column}', as {field}:",
        },
        "prof.as_read": {"zh-CN": "（按原值识别）", "en": "(read as written)"},
        "prof.no_values": {
            "zh-CN": "文件中没有需要对应取值的列。",
            "en": "No column of the file has values to map.",
        },
        "prof.defaults": {"zh-CN": "默认值", "en": "Defaults"},
        "prof.defaults_help": {
            "zh-CN": "文件没有该列、或该列为空的行，填入此值（如整份台账的隐患等级）。",
            "en": "Filled in where the file has no such column or the cell is blank (such as "
            "one severity for a whole register).",
        },
        "prof.no_default": {"zh-CN": "（无默认值）", "en": "(no default)"},
        "prof.default_bad": {
            "zh-CN": "{field} 的默认值“{value}”无法识别，未使用。",
            "en": "The default '{value}' of {field} cannot be read; not used.",
        },
        "prof.name": {"zh-CN": "方案名称", "en": "Profile name"},
        "prof.save": {"zh-CN": "保存方案", "en": "Save profile"},
        "prof.saved": {"zh-CN": "导入方案“{name}”已保存。", "en": "Profile '{name}' saved."},
        "prof.new_name": {"zh-CN": "新名称", "en": "New name"},
        "prof.rename": {"zh-CN": "重命名", "en": "Rename"},
        "prof.renamed": {
            "zh-CN": "导入方案已改名为“{name}”。",
            "en": "The profile is now called '{name}'.",
        },
        "prof.delete": {"zh-CN": "删除方案", "en": "Delete profile"},
        "prof.deleted": {"zh-CN": "导入方案“{name}”已删除。", "en": "Profile '{name}' deleted."},
        "prof.used": {
            "zh-CN": "使用的导入方案：{name}",
            "en": "Import profile used: {name}",
        },
        "prof.used_auto": {
            "zh-CN": "使用的导入方案：{name}（表头一致，自动选用）",
            "en": "Import profile used: {name} (chosen because the headers match)",
        },
    }
)

# A mapping that cannot be used (geo.ingest.mapping.MappingError, geo.services.profiles)
STRINGS.update(
    {
        "map.err.item": {
            "zh-CN": "{option}：“{item}”的写法不对，应写作 {form}",
            "en": "{option}: '{item}' is not written as {form}",
        },
        "map.err.field": {
            "zh-CN": "{option}：{kind}没有字段“{field}”；可用字段：{fields}",
            "en": "{option}: {kind} has no field '{field}'; fields: {fields}",
        },
        "map.err.no_values": {
            "zh-CN": "{option}：字段“{field}”没有固定取值，无法对应取值；可对应取值的字段：{fields}",
            "en": "{option}: field '{field}' has no fixed values to map; fields with fixed "
            "values: {fields}",
        },
        "map.err.no_default": {
            "zh-CN": "{option}：字段“{field}”不能有默认值（编号和位置须逐行给出）；"
            "可设默认值的字段：{fields}",
            "en": "{option}: field '{field}' takes no default (ids and positions come from "
            "each row); fields that do: {fields}",
        },
        "map.err.value": {
            "zh-CN": "{option}：“{value}”不是{field}的有效取值；应为：{choices}",
            "en": "{option}: '{value}' is not a valid {field}; expected: {choices}",
        },
        "map.err.column_twice": {
            "zh-CN": "{option}：列“{column}”写了不止一次",
            "en": "{option}: column '{column}' is given more than once",
        },
        "map.err.field_twice": {
            "zh-CN": "{option}：字段“{field}”写了不止一次",
            "en": "{option}: field '{field}' is given more than once",
        },
        "map.err.value_twice": {
            "zh-CN": "{option}：{field}的取值“{value}”写了不止一次",
            "en": "{option}: the {field} value '{value}' is mapped more than once",
        },
        "map.err.no_column": {
            "zh-CN": "{file}：字段对应中的列“{column}”（{field}）在文件中不存在；文件中的列：{found}",
            "en": "{file}: the mapping names the column '{column}' (for {field}), which the file "
            "does not have; its columns: {found}",
        },
        "map.err.profile_unknown": {
            "zh-CN": "没有名为“{name}”的导入方案；已保存的方案：{names}",
            "en": "no import profile is called '{name}'; saved profiles: {names}",
        },
        "map.err.profile_kind": {
            "zh-CN": "导入方案“{name}”用于{kind}，不能用于{wanted}",
            "en": "the import profile '{name}' is for {kind}, not {wanted}",
        },
        "map.err.profile_name": {
            "zh-CN": "导入方案名称须为 1 至 {n} 个字符，不含控制字符",
            "en": "a profile name has 1 to {n} characters and no control characters",
        },
        "map.err.profile_taken": {
            "zh-CN": "已有名为“{name}”的导入方案",
            "en": "a profile called '{name}' exists already",
        },
        "map.none": {"zh-CN": "（无）", "en": "(none)"},
    }
)
