"""Drawing pieces of the Data page: the column-mapping form and its tables (logic in
geo.services.data)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.domain import schema
from geo.escape import neutralise_formulas
from geo.i18n import t
from geo.services import data
from views import _common as ui

__all__ = ["mapping_form", "show"]


def show(frame: pd.DataFrame, headers: dict[str, str] | None = None) -> None:
    """Show ``frame`` with ``headers`` (column -> shown header); its CSV download (Streamlit's
    toolbar) must not carry spreadsheet formulas."""
    st.dataframe(neutralise_formulas(frame.rename(columns=headers or {})), hide_index=True)


def mapping_form(kind_name: str, pre: data.FilePreview) -> dict[str, str]:
    """The file header chosen for each column of the kind (canonical column -> header), starting
    from the suggested mapping; open when a required column has no header yet."""
    lang = ui.lang()  # format functions are bound to this run's language
    mapping: dict[str, str] = {}
    with st.expander(ui.tr("data.mapping"), expanded=not pre.complete):
        st.caption(ui.tr("data.mapping_help"))
        cols = st.columns(3)
        options = ["", *pre.headers]
        for i, col in enumerate(schema.kind(kind_name).columns):
            chosen = cols[i % 3].selectbox(col.name + (" *" if col.required else ""), options,
                                           key=f"map_{kind_name}_{col.name}",
                                           index=options.index(pre.suggested.get(col.name, "")),
                                           format_func=lambda h: h or t("data.unmapped", lang))
            if chosen:
                mapping[col.name] = chosen
    return mapping
