"""Strings of the sidebar filters and page titles."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "filter.period": {"zh-CN": "时间范围", "en": "Period"},
    # Streamlit's own widget texts, replaced by views/_common.streamlit_words (CSS)
    "st.upload": {"zh-CN": "上传", "en": "Upload"},
    "st.upload_limit": {"zh-CN": "每个文件不超过 {mb} MB", "en": "Up to {mb} MB per file"},
    "st.drop": {"zh-CN": "将文件拖放到这里", "en": "Drop the file here"},
    "st.enter": {"zh-CN": "按回车键确认", "en": "Press Enter to apply"},
    "st.ctrl_enter": {"zh-CN": "按 Ctrl+回车键确认", "en": "Press Ctrl+Enter to apply"},
    "st.stop": {"zh-CN": "停止", "en": "Stop"},
    "filter.night_from": {"zh-CN": "夜间开始", "en": "Night from"},
    "filter.night_to": {"zh-CN": "夜间结束", "en": "Night until"},
    "filter.area": {"zh-CN": "辖区/网格", "en": "Area"},
    "filter.all_areas": {"zh-CN": "全部辖区", "en": "All areas"},
    "filter.res": {"zh-CN": "六边形分辨率", "en": "Hexagon resolution"},
    "filter.res_help": {
        "zh-CN": "H3 分辨率：7 约 5 平方公里，8 约 0.7，9 约 0.1，10 约 0.015 平方公里",
        "en": "H3 resolution: 7 is about 5 km², 8 about 0.7, 9 about 0.1, 10 about 0.015 km²",
    },
    "page.overview": {"zh-CN": "总览", "en": "Overview"},
    "page.coverage": {"zh-CN": "巡防覆盖", "en": "Coverage"},
    "page.hotspots": {"zh-CN": "警情热点", "en": "Hotspots"},
    "page.venues": {"zh-CN": "场所检查", "en": "Venues"},
    "page.hazards": {"zh-CN": "安全隐患", "en": "Hazards"},
    "page.data": {"zh-CN": "数据导入", "en": "Data"},
    "page.settings": {"zh-CN": "设置", "en": "Settings"},
}
