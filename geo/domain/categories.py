"""Source categories and the analysis groups they fall in.

A file names its categories its own way: a 110 export has dozens to hundreds of them, often with
codes (``0101 盗窃``) or as a path (``刑事-盗窃-入室盗窃``). Every incident, hazard, venue,
dispute and lead keeps that text as its source (:data:`SOURCE`, and :data:`CODE` when the file
has a code), and falls in one analysis group of the record kind (the ``category`` column, the
``topic`` of a lead) that risk, hot spots, briefings and pages use.

The group of a source comes from, in order: the store's mapping table (users edit it; stored in
``meta`` under :func:`meta_name`), the group's own name, the defaults of :func:`default_table`
(the app's labels in both languages, the zh/en synonyms of :mod:`geo.domain.schema`, common 110,
hazard, venue, dispute and lead categories), each tried on the whole name and then on the
segments of a path, most specific first. Names are compared after :func:`norm` (full-width
forms, case, spaces, brackets and a leading code dropped). A source none of them knows is no
reason to reject a row: it falls in :data:`OTHER` and is listed as unmapped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

import pandas as pd

from geo.domain import schema
from geo.i18n import STRINGS, t

__all__ = [
    "CODE",
    "CODE_HEADERS",
    "GROUP_COLUMN",
    "KINDS",
    "LABELS",
    "OTHER",
    "SOURCE",
    "code_header",
    "default_table",
    "file_sources",
    "group_label",
    "grouped",
    "groups",
    "hashed_columns",
    "meta_name",
    "norm",
    "parse_group",
    "resolve",
    "segments",
    "split_code",
    "stored_sources",
]

SOURCE = "category_source"
"""The stored column of a record's category text as the file wrote it."""
CODE = "category_code"
"""The stored column of a record's category code (a code column, or a leading code)."""
OTHER = "other"
"""The group of a source no mapping knows."""
GROUP_COLUMN: dict[str, str] = {
    "incidents": "category",
    "hazards": "category",
    "venues": "category",
    "disputes": "category",
    "leads": "topic",
}
"""The analysis group column of each record kind that keeps its source category."""
KINDS = tuple(GROUP_COLUMN)
LABELS: dict[str, str] = {
    "incidents": "incident",
    "hazards": "hazard",
    "venues": "venue",
    "disputes": "dcat",
    "leads": "topic",
}
"""The string group of each kind's group labels (``v.<group>.<value>`` in geo/strings)."""
CODE_HEADERS = (
    "类别代码",
    "类别编码",
    "类型代码",
    "类型编码",
    "分类代码",
    "分类编码",
    "警情类别代码",
    "警情类别编码",
    "警情类型代码",
    "警情类型编码",
    "案件类别代码",
    "案件类型代码",
    "案由代码",
    "隐患类别代码",
    "隐患类型代码",
    "场所类型代码",
    "行业类别代码",
    "纠纷类型代码",
    "纠纷类别代码",
    "线索类别代码",
    "categorycode",
    "category_code",
    "typecode",
    "type_code",
)
"""Headers of a separate category-code column (compared after :func:`norm`)."""

_BRACKETS = re.compile(r"[(\[{【〔][^)\]}】〕]*[)\]}】〕]")
# a leading code: digits (optionally after up to three letters), dots and hyphens between them
_CODE = re.compile(r"^\s*(?P<code>[A-Za-z]{0,3}\d[\d.\-]*)(?:\s*[:_.、\-]\s*|\s+|(?=[^\x00-\x7f]))")
_PATH = re.compile(r"[-/>|\\—→·、]+")
_SUFFIX = re.compile(r"(?:类警情|类案件|案件|警情|事件|类|案)$")

