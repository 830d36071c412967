"""Segments: choose features, transforms and k; see the scores per k and the scatter."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation import SegmentationError, charts
from segmentation.axes import default_axes
from segmentation.features import check_segmentable
from ui import cached, persist, preparation, reruns, selection, state, trust, widgets
from ui import saved as ui_saved
from ui.live_chart import live_chart

PCA = "Map of all features"
VIEW_LABELS = {"features": "Two features", "pca": PCA}
MAX_POINTS = 20_000


def on_k() -> None:
    state.put(state.K, int(st.session_state[state.W_K]))
    state.put(state.K_STEPPED, True)


def another_step_coming() -> bool:
    """After a k step, True when the next step arrives within a moment: only the k the
    marketer stops at is drawn (see `ui.reruns`)."""
    stepped = state.get(state.K_STEPPED)
    state.put(state.K_STEPPED, False)
    return bool(stepped) and reruns.in_fragment_rerun() and reruns.newer_rerun_within()


def render() -> None:
    """Draw the page; return early (instead of st.stop) so the sidebar is still drawn."""
    st.title("Segments")
    data = segmentable_data()
    if data is None:
        return
    if ui_saved.render_segments():  # a saved segmentation is applied: nothing to choose
        return
    choices = cached.current_choices(data)
    left, right = st.columns([3, 2])
    with left:
        preparation.feature_choices(data, choices)
    with right:
        preparation.preparation_choices(choices)
    if not choices.features:
        st.warning("Choose at least one feature to build segments on.", icon=":material/warning:")
        return
    choice = scores_per_k(data, choices)
    if choice is not None:
        segments_for_k(data, choices, choice)


# Only this part depends on k: moving the slider reruns it alone, not the page, and the
# scores per k above it (a chart and a table) are not sent again on every step.
@st.fragment
def segments_for_k(data, choices, choice) -> None:
    """The k slider and everything that depends on k: sizes, the scatter, the Sankey."""
    if another_step_coming():
        st.rerun(scope="fragment")  # nothing drawn yet: the newer step runs at once
    k = k_slider(choice)
    segmentation_at(data, choices, k)
    persist.save()  # a rerun of this part alone does not reach the end of app.py


def segmentation_at(data, choices, k: int) -> None:
    try:
        seg = cached.current_fit(data, choices, k)
        prof = cached.current_profiles(data, choices, seg)
    except SegmentationError as exc:
        widgets.error(exc)
        return
    names = cached.current_names(cached.segmentation_key(data, choices, k), prof.names)
    segment_summary(seg, names)
    st.subheader("Customers by segment")
    scatter(data, choices, seg, prof, names)
    trust.sankey_section(data, choices, k)


def segmentable_data():
    """The current customers, or None after saying why they cannot be segmented."""
    try:
        source = cached.current_source()
        data = cached.current_data()
    except SegmentationError as exc:
        widgets.error(exc)
        return None
    if source.is_sample:
        widgets.sample_notice(data.report.n_rows)
    try:
        check_segmentable(data)
    except SegmentationError as exc:
        widgets.error(exc)
        return None
    return data


def scores_per_k(data, choices):
    """The recommendation, the elbow chart and the scores per k (`KChoice`), or None after
    showing why k cannot be chosen."""
    try:
        choice = cached.current_sweep(data, choices)
    except SegmentationError as exc:
        widgets.error(exc)
        return None
    st.subheader("How many segments?")
    st.info(
        f"**Recommended: k = {choice.recommended}.** {widgets.md(choice.reason)}",
        icon=":material/lightbulb:",
    )
    if choice.sweep_sample:
        st.caption(
            f"Scores per k estimated on a fixed sample of {widgets.count(choice.sweep_sample)} of "
            f"{widgets.count(choice.n_customers)} customers; the segments use every customer."
        )
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        st.plotly_chart(cached.current_elbow(data, choices, choice), key="elbow")
    with table_col:
        widgets.scores_table(choice)
    return choice


def k_slider(choice) -> int:
    """The k slider (a note when only one k is possible); the chosen k."""
    k = cached.current_k(choice)
    ks = choice.k_values
    if len(ks) > 1:
        state.seed(state.W_K, k)
        st.slider(
            "Number of segments (k)",
            min_value=min(ks),
            max_value=max(ks),
            key=state.W_K,
            on_change=on_k,
            help="Moving k does not recompute the scores above: they are computed once per choice.",
        )
    else:
        st.info(f"Only k = {ks[0]} is possible for these customers.", icon=":material/info:")
    return k


def segment_summary(seg, names) -> None:
    """Headline numbers and the segment sizes table."""
    k = seg.k
    m = st.columns(4)
    m[0].metric("Segments", k)
    m[1].metric(
        "Separation",
        "-" if seg.silhouette is None else f"{seg.silhouette:.2f}",
        help=widgets.SEPARATION_HELP,
    )
    m[2].metric("Customers segmented", widgets.count(seg.n_assigned))
    unassigned = int((seg.labels < 0).sum())
    m[3].metric("Not segmented", widgets.count(unassigned))
    if unassigned:
        st.caption(
            f"{widgets.count(unassigned)} customers miss a chosen feature: they keep their row in "
            "every download with the reason, or choose 'Fill gaps with the feature's median'."
        )
    sizes = pd.DataFrame(
        {
            "segment": range(1, k + 1),
            "name": names,
            "customers": seg.sizes,
            "share": [s / max(seg.n_assigned, 1) * 100 for s in seg.sizes],
        }
    )
    widgets.segment_table(sizes, "segment", formats={"customers": "localized", "share": "%.1f%%"})


def scatter(data, choices, seg, prof, names) -> None:
    """The scatter with its view and axes, then the customers selected on it."""
    features = list(choices.features)
    view = state.get(state.SCATTER_VIEW) if len(features) > 1 else "features"
    axes = default_axes(
        features, prof.eta_squared, x=state.get(state.SCATTER_X), y=state.get(state.SCATTER_Y)
    )
    scatter_controls(features, view, axes)
    try:
        fig = cached.current_scatter(
            data, choices, seg, names, x=axes.x, y=axes.y, view=view, max_points=MAX_POINTS
        )
        fig = trust.scatter_with_borderline(
            data, choices, seg, names, fig, x=axes.x, y=axes.y, view=view, max_points=MAX_POINTS
        )
    except SegmentationError as exc:
        widgets.error(exc)
        return
    event = live_chart(fig, key=state.W_SCATTER, config=charts.SCATTER_CONFIG, selectable=True)
    st.caption("Drag a box or lasso around customers to list them below.")
    selection.selected_customers(data, seg, names, event)


def scatter_controls(features, view, axes) -> None:
    """The view (two features or PCA) and, for two features, the x and y axes."""
    c1, c2, c3 = st.columns(3)
    with c1:
        state.seed(state.W_SCATTER_VIEW, view)
        st.radio(
            "View",
            ["features", "pca"] if len(features) > 1 else ["features"],
            key=state.W_SCATTER_VIEW,
            format_func=VIEW_LABELS.get,
            horizontal=True,
            on_change=state.copier(state.W_SCATTER_VIEW, state.SCATTER_VIEW),
            help="A map of all features: the two directions in which customers differ most "
            "(principal component analysis, PCA).",
        )
    if view != "features":
        return
    for column, label, value, widget_key, key in (
        (c2, "X axis", axes.x, state.W_SCATTER_X, state.SCATTER_X),
        (c3, "Y axis", axes.y, state.W_SCATTER_Y, state.SCATTER_Y),
    ):
        with column:
            state.seed(widget_key, value)
            st.selectbox(label, features, key=widget_key, on_change=state.copier(widget_key, key))


render()
