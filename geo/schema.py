"""Record kinds, their canonical columns, enumerations and header aliases (zh/en).

Every record kind of DESIGN.md is described once here by a :class:`Kind`. Ingest maps the headers of a
user's file onto these canonical columns; the store creates one table per kind from the same
description; the demo generator writes frames with exactly these columns.

Column types
------------
``str``      free text
``id``       an identifier, kept as text (leading zeros survive)
``int``      a whole number (counts of people, priorities)
``float``    a real number
``lat`` / ``lng``   WGS-84 degrees once ingest has converted them
``ts``       a tz-aware instant; stored as UTC, shown in the configured zone (Asia/Shanghai)
``enum``     one of ``Column.choices``; ingest also accepts the zh/en synonyms in ``ENUM_ALIASES``
``geometry`` a polygon or multipolygon (areas only), stored as WKT in WGS-84
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ENUM_ALIASES",
    "KINDS",
    "Column",
    "Kind",
    "kind",
]


@dataclass(frozen=True)
class Column:
    """One canonical column of a record kind."""

    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    default: object = None


@dataclass(frozen=True)
class Kind:
    """A record kind: its table name, columns and natural key.

    ``key`` names the columns whose values identify a row. An empty key means the row is identified
    by a hash of its whole content (used for check-ins and inspections without an id column).
    ``located`` is true when rows carry their own lat/lng.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    located: bool = False
    label_zh: str = ""
    label_en: str = ""
    one_of: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """Canonical column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        msg = f"{self.name} has no column {name!r}"
        raise KeyError(msg)


# Aliases shared by many kinds. Matching is case-insensitive and ignores spaces, underscores,
# hyphens and brackets, so "Lat (WGS84)" and "lat_wgs84" both match "lat".
_LAT = ("latitude", "lat", "y", "纬度", "緯度", "wd", "gps纬度", "纬度(wgs84)", "纬度坐标")
_LNG = ("longitude", "lng", "lon", "long", "x", "经度", "經度", "jd", "gps经度", "经度(wgs84)", "经度坐标")
_NAME = ("name", "名称", "名字", "单位名称", "场所名称", "部位名称")
_CATEGORY = ("category", "type", "类别", "类型", "分类", "种类")
_STATUS = ("status", "state", "状态", "处理状态", "整改状态")
_UNIT = ("unit_id", "unit", "unit id", "单位编号", "巡逻单元", "巡逻单位", "警组", "警组编号", "车辆编号",
         "巡逻组", "巡逻组编号")
_TS = ("ts", "time", "timestamp", "datetime", "时间", "日期时间", "发生时间", "报警时间", "定位时间")

UNIT_KINDS = ("police_car", "foot", "auxiliary", "volunteer")
SITE_CATEGORIES = ("school", "bank", "hub", "market", "hospital", "mall", "government", "post")
VENUE_CATEGORIES = ("ktv", "bar", "hotel", "internet_cafe", "market", "nursing_home", "bathhouse",
                    "restaurant")
RISK_LEVELS = ("low", "medium", "high")
INSPECTION_RESULTS = ("pass", "rectify", "fail")
HAZARD_CATEGORIES = ("fire", "electrical", "gas", "structural", "traffic", "public_order", "other")
HAZARD_SEVERITIES = ("low", "medium", "high", "major")
HAZARD_STATUSES = ("open", "rectifying", "rectified")
INCIDENT_CATEGORIES = ("theft", "burglary", "robbery", "fraud", "fight", "disturbance", "dispute",
                       "traffic", "drugs", "gambling", "other")
AREA_LEVELS = ("station", "grid")

KINDS: dict[str, Kind] = {}


def _add(k: Kind) -> None:
    KINDS[k.name] = k


_add(Kind(
    "units", label_zh="巡逻单元", label_en="Patrol units", key=("unit_id",),
    columns=(
        Column("unit_id", "id", True, aliases=_UNIT),
        Column("name", "str", True, aliases=(*_NAME, "单元名称", "警组名称")),
        Column("kind", "enum", True, UNIT_KINDS, ("kind", "unit kind", "类型", "类别", "单元类型",
                                                   "巡逻方式")),
        Column("station", "id", False, aliases=("station", "派出所", "所属派出所", "辖区", "station id")),
    ),
))

_add(Kind(
    "shifts", label_zh="巡逻班次", label_en="Shifts", key=("shift_id",),
    columns=(
        Column("shift_id", "id", True, aliases=("shift_id", "shift", "班次", "班次编号", "勤务编号",
                                                 "巡逻编号")),
        Column("unit_id", "id", True, aliases=_UNIT),
        Column("start", "ts", True, aliases=("start", "start time", "begin", "开始时间", "上岗时间",
                                              "出巡时间")),
        Column("end", "ts", True, aliases=("end", "end time", "finish", "结束时间", "下岗时间",
                                            "收队时间")),
        Column("police", "int", False, aliases=("police", "officers", "民警", "民警人数", "警力"),
               default=0),
        Column("auxiliaries", "int", False, aliases=("auxiliaries", "auxiliary", "辅警", "辅警人数"),
               default=0),
        Column("volunteers", "int", False, aliases=("volunteers", "volunteer", "群防群治", "志愿者",
                                                    "群防群治人数", "志愿者人数"), default=0),
        Column("people_checked", "int", False, aliases=("people checked", "checked", "盘查人员",
                                                        "盘查人数", "盘查"), default=0),
        Column("outreach", "int", False, aliases=("outreach", "宣传", "宣传人数", "走访群众"),
               default=0),
    ),
))

_add(Kind(
    "pings", label_zh="GPS定位", label_en="GPS pings", key=("shift_id", "ts"), located=True,
    one_of=(("shift_id", "unit_id"),),
    columns=(
        Column("shift_id", "id", False, aliases=("shift_id", "shift", "班次", "班次编号", "勤务编号")),
        Column("unit_id", "id", False, aliases=_UNIT),
        Column("ts", "ts", True, aliases=(*_TS, "gps时间", "fix time")),
        Column("lat", "lat", True, aliases=_LAT),
        Column("lng", "lng", True, aliases=_LNG),
        Column("speed", "float", False, aliases=("speed", "速度", "speed_kph", "速度(km/h)")),
        Column("accuracy", "float", False, aliases=("accuracy", "精度", "hdop", "定位精度")),
    ),
))

_add(Kind(
    "sites", label_zh="重点部位", label_en="Key sites", key=("site_id",), located=True,
    columns=(
        Column("site_id", "id", True, aliases=("site_id", "site", "部位编号", "点位编号", "编号")),
        Column("name", "str", True, aliases=_NAME),
        Column("category", "enum", True, SITE_CATEGORIES, _CATEGORY),
        Column("lat", "lat", True, aliases=_LAT),
        Column("lng", "lng", True, aliases=_LNG),
    ),
))

_add(Kind(
    "site_checks", label_zh="重点部位巡查", label_en="Key-site checks", key=(),
    columns=(
        Column("site_id", "id", True, aliases=("site_id", "site", "部位编号", "点位编号")),
        Column("ts", "ts", True, aliases=(*_TS, "巡查时间", "签到时间")),
        Column("unit_id", "id", True, aliases=_UNIT),
    ),
))

_add(Kind(
    "venues", label_zh="场所", label_en="Venues", key=("venue_id",), located=True,
    columns=(
        Column("venue_id", "id", True, aliases=("venue_id", "venue", "场所编号", "编号")),
        Column("name", "str", True, aliases=_NAME),
        Column("category", "enum", True, VENUE_CATEGORIES, (*_CATEGORY, "场所类型", "行业类别")),
        Column("lat", "lat", True, aliases=_LAT),
        Column("lng", "lng", True, aliases=_LNG),
        Column("licence", "str", False, aliases=("licence", "license", "许可证", "许可证号",
                                                 "营业执照", "统一社会信用代码")),
        Column("risk_level", "enum", False, RISK_LEVELS, ("risk level", "risk", "风险等级",
                                                          "等级")),
    ),
))

_add(Kind(
    "inspections", label_zh="场所检查", label_en="Inspections", key=(),
    columns=(
        Column("inspection_id", "id", False, aliases=("inspection_id", "检查编号")),
        Column("venue_id", "id", True, aliases=("venue_id", "venue", "场所编号")),
        Column("ts", "ts", True, aliases=(*_TS, "检查时间", "检查日期")),
        Column("unit_id", "id", False, aliases=_UNIT),
        Column("result", "enum", True, INSPECTION_RESULTS, ("result", "outcome", "检查结果", "结果")),
        Column("findings", "str", False, aliases=("findings", "notes", "发现问题", "检查情况",
                                                  "备注")),
        Column("follow_up_due", "ts", False, aliases=("follow up due", "follow_up", "复查期限",
                                                      "整改期限")),
    ),
))

_add(Kind(
    "hazards", label_zh="安全隐患", label_en="Safety hazards", key=("hazard_id",), located=True,
    columns=(
        Column("hazard_id", "id", True, aliases=("hazard_id", "hazard", "隐患编号", "编号")),
        Column("category", "enum", True, HAZARD_CATEGORIES, (*_CATEGORY, "隐患类别", "隐患类型")),
        Column("severity", "enum", True, HAZARD_SEVERITIES, ("severity", "level", "等级",
                                                             "隐患等级", "严重程度")),
        Column("lat", "lat", True, aliases=_LAT),
        Column("lng", "lng", True, aliases=_LNG),
        Column("found_at", "ts", True, aliases=("found at", "found", "发现时间", "排查时间")),
        Column("status", "enum", True, HAZARD_STATUSES, _STATUS),
        Column("rectified_at", "ts", False, aliases=("rectified at", "rectified", "整改时间",
                                                     "整改完成时间")),
        Column("deadline", "ts", False, aliases=("deadline", "due", "整改期限", "限期")),
    ),
))

_add(Kind(
    "incidents", label_zh="警情", label_en="Incidents", key=("incident_id",), located=True,
    columns=(
        Column("incident_id", "id", True, aliases=("incident_id", "incident", "警情编号", "接警编号",
                                                   "编号", "案件编号")),
        Column("ts", "ts", True, aliases=_TS),
        Column("category", "enum", True, INCIDENT_CATEGORIES, (*_CATEGORY, "警情类别", "案件类别")),
        Column("lat", "lat", True, aliases=_LAT),
        Column("lng", "lng", True, aliases=_LNG),
        Column("priority", "int", False, aliases=("priority", "优先级", "紧急程度", "等级"),
               default=2),
    ),
))

_add(Kind(
    "areas", label_zh="辖区/网格", label_en="Areas", key=("area_id",),
    columns=(
        Column("area_id", "id", True, aliases=("area_id", "area", "网格编号", "辖区编号", "编号")),
        Column("name", "str", True, aliases=(*_NAME, "网格名称", "辖区名称")),
        Column("level", "enum", True, AREA_LEVELS, ("level", "层级", "级别", "类型")),
        Column("owner", "str", False, aliases=("owner", "负责人", "网格员", "责任人")),
        Column("parent_id", "id", False, aliases=("parent_id", "parent", "上级", "所属辖区")),
        Column("geometry", "geometry", True, aliases=("geometry", "geom", "wkt", "边界", "范围")),
    ),
))

# zh / en synonyms accepted for enum values (matched case-insensitively after trimming).
ENUM_ALIASES: dict[str, str] = {
    # unit kinds
    "警车": "police_car", "巡逻车": "police_car", "车巡": "police_car", "car": "police_car",
    "police car": "police_car", "步巡": "foot", "徒步": "foot", "步行": "foot", "辅警": "auxiliary",
    "志愿者": "volunteer", "群防群治": "volunteer", "volunteers": "volunteer",
    # site categories
    "学校": "school", "幼儿园": "school", "银行": "bank", "枢纽": "hub", "车站": "hub",
    "交通枢纽": "hub", "市场": "market", "农贸市场": "market", "医院": "hospital", "商场": "mall",
    "商圈": "mall", "政府": "government", "机关": "government", "警务站": "post", "屯警点": "post",
    "岗亭": "post",
    # venue categories
    "歌厅": "ktv", "卡拉ok": "ktv", "酒吧": "bar", "清吧": "bar", "宾馆": "hotel", "酒店": "hotel",
    "旅馆": "hotel", "网吧": "internet_cafe", "网咖": "internet_cafe", "internet cafe": "internet_cafe",
    "养老院": "nursing_home", "敬老院": "nursing_home", "养老机构": "nursing_home",
    "nursing home": "nursing_home", "洗浴": "bathhouse", "浴场": "bathhouse", "足浴": "bathhouse",
    "饭店": "restaurant", "餐馆": "restaurant", "餐饮": "restaurant",
    # risk levels, severities
    "低": "low", "中": "medium", "高": "high", "一般": "low", "较大": "medium", "重大": "major",
    "低风险": "low", "中风险": "medium", "高风险": "high", "严重": "high",
    # inspection results
    "合格": "pass", "通过": "pass", "正常": "pass", "限期整改": "rectify", "责令整改": "rectify",
    "整改": "rectify", "不合格": "fail", "查处": "fail",
    # hazard categories
    "消防": "fire", "火灾": "fire", "电气": "electrical", "用电": "electrical", "燃气": "gas",
    "结构": "structural", "建筑": "structural", "交通": "traffic", "治安": "public_order",
    "public order": "public_order", "其他": "other", "其它": "other",
    # hazard statuses
    "未整改": "open", "待整改": "open", "整改中": "rectifying", "已整改": "rectified",
    "整改完毕": "rectified", "已销号": "rectified",
    # incident categories
    "盗窃": "theft", "入室盗窃": "burglary", "抢劫": "robbery", "抢夺": "robbery", "诈骗": "fraud",
    "电信诈骗": "fraud", "打架": "fight", "斗殴": "fight", "打架斗殴": "fight", "扰民": "disturbance",
    "噪音": "disturbance", "纠纷": "dispute", "交通事故": "traffic", "毒品": "drugs", "涉毒": "drugs",
    "赌博": "gambling", "涉赌": "gambling",
    # area levels
    "派出所": "station", "辖区": "station", "网格": "grid",
}


def kind(name: str) -> Kind:
    """The record kind called ``name`` (one of :data:`KINDS`), or a ValueError listing them."""
    try:
        return KINDS[name]
    except KeyError:
        msg = f"unknown record kind {name!r}; expected one of: {', '.join(KINDS)}"
        raise ValueError(msg) from None
