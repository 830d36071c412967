"""The cached answers to "can these segments be trusted": stability, margins, the
borderline scatter and the k -> k + 1 Sankey, for a fit or a saved segmentation applied."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from segmentation import CustomerData, KChoice, PreparedFeatures, Segmentation, charts
from segmentation import apply as core_apply
from segmentation import margins as core_margins
from segmentation import stability as core_stability
from segmentation import transitions as core_transitions
from ui import state
from ui.cache_policy import FITS, SCATTERS, SWEEPS, applied_key, read_only
from ui.cached import (
    Current,
    current_fit,
    current_names,
    current_prepared,
    current_profiles,
    current_source,
    segmentation_key,
)
from ui.state import Choices


@st.cache_resource(
    max_entries=FITS,
    show_spinner="Refitting the segments on resampled customers to test how stable each is…",
)
def stability(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    _prepared: PreparedFeatures,
    _seg: Segmentation,
) -> core_stability.Stability:
    """`segmentation.stability.segment_stability` of one segmentation (a few KB)."""
    return core_stability.segment_stability(_prepared, _seg)


@st.cache_resource(max_entries=FITS, show_spinner="Finding the customers on a border…")
def margins(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    _prepared: PreparedFeatures,
    _seg: Segmentation,
) -> core_margins.Margins:
    """`segmentation.margins.segment_margins` of one segmentation (16 bytes a customer:
    16 MB at 1M, as a Segmentation)."""
    return read_only(core_margins.segment_margins(_prepared, _seg))


@st.cache_resource(max_entries=FITS, show_spinner=False)
def applied_margins(
    digest: str, id_column: str | None, _data: CustomerData, _saved, _seg: Segmentation
):
    """`segmentation.apply.saved_margins` of the customers assigned to a saved segmentation."""
    return read_only(core_apply.saved_margins(_saved, _data.frame, _seg.labels))


@st.cache_resource(max_entries=SCATTERS, show_spinner=False)
def borderline_scatter(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    x: str | None,
    y: str | None,
    view: str,
    max_points: int,
    _scatter: go.Figure,
    _margins: core_margins.Margins,
) -> go.Figure:
    """The scatter with borderline customers outlined (shared, never edited)."""
    return charts.borderline_overlay(_scatter, _margins)


@st.cache_resource(max_entries=SWEEPS, show_spinner="Following the customers from k to k + 1…")
def sankey(
    digest: str,
    id_column: str | None,
    choices: Choices,
    ks: tuple[int, ...],
    chosen_k: int,
    names: tuple[tuple[str, ...], ...],
    _segs: tuple[Segmentation, ...],
) -> go.Figure:
    """The Sankey of the fits `_segs` (one per k of `ks`) with `names` (shared, never edited)."""
    chain = [core_transitions.segment_transitions(a, b) for a, b in zip(_segs, _segs[1:])]
    return charts.sankey_figure(chain, names, chosen_k=chosen_k)


def current_stability(cur: Current) -> core_stability.Stability:
    """Stability of the current segmentation (cached); remembered as measured for the
    sidebar, which shows it only once a page has asked for it."""
    result = stability(
        cur.source.digest,
        cur.data.id_column,
        cur.choices,
        cur.k,
        current_prepared(cur.data, cur.choices),
        cur.seg,
    )
    measured = tuple(key for key in state.get(state.MEASURED) if key != cur.key)
    state.put(state.MEASURED, (*measured[-(state.MAX_RENAMED_SEGMENTATIONS - 1) :], cur.key))
    return result


def measured_stability(cur: Current) -> core_stability.Stability | None:
    """Stability of the current segmentation if a page has measured it, else None (the
    sidebar never starts the resampling itself)."""
    if cur.key not in state.get(state.MEASURED):
        return None
    return current_stability(cur)


def current_margins(data: CustomerData, choices: Choices, seg: Segmentation):
    """Runner-up segment and margin of every customer of `seg` (cached)."""
    loaded = state.get(state.SAVED)
    if loaded is not None:  # measured in the saved segmentation's own scaled space
        key = applied_key(current_source().digest, loaded.digest)
        return applied_margins(key, data.id_column, data, loaded.saved, seg)
    prepared_features = current_prepared(data, choices)
    return margins(current_source().digest, data.id_column, choices, seg.k, prepared_features, seg)


def neighbours(data: CustomerData, choices: Choices, choice: KChoice, k: int):
    """[(k', Segmentation, names)] for k - 1, k and k + 1 where swept: the fits the app
    makes when k moves there (cached, started from the sweep's centres)."""
    out = []
    for other in (k - 1, k, k + 1):
        if other not in choice.k_values:
            continue
        seg = current_fit(data, choices, other)
        prof = current_profiles(data, choices, seg)
        out.append((other, seg, current_names(segmentation_key(data, choices, other), prof.names)))
    return out
