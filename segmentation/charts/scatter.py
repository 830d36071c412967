"""The scatter: customers on two features (or a PCA view), one WebGL trace per segment.

Built in named steps: check the inputs, choose the axes, pick the customers to draw
(`points.draw`), place them on the plane, then write the traces, centres and layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segmentation.charts.figure import build, title
from segmentation.charts.palette import segment_colour
from segmentation.charts.points import Drawn, centre_values, draw, pca_projection
from segmentation.charts.text import (
    check_names,
    count,
    d3_format,
    escape,
    in_template,
    tick_format,
)
from segmentation.errors import SettingsError
from segmentation.model import Segmentation
from segmentation.prepare import float_values

SCATTER_VIEWS = ("features", "pca")
# Up to this many drawn customers the scatter is SVG, above it WebGL: each redraw of a WebGL
# chart creates a WebGL context, which costs more than a few thousand SVG markers, while SVG
# slows sharply with more (9,000 markers took seconds per redraw).
SVG_MAX_POINTS = 2_000
#: Plotly config for showing the scatter: WebGL drawn at one canvas pixel per screen pixel
#: (Plotly's default 2 draws four times the pixels, the slow part of a redraw without a GPU).
SCATTER_CONFIG = {"plotGlPixelRatio": 1}


@dataclass(frozen=True)
class _Plane:
    """Where the drawn customers and the segment centres go, and what the axes say."""

    xy: np.ndarray
    centre_xy: np.ndarray
    x_title: str
    y_title: str


def scatter_figure(
    df: pd.DataFrame,
    segmentation: Segmentation,
    names: Sequence[str],
    *,
    x: str | None = None,
    y: str | None = None,
    view: str = "features",
    id_column: str | None = None,
    max_points: int = 20_000,
    random_state: int = 42,
) -> go.Figure:
    """Customers on two features (or a 2-D PCA view), coloured by segment, centres marked.

    Parameters
    ----------
    df : pandas.DataFrame
        The table `segmentation` was fitted on (same rows, same order).
    segmentation : Segmentation
    names : sequence of str
        One name per segment, segment 1 first; they label the legend.
    x, y : str, optional
        Numeric columns for the axes (view="features"); default the first two features.
        With a single feature, customers are drawn as a strip: the feature against segment.
    view : {"features", "pca"}, default "features"
        "pca" projects all features onto their two main directions (scaled units).
    id_column : str, optional
        Column with the customer id, shown on hover.
    max_points : int, default 20_000
        At most this many customers are drawn, sampled per segment with `random_state`
        so that small segments stay visible; the subtitle then says "Showing N of M".
    random_state : int, default 42

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per segment (name = the segment's name; ``Scatter`` for up to
        `SVG_MAX_POINTS` drawn customers, ``Scattergl`` above), then one trace
        "Segment centres". Every point's ``customdata`` row (float64) starts with its 0-based
        row position in `df`, so a box or lasso selection maps back to customers (see
        `selected_rows`); the feature values follow. Centres carry row position -1. The id,
        when `id_column` is given, is the point's ``text``. Unassigned customers are not
        drawn.

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> fig = scatter_figure(customers, seg, ["Budget", "Mid", "Premium"], max_points=100)
    >>> [trace.name for trace in fig.data]
    ['Budget', 'Mid', 'Premium', 'Segment centres']
    >>> sum(len(trace.x) for trace in fig.data[:3]), fig.layout.title.subtitle.text
    (99, 'Showing 99 of 300 customers; drag to select customers')
    """
    k = segmentation.k
    names = check_names(names, k)
    labels = np.asarray(segmentation.labels)
    features = list(segmentation.features)
    _check_inputs(df, labels, k=k, view=view, max_points=max_points, id_column=id_column)
    # One feature: a strip of the feature against segment, whatever the view.
    mode = "strip" if len(features) == 1 else view
    x, y = _axes(df, features, x, y, mode)
    drawn = draw(df, features, labels, k, max_points=max_points, random_state=random_state)
    ids = _drawn_ids(df, id_column, drawn.rows) if id_column else None
    plane = _plane(mode, df, segmentation, drawn, x, y, random_state)
    shown_names = [escape(n) for n in names]
    hover = _hover(features, drawn.values, id_column if ids is not None else None, mode=mode)
    kind = trace_type(len(drawn.rows))
    traces = _segment_traces(shown_names, drawn, plane.xy, hover, ids, kind=kind)
    traces.append(_centre_trace(shown_names, plane, pca=view == "pca", kind=kind))
    return build(traces, _layout(mode, k, plane, x, y, _subtitle(drawn, len(labels))))


def trace_type(n_drawn: int) -> str:
    """The Plotly trace type for ``n_drawn`` customers: SVG when few, WebGL when many.

    Examples
    --------
    >>> trace_type(200), trace_type(SVG_MAX_POINTS + 1)
    ('scatter', 'scattergl')
    """
    return "scatter" if n_drawn <= SVG_MAX_POINTS else "scattergl"


def _check_inputs(
    df: pd.DataFrame,
    labels: np.ndarray,
    *,
    k: int,
    view: str,
    max_points: int,
    id_column: str | None,
) -> None:
    """SettingsError naming the first argument that does not fit the table or the fit."""
    if len(labels) != len(df):
        raise SettingsError(
            f"The table has {len(df):,} rows but the segmentation has {len(labels):,} labels: "
            "pass the same table the segments were fitted on."
        )
    if view not in SCATTER_VIEWS:
        raise SettingsError(f"view={view!r} is not one of {list(SCATTER_VIEWS)}.")
    if max_points < k:
        raise SettingsError(f"max_points={max_points} must be at least k={k}.")
    if id_column is not None and id_column not in df.columns:
        raise SettingsError(f"id_column={id_column!r} is not a column of this data.")


def _axes(
    df: pd.DataFrame, features: list[str], x: str | None, y: str | None, mode: str
) -> tuple[str | None, str | None]:
    """The axis columns, defaulting to the first features, each checked to be a numeric
    column of `df` (the PCA view has no axes to choose)."""
    if mode == "pca":
        return x, y
    x = features[0] if x is None else x
    if mode == "features":
        y = features[1] if y is None else y
    for axis, col in (("x", x), ("y", y)) if mode == "features" else (("x", x),):
        if col not in df.columns:
            raise SettingsError(
                f"{axis}={col!r} is not a column of this data: choose among {features}."
            )
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise SettingsError(f"{axis}={col!r} is not numeric: choose a numeric column.")
    return x, y


def _drawn_ids(df: pd.DataFrame, id_column: str, rows: np.ndarray) -> np.ndarray:
    """The ids of the drawn customers as escaped text."""
    id_text = df[id_column].iloc[rows].astype(str)
    if id_text.str.contains(r"[&<>]", regex=True).any():
        id_text = id_text.map(escape)
    ids = id_text.to_numpy(dtype=object)
    if not id_text.isna().any():
        # Fixed-width text rather than Python objects: Plotly deep-copies the figure's
        # arrays to build and to serialise it, an object array one string at a time.
        # With a missing id they stay objects: the id stays missing, not the text "nan".
        ids = ids.astype(str)
    return ids


def _plane(
    mode: str,
    df: pd.DataFrame,
    segmentation: Segmentation,
    drawn: Drawn,
    x: str | None,
    y: str | None,
    random_state: int,
) -> _Plane:
    """Positions of the drawn customers and of the centres, for the view `mode`."""
    labels = np.asarray(segmentation.labels)
    features = list(segmentation.features)

    def drawn_values(column: str) -> np.ndarray:
        if column in features:
            return drawn.values[:, features.index(column)]
        return float_values(df[column])[drawn.rows]

    if mode == "pca":
        assigned = np.flatnonzero(labels >= 0)
        project, centre_xy, explained = pca_projection(df, segmentation, assigned, random_state)
        return _Plane(
            project(drawn.values),
            centre_xy,
            f"Map axis 1: {explained[0]:.0%} of how customers differ (PCA 1)",
            f"Map axis 2: {explained[1]:.0%} of how customers differ (PCA 2)",
        )
    if mode == "strip":
        k = segmentation.k
        seg_of_point = np.repeat(np.arange(k), np.diff(drawn.bounds))
        jitter = np.random.default_rng(random_state).uniform(-0.3, 0.3, size=len(drawn.rows))
        xy = np.column_stack([drawn_values(x), seg_of_point + jitter])
        centre_x = centre_values(df, x, segmentation, labels)
        return _Plane(xy, np.column_stack([centre_x, np.arange(k)]), escape(x), "Segment")
    xy = np.column_stack([drawn_values(x), drawn_values(y)])
    centre_xy = np.column_stack(
        [
            centre_values(df, x, segmentation, labels),
            centre_values(df, y, segmentation, labels),
        ]
    )
    return _Plane(xy, centre_xy, escape(x), escape(y))


def _hover(features: list[str], values: np.ndarray, id_column: str | None, *, mode: str) -> str:
    """The hovertemplate of a customer: segment name, id (the point's text), every feature
    (from customdata, formatted for its values), and the PCA position in the PCA view."""
    lines = ["<b>%{fullData.name}</b>"]
    if id_column is not None:
        lines.append(f"{in_template(id_column)}: %{{text}}")
    for j, f in enumerate(features):
        fmt = d3_format(values[:, j])
        lines.append(f"{in_template(f)}: %{{customdata[{1 + j}]:{fmt}}}")
    if mode == "pca":
        lines.append("PCA: (%{x:.2f}, %{y:.2f})")
    return "<br>".join(lines) + "<extra></extra>"


def _segment_traces(
    shown_names: list[str],
    drawn: Drawn,
    xy: np.ndarray,
    hover: str,
    ids: np.ndarray | None,
    *,
    kind: str,
) -> list[dict]:
    """One trace of type ``kind`` per segment; smaller, lighter markers the more customers
    are drawn."""
    # customdata: [row position, feature values...] as float64, so Plotly ships it as a
    # compact binary array; the id (text) goes in `text`.
    custom = np.column_stack([drawn.rows.astype(np.float64), drawn.values])
    n_drawn = len(drawn.rows)
    marker_size = 7 if n_drawn <= 2_000 else 5 if n_drawn <= 10_000 else 4
    opacity = 0.8 if n_drawn <= 5_000 else 0.6
    traces: list[dict] = []
    for s, name in enumerate(shown_names):
        lo, hi = drawn.bounds[s], drawn.bounds[s + 1]
        trace = {
            "type": kind,
            "x": xy[lo:hi, 0],
            "y": xy[lo:hi, 1],
            "mode": "markers",
            "name": name,
            "legendgroup": f"segment-{s + 1}",
            "marker": {"color": segment_colour(s + 1), "size": marker_size, "opacity": opacity},
            "customdata": custom[lo:hi],
            "hovertemplate": hover,
        }
        if ids is not None:
            trace["text"] = ids[lo:hi]
        traces.append(trace)
    return traces


def _centre_trace(shown_names: list[str], plane: _Plane, *, pca: bool, kind: str) -> dict:
    """The segment centres as large X marks in their segment's colour, drawn like the
    customers (an SVG mark would sit under WebGL points)."""
    k = len(shown_names)
    centre_xy = plane.centre_xy
    fmt_x = ",.2f" if pca else d3_format(centre_xy[:, 0])
    fmt_y = ",.2f" if pca else d3_format(centre_xy[:, 1])
    return {
        "type": kind,
        "x": centre_xy[:, 0],
        "y": centre_xy[:, 1],
        "mode": "markers",
        "name": "Segment centres",
        "marker": {
            "symbol": "x",
            "size": 18,
            "color": [segment_colour(s + 1) for s in range(k)],
            "line": {"color": "#222222", "width": 2},
        },
        "text": shown_names,
        # Row position -1: a centre is not a customer (see `selected_rows`).
        "customdata": np.column_stack([np.full(k, -1.0), np.arange(1, k + 1)]),
        "hovertemplate": (
            "<b>Centre of segment %{customdata[1]}: %{text}</b><br>"
            f"{plane.x_title.replace('%', '&#37;')}: %{{x:{fmt_x}}}<br>"
            f"{plane.y_title.replace('%', '&#37;')}: %{{y:{fmt_y}}}"
            "<extra></extra>"
        ),
    }


def _centre_labels(centre_xy: np.ndarray) -> list[dict]:
    """The segment number on a white tag next to each centre, readable over the points."""
    return [
        {
            "x": centre_xy[s, 0],
            "y": centre_xy[s, 1],
            "text": f"<b>{s + 1}</b>",
            "showarrow": False,
            "xshift": 16,
            "yshift": 14,
            "font": {"size": 13, "color": "#222"},
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": segment_colour(s + 1),
            "borderwidth": 2,
            "borderpad": 2,
        }
        for s in range(len(centre_xy))
    ]


def _subtitle(drawn: Drawn, n_rows: int) -> str:
    """How many customers are drawn, how many have no segment, and how to select."""
    notes = []
    n_drawn = len(drawn.rows)
    if n_drawn < drawn.n_assigned:
        notes.append(f"Showing {count(n_drawn)} of {count(drawn.n_assigned)} customers")
    n_unassigned = n_rows - drawn.n_assigned
    if n_unassigned:
        who = "customer without a segment is" if n_unassigned == 1 else (
            "customers without a segment are"
        )
        notes.append(f"{count(n_unassigned)} {who} not drawn")
    notes.append("drag to select customers")
    return "; ".join(notes)


def _layout(mode: str, k: int, plane: _Plane, x: str | None, y: str | None, subtitle: str) -> dict:
    """Title, axes (segment numbers down the side of a strip), legend below, box select."""
    if mode == "pca":
        text = "Customer segments: PCA view of all features"
    elif mode == "strip":
        text = f"Customer segments by {escape(x)}"
    else:
        text = f"Customer segments: {escape(y)} against {escape(x)}"
    if mode == "strip":
        yaxis = {
            "title": {"text": plane.y_title},
            "tickmode": "array",
            "tickvals": list(range(k)),
            "ticktext": [f"{s + 1}" for s in range(k)],
            "autorange": "reversed",
        }
    else:
        yaxis = {"title": {"text": plane.y_title}, "tickformat": tick_format(plane.xy[:, 1])}
    # Fixed margins, room for the short tick labels: margins fitted to the labels make
    # Plotly draw every point twice, which doubled each redraw of the scatter.
    yaxis["automargin"] = False
    return {
        "title": title(text, subtitle),
        "margin": {"t": 100, "r": 20, "l": 80, "b": 60},
        "height": 600 + 22 * (k // 3),
        "dragmode": "select",
        "hovermode": "closest",
        # Below the plot: long segment names would otherwise squeeze the plot sideways.
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": -0.15,
            "yanchor": "top",
            "itemsizing": "constant",
            "font": {"size": 13},
        },
        "xaxis": {
            "title": {"text": plane.x_title},
            "tickformat": tick_format(plane.xy[:, 0]),
            "automargin": False,
        },
        "yaxis": yaxis,
        "annotations": _centre_labels(plane.centre_xy),
    }