# Common names of each kind's categories (zh, with some en; spaces separate them), beyond the
# app's labels and the synonyms of schema.ENUM_ALIASES. A name listed here is mapped, also when
# its group is "other".
_COMMON: dict[str, dict[str, str]] = {
    "incidents": {
        "theft": (
            "盗窃 扒窃 偷窃 偷盗 被盗 失窃 拎包 拎包盗窃 盗窃电动车 盗窃电瓶车 盗窃电动自行车 "
            "盗窃自行车 盗窃非机动车 盗窃摩托车 盗窃机动车 盗窃汽车 盗窃车内财物 盗窃车辆 盗车 "
            "偷车 盗窃财物 盗窃手机 盗窃电缆 pickpocketing larceny"
        ),
        "burglary": (
            "入室盗窃 入户盗窃 入室 溜门 溜门盗窃 撬门 撬门盗窃 翻窗入室 撬锁入室 入室行窃 "
            "盗窃民宅 burglary"
        ),
        "robbery": "抢劫 抢夺 两抢 飞车抢夺 拦路抢劫 入室抢劫 持刀抢劫 抢包 抢劫抢夺 snatching",
        "fraud": (
            "诈骗 电信诈骗 电信网络诈骗 网络诈骗 电话诈骗 冒充公检法诈骗 刷单诈骗 刷单返利 杀猪盘 "
            "兼职诈骗 网购诈骗 冒充客服诈骗 合同诈骗 招摇撞骗 贷款诈骗 投资理财诈骗 scam"
        ),
        "fight": (
            "故意伤害 打架斗殴 打架 斗殴 殴打他人 殴打 伤害 聚众斗殴 持械斗殴 群殴 家庭暴力 家暴 "
            "assault"
        ),
        "disturbance": (
            "噪音扰民 扰民 噪音 噪声扰民 施工噪音 广场舞扰民 扰乱公共秩序 扰乱秩序 扰乱单位秩序 "
            "寻衅滋事 醉酒滋事 酗酒滋事 滋事 喧哗 noise"
        ),
        "dispute": (
            "纠纷 邻里纠纷 家庭纠纷 经济纠纷 劳资纠纷 消费纠纷 民事纠纷 婚姻家庭纠纷 债务纠纷 "
            "物业纠纷"
        ),
        "traffic": (
            "交通事故 交通 道路交通事故 交通违法 交通拥堵 交通堵塞 车辆剐蹭 剐蹭 追尾 酒驾 醉驾 "
            "酒后驾驶 违章停车 乱停车 挪车"
        ),
        "drugs": "毒品 涉毒 吸毒 贩毒 吸食毒品 容留吸毒 制毒",
        "gambling": "赌博 涉赌 聚众赌博 开设赌场 网络赌博 赌场",
        "other": (
            "火警 火灾 求助 群众求助 救助 救援 咨询 走失 寻人 失踪 走失人员 自杀 意外 溺水 "
            "医疗救助 非警务求助 社会联动 无效警情 重复报警 误报 骚扰电话 投诉 举报 其他 其它 "
            "其他警情"
        ),
    },
    "hazards": {
        "fire": (
            "消防 火灾 消防安全 火灾隐患 消防隐患 消防通道 消防通道堵塞 占用消防通道 堵塞消防通道 "
            "安全出口 疏散通道 灭火器 灭火器过期 消防设施 消防设施损坏 易燃易爆 违规动火 "
            "三合一场所 firesafety"
        ),
        "electrical": (
            "电气 用电 用电安全 电气安全 电气火灾 私拉乱接 私拉电线 电线老化 线路老化 违规用电 "
            "飞线充电 电动车违规充电 楼道充电 电气线路"
        ),
        "gas": "燃气 燃气安全 液化气 液化石油气 煤气 天然气 燃气泄漏 瓶装液化气 瓶装燃气",
        "structural": (
            "建筑结构 结构 建筑 结构安全 建筑安全 房屋安全 危房 危旧房 违章建筑 违建 墙体开裂 "
            "自建房 高空坠物"
        ),
        "traffic": "交通 交通安全 道路交通 道路安全 道路隐患 交通设施 井盖缺失 井盖 路面塌陷",
        "public_order": "治安 治安隐患 社会治安 监控盲区 照明不足 路灯损坏 技防 物防 人防 治安防范",
        "other": "其他 其它 安全生产 特种设备 电梯 危险化学品 危化品 防汛",
    },
    "venues": {
        "ktv": "ktv 歌厅 卡拉ok 歌舞厅 歌舞娱乐场所 量贩式ktv 练歌房 karaoke",
        "bar": "酒吧 清吧 夜店 夜总会 迪厅 pub nightclub",
        "hotel": "宾馆 酒店 旅馆 旅店 民宿 招待所 旅业 日租房 公寓式酒店 hostel guesthouse",
        "internet_cafe": "网吧 网咖 网络会所 上网服务场所 互联网上网服务营业场所 电竞馆",
        "market": "市场 农贸市场 菜市场 集贸市场 批发市场 超市",
        "nursing_home": "养老院 敬老院 养老机构 福利院 老年公寓 养老服务中心",
        "bathhouse": "洗浴 浴场 足浴 洗浴中心 足疗 按摩 桑拿 汗蒸 洗浴足浴 sauna spa",
        "restaurant": "饭店 餐馆 餐饮 餐厅 饭馆 小吃 大排档 烧烤 夜宵 餐饮服务",
        "other": "其他 其它 寄递 快递 物流 废品收购 旧货 典当 开锁 印章 二手手机 特种行业",
    },
    "disputes": {
        "neighbours": "邻里纠纷 邻里 邻里矛盾 相邻关系 相邻关系纠纷",
        "family": (
            "婚姻家庭 家庭纠纷 婚姻纠纷 婚恋纠纷 赡养纠纷 继承纠纷 抚养纠纷 家庭矛盾 婚姻家庭纠纷"
        ),
        "wages": "劳资纠纷 欠薪 讨薪 拖欠工资 劳动争议 劳务纠纷 工资纠纷",
        "market_trade": (
            "市场交易 买卖纠纷 合同纠纷 经济纠纷 债务纠纷 借贷纠纷 民间借贷 民间借贷纠纷 交易纠纷"
        ),
        "property_management": "物业纠纷 物业 物业管理 物业服务 业主纠纷 物业管理纠纷",
        "consumer": "消费纠纷 消费 消费者权益 购物纠纷 服务纠纷",
        "traffic": "交通纠纷 交通事故纠纷 停车纠纷",
        "other": "其他 其它 其他纠纷 土地纠纷 山林土地纠纷 征地拆迁 医疗纠纷 宅基地纠纷",
    },
    "leads": {
        "elder_fraud": "养老诈骗 涉老诈骗 诈骗老人 保健品诈骗 以房养老诈骗",
        "drugs": "毒品 涉毒 吸毒 贩毒 制毒",
        "gambling": "赌博 涉赌 网络赌博 聚众赌博",
        "hazard": "隐患 安全隐患 消防隐患",
        "other": "其他 其它 涉黄 传销 非法集资",
    },
}


