"""The Data page's category mapping: the stored source categories with their rows, each in a
group chosen by its label, and an import's unmapped sources (logic in geo.services.categories)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.domain import categories as domain
from geo.escape import md_escape, neutralise_formulas
from geo.services import categories
from geo.services.data import ImportSummary
from views import _common as ui
from views import _map

__all__ = ["section", "unmapped_note"]

SAVED = "cats_saved"  # the last save's message, shown after the page ran again


def unmapped_note(summary: ImportSummary) -> None:
    """Say which source categories of an import no mapping knows (stored as "other")."""
    if not summary.unmapped:
        return
    zh = ui.lang() != "en"
    names = ("、" if zh else ", ").join(
        f"{md_escape(s)}（{n:,}）" if zh else f"{md_escape(s)} ({n:,})"
        for s, n in summary.unmapped.items()
    )
    st.warning(ui.tr("cats.import_unmapped", names=names))


def section() -> None:
    """The mapping table of one record kind: source, code, rows and group (editable); saving
    re-groups the stored rows at once and clears the page caches."""
    st.subheader(ui.tr("cats.title"))
    st.caption(ui.tr("cats.help"))
    if SAVED in st.session_state:
        st.success(st.session_state.pop(SAVED))
    c1, c2 = st.columns(2)
    kind = str(
        c1.selectbox(
            ui.tr("cats.kind"),
            list(categories.KINDS),
            key=ui.relabelled("cats_kind"),
            format_func=_map.formatter(prefix="kind."),
        )
    )
    only = c2.checkbox(ui.tr("cats.unmapped_only"), key="cats_unmapped")
    table = categories.category_table(ui.engine(), kind, unmapped=only)
    if table.empty:
        st.write(ui.tr("cats.none" if not only else "cats.all_mapped"))
        return
    lost = table[~table["mapped"] & table["group"].eq(domain.OTHER)]
    if len(lost):
        st.caption(ui.tr("cats.unmapped_caption", n=len(lost), rows=f"{lost['rows'].sum():,}"))
    lang = ui.lang()
    labels = {g: domain.group_label(kind, g, lang) for g in domain.groups(kind)}
    shown = neutralise_formulas(  # the toolbar's CSV download must not carry formulas
        pd.DataFrame(
            {
                "source": table["source"],
                "code": table["code"].fillna(""),
                "rows": table["rows"],
                "group": table["group"].map(labels).fillna(table["group"]),
            }
        )
    )
    key = f"cats_editor_{kind}_{only}_{lang}"
    edited = st.data_editor(
        shown,
        key=key,
        hide_index=True,
        disabled=["source", "code", "rows"],
        column_config={
            "source": st.column_config.TextColumn(ui.tr("col.source_category")),
            "code": st.column_config.TextColumn(ui.tr("col.category_code")),
            "rows": st.column_config.NumberColumn(ui.tr("col.rows")),
            "group": st.column_config.SelectboxColumn(
                ui.tr("col.group"), options=list(labels.values()), required=True
            ),
        },
    )
    if st.button(ui.tr("cats.save"), key="cats_save"):
        back = {v: g for g, v in labels.items()}
        chosen = edited["group"].map(back)
        changed = chosen.notna() & chosen.ne(table["group"])
        pairs = dict(zip(table.loc[changed, "source"], chosen[changed], strict=True))
        if not pairs:
            st.info(ui.tr("cats.nothing"))
            return
        out = categories.map_categories(ui.engine(), kind, pairs, user=ui.user() or None, via="app")
        st.cache_data.clear()  # every page's figures read the groups anew
        st.session_state[SAVED] = ui.tr("cats.saved", n=len(pairs), rows=f"{out['rows']:,}")
        st.session_state.pop(key, None)
        st.rerun()
