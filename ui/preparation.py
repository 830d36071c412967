"""The preparation controls of the Segments page: features, log transform, scaling,
missing values and clipping. Each widget is seeded from the durable choice in `ui.state`
and writes the user's change back to it.
"""

from __future__ import annotations

import streamlit as st

import segmentation
from segmentation import MISSING_POLICIES, SCALERS
from ui import cached, state, widgets

SCALER_LABELS = {
    "standard": "Standard: every feature weighs the same (mean 0, sd 1)",
    "minmax": "Min-max (0 to 1)",
    "robust": "Robust (median, IQR)",
    "none": "None (raw units)",
}
MISSING_LABELS = {
    "drop": "Leave them unassigned (kept in downloads with a reason)",
    "median": "Fill gaps with the feature's median",
}


def as_tuple(value) -> tuple:
    return tuple(value or ())


def on_features() -> None:
    state.put(state.FEATURES, as_tuple(st.session_state[state.W_FEATURES]))


def feature_choices(data, choices) -> None:
    """The features, and the log transform of those that allow one."""
    state.seed(state.W_FEATURES, list(choices.features))
    suggestion = cached.current_suggestion(data)
    st.multiselect(
        "Features",
        cached.feature_options(data),
        key=state.W_FEATURES,
        on_change=on_features,
        format_func=suggestion.label,
        help="Numeric columns the segments are built on. The customer id is never offered.",
    )
    if len(choices.features) > 3:  # the box then hides tags: the count and the full list
        st.caption(
            f"{len(choices.features)} chosen: " + ", ".join(widgets.md(f) for f in choices.features)
        )
    st.caption(suggestion.reason)  # our words and counts only, no column names
    logs_allowed = cached.log_options(data, choices.features)
    if not logs_allowed:
        return
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
            "Strongly right-skewed, log suggested: " + ", ".join(widgets.md(f) for f in skewed)
        )


def preparation_choices(choices) -> None:
    """Scaling, the missing-value policy and outlier clipping."""
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
