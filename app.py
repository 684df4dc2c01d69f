"""Qingyun Patrol start page: opens the store, builds the demo city on first start, shows the records.

Run with ``streamlit run app.py``. The full multi-page app (maps, hotspots, plans) is its own issue;
this page is the real entry point it grows from.
"""

from __future__ import annotations

import streamlit as st

from geo import schema, store
from geo.config import get_settings
from geo.demo import is_demo, load_demo
from geo.i18n import LANGS, t

settings = get_settings()
st.set_page_config(page_title="青云巡防 Qingyun Patrol", page_icon="🛡️", layout="wide")

if "lang" not in st.session_state:
    st.session_state["lang"] = settings.lang
lang = st.sidebar.radio(t("app.language", st.session_state["lang"]), LANGS, key="lang",
                        format_func=lambda code: "中文" if code == "zh-CN" else "English")


@st.cache_resource
def _engine(url: str):  # noqa: ANN202 - a cached SQLAlchemy engine
    return store.connect(url)


engine = _engine(settings.database_url)
if settings.demo and sum(store.counts(engine).values()) == 0:
    with st.spinner(t("app.building_demo", lang)):
        load_demo(engine)

st.title(t("app.title", lang))
st.caption(t("app.subtitle", lang))
if is_demo(engine):
    st.info(t("app.demo_banner", lang))

counts = store.counts(engine)
st.subheader(t("app.records", lang))
cols = st.columns(5)
for i, name in enumerate(schema.KINDS):
    cols[i % 5].metric(t(f"kind.{name}", lang), f"{counts[name]:,}")

history = store.import_history(engine)
st.subheader(t("app.imports", lang))
if history.empty:
    st.write(t("app.no_imports", lang))
else:
    shown = history[["file_name", "kind", "read", "accepted", "duplicates", "conflicts",
                     "rejected"]].rename(columns={
        "file_name": t("col.file", lang), "kind": t("col.kind", lang),
        "read": t("col.read", lang), "accepted": t("col.accepted", lang),
        "duplicates": t("col.duplicates", lang), "conflicts": t("col.conflicts", lang),
        "rejected": t("col.rejected", lang)})
    shown[t("col.kind", lang)] = history["kind"].map(lambda k: t(f"kind.{k}", lang))
    st.dataframe(shown, hide_index=True, width="stretch")

st.sidebar.caption(f"{t('app.store', lang)}: {engine.url.render_as_string(hide_password=True)}")
