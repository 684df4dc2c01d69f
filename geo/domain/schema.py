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

Header aliases
--------------
A column's name and ``aliases`` are its first tier of header names; ``fallback`` holds weaker tiers,
tried in order only when no header of an earlier tier is in the file (a 110 export's 报警时间 wins
over its 接警时间, 警情编号 over 编号 and 序号). Two headers of one tier for one column are an
error, never a silent pick (:func:`geo.ingest.columns.map_headers`).
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
    fallback: tuple[tuple[str, ...], ...] = ()

    @property
    def tiers(self) -> tuple[tuple[str, ...], ...]:
        """Header names in tiers, strongest first: the name and aliases, then ``fallback``."""
        return ((self.name, *self.aliases), *self.fallback)


@dataclass(frozen=True)
class Kind:
    """A record kind: its table name, columns and natural key.

    ``key`` names the columns whose values identify a row. An empty key means the row is identified
    by a hash of its whole content (used for check-ins and inspections without an id column).
    ``located`` is true when rows carry their own lat/lng. When lat/lng are optional, ``places``
    lists ``(column, kind)`` pairs (e.g. ``("venue_id", "venues")``) whose stored location stands
    in for a row's missing coordinates, tried in order; a located kind whose lat/lng are optional
    and that has no ``places`` may hold unlocated rows (leads).
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    located: bool = False
    label_zh: str = ""
    label_en: str = ""
    one_of: tuple[tuple[str, ...], ...] = field(default=())
    places: tuple[tuple[str, str], ...] = field(default=())

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


# Aliases shared by many kinds. Matching ignores case, full-width forms, spaces, underscores,
# hyphens, brackets and what they hold (units such as "(km/h)"), so "Lat (WGS84)" and "LAT" both
# match "lat" (geo.ingest.columns.norm_header).
_LAT = ("latitude", "lat", "纬度", "緯度", "wd", "gps纬度", "纬度坐标", "lat wgs84", "lat_dd")
_LNG = (
    "longitude",
    "lng",
    "lon",
    "long",
    "经度",
    "經度",
    "jd",
    "gps经度",
    "经度坐标",
    "lng wgs84",
    "lon wgs84",
    "long_dd",
)
# X/Y of GIS exports (ArcGIS's POINT_X/POINT_Y): used when no longitude/latitude header is there
_LAT_XY = (("y", "point_y", "y坐标", "纵坐标", "coord y", "ycoord"),)
_LNG_XY = (("x", "point_x", "x坐标", "横坐标", "coord x", "xcoord"),)
_NAME = ("name", "名称", "名字", "单位名称", "场所名称", "部位名称")
_NAME_WEAK = (("名称", "名字", "name", "title", "标题"),)
_CATEGORY = ("category", "type", "类别", "类型", "分类", "种类")
_STATUS = ("status", "state", "状态", "处理状态", "整改状态")
_UNIT = (
    "unit_id",
    "unit",
    "unit id",
    "单位编号",
    "单元编号",
    "巡逻单元",
    "巡逻单元编号",
    "巡逻单位",
    "警组",
    "警组编号",
    "车辆编号",
    "巡逻组",
    "巡逻组编号",
)
# a GPS vendor's export names the unit by its device (the unit ids are the device ids then)
_UNIT_DEVICE = (("device", "device id", "设备编号", "设备号", "终端编号", "终端号", "车牌号"),)
# the key of a record kind when its own name for it is not there: 编号 and ID, then a row number
_KEY_WEAK = (
    ("编号", "id", "no", "uid", "唯一标识"),
    ("序号", "objectid", "fid", "object id", "oid", "行号"),
)
# times named by no system in particular: used when the kind's own time header is not there
_TS_WEAK = ("ts", "time", "timestamp", "datetime", "date time", "时间", "日期时间", "时间戳")

UNIT_KINDS = ("police_car", "foot", "auxiliary", "volunteer")
SITE_CATEGORIES = ("school", "bank", "hub", "market", "hospital", "mall", "government", "post")
VENUE_CATEGORIES = (
    "ktv",
    "bar",
    "hotel",
    "internet_cafe",
    "market",
    "nursing_home",
    "bathhouse",
    "restaurant",
    "other",  # a venue register's category no mapping knows (geo.domain.categories)
)
RISK_LEVELS = ("low", "medium", "high")
INSPECTION_RESULTS = ("pass", "rectify", "fail")
HAZARD_CATEGORIES = ("fire", "electrical", "gas", "structural", "traffic", "public_order", "other")
HAZARD_SEVERITIES = ("low", "medium", "high", "major")
HAZARD_STATUSES = ("open", "rectifying", "rectified")
INCIDENT_CATEGORIES = (
    "theft",
    "burglary",
    "robbery",
    "fraud",
    "fight",
    "disturbance",
    "dispute",
    "traffic",
    "drugs",
    "gambling",
    "other",
)
AREA_LEVELS = ("station", "grid")
DISPUTE_CATEGORIES = (
    "neighbours",
    "family",
    "wages",
    "market_trade",
    "property_management",
    "consumer",
    "traffic",
    "other",
)
DISPUTE_STATUSES = ("pending", "mediating", "settled", "escalated", "referred")
LEAD_CHANNELS = ("phone_line", "app", "courier", "volunteer", "walk_in")
LEAD_TOPICS = ("elder_fraud", "drugs", "gambling", "hazard", "other")
LEAD_STATUSES = ("verifying", "closed", "unfounded")

KINDS: dict[str, Kind] = {}


def _add(k: Kind) -> None:
    KINDS[k.name] = k


_add(
    Kind(
        "units",
        label_zh="巡逻单元",
        label_en="Patrol units",
        key=("unit_id",),
        columns=(
            Column("unit_id", "id", True, aliases=_UNIT, fallback=(*_UNIT_DEVICE, *_KEY_WEAK)),
            Column(
                "name",
                "str",
                True,
                aliases=("单元名称", "警组名称", "unit name", "巡逻单元名称", "呼号"),
                fallback=(("单位名称", "部位名称", "场所名称"), *_NAME_WEAK),
            ),
            Column(
                "kind",
                "enum",
                True,
                UNIT_KINDS,
                ("kind", "unit kind", "单元类型", "巡逻方式", "勤务方式"),
                fallback=(("类型", "类别", "type", "category"),),
            ),
            Column(
                "station",
                "id",
                False,
                aliases=("station", "派出所", "所属派出所", "辖区", "station id"),
            ),
        ),
    )
)

_add(
    Kind(
        "shifts",
        label_zh="巡逻班次",
        label_en="Shifts",
        key=("shift_id",),
        columns=(
            Column(
                "shift_id",
                "id",
                True,
                aliases=("shift_id", "shift", "班次", "班次编号", "勤务编号", "巡逻编号"),
                fallback=_KEY_WEAK,
            ),
            Column("unit_id", "id", True, aliases=_UNIT, fallback=_UNIT_DEVICE),
            Column(
                "start",
                "ts",
                True,
                aliases=(
                    "start",
                    "start time",
                    "begin",
                    "started at",
                    "开始时间",
                    "上岗时间",
                    "出巡时间",
                    "出发时间",
                    "签到时间",
                ),
            ),
            Column(
                "end",
                "ts",
                True,
                aliases=(
                    "end",
                    "end time",
                    "finish",
                    "ended at",
                    "结束时间",
                    "下岗时间",
                    "收队时间",
                    "返回时间",
                    "签退时间",
                ),
            ),
            Column(
                "police",
                "int",
                False,
                aliases=("police", "officers", "民警", "民警人数", "警力"),
                default=0,
            ),
            Column(
                "auxiliaries",
                "int",
                False,
                aliases=("auxiliaries", "auxiliary", "辅警", "辅警人数"),
                default=0,
            ),
            Column(
                "volunteers",
                "int",
                False,
                aliases=(
                    "volunteers",
                    "volunteer",
                    "群防群治",
                    "志愿者",
                    "群防群治人数",
                    "志愿者人数",
                ),
                default=0,
            ),
            Column(
                "people_checked",
                "int",
                False,
                aliases=("people checked", "checked", "盘查人员", "盘查人数", "盘查"),
                default=0,
            ),
            Column(
                "outreach",
                "int",
                False,
                aliases=("outreach", "宣传", "宣传人数", "走访群众"),
                default=0,
            ),
        ),
    )
)

_add(
    Kind(
        "pings",
        label_zh="GPS定位",
        label_en="GPS pings",
        key=("shift_id", "ts"),
        located=True,
        one_of=(("shift_id", "unit_id"),),
        columns=(
            Column(
                "shift_id",
                "id",
                False,
                aliases=("shift_id", "shift", "班次", "班次编号", "勤务编号"),
            ),
            Column("unit_id", "id", False, aliases=_UNIT, fallback=_UNIT_DEVICE),
            Column(
                "ts",
                "ts",
                True,
                aliases=(
                    "ts",
                    "定位时间",
                    "gps时间",
                    "fix time",
                    "gps time",
                    "采集时间",
                    "回传时间",
                    "上报时间",
                    "report time",
                ),
                fallback=(_TS_WEAK, ("接收时间", "创建时间", "记录时间", "receive time")),
            ),
            Column("lat", "lat", True, aliases=_LAT, fallback=_LAT_XY),
            Column("lng", "lng", True, aliases=_LNG, fallback=_LNG_XY),
            Column(
                "speed",
                "float",
                False,
                aliases=("speed", "速度", "speed_kph", "车速", "gps速度", "速度km/h", "speed kmh"),
            ),
            Column("accuracy", "float", False, aliases=("accuracy", "精度", "hdop", "定位精度")),
        ),
    )
)

_add(
    Kind(
        "sites",
        label_zh="重点部位",
        label_en="Key sites",
        key=("site_id",),
        located=True,
        columns=(
            Column(
                "site_id",
                "id",
                True,
                aliases=("site_id", "site", "部位编号", "点位编号", "重点部位编号"),
                fallback=_KEY_WEAK,
            ),
            Column(
                "name",
                "str",
                True,
                aliases=("部位名称", "点位名称", "重点部位名称", "site name"),
                fallback=(("单位名称", "场所名称"), *_NAME_WEAK),
            ),
            Column("category", "enum", True, SITE_CATEGORIES, _CATEGORY),
            Column("lat", "lat", True, aliases=_LAT, fallback=_LAT_XY),
            Column("lng", "lng", True, aliases=_LNG, fallback=_LNG_XY),
        ),
    )
)

_add(
    Kind(
        "site_checks",
        label_zh="重点部位巡查",
        label_en="Key-site checks",
        key=(),
        columns=(
            Column(
                "site_id",
                "id",
                True,
                aliases=("site_id", "site", "部位编号", "点位编号", "重点部位编号"),
            ),
            Column(
                "ts",
                "ts",
                True,
                aliases=("ts", "巡查时间", "签到时间", "打卡时间", "check time", "checked at"),
                fallback=(_TS_WEAK, ("登记时间", "上报时间", "定位时间")),
            ),
            Column("unit_id", "id", True, aliases=_UNIT, fallback=_UNIT_DEVICE),
        ),
    )
)

_add(
    Kind(
        "venues",
        label_zh="场所",
        label_en="Venues",
        key=("venue_id",),
        located=True,
        columns=(
            Column(
                "venue_id",
                "id",
                True,
                aliases=("venue_id", "venue", "场所编号", "场所代码", "单位编号"),
                fallback=_KEY_WEAK,
            ),
            Column(
                "name",
                "str",
                True,
                aliases=("场所名称", "venue name"),
                fallback=(("单位名称", "店名", "商户名称"), *_NAME_WEAK),
            ),
            Column(
                "category", "enum", True, VENUE_CATEGORIES, (*_CATEGORY, "场所类型", "行业类别")
            ),
            Column("lat", "lat", True, aliases=_LAT, fallback=_LAT_XY),
            Column("lng", "lng", True, aliases=_LNG, fallback=_LNG_XY),
            Column(
                "licence",
                "str",
                False,
                aliases=(
                    "licence",
                    "license",
                    "许可证",
                    "许可证号",
                    "营业执照",
                    "统一社会信用代码",
                ),
            ),
            Column(
                "risk_level", "enum", False, RISK_LEVELS, ("risk level", "risk", "风险等级", "等级")
            ),
        ),
    )
)

_add(
    Kind(
        "inspections",
        label_zh="场所检查",
        label_en="Inspections",
        key=(),
        columns=(
            Column("inspection_id", "id", False, aliases=("inspection_id", "检查编号")),
            Column("venue_id", "id", True, aliases=("venue_id", "venue", "场所编号", "场所代码")),
            Column(
                "ts",
                "ts",
                True,
                aliases=("ts", "检查时间", "检查日期", "inspection time", "inspected at"),
                fallback=(_TS_WEAK, ("登记时间", "上报时间", "日期", "date")),
            ),
            Column("unit_id", "id", False, aliases=_UNIT),
            Column(
                "result",
                "enum",
                True,
                INSPECTION_RESULTS,
                ("result", "outcome", "检查结果", "结果"),
            ),
            Column(
                "findings",
                "str",
                False,
                aliases=("findings", "notes", "发现问题", "检查情况", "备注"),
            ),
            Column(
                "follow_up_due",
                "ts",
                False,
                aliases=("follow up due", "follow_up", "复查期限", "整改期限"),
            ),
        ),
    )
)

_add(
    Kind(
        "hazards",
        label_zh="安全隐患",
        label_en="Safety hazards",
        key=("hazard_id",),
        located=True,
        columns=(
            Column(
                "hazard_id",
                "id",
                True,
                aliases=("hazard_id", "hazard", "隐患编号", "隐患代码", "hazard no"),
                fallback=_KEY_WEAK,
            ),
            Column(
                "category", "enum", True, HAZARD_CATEGORIES, (*_CATEGORY, "隐患类别", "隐患类型")
            ),
            Column(
                "severity",
                "enum",
                True,
                HAZARD_SEVERITIES,
                ("severity", "level", "等级", "隐患等级", "严重程度"),
            ),
            Column("lat", "lat", True, aliases=_LAT, fallback=_LAT_XY),
            Column("lng", "lng", True, aliases=_LNG, fallback=_LNG_XY),
            Column(
                "found_at",
                "ts",
                True,
                aliases=("found at", "found", "发现时间", "发现日期", "排查时间", "排查日期"),
                fallback=(
                    ("上报时间", "登记时间", "录入时间", "报告时间", "reported at", "report time"),
                    _TS_WEAK,
                ),
            ),
            Column("status", "enum", True, HAZARD_STATUSES, _STATUS),
            Column(
                "rectified_at",
                "ts",
                False,
                aliases=("rectified at", "rectified", "整改时间", "整改完成时间"),
            ),
            Column("deadline", "ts", False, aliases=("deadline", "due", "整改期限", "限期")),
        ),
    )
)

_add(
    Kind(
        "incidents",
        label_zh="警情",
        label_en="Incidents",
        key=("incident_id",),
        located=True,
        columns=(
            Column(
                "incident_id",
                "id",
                True,
                aliases=(
                    "incident_id",
                    "incident",
                    "警情编号",
                    "接警编号",
                    "接警单号",
                    "报警编号",
                    "警情单号",
                    "事件编号",
                    "案件编号",
                    "incident no",
                    "case id",
                    "event id",
                ),
                fallback=_KEY_WEAK,
            ),
            Column(
                "ts",
                "ts",
                True,
                aliases=("ts", "报警时间", "报警日期时间", "call time", "alarm time", "报案时间"),
                fallback=(
                    ("接警时间", "接报时间", "来电时间", "received at", "receive time"),
                    ("发生时间", "案发时间", "事发时间", "发案时间", "occurred at", "event time"),
                    (*_TS_WEAK, "登记时间", "上报时间", "reported at"),
                ),
            ),
            Column(
                "category",
                "enum",
                True,
                INCIDENT_CATEGORIES,
                (
                    *_CATEGORY,
                    "警情类别",
                    "案件类别",
                    "警情类型",
                    "案件类型",
                    "incident category",
                    "incident type",
                ),
            ),
            Column("lat", "lat", True, aliases=_LAT, fallback=_LAT_XY),
            Column("lng", "lng", True, aliases=_LNG, fallback=_LNG_XY),
            Column(
                "priority",
                "int",
                False,
                aliases=("priority", "优先级", "紧急程度", "等级"),
                default=2,
            ),
        ),
    )
)

_add(
    Kind(
        "areas",
        label_zh="辖区/网格",
        label_en="Areas",
        key=("area_id",),
        columns=(
            Column(
                "area_id",
                "id",
                True,
                aliases=("area_id", "area", "网格编号", "辖区编号", "网格代码"),
                fallback=_KEY_WEAK,
            ),
            Column(
                "name",
                "str",
                True,
                aliases=("网格名称", "辖区名称", "area name"),
                fallback=(("单位名称",), *_NAME_WEAK),
            ),
            Column("level", "enum", True, AREA_LEVELS, ("level", "层级", "级别", "类型")),
            Column("owner", "str", False, aliases=("owner", "负责人", "网格员", "责任人")),
            Column("parent_id", "id", False, aliases=("parent_id", "parent", "上级", "所属辖区")),
            Column(
                "geometry", "geometry", True, aliases=("geometry", "geom", "wkt", "边界", "范围")
            ),
        ),
    )
)

_add(
    Kind(
        "disputes",
        label_zh="矛盾纠纷",
        label_en="Disputes",
        key=("dispute_id",),
        located=True,
        places=(("site_id", "sites"), ("venue_id", "venues")),
        columns=(
            Column(
                "dispute_id",
                "id",
                True,
                aliases=(
                    "dispute_id",
                    "dispute",
                    "纠纷编号",
                    "矛盾纠纷编号",
                    "案件编号",
                    "登记编号",
                    "事件编号",
                ),
                fallback=_KEY_WEAK,
            ),
            Column(
                "reported_at",
                "ts",
                True,
                aliases=(
                    "reported_at",
                    "reported",
                    "report time",
                    "登记时间",
                    "登记日期",
                ),
                fallback=(
                    ("受理时间", "上报时间", "报告时间", "排查时间", "发现时间"),
                    (*_TS_WEAK, "发生时间"),
                ),
            ),
            Column(
                "category",
                "enum",
                True,
                DISPUTE_CATEGORIES,
                (*_CATEGORY, "纠纷类型", "纠纷类别", "矛盾类型"),
            ),
            Column("lat", "lat", False, aliases=_LAT, fallback=_LAT_XY),
            Column("lng", "lng", False, aliases=_LNG, fallback=_LNG_XY),
            Column(
                "site_id",
                "id",
                False,
                aliases=("site_id", "site", "部位编号", "点位编号", "重点部位编号"),
            ),
            Column("venue_id", "id", False, aliases=("venue_id", "venue", "场所编号", "市场编号")),
            Column(
                "parties",
                "int",
                False,
                aliases=(
                    "parties",
                    "party count",
                    "parties count",
                    "当事人数",
                    "当事人人数",
                    "涉及人数",
                ),
            ),
            Column(
                "mediator",
                "str",
                False,
                aliases=(
                    "mediator",
                    "mediated by",
                    "调解单位",
                    "调解组织",
                    "调解人",
                    "调解室",
                    "承办单位",
                ),
            ),
            Column(
                "status",
                "enum",
                True,
                DISPUTE_STATUSES,
                (*_STATUS, "调处状态", "化解状态", "办理状态"),
            ),
            Column(
                "settled_at",
                "ts",
                False,
                aliases=("settled_at", "settled", "closed at", "化解时间", "调结时间", "办结时间"),
            ),
            Column(
                "incident_id",
                "id",
                False,
                aliases=(
                    "incident_id",
                    "incident",
                    "linked incident",
                    "关联警情",
                    "警情编号",
                    "接警编号",
                ),
            ),
        ),
    )
)

_add(
    Kind(
        "leads",
        label_zh="线索",
        label_en="Leads",
        key=("lead_id",),
        located=True,
        columns=(
            Column(
                "lead_id",
                "id",
                True,
                aliases=("lead_id", "lead", "线索编号", "举报编号"),
                fallback=_KEY_WEAK,
            ),
            Column(
                "received_at",
                "ts",
                True,
                aliases=(
                    "received_at",
                    "received",
                    "receive time",
                    "接收时间",
                    "收到时间",
                    "举报时间",
                ),
                fallback=(("受理时间", "登记时间", "上报时间"), _TS_WEAK),
            ),
            Column(
                "channel",
                "enum",
                True,
                LEAD_CHANNELS,
                ("channel", "source", "来源", "渠道", "线索来源", "举报渠道", "接收渠道"),
            ),
            Column(
                "topic",
                "enum",
                True,
                LEAD_TOPICS,
                ("topic", *_CATEGORY, "线索类别", "线索类型", "涉及类型"),
            ),
            Column("lat", "lat", False, aliases=_LAT, fallback=_LAT_XY),
            Column("lng", "lng", False, aliases=_LNG, fallback=_LNG_XY),
            Column(
                "area_id",
                "id",
                False,
                aliases=("area_id", "area", "grid", "网格", "网格编号", "所属网格", "辖区编号"),
            ),
            Column("status", "enum", True, LEAD_STATUSES, (*_STATUS, "核查状态", "办理状态")),
            Column(
                "closed_at",
                "ts",
                False,
                aliases=("closed_at", "closed", "办结时间", "核查完成时间"),
            ),
        ),
    )
)

# zh / en synonyms accepted for enum values (matched case-insensitively after trimming).
ENUM_ALIASES: dict[str, str] = {
    # unit kinds
    "警车": "police_car",
    "巡逻车": "police_car",
    "车巡": "police_car",
    "car": "police_car",
    "police car": "police_car",
    "步巡": "foot",
    "徒步": "foot",
    "步行": "foot",
    "辅警": "auxiliary",
    "志愿者": "volunteer",
    "群防群治": "volunteer",
    "volunteers": "volunteer",
    # site categories
    "学校": "school",
    "幼儿园": "school",
    "银行": "bank",
    "枢纽": "hub",
    "车站": "hub",
    "交通枢纽": "hub",
    "市场": "market",
    "农贸市场": "market",
    "医院": "hospital",
    "商场": "mall",
    "商圈": "mall",
    "政府": "government",
    "机关": "government",
    "警务站": "post",
    "屯警点": "post",
    "岗亭": "post",
    # venue categories
    "歌厅": "ktv",
    "卡拉ok": "ktv",
    "酒吧": "bar",
    "清吧": "bar",
    "宾馆": "hotel",
    "酒店": "hotel",
    "旅馆": "hotel",
    "网吧": "internet_cafe",
    "网咖": "internet_cafe",
    "internet cafe": "internet_cafe",
    "养老院": "nursing_home",
    "敬老院": "nursing_home",
    "养老机构": "nursing_home",
    "nursing home": "nursing_home",
    "洗浴": "bathhouse",
    "浴场": "bathhouse",
    "足浴": "bathhouse",
    "饭店": "restaurant",
    "餐馆": "restaurant",
    "餐饮": "restaurant",
    # risk levels, severities
    "低": "low",
    "中": "medium",
    "高": "high",
    "一般": "low",
    "较大": "medium",
    "重大": "high",  # the hazard grades 一般, 较大, 重大, 特别重大 (labels of low..major)
    "特别重大": "major",
    "低风险": "low",
    "中风险": "medium",
    "高风险": "high",
    "严重": "high",
    # inspection results
    "合格": "pass",
    "通过": "pass",
    "正常": "pass",
    "限期整改": "rectify",
    "责令整改": "rectify",
    "整改": "rectify",
    "不合格": "fail",
    "查处": "fail",
    # hazard categories
    "消防": "fire",
    "火灾": "fire",
    "电气": "electrical",
    "用电": "electrical",
    "燃气": "gas",
    "结构": "structural",
    "建筑": "structural",
    "交通": "traffic",
    "治安": "public_order",
    "public order": "public_order",
    "其他": "other",
    "其它": "other",
    # hazard statuses
    "未整改": "open",
    "待整改": "open",
    "整改中": "rectifying",
    "已整改": "rectified",
    "整改完毕": "rectified",
    "已销号": "rectified",
    # incident categories
    "盗窃": "theft",
    "入室盗窃": "burglary",
    "抢劫": "robbery",
    "抢夺": "robbery",
    "诈骗": "fraud",
    "电信诈骗": "fraud",
    "打架": "fight",
    "斗殴": "fight",
    "打架斗殴": "fight",
    "扰民": "disturbance",
    "噪音": "disturbance",
    "纠纷": "dispute",
    "交通事故": "traffic",
    "毒品": "drugs",
    "涉毒": "drugs",
    "赌博": "gambling",
    "涉赌": "gambling",
    # area levels
    "派出所": "station",
    "辖区": "station",
    "网格": "grid",
    # dispute categories
    "邻里纠纷": "neighbours",
    "邻里": "neighbours",
    "neighbour": "neighbours",
    "neighbors": "neighbours",
    "neighbor": "neighbours",
    "婚姻家庭": "family",
    "家庭纠纷": "family",
    "家庭": "family",
    "婚姻家庭纠纷": "family",
    "劳资纠纷": "wages",
    "劳资": "wages",
    "欠薪": "wages",
    "讨薪": "wages",
    "wage": "wages",
    "市场交易": "market_trade",
    "买卖纠纷": "market_trade",
    "市场纠纷": "market_trade",
    "交易纠纷": "market_trade",
    "market trade": "market_trade",
    "物业纠纷": "property_management",
    "物业": "property_management",
    "物业管理": "property_management",
    "property": "property_management",
    "property management": "property_management",
    "消费纠纷": "consumer",
    "消费": "consumer",
    "交通纠纷": "traffic",
    "交通事故纠纷": "traffic",
    "其他纠纷": "other",
    # dispute statuses
    "待调解": "pending",
    "未调解": "pending",
    "待处理": "pending",
    "调解中": "mediating",
    "化解中": "mediating",
    "正在调解": "mediating",
    "已化解": "settled",
    "化解": "settled",
    "调解成功": "settled",
    "已调解": "settled",
    "已调结": "settled",
    "resolved": "settled",
    "升级": "escalated",
    "已升级": "escalated",
    "转警情": "escalated",
    "激化": "escalated",
    "移交诉讼": "referred",
    "转诉讼": "referred",
    "诉讼": "referred",
    "仲裁": "referred",
    "转仲裁": "referred",
    "移交仲裁": "referred",
    "诉调对接": "referred",
    "激化转警情": "escalated",
    "移交诉讼/仲裁": "referred",
    # lead channels
    "热线": "phone_line",
    "电话": "phone_line",
    "举报电话": "phone_line",
    "110": "phone_line",
    "12345": "phone_line",
    "phone": "phone_line",
    "hotline": "phone_line",
    "phone line": "phone_line",
    "手机app": "app",
    "平台": "app",
    "小程序": "app",
    "网上": "app",
    "快递员": "courier",
    "外卖员": "courier",
    "快递小哥": "courier",
    "快递外卖员": "courier",
    "举报热线": "phone_line",
    "网上/APP": "app",
    "群众来访": "walk_in",
    "来访": "walk_in",
    "上门": "walk_in",
    "走访": "walk_in",
    "walk in": "walk_in",
    "walk-in": "walk_in",
    # lead topics
    "养老诈骗": "elder_fraud",
    "涉老诈骗": "elder_fraud",
    "诈骗老人": "elder_fraud",
    "elder fraud": "elder_fraud",
    "隐患": "hazard",
    "安全隐患": "hazard",
    # lead statuses
    "核查中": "verifying",
    "正在核查": "verifying",
    "待核查": "verifying",
    "已办结": "closed",
    "办结": "closed",
    "已核实": "closed",
    "查实": "closed",
    "不实": "unfounded",
    "查无实据": "unfounded",
    "未查实": "unfounded",
    "经查不实": "unfounded",
}


def kind(name: str) -> Kind:
    """The record kind called ``name`` (one of :data:`KINDS`), or a ValueError listing them."""
    try:
        return KINDS[name]
    except KeyError:
        msg = f"unknown record kind {name!r}; expected one of: {', '.join(KINDS)}"
        raise ValueError(msg) from None