def meta_name(kind: str) -> str:
    """The ``meta`` entry holding the mapping table of ``kind`` (normalised source -> group)."""
    return f"categories.{kind}"


def groups(kind: str) -> tuple[str, ...]:
    """The analysis groups of ``kind`` (the choices of its group column).

    >>> groups("leads")
    ('elder_fraud', 'drugs', 'gambling', 'hazard', 'other')
    """
    return schema.kind(kind).column(GROUP_COLUMN[kind]).choices


def group_label(kind: str, group: str, lang: str) -> str:
    """The label of ``group`` of ``kind`` in ``lang`` (zh-CN or en).

    >>> group_label("hazards", "structural", "zh-CN"), group_label("hazards", "structural", "en")
    ('建筑结构', 'Structural')
    """
    return t(f"v.{LABELS[kind]}.{group}", lang)


def norm(text: object) -> str:
    """A category name in the form names are compared in.

    NFKC (full-width forms made ASCII), lower case, a leading code and brackets with what they
    hold dropped, then every space.

    >>> norm(" ０１０１　盗窃 "), norm("Public Order"), norm("盗窃（扒窃）"), norm("0101")
    ('盗窃', 'publicorder', '盗窃', '0101')
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    m = _CODE.match(s)
    if m is not None and s[m.end() :].strip():
        s = s[m.end() :]
    bare = _BRACKETS.sub("", s)
    s = bare if bare.strip() else s
    return re.sub(r"\s+", "", s).lower()


def split_code(text: object) -> tuple[str, str | None]:
    """A category text and the code it starts with, if any.

    >>> split_code("0101 盗窃"), split_code("010201入室盗窃"), split_code("盗窃")
    (('盗窃', '0101'), ('入室盗窃', '010201'), ('盗窃', None))
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    m = _CODE.match(s)
    if m is None or not s[m.end() :].strip():
        return s, None
    return s[m.end() :].strip(), m["code"]


