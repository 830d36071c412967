"""Segments: choose features, transforms and k; see the scores per k and the scatter."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import segmentation
from segmentation import MISSING_POLICIES, SCALERS, SegmentationError, charts
from ui import cached, state, widgets

SCALER_LABELS = {
    "standard": "Standard (mean 0, sd 1)",
    "minmax": "Min-max (0 to 1)",
    "robust": "Robust (median, IQR)",
    "none": "None (raw units)",
}
MISSING_LABELS = {
    "drop": "Leave them unassigned (kept in downloads with a reason)",
    "median": "Fill gaps with the feature's median",
}
PCA = "PCA view"
VIEW_LABELS = {"features": "Two features", "pca": PCA}
MAX_POINTS = 20_000
# Selections up to this many customers show colour swatches: each is an image sent along.
SELECTION_ROWS_COLOURED = 2_000


def as_tuple(value) -> tuple:
    return tuple(value or ())


def on_features() -> None:
    state.put(state.FEATURES, as_tuple(st.session_state[state.W_FEATURES]))


def on_k() -> None:
    state.put(state.K, int(st.session_state[state.W_K]))


def render() -> None:
    """Draw the page; return early (instead of st.stop) so the sidebar is still drawn."""
    st.title("Segments")

    try:
        source = cached.current_source()
        data = cached.current_data()
    except SegmentationError as exc:
        widgets.error(exc)
        return
    if source.is_sample:
        widgets.sample_notice(data.report.n_rows)

    choices = cached.current_choices(data)
    options = cached.feature_options(data)
    suggestion = cached.current_suggestion(data)

    # --- choices ---------------------------------------------------------------------------
    left, right = st.columns([3, 2])
    with left:
        state.seed(state.W_FEATURES, list(choices.features))
        st.multiselect(
            "Features",
            options,
            key=state.W_FEATURES,
            on_change=on_features,
            format_func=suggestion.label,
            help="Numeric columns the segments are built on. The customer id is never offered.",
        )
        st.caption(suggestion.reason)  # our words and counts only, no column names
        logs_allowed = cached.log_options(data, choices.features)
        if logs_allowed:
            state.seed(state.W_LOG_FEATURES, [f for f in choices.log_features if f in logs_allowed])
            st.multiselect(
                "Log transform",
                logs_allowed,
                key=state.W_LOG_FEATURES,
                on_change=state.copier(state.W_LOG_FEATURES, state.LOG_FEATURES, as_tuple),
                help="log(1 + x) tames long right tails (a few huge spenders) before scaling.",
            )
            skewed = segmentation.suggested_log_features(data, choices.features)
            if skewed:
                st.caption(
                    "Strongly right-skewed, log suggested: "
                    + ", ".join(widgets.md(f) for f in skewed)
                )
    with right:
        state.seed(state.W_SCALER, choices.scaler)
        st.selectbox(
            "Scaling",
            SCALERS,
            key=state.W_SCALER,
            format_func=SCALER_LABELS.get,
            on_change=state.copier(state.W_SCALER, state.SCALER),
        )
        state.seed(state.W_MISSING, choices.missing)
        st.radio(
            "Customers with missing values",
            MISSING_POLICIES,
            key=state.W_MISSING,
            format_func=MISSING_LABELS.get,
            on_change=state.copier(state.W_MISSING, state.MISSING),
        )
        state.seed(state.W_CLIP, bool(state.get(state.CLIP)))
        st.checkbox(
            "Clip outliers at the 1st and 99th percentiles",
            key=state.W_CLIP,
            on_change=state.copier(state.W_CLIP, state.CLIP, bool),
        )

    if not choices.features:
        st.warning("Choose at least one feature to build segments on.", icon=":material/warning:")
        return

    # --- k ---------------------------------------------------------------------------------
    try:
        choice = cached.current_sweep(data, choices)
    except SegmentationError as exc:
        widgets.error(exc)
        return

    k = cached.current_k(choice)
    ks = choice.k_values
    st.subheader("How many segments?")
    if len(ks) > 1:
        state.seed(state.W_K, k)
        st.slider(
            "Number of segments (k)",
            min_value=min(ks),
            max_value=max(ks),
            key=state.W_K,
            on_change=on_k,
            help="Moving k does not recompute the scores below: they are computed once per choice.",
        )
    else:
        st.info(f"Only k = {ks[0]} is possible for these customers.", icon=":material/info:")

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
        st.plotly_chart(cached.current_elbow(data, choices, choice, k), key="elbow")
    with table_col:
        scores = choice.table().reset_index()
        # Rounded here, shown with the reader's thousands separator ("localized").
        scores["inertia"] = scores["inertia"].round(0)
        scores["calinski_harabasz"] = scores["calinski_harabasz"].round(1)
        scores.insert(1, "chosen", ["●" if value == k else "" for value in scores["k"]])
        st.dataframe(
            scores,
            hide_index=True,
            column_config={
                "chosen": st.column_config.TextColumn("", width=30),
                "inertia": st.column_config.NumberColumn("Inertia ↓", format="localized"),
                "silhouette": st.column_config.NumberColumn("Silhouette ↑", format="%.3f"),
                # Short labels so the table fits beside the chart; the names are in the help.
                "calinski_harabasz": st.column_config.NumberColumn(
                    "CH ↑", format="localized", help="Calinski-Harabasz: higher is better"
                ),
                "davies_bouldin": st.column_config.NumberColumn(
                    "DB ↓", format="%.3f", help="Davies-Bouldin: lower is better"
                ),
            },
        )
        st.caption(
            "↑ higher is better, ↓ lower is better (CH: Calinski-Harabasz, DB: Davies-Bouldin). "
            "● marks the chosen k."
        )

    # --- the segmentation for this k -------------------------------------------------------
    try:
        seg = cached.current_fit(data, choices, k)
        prof = cached.current_profiles(data, choices, seg)
    except SegmentationError as exc:
        widgets.error(exc)
        return
    seg_key = cached.segmentation_key(data, choices, k)
    names = cached.current_names(seg_key, prof.names)

    m = st.columns(4)
    m[0].metric("Segments", k)
    m[1].metric("Silhouette", "-" if seg.silhouette is None else f"{seg.silhouette:.2f}")
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

    # --- the scatter -----------------------------------------------------------------------
    st.subheader("Customers by segment")
    features = list(choices.features)
    view = state.get(state.SCATTER_VIEW)
    if len(features) < 2:
        view = "features"
    x = state.get(state.SCATTER_X)
    y = state.get(state.SCATTER_Y)
    # Default axes: the two features that separate the segments best (largest eta squared),
    # not merely the first two columns of a wide file.
    by_separation = [f for f in prof.eta_squared.index if f in features] or features
    if x not in features:
        x = by_separation[0]
    if y not in features or (y == x and len(features) > 1):
        y = next((f for f in by_separation if f != x), features[0])

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
            help="PCA view: the two directions in which customers differ most, over all features.",
        )
    if view == "features":
        with c2:
            state.seed(state.W_SCATTER_X, x)
            st.selectbox(
                "X axis",
                features,
                key=state.W_SCATTER_X,
                on_change=state.copier(state.W_SCATTER_X, state.SCATTER_X),
            )
        with c3:
            state.seed(state.W_SCATTER_Y, y)
            st.selectbox(
                "Y axis",
                features,
                key=state.W_SCATTER_Y,
                on_change=state.copier(state.W_SCATTER_Y, state.SCATTER_Y),
            )

    try:
        fig = cached.current_scatter(
            data, choices, seg, names, x=x, y=y, view=view, max_points=MAX_POINTS
        )
    except SegmentationError as exc:
        widgets.error(exc)
        return
    event = st.plotly_chart(
        fig,
        on_select="rerun",
        selection_mode=("box", "lasso"),
        key=state.W_SCATTER,
    )
    st.caption("Drag a box or lasso around customers to list them below.")

    rows = [int(r) for r in charts.selected_rows(event) if r < len(data.frame)]
    if rows:
        st.subheader(f"{widgets.count(len(rows))} selected customers")
        # Cells as written in the file, with the segment in front.
        picked, seg_col = widgets.with_segments(data.raw.iloc[rows], seg.labels[rows], names)
        if len(picked) <= SELECTION_ROWS_COLOURED:
            widgets.segment_table(picked, seg_col)
        else:
            st.dataframe(picked, hide_index=True)


render()
