"""Strings of the Data (import) and Settings pages."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "data.kind": {"zh-CN": "数据类型", "en": "Record kind"},
    "data.file": {
        "zh-CN": "上传文件（CSV、Excel、GeoJSON、GeoPackage、Shapefile压缩包、Parquet、GPX、"
        "KML/KMZ；不超过 {mb} MB）",
        "en": "Upload a file (CSV, Excel, GeoJSON, GeoPackage, zipped Shapefile, "
        "Parquet, GPX, KML/KMZ; at most {mb} MB)",
    },
    "data.crs": {"zh-CN": "坐标系", "en": "Coordinates"},
    "data.crs.wgs84": {"zh-CN": "WGS-84（GPS原始坐标）", "en": "WGS-84 (raw GPS)"},
    "data.crs.gcj02": {"zh-CN": "GCJ-02（高德/腾讯）", "en": "GCJ-02 (Amap/Tencent)"},
    "data.crs.bd09": {"zh-CN": "BD-09（百度）", "en": "BD-09 (Baidu)"},
    "data.crs.epsg": {"zh-CN": "其他投影（EPSG代码）", "en": "Other CRS (EPSG code)"},
    "data.epsg": {"zh-CN": "EPSG代码", "en": "EPSG code"},
    "data.encoding": {"zh-CN": "文本编码", "en": "Text encoding"},
    "data.encoding.auto": {"zh-CN": "自动识别（UTF-8 / GBK）", "en": "Detect (UTF-8 / GBK)"},
    "data.sheet": {"zh-CN": "工作表", "en": "Sheet"},
    "data.layer": {"zh-CN": "图层", "en": "Layer"},
    "data.unit": {"zh-CN": "巡逻单元编号", "en": "Unit id"},
    "data.unit_help": {
        "zh-CN": "轨迹所属巡逻单元；留空则用轨迹名称，没有名称时用文件名",
        "en": "The unit of the tracks; empty: each track's name, else the file's name",
    },
    "data.gap": {"zh-CN": "分班间隔（分钟）", "en": "Shift gap (minutes)"},
    "data.gap_help": {
        "zh-CN": "同一设备相邻两次定位相隔超过该时长即开始新班次",
        "en": "A new shift starts where a device's fixes are further apart than this",
    },
    "data.shifts_cut": {
        "zh-CN": "按 {gap} 分钟间隔切分出 {read} 个班次：新增 {accepted} 个，已存在 {duplicates} 个，"
        "冲突 {conflicts} 个，单元未登记 {rejected} 个。",
        "en": "{read} shifts cut at gaps over {gap} min: {accepted} new, {duplicates} already "
        "stored, {conflicts} in conflict, {rejected} of units not on record.",
    },
    "data.too_large": {
        "zh-CN": "{name} 超过 {mb} MB 的上传上限，未导入。",
        "en": "{name} is larger than the upload limit of {mb} MB; not imported.",
    },
    "data.importing": {
        "zh-CN": "正在读取并保存 {file}…",
        "en": "Reading and storing {file}…",
    },
    "data.importing_coverage": {
        "zh-CN": "正在计算 {file} 的巡逻覆盖…",
        "en": "Rolling up the patrol coverage of {file}…",
    },
    "data.busy": {
        "zh-CN": "另一个文件正在写入数据库，{file} 等待超时，未导入任何行。请在那次导入完成后重新导入。",
        "en": "Another file is being stored and {file} could not wait for it: nothing "
        "of it was imported. Import it again once that import has ended.",
    },
    "data.preview": {"zh-CN": "预览（共 {rows} 行）", "en": "Preview ({rows} rows)"},
    "data.mapping": {"zh-CN": "字段对应", "en": "Column mapping"},
    "data.mapping_help": {
        "zh-CN": "带 * 的字段必填。能识别的中英文表头已自动对应，其余请手动选择。",
        "en": "Fields with * are required. Known Chinese and English headers "
        "are matched already; choose the others by hand.",
    },
    "data.unmapped": {"zh-CN": "（不导入）", "en": "(not imported)"},
    "data.import": {"zh-CN": "导入", "en": "Import"},
    "data.report": {"zh-CN": "校验报告：{file}", "en": "Validation report: {file}"},
    "data.row": {"zh-CN": "行号", "en": "Row"},
    "data.column": {"zh-CN": "列", "en": "Column"},
    "data.value": {"zh-CN": "值", "en": "Value"},
    "data.reason": {"zh-CN": "原因", "en": "Reason"},
    "data.download_rejects": {
        "zh-CN": "下载校验报告（拒收行及辖区外的行，CSV）",
        "en": "Download the report (rejected rows and rows outside the jurisdiction, CSV)",
    },
    "data.no_rejects": {"zh-CN": "没有被拒收的行。", "en": "No row was rejected."},
    "data.naive_times": {
        "zh-CN": "未注明时区的时间按 {tz} 当地时间读取。",
        "en": "Times written without a zone were read as local time of {tz}.",
    },
    "data.header_zone": {
        "zh-CN": "“{column}”的表头注明了时区，其中的时间按 {zone} 读取。",
        "en": "The header '{column}' names its zone: its times were read as {zone}.",
    },
    "data.date_order": {"zh-CN": "日期顺序", "en": "Date order"},
    "data.date_order_help": {
        "zh-CN": "形如 07/08/2022 的日期先写日还是先写月。默认按各列自己的写法判断；"
        "同一列中前后矛盾时文件会被拒收并列出行号，此时请在这里选择。",
        "en": "Whether dates such as 07/08/2022 put the day or the month first. By default each "
        "column's own values decide; a column that contradicts itself refuses the file, naming "
        "the rows: choose the order here then.",
    },
    "data.date_order_choice.auto": {"zh-CN": "自动（按各列判断）", "en": "Automatic (per column)"},
    "data.date_order_choice.dmy": {"zh-CN": "日/月/年", "en": "Day/month/year"},
    "data.date_order_choice.mdy": {"zh-CN": "月/日/年", "en": "Month/day/year"},
    "data.date_order_choice.ymd": {"zh-CN": "年/月/日", "en": "Year/month/day"},
    "data.date_order.day_first_chosen": {
        "zh-CN": "“{column}”中的日期按所选顺序 日/月/年 读取。",
        "en": "Dates in '{column}' were read day/month/year, as chosen.",
    },
    "data.date_order.month_first_chosen": {
        "zh-CN": "“{column}”中的日期按所选顺序 月/日/年 读取。",
        "en": "Dates in '{column}' were read month/day/year, as chosen.",
    },
    "data.date_order.year_first_chosen": {
        "zh-CN": "“{column}”中的日期按所选顺序 年/月/日 读取，年份在后的日期被拒收。",
        "en": "Dates in '{column}' were read year first, as chosen; dates with the year last "
        "were rejected.",
    },
    "data.date_order.day_first": {
        "zh-CN": "“{column}”中的日期按 日/月/年 读取（有的值只能这样读，如 15/07/2022）。",
        "en": "Dates in '{column}' were read day/month/year (some values fit only that way, "
        "such as 15/07/2022).",
    },
    "data.date_order.month_first": {
        "zh-CN": "“{column}”中的日期按 月/日/年 读取（有的值只能这样读，如 07/15/2022）。",
        "en": "Dates in '{column}' were read month/day/year (some values fit only that way, "
        "such as 07/15/2022).",
    },
    "data.date_order.month_first_assumed": {
        "zh-CN": "“{column}”中的日期两种读法都成立（日与月都不超过12），按 月/日/年 读取；"
        "如不对，请把日期改写为 年-月-日 后重新导入。",
        "en": "Every date in '{column}' reads both ways (no day over 12): read month/day/year; "
        "if that is wrong, write them year-month-day and import again.",
    },
    "data.date_order.day_first_conflict": {
        "zh-CN": "“{column}”中的日期前后矛盾：多数只能按 日/月/年 读取，就这样读；"
        "只能按 月/日/年 读取的行被拒收。",
        "en": "Dates in '{column}' disagree: most fit only day/month/year and were read so; "
        "the rows that fit only month/day/year were rejected.",
    },
    "data.date_order.month_first_conflict": {
        "zh-CN": "“{column}”中的日期前后矛盾：多数只能按 月/日/年 读取，就这样读；"
        "只能按 日/月/年 读取的行被拒收。",
        "en": "Dates in '{column}' disagree: most fit only month/day/year and were read so; "
        "the rows that fit only day/month/year were rejected.",
    },
    "data.stripped": {
        "zh-CN": "“{column}”中有 {n} 个编号首尾带空格或制表符，已去掉后保存。",
        "en": "{n} ids in '{column}' had spaces or tabs at their ends; they were stored "
        "without them.",
    },
    "file.missing": {
        "zh-CN": "{file}：无法作为“{kind}”导入，缺少必填列 {missing}；文件中的列：{found}",
        "en": "{file}: cannot import as {kind}: missing required column(s) {missing}; "
        "found: {found}",
    },
    "file.closest": {
        "zh-CN": "；与{field}最接近的列：{columns}",
        "en": "; closest to {field}: {columns}",
    },
    "file.one_of": {"zh-CN": "{columns} 之一", "en": "one of {columns}"},
    "file.more": {"zh-CN": "…（另有 {n} 列）", "en": "… ({n} more)"},
    "file.no_columns": {"zh-CN": "没有列", "en": "no columns"},
    "file.ambiguous": {
        "zh-CN": "{file}：{columns} 都可以是{field}，无法确定用哪一列；"
        "请删去多余的一列，或在字段对应中选定一列",
        "en": "{file}: {columns} could each be {field}; keep one of them in the file, or "
        "choose one in the column mapping",
    },
    "file.duplicate": {
        "zh-CN": "{file}：表头“{column}”出现了不止一次（第 {positions} 列），无法确定哪一列是"
        "{field}；请在文件中只保留一列，或给其余的列改名",
        "en": "{file}: the header '{column}' is written more than once (columns {positions}), "
        "so which one is {field} is unclear; keep one of them in the file, or rename the others",
    },
    "file.date_conflict": {
        "zh-CN": "{file}：“{column}”中的日期前后矛盾：第 {day_rows} 行只能按 日/月/年 读，"
        "第 {month_rows} 行只能按 月/日/年 读。请确认文件的日期顺序，在数据页的“日期顺序”中"
        "选择，或在命令行加 --date-order dmy（或 mdy），与所选顺序不符的行将被拒收并列出。",
        "en": "{file}: the dates in '{column}' contradict each other: row(s) {day_rows} read "
        "only day/month/year, row(s) {month_rows} only month/day/year. Say the file's order "
        "with the Data page's 'Date order' or --date-order dmy (or mdy); rows that do not fit "
        "it are rejected and listed.",
    },
    "file.projected": {
        "zh-CN": "{file}：{n} 行中有 {outside} 行坐标超出允许范围，而坐标看起来是投影坐标"
        "（X 最大 {x}，Y 最大 {y}，单位应为米，不是经纬度）：文件没有声明坐标系"
        "（如 Shapefile 缺少 .prj 文件）。请指定坐标系，如 --crs {epsg}，或在数据页的"
        "“坐标系”中选择“其他投影（EPSG代码）”并填写{likely}",
        "en": "{file}: {outside} of {n} rows lie outside the accepted region and the "
        "coordinates look projected (x up to {x}, y up to {y}: metres, not degrees), but the "
        "file declares no CRS (a Shapefile without its .prj?). Give the CRS, e.g. --crs {epsg}, "
        "or choose 'Other CRS (EPSG code)' under Coordinates on the Data page{likely}",
    },
    "file.too_many_rows": {
        "zh-CN": "{file}：已读到第 {n} 行，超过每次导入 {limit} 行的上限（QY_MAX_IMPORT_ROWS），"
        "未保存任何数据。请拆分文件后分批导入",
        "en": "{file}: {n} rows read, more than the limit of {limit} rows per import "
        "(QY_MAX_IMPORT_ROWS); nothing was stored. Split the file and import the parts",
    },
    "file.too_many_cells": {
        "zh-CN": "{file}：已读到 {n} 个单元格（行数 × 列数），超过每次导入 {limit} 个的上限"
        "（QY_MAX_IMPORT_CELLS），未保存任何数据。请删去不需要的列或拆分文件",
        "en": "{file}: {n} cells (rows x columns) read, more than the limit of {limit} per "
        "import (QY_MAX_IMPORT_CELLS); nothing was stored. Drop the columns you do not need or "
        "split the file",
    },
    "file.projected_likely": {
        "zh-CN": "（可能是 CGCS2000 高斯-克吕格投影：{codes}）",
        "en": " (likely a CGCS2000 Gauss-Kruger zone: {codes})",
    },
    "file.zip_unreadable": {
        "zh-CN": "{file}：不是有效的 {what} 文件（压缩包无法读取或已损坏）",
        "en": "{file}: not a valid {what} file (not a readable zip container)",
    },
    "file.zip_members": {
        "zh-CN": "{file}：该 {what} 文件包含 {n} 个部件，已拒收",
        "en": "{file}: the {what} file holds {n} parts; refused",
    },
    "file.zip_total": {
        "zh-CN": "{file}：该 {what} 文件解压后达 {size} MiB，超过 {limit} MiB 的上限，"
        "已拒收（疑似压缩炸弹，zip bomb）",
        "en": "{file}: the {what} file unpacks to {size} MiB, more than {limit} MiB; "
        "refused (a zip bomb?)",
    },
    "file.zip_member": {
        "zh-CN": "{file}：该 {what} 文件的部件“{part}”解压后达 {size} MiB，超过 {limit} MiB 的"
        "上限，已拒收（疑似压缩炸弹，zip bomb）",
        "en": "{file}: part '{part}' of the {what} file unpacks to {size} MiB, more than "
        "{limit} MiB; refused (a zip bomb?)",
    },
    "file.zip_ratio": {
        "zh-CN": "{file}：该 {what} 文件的部件“{part}”解压后是压缩大小的 {ratio} 倍，"
        "真实数据不会压缩得这么紧，已拒收（疑似压缩炸弹，zip bomb）",
        "en": "{file}: part '{part}' of the {what} file unpacks {ratio} times its packed "
        "size; refused (a zip bomb?)",
    },
    "file.zip_lying": {
        "zh-CN": "{file}：该 {what} 文件的部件“{part}”实际内容多于它声明的 {size} 字节，"
        "已拒收（疑似压缩炸弹，zip bomb）",
        "en": "{file}: part '{part}' of the {what} file holds more than the {size} bytes it "
        "declares; refused (a zip bomb?)",
    },
    "file.layers": {
        "zh-CN": "{file}：该文件有多个图层（{layers}），请选择要导入的图层（命令行用 --layer 图层名）",
        "en": "{file}: the file holds several layers ({layers}); choose the one to import "
        "(--layer NAME on the command line)",
    },
    "file.layer_unknown": {
        "zh-CN": "{file}：没有图层“{layer}”，文件中的图层为：{layers}",
        "en": "{file}: no layer '{layer}'; the file's layers are: {layers}",
    },
    "file.xml": {
        "zh-CN": "{file}：不是可读取的 {what} 文件（XML 有误：{detail}）",
        "en": "{file}: not a readable {what} file (bad XML: {detail})",
    },
    "file.not_format": {
        "zh-CN": "{file}：不是 {what} 文件（根元素不对）",
        "en": "{file}: not a {what} file (its root element is not one)",
    },
    "file.no_track": {
        "zh-CN": "{file}：GPX 文件中没有轨迹（trk），航点和路线不作为定位导入",
        "en": "{file}: the GPX file holds no track (trk); waypoints and routes are not pings",
    },
    "file.no_placemark": {
        "zh-CN": "{file}：KML 文件中没有地标（Placemark）",
        "en": "{file}: the KML file holds no placemark",
    },
    "file.no_kml": {
        "zh-CN": "{file}：KMZ 压缩包中没有 .kml 文件",
        "en": "{file}: the KMZ holds no .kml document",
    },
    "file.gpx_kind": {
        "zh-CN": "{file}：GPX 轨迹请按“GPS定位”导入，班次随轨迹一并生成",
        "en": "{file}: import a GPX track as GPS pings; its shifts come with it",
    },
    "col.outside": {"zh-CN": "辖区外", "en": "Outside"},
    "data.rejects_caption": {
        "zh-CN": "{rows} 行被拒收，共 {problems} 个问题（每行每列一条）；整行未导入。",
        "en": "{rows} rows rejected with {problems} problems (one entry per row and column); "
        "none of these rows was imported.",
    },
    "data.outside_caption": {
        "zh-CN": "{n} 行位于所有辖区之外：已入库并标记，不计入各页面和统计（可在下方列表查看）。",
        "en": "{n} rows lie outside every area: stored and flagged, never counted in pages "
        "and figures (listed below).",
    },
    "data.outside_title": {"zh-CN": "辖区外的记录", "en": "Records outside the jurisdiction"},
    "data.outside_help": {
        "zh-CN": "坐标不在任何已导入辖区或网格内的记录：已保存，但各页面、地图和统计均不计入。"
        "导入覆盖它们的辖区后会自动重新判断。",
        "en": "Records whose point lies in no stored station or grid: kept, but no page, map "
        "or figure counts them. Importing an area that covers them re-evaluates them.",
    },
    "data.no_outside": {
        "zh-CN": "没有位于辖区外的记录。",
        "en": "No record lies outside the jurisdiction.",
    },
    "data.download_outside": {
        "zh-CN": "下载辖区外的记录（CSV）",
        "en": "Download the records outside the jurisdiction (CSV)",
    },
    "data.record_id": {"zh-CN": "编号", "en": "Id"},
    "data.lat": {"zh-CN": "纬度", "en": "Latitude"},
    "data.lng": {"zh-CN": "经度", "en": "Longitude"},
    "data.source_row": {"zh-CN": "源文件行号", "en": "Row in its file"},
    "settings.night": {"zh-CN": "默认夜间时段", "en": "Default night window"},
    "settings.night_help": {
        "zh-CN": "夜间归属于开始的那一天（如 周六20:00—周日06:00 算周六夜）。",
        "en": "A night belongs to the date it starts on (20:00 Sat - 06:00 "
        "Sun is Saturday's night).",
    },
    "settings.basemap": {"zh-CN": "底图", "en": "Basemap"},
    "settings.tiles.none": {"zh-CN": "无底图（离线网络）", "en": "No basemap (offline networks)"},
    "settings.tiles.osm": {"zh-CN": "OpenStreetMap", "en": "OpenStreetMap"},
    "settings.tiles.amap": {"zh-CN": "高德地图（GCJ-02）", "en": "Amap (GCJ-02)"},
    "settings.tiles.tianditu": {"zh-CN": "天地图（需令牌）", "en": "Tianditu (needs a token)"},
    "settings.tiles.custom": {"zh-CN": "内网瓦片服务", "en": "Internal tile server"},
    "settings.tiles_url": {
        "zh-CN": "瓦片地址模板（如 http://10.0.0.5/tiles/{{z}}/{{x}}/{{y}}.png）",
        "en": "Tile URL template (e.g. http://10.0.0.5/tiles/{{z}}/{{x}}/{{y}}.png)",
    },
    "settings.token": {"zh-CN": "天地图令牌", "en": "Tianditu token"},
    "settings.weights": {"zh-CN": "风险权重", "en": "Risk weights"},
    "settings.col.factor": {"zh-CN": "风险因子", "en": "Risk factor"},
    "settings.col.radius_m": {"zh-CN": "影响半径（米）", "en": "Radius (m)"},
    "settings.col.weight": {"zh-CN": "相对风险权重", "en": "Relative risk weight"},
    "settings.weights_help": {
        "zh-CN": "每个风险因子的影响半径（米）与相对风险权重，用于风险地形分析。",
        "en": "Influence radius (metres) and relative risk weight of each "
        "factor, used by the risk terrain.",
    },
    "settings.save": {"zh-CN": "保存设置", "en": "Save settings"},
    "settings.saved": {"zh-CN": "设置已保存。", "en": "Settings saved."},
    "settings.reset_weights": {"zh-CN": "恢复默认权重", "en": "Restore default weights"},
}

# Geometry types by name, as a reason names them (the reason's parameter ``geometry``)
STRINGS.update(
    {
        "geom.Point": {"zh-CN": "点（Point）", "en": "Point"},
        "geom.LineString": {"zh-CN": "线（LineString）", "en": "LineString"},
        "geom.LinearRing": {"zh-CN": "线环（LinearRing）", "en": "LinearRing"},
        "geom.Polygon": {"zh-CN": "面（Polygon）", "en": "Polygon"},
        "geom.MultiPoint": {"zh-CN": "多点（MultiPoint）", "en": "MultiPoint"},
        "geom.MultiLineString": {"zh-CN": "多线（MultiLineString）", "en": "MultiLineString"},
        "geom.MultiPolygon": {"zh-CN": "多面（MultiPolygon）", "en": "MultiPolygon"},
        "geom.GeometryCollection": {
            "zh-CN": "几何集合（GeometryCollection）",
            "en": "GeometryCollection",
        },
        "geom.none": {"zh-CN": "空（无几何）", "en": "empty (no geometry)"},
    }
)

# Why a row was rejected (geo.ingest.why). English is also the text of the CLI's reports.
STRINGS.update(
    {
        "reject.time": {
            "zh-CN": "不是有效的日期时间，或不在1990—2099年之间",
            "en": "not a date/time, or outside 1990-2099",
        },
        "reject.whole_number": {"zh-CN": "不是大于等于0的整数", "en": "not a whole number >= 0"},
        "reject.number": {"zh-CN": "不是数字", "en": "not a number"},
        "reject.enum": {
            "zh-CN": "无法识别的{column}取值；可用取值：{choices}",
            "en": "unknown {column}; expected one of: {choices}",
        },
        "reject.id_long": {"zh-CN": "编号超过{n}个字符", "en": "id longer than {n} characters"},
        "reject.text_long": {"zh-CN": "文本超过{n}个字符", "en": "text longer than {n} characters"},
        "reject.missing": {"zh-CN": "必填值为空", "en": "required value is missing"},
        "reject.one_of": {"zh-CN": "{columns} 至少填写一项", "en": "one of {columns} is required"},
        "reject.shift_order": {
            "zh-CN": "班次结束时间早于开始时间",
            "en": "shift ends before it starts",
        },
        "reject.not_point": {
            "zh-CN": "几何类型为{geometry}，不是点",
            "en": "geometry is {geometry}, not a point",
        },
        "reject.id_spaces": {
            "zh-CN": "编号首尾有空格或制表符，去掉后与文件中另一个编号相同，无法确定是否为同一编号；"
            "请统一写法后重新导入",
            "en": "id has spaces or tabs at its ends and without them equals another id of the "
            "file: whether they are one is unclear; write them alike and import again",
        },
        "reject.lng": {"zh-CN": "经度为空或不是数字", "en": "longitude missing or not a number"},
        "reject.lat": {"zh-CN": "纬度为空或不是数字", "en": "latitude missing or not a number"},
        "reject.swapped": {"zh-CN": "经纬度疑似填反", "en": "latitude and longitude look swapped"},
        "reject.convert": {"zh-CN": "坐标无法转换", "en": "coordinates could not be converted"},
        "reject.region": {
            "zh-CN": "坐标超出允许范围（经度/纬度，WGS-84：{region}）",
            "en": "coordinates outside the accepted region ({region}; lng/lat, WGS-84)",
        },
        "reject.not_polygon_type": {
            "zh-CN": "几何类型为{geometry}，不是面（需要 POLYGON/MULTIPOLYGON 或面图层）",
            "en": "geometry is {geometry}, not a polygon (WKT POLYGON/MULTIPOLYGON or a "
            "polygon layer)",
        },
        "reject.not_polygon": {
            "zh-CN": "几何不是面（需要 POLYGON/MULTIPOLYGON 或面图层）",
            "en": "geometry is not a polygon (WKT POLYGON/MULTIPOLYGON or a polygon layer)",
        },
        "reject.polygon_region": {
            "zh-CN": "面超出允许范围",
            "en": "polygon outside the accepted region",
        },
        "reject.reference": {
            "zh-CN": "库中找不到该{column}（{other}），请先导入{other}",
            "en": "{column} not found in {other}; import {other} first",
        },
        "reject.no_shift": {
            "zh-CN": "该巡逻单元在此时间没有班次，请先导入班次",
            "en": "no shift of this unit runs at this time; import shifts first",
        },
        "reject.lone_fix": {
            "zh-CN": "孤立定位点：同一设备前后 {gap} 分钟内没有其他定位，无法构成班次",
            "en": "a lone fix: no other fix of the device within {gap} min, so no shift",
        },
        "reject.shift_conflict": {
            "zh-CN": "由这些定位切分出的班次“{shift}”已在库中且起止时间不同，未覆盖",
            "en": "the shift '{shift}' cut from these fixes is stored with other times; "
            "not overwritten",
        },
        "reject.conflict_in_file": {
            "zh-CN": "冲突：同一编号在文件前面出现过且内容不同",
            "en": "conflict: same id appears earlier in the file with other content",
        },
        "reject.conflict_in_store": {
            "zh-CN": "冲突：库中已有该编号且内容不同，未覆盖",
            "en": "conflict: id exists in the store with other content; not overwritten",
        },
        "reject.control": {
            "zh-CN": "含有控制字符（如 NUL、ESC），无法保存",
            "en": "holds control characters (such as NUL or ESC) that cannot be stored",
        },
        # not a reject: the report's entry of a row stored flagged outside every area
        "reject.outside": {
            "zh-CN": "辖区外：坐标不在任何辖区内；已入库并标记，不计入各页面和统计（非拒收）",
            "en": "outside the jurisdiction: the point lies in no stored area; stored and "
            "flagged, not counted in pages and figures (not a reject)",
        },
        "reject.polygon_large": {
            "zh-CN": "面积超过 {n} 平方公里，不像辖区或网格",
            "en": "larger than {n} km2: not a jurisdiction or grid",
        },
    }
)