def segments(name: str) -> list[str]:
    """The segments of a category path, most specific first (the whole name not included).

    >>> segments("刑事-盗窃-入室盗窃")
    ['入室盗窃', '盗窃', '刑事']
    """
    parts = [p for p in _PATH.split(name) if p]
    return parts[::-1] if len(parts) > 1 else []


def default_table(kind: str) -> dict[str, str]:
    """The default mapping of ``kind``: normalised name -> group.

    The groups' own names (``public_order``, ``public order``), their labels in both languages
    (建筑结构, Structural), the synonyms of :data:`geo.domain.schema.ENUM_ALIASES` and the common
    names of 110 exports, hazard registers, venue registers, dispute and lead ledgers.

    >>> table = default_table("hazards")
    >>> table["建筑结构"], table["structural"], table["publicorder"], table["消防通道堵塞"]
    ('structural', 'structural', 'public_order', 'fire')
    """
    choices = groups(kind)
    out: dict[str, str] = {}
    for group, names in _COMMON[kind].items():
        out.update({norm(n): group for n in names.split()})
    out.update({norm(k): v for k, v in schema.ENUM_ALIASES.items() if v in choices})
    for g in choices:
        for lang in ("zh-CN", "en"):
            key = f"v.{LABELS[kind]}.{g}"
            if key in STRINGS:
                out[norm(t(key, lang))] = g
        out[norm(g)] = g
        out[norm(g.replace("_", " "))] = g
    return out


