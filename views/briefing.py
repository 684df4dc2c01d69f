"""Briefing: the campaign figures, maps and trends of the sidebar's period and area, shown on the
page, with a download per format (PDF, DOCX, HTML, Markdown). The work is in
geo/services/briefing.py (figures) and geo/reports/briefing.py (the document)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.escape import md_escape as esc
from geo.escape import neutralise_formulas
from geo.services import briefing
from views import _common as ui
from views import _map

ui.demo_banner()
st.title(ui.tr("page.briefing"))
f = ui.filters()
campaign = st.text_input(
    ui.tr("brief.campaign"), key="brief_campaign", max_chars=40, help=ui.tr("brief.campaign_help")
).strip()
try:
    b = _map.cached(
        briefing.build,
        f.start,
        f.end,
        f.area,
        lang=ui.lang(),
        campaign=campaign or None,
        night=f.night,
        res=f.res,
        formats=briefing.FORMATS,
    )
except ValueError as err:
    st.warning(ui.tr("pg.bad_filter", reason=str(err)))
    st.stop()

st.subheader(ui.tr("brief.export"))
for col, fmt in zip(st.columns(len(briefing.FORMATS)), briefing.FORMATS, strict=True):
    if fmt not in b.files:  # the PDF without a CJK font: say what to install
        col.info(ui.tr("brief.no_pdf_font", package=briefing.FONT_PACKAGE))
        continue
    fname = briefing.file_name(f.start, f.end, f.area, fmt)
    col.download_button(
        ui.tr("brief.download", fmt=fmt.upper()),
        b.files[fmt],
        file_name=fname,
        mime=briefing.MIME[fmt],
        key=f"brief_dl_{fmt}",
        on_click=ui.audit,
        args=("download", fname),
        kwargs={"kind": "briefing", "format": fmt, "start": f.start, "end": f.end, "area": f.area},
        icon=":material/download:",
    )

st.divider()
st.markdown(f"## {esc(b.title)}")
for line in b.head:
    st.caption(esc(line))
if b.notice:
    st.warning(esc(b.notice))
st.markdown(f"**{esc(b.lead)}**")
for section in b.sections:
    st.subheader(esc(section.title))
    for text in section.paragraphs:
        st.markdown(esc(text))
    for table in section.tables:
        st.dataframe(
            neutralise_formulas(pd.DataFrame(table.rows, columns=table.columns)), hide_index=True
        )
    for name in section.images:
        st.image(b.images[name], caption=b.captions.get(name, name))
