"""Can these segments be trusted: stability, borderline customers and k -> k + 1, as widgets.

Pages call one function each (`profiles_section`, `scatter_with_borderline`,
`sankey_section`, the export helpers); the numbers come from `ui.cached`, and the
stability is only measured when one of these asks for it.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from segmentation import Segmentation, SegmentationError
from segmentation.export import margin_columns
from segmentation.margins import BORDERLINE, borderline_summary
from segmentation.stability import shown
from segmentation.transitions import describe_transition, segment_transitions
from ui import cached, downloads, state, trust_cache, widgets
from ui.cached import Current
from ui.live_chart import live_chart
from ui.state import Choices

STABILITY_SENTENCE = (
    "**Stability** says whether a segment is real or an accident of the algorithm: the "
    "customers were resampled {resamples} times ({sample} customers drawn each time) and the "
    "segments built again with the same settings; 1 means the segment came back whole every "
    "time. At least 0.85 is highly stable, 0.75 to 0.85 stable, 0.6 to 0.75 doubtful, below "
    "0.6 unstable (the scale of R's fpc package): check a doubtful or unstable segment before "
    "spending on it, it may be one group cut in two. **Broke up** counts the resamples in "
    "which it did not come back: no new segment shared more than half of their customers "
    "taken together."
)
BORDERLINE_SENTENCE = (
    "**Borderline** customers are nearly as close to another segment's centre as to their "
    "own: the other centre is less than 25% farther away (margin below {threshold:g}, where 0 "
    "is on the border and 1 at the segment's heart). They are the first to move when the data "
    "or k changes; **leans to** is the segment most of them are next closest to."
)


def stability_caption(result) -> str:
    """The one sentence (with its numbers) on what stability means."""
    return STABILITY_SENTENCE.format(
        resamples=result.resamples, sample=widgets.count(result.sample_size)
    )


def legend_notes(cur: Current) -> list[str] | None:
    """Per segment 'stability 0.91 · highly stable' for the sidebar legend, or None when no
    page has measured it yet (the sidebar never starts the resampling)."""
    result = trust_cache.measured_stability(cur)
    if result is None:
        return None
    return [
        "stability not measured" if v is None else f"stability {shown(v):.2f} · {w}"
        for v, w in zip(result.stability, result.words)
    ]


def sidebar_caption(notes: list[str] | None) -> None:
    """Under the legend: what stability is, or where to measure it."""
    if notes is None:
        st.caption("Open **Profiles** to see how stable each segment is.")
    else:
        st.caption(
            "Stability: how often the segment comes back when customers are resampled "
            "(1 = always; below 0.75 check it before spending on it)."
        )


def trust_table(cur: Current) -> pd.DataFrame:
    """Per segment: stability, its word, resamples it broke up in, borderline share and
    the segment they lean to."""
    result = trust_cache.current_stability(cur)
    border = borderline_summary(
        trust_cache.current_margins(cur.data, cur.choices, cur.seg), cur.seg
    )
    k = cur.k
    return pd.DataFrame(
        {
            "segment": range(1, k + 1),
            "name": cur.names,
            "stability": [None if v is None else shown(v) for v in result.stability],
            "verdict": list(result.words),
            "broke up": [f"{d} of {result.resamples}" for d in result.dissolved],
            "borderline": [share * 100 for share in border.shares],
            "leans to": [
                "" if t < 0 else widgets.segment_label(t + 1, cur.names) for t in border.lean_to
            ],
        }
    )


def profiles_section(cur: Current) -> None:
    """The Profiles page's 'Can you trust these segments?' table and its two sentences."""
    st.subheader("Can you trust these segments?")
    try:
        table = trust_table(cur)
        result = trust_cache.current_stability(cur)
    except SegmentationError as exc:
        widgets.error(exc)
        return
    widgets.segment_table(table, "segment", formats={"stability": "%.2f", "borderline": "%.1f%%"})
    st.caption(stability_caption(result))
    st.caption(BORDERLINE_SENTENCE.format(threshold=BORDERLINE))


def scatter_with_borderline(
    data, choices: Choices, seg: Segmentation, names, fig: go.Figure, *, x, y, view, max_points
) -> go.Figure:
    """A checkbox 'Outline borderline customers' and the scatter, outlined when ticked."""
    state.seed(state.W_BORDERLINE, bool(state.get(state.BORDERLINE)))
    st.checkbox(
        "Outline borderline customers",
        key=state.W_BORDERLINE,
        on_change=state.copier(state.W_BORDERLINE, state.BORDERLINE, bool),
        help=(
            f"Customers nearly as close to another segment as to their own (margin below "
            f"{BORDERLINE:g}): outlined in black, the others faded. Hover one to see the "
            "segment it leans to."
        ),
    )
    if not state.get(state.BORDERLINE):
        return fig
    if view == "pca" and len(choices.features) > 1:
        x = y = None  # as `cached.current_scatter`: one figure whatever axes were chosen
    margins = trust_cache.current_margins(data, choices, seg)
    digest = cached.current_source().digest
    return trust_cache.borderline_scatter(
        digest, data.id_column, choices, seg.k, tuple(names), x, y, view, max_points, fig, margins
    )


def sankey_section(data, choices: Choices, k: int) -> None:
    """The Segments page's Sankey from k - 1 to k + 1, with a sentence per step."""
    try:
        choice = cached.current_sweep(data, choices)
        if len(choice.k_values) < 2:
            return
        st.subheader("One segment more or fewer")
        fits = trust_cache.neighbours(data, choices, choice, k)
    except SegmentationError as exc:
        widgets.error(exc)
        return
    ks = tuple(other for other, _, _ in fits)
    names = tuple(tuple(n) for _, _, n in fits)
    segs = tuple(seg for _, seg, _ in fits)
    digest = cached.current_source().digest
    fig = trust_cache.sankey(digest, data.id_column, choices, ks, k, names, segs)
    st.caption(
        "Does one more segment find a new group of customers, or just cut an old one in "
        "two? Each band follows customers from their segment at one k to their segment at "
        "the next."
    )
    live_chart(fig, key="sankey")
    for (_, a, na), (_, b, nb) in zip(fits, fits[1:]):
        st.caption(widgets.md(describe_transition(segment_transitions(a, b), na, nb)))


def export_margins(cur: Current):
    """Margins of the current segmentation for the downloads (cached)."""
    return trust_cache.current_margins(cur.data, cur.choices, cur.seg)


def with_margins(preview: pd.DataFrame, margins) -> pd.DataFrame:
    """The first rows of the labelled download (`preview`) with their runner-up segment and
    margin, written as in the download (blank when unassigned)."""
    n = len(preview)
    runner, margin = margins.runner_up[:n], margins.margin[:n]
    runner_col, margin_col = margin_columns(list(preview.columns))
    out = preview.copy()
    out[runner_col] = [str(r + 1) if r >= 0 else "" for r in runner]
    out[margin_col] = ["" if m != m else f"{round(float(m), 3):g}" for m in margin]
    return out


def profile_csv(cur: Current, *, value=None) -> bytes:
    """The profile table download with `stability`, `stability_word`, `borderline_share`
    and `borderline_lean_to` (and the value columns of `value`, a SegmentValue)."""
    result = trust_cache.current_stability(cur)
    border = borderline_summary(export_margins(cur), cur.seg)
    return downloads.profile_csv(
        cur.source.digest,
        cur.data.id_column,
        cur.choices,
        cur.k,
        cur.names,
        cur.profiles,
        True,
        result,
        border,
        None if value is None else value.column,
        value,
    )