def resolve(
    kind: str, names: Iterable[str], table: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """The group of each distinct category name, or None where no mapping knows it.

    Parameters
    ----------
    kind
        A kind of :data:`KINDS`.
    names
        Category names as a file writes them (each is resolved once).
    table
        The store's mapping table of ``kind`` (normalised name -> group); it wins over the
        defaults. Entries naming no group of the kind are ignored.

    Returns
    -------
    dict
        name -> group, or None for a name that no mapping knows.

    >>> resolve("incidents", ["刑事-盗窃-入室盗窃", "0101 盗窃", "Burglary", "zz"])
    {'刑事-盗窃-入室盗窃': 'burglary', '0101 盗窃': 'theft', 'Burglary': 'burglary', 'zz': None}
    """
    choices = set(groups(kind))
    user = {norm(k): v for k, v in (table or {}).items() if v in choices}
    defaults = default_table(kind)

    def one(name: str) -> str | None:
        key = norm(name)
        for candidate in (key, *segments(key)):
            for variant in (candidate, _SUFFIX.sub("", candidate)):
                found = user.get(variant) or defaults.get(variant)
                if variant and found is not None:
                    return found
        return None

    return {n: one(n) for n in dict.fromkeys(names)}


def code_header(headers: Iterable[str], mapping: Mapping[str, str]) -> str | None:
    """The file's separate category-code column (类别代码, 警情类别代码, ...), if it has one.

    A header the column mapping already uses is not taken.

    >>> code_header(["警情编号", "警情类别代码", "警情类别"], {"category": "警情类别"})
    '警情类别代码'
    """
    used = set(mapping.values())
    wanted = {norm(h) for h in CODE_HEADERS}
    for h in headers:
        if h not in used and norm(h) in wanted:
            return h
    return None


def file_sources(kind: str, raw: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame | None:
    """The category text and code of every row of a file, as the file writes them.

    Taken before any value mapping changes the text, so that the source stays what the file
    said.

    Parameters
    ----------
    kind
        The record kind (None is returned for a kind outside :data:`KINDS`).
    raw
        The file's rows, by file header.
    mapping
        Canonical column -> file header.

    Returns
    -------
    pandas.DataFrame or None
        Indexed like ``raw``: ``text`` (the stripped text, None where blank) and ``code`` (the
        code column's value, else the text's leading code, else None).
    """
    header = mapping.get(GROUP_COLUMN.get(kind, ""))
    if header is None or header not in raw:
        return None
    text = _stripped(raw[header])
    uniq = text.dropna().unique()
    leading = pd.Series({v: split_code(v)[1] for v in uniq}, dtype=object)
    code = text.map(leading).astype(object) if len(uniq) else pd.Series(None, index=raw.index)
    code_col = code_header([str(c) for c in raw.columns], mapping)
    if code_col is not None:
        given = _stripped(raw[code_col])
        code = given.where(given.notna(), code)
    return pd.DataFrame({"text": text, "code": code.where(code.notna(), None)}, index=raw.index)


def grouped(
    kind: str,
    good: pd.DataFrame,
    sources: pd.DataFrame | None,
    table: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Validated rows with their group, source and code; and the unmapped sources' row counts.

    The group column of ``good`` holds each row's category text as validated (a value mapping
    may have made it a group's name already); it becomes the row's group by :func:`resolve`,
    :data:`OTHER` where nothing maps it. :data:`SOURCE` is the file's text (``sources``, taken
    by :func:`file_sources` before any value mapping), the group's zh label where the file
    wrote the group's own name (``structural``); :data:`CODE` the code.

    Returns
    -------
    rows : pandas.DataFrame
        ``good`` with its group column set and :data:`SOURCE`, :data:`CODE` added.
    unmapped : dict
        Source -> rows, for the sources no mapping knows (most rows first).
    """
    col = GROUP_COLUMN.get(kind)
    if col is None or col not in good:
        return good, {}
    good = good.copy()
    text = _stripped(good[col])
    if sources is not None:
        src = sources["text"].reindex(good.index)
        code = sources["code"].reindex(good.index)
        src = src.where(src.notna(), text)
    else:
        src, code = text, pd.Series(None, index=good.index, dtype=object)
    found = resolve(kind, text.dropna().unique(), table)
    group = text.map(found)
    unmapped = src[group.isna() & text.notna()].value_counts()
    own = {g: group_label(kind, g, "zh-CN") for g in groups(kind)}
    as_group = src.map(lambda v: v if isinstance(v, str) and v in own else None)
    src = src.where(as_group.isna(), as_group.map(own))  # a group's own name: its label
    good[col] = group.fillna(OTHER).where(text.notna(), None)
    good[SOURCE] = src.where(src.notna(), None).astype(object)
    good[CODE] = code.where(code.notna(), None).astype(object)
    return good, {str(k): int(v) for k, v in unmapped.items()}


def parse_group(kind: str, text: str) -> str:
    """A group of ``kind`` named by its own name or its label in either language.

    >>> parse_group("incidents", "入室盗窃"), parse_group("incidents", "Burglary")
    ('burglary', 'burglary')

    Raises
    ------
    ValueError
        When ``text`` names no group of the kind (the message lists them).
    """
    wanted = norm(text)
    for g in groups(kind):
        names = {norm(g), norm(g.replace("_", " "))}
        names |= {norm(group_label(kind, g, lang)) for lang in ("zh-CN", "en")}
        if wanted in names:
            return g
    msg = f"{text!r} is no group of {kind}; expected one of: {', '.join(groups(kind))}"
    raise ValueError(msg)


def hashed_columns(k: schema.Kind) -> list[str]:
    """The columns of a row's content hash.

    The kind's columns, with the category's source and code in place of its group: re-mapping a
    source changes no stored row's content.
    """
    col = GROUP_COLUMN.get(k.name)
    if col is None:
        return k.names
    return [c for c in k.names if c != col] + [SOURCE, CODE]


def stored_sources(kind: str, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The :data:`SOURCE` and :data:`CODE` to store for validated rows of ``kind``.

    Rows that come without a source (written by code, not read from a file) get their group's
    zh label, as rows stored before sources were kept did (migration 0009).
    """
    col = GROUP_COLUMN[kind]
    labels = frame[col].map(lambda g: group_label(kind, g, "zh-CN") if isinstance(g, str) else None)
    src = frame[SOURCE] if SOURCE in frame else pd.Series(None, index=frame.index, dtype=object)
    src = src.where(src.notna(), labels)
    code = frame[CODE] if CODE in frame else pd.Series(None, index=frame.index, dtype=object)
    return src.astype("string"), code.astype("string")


def _stripped(s: pd.Series) -> pd.Series:
    """Text values stripped, None where blank (numbers as their text: 101, not 101.0)."""

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        return text or None

    uniq = pd.Series(s.unique())
    done = dict(zip(uniq, uniq.map(one), strict=True))
    return s.map(done).astype(object)
