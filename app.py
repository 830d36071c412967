"""Customer segments: the frame shared by every page (config, navigation, sidebar summary).

Run with ``streamlit run app.py``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from segmentation import SegmentationError
from ui import cached, heap, persist, state, trust, widgets

heap.freeze_startup_objects()

# A file served by this server: a Material icon as page icon is fetched from fonts.gstatic.com.
ICON = Path(__file__).resolve().parent / "ui" / "assets" / "icon.png"
st.set_page_config(page_title="Customer segments", page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:", default=True),
    st.Page("pages/segments.py", title="Segments", icon=":material/bubble_chart:"),
    st.Page("pages/profiles.py", title="Profiles", icon=":material/table_chart:"),
    st.Page("pages/export.py", title="Export", icon=":material/download:"),
]


def sidebar_summary(on_segments_page: bool) -> None:
    """The current segmentation in a few lines (drawn after the page, so it is up to date).

    On the Segments page, k moves without rerunning the sidebar (a fragment): the page
    itself shows the segments there, and the sidebar only the data.
    """
    with st.sidebar:
        st.subheader("Current segmentation")
        try:
            source, data = cached.current_source(), cached.current_data()
            st.caption(widgets.dataset_caption(source.name, source.is_sample, data.report.n_rows))
            if on_segments_page:
                st.caption("The segments, their sizes and names are on this page.")
                return
            applied = state.get(state.SAVED) is not None
            if not (applied or cached.is_segmented(data, cached.current_choices(data))):
                st.caption("Open **Segments** to build the segments of these customers.")
                return
            cur = cached.current()
        except SegmentationError:
            st.caption("No segmentation yet: see the message on the page.")
            return
        left, right = st.columns(2)
        left.metric("Segments", cur.k)
        sil = cur.seg.silhouette
        right.metric(
            "Separation", "-" if sil is None else f"{sil:.2f}", help=widgets.SEPARATION_HELP
        )
        st.caption(f"{len(cur.choices.features)} features · {cur.choices.scaler} scaling")
        notes = trust.legend_notes(cur)
        widgets.legend(cur.names, cur.seg.sizes, notes=notes)
        trust.sidebar_caption(notes)


def sweep_ahead() -> None:
    """Sweep k for the current customers and choices once the page and sidebar are drawn.

    The k sweep is most of what opening Segments costs. Run here, after everything on
    screen has been sent, it is cached by the time the marketer has read the Data page and
    opens Segments. Errors are left to the Segments page, which explains them.
    """
    try:
        data = cached.current_data()
        choices = cached.current_choices(data)
        applied = state.get(state.SAVED) is not None
        if choices.features and not applied and not cached.is_segmented(data, choices):
            cached.current_sweep(data, choices)
    except SegmentationError:
        pass


page = st.navigation(PAGES)
persist.start()
page.run()
sidebar_summary(page.title == "Segments")
persist.save()
sweep_ahead()
