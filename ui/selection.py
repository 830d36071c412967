"""The customers a marketer selects on the Segments scatter: listed, coloured by segment and
downloadable."""

from __future__ import annotations

import streamlit as st

from segmentation import charts, to_csv_bytes
from ui import widgets

# Selections up to this many customers show colour swatches: each is an image sent along.
SELECTION_ROWS_COLOURED = 2_000


def selected_customers(data, seg, names, event) -> None:
    """The customers in the scatter's selection, as written in the file, with their segment."""
    rows = [int(r) for r in charts.selected_rows(event) if r < len(data.frame)]
    if not rows:
        return
    st.subheader(f"{widgets.count(len(rows))} selected customers")
    picked, seg_col = widgets.with_segments(data.raw.iloc[rows], seg.labels[rows], names)
    st.download_button(
        "Download these customers",
        to_csv_bytes(picked, bom=True),
        file_name="selected_customers.csv",
        mime="text/csv",
        on_click="ignore",
        key="download_selection",
        icon=":material/download:",
    )
    if len(picked) <= SELECTION_ROWS_COLOURED:
        widgets.segment_table(picked, seg_col)
    else:
        st.dataframe(picked, hide_index=True)
