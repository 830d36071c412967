"""Plotly figure builders: results in, go.Figure out. No Streamlit here.

Every chart colours segment ``s`` (1..k) with ``segment_colour(s)`` so a segment looks the
same in the scatter, the size bars and any table the app colours. Figures look like
Plotly's "plotly_white" template (`TEMPLATE`, a slim copy of it), with titles in words, axis
titles in the data's own column names and numbers formatted for people (12,345; 45.2%).
Each figure is assembled as plain dicts and validated by Plotly once, in one `go.Figure`
call (see `_figure`).

Plotly renders a subset of HTML (<b>, <i>, <br>, <a href>, entities) in trace names, axis
titles, tick labels, hover text and annotations. Every user-controlled string (segment
names, column names, customer ids) goes into figure text through `_text` (or `_in_template`
inside a hovertemplate, where ``%{...}`` would also be substituted), so it shows literally.

Figures
-------
elbow_figure      inertia and silhouette against k, elbow / recommended / current k marked
scatter_figure    customers on two features (or a PCA view), one WebGL trace per segment
selected_rows     row positions of the customers in a box / lasso selection of the scatter
sizes_figure      customers per segment as horizontal bars
profile_heatmap   segments x features, index against the average (100 = average)
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from segmentation.choose_k import KChoice
from segmentation.errors import SettingsError
from segmentation.model import Segmentation
from segmentation.prepare import float_values
from segmentation.profile import Profiles

#: Colour-blind-friendly qualitative palette: Okabe-Ito first, then Paul Tol's muted colours.
#: Segment s (1..k) gets SEGMENT_COLOURS[(s - 1) % len(SEGMENT_COLOURS)].
SEGMENT_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#332288",  # indigo
    "#999933",  # olive
    "#882255",  # wine
    "#44AA99",  # teal
    "#DDCC77",  # sand
    "#AA4499",  # purple
)
#: Customers without a segment (missing values with the "drop" policy).
UNASSIGNED_COLOUR = "#C8C8C8"


#: plotly_white layout sections our charts never read: other subplot kinds (3-D scenes,
#: maps, polar and ternary plots) and default colour scales (every coloured trace of ours
#: names its colours).
_UNUSED_TEMPLATE_LAYOUT = (
    "scene",
    "geo",
    "mapbox",
    "map",
    "polar",
    "ternary",
    "smith",
    "coloraxis",
    "colorscale",
)


def _slim_template() -> go.layout.Template:
    """plotly_white as our charts show it: its 2-D layout (white background, light grid,
    fonts, hover labels) and, of its per-trace defaults, only those that show on our
    charts: white outlines between bars and a heatmap colour bar without an outline.

    Plotly validates and copies the whole template into every figure and ships it to the
    browser each time; the full plotly_white costs more than the rest of a figure.
    """
    white = pio.templates["plotly_white"]
    layout = {
        key: value
        for key, value in white.layout.to_plotly_json().items()
        if key not in _UNUSED_TEMPLATE_LAYOUT
    }
    return go.layout.Template(
        layout=layout,
        data={
            "bar": [{"marker": {"line": white.data.bar[0].marker.line}}],
            "heatmap": [{"colorbar": white.data.heatmap[0].colorbar}],
        },
    )


#: Template of every figure, built once at import (see `_slim_template`).
TEMPLATE: go.layout.Template = _slim_template()
FONT = {"size": 14}
SCATTER_VIEWS = ("features", "pca")
#: Points drawn per segment before proportional sampling, so small segments stay visible.
MIN_POINTS_PER_SEGMENT = 200
#: Rows the PCA projection is fitted on (fixed-seed sample of the clustered customers).
PCA_SAMPLE = 50_000

_INERTIA_COLOUR = "#0072B2"
_SILHOUETTE_COLOUR = "#D55E00"


def segment_colour(segment: int) -> str:
    """The colour of segment number `segment` (1..k) in every chart and table.

    Parameters
    ----------
    segment : int
        Segment number as people see it, 1..k. Numbers below 1 (the internal label -1, or
        0) mean "no segment" and get `UNASSIGNED_COLOUR`.

    Returns
    -------
    str
        A hex colour such as "#0072B2". Beyond 12 segments the palette repeats.
    """
    segment = int(segment)
    if segment < 1:
        return UNASSIGNED_COLOUR
    return SEGMENT_COLOURS[(segment - 1) % len(SEGMENT_COLOURS)]


# --------------------------------------------------------------------------------------
# Helpers: formatting for people


def _count(n: int) -> str:
    return f"{int(n):,}"


def _text(value: object) -> str:
    """User text (a name, a column, an id) escaped so Plotly shows it literally, not as HTML.

    Only ``&``, ``<`` and ``>`` are escaped: Plotly decodes ``&amp;``, ``&lt;``, ``&gt;`` and
    numeric entities but would show ``&quot;`` as written, and quotes are harmless in text.
    """
    return html.escape(str(value), quote=False)


def _in_template(value: object) -> str:
    """User text for a hovertemplate: escaped, and ``%`` as an entity so ``%{x}`` in a
    column name is not substituted."""
    return _text(value).replace("%", "&#37;")


def _wrap(label: str, width: int = 16) -> str:
    """Break a long label into lines of about `width` characters for an axis tick (escaped)."""
    lines = textwrap.wrap(str(label), width=width, break_long_words=True) or [str(label)]
    return "<br>".join(_text(line) for line in lines)


def _shorten(label: str, width: int) -> str:
    """`label` cut to `width` characters with an ellipsis when longer (escaped)."""
    label = str(label)
    return _text(label if len(label) <= width else label[: width - 1].rstrip() + "…")


def _tick_format(values: np.ndarray) -> str | None:
    """Axis tick format: 50k / 1.2M for large numbers; Plotly's default otherwise (an SI
    format would write 0.5 as "500m")."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and float(np.max(np.abs(finite))) >= 10_000:
        return "~s"
    return None


def _d3_format(values: np.ndarray) -> str:
    """A d3 number format that shows `values` the way a person would write them."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ",.2f"
    if np.all(finite == np.round(finite)):
        return ",.0f"
    big = float(np.max(np.abs(finite)))
    if big >= 1_000:
        return ",.0f"
    if big >= 10:
        return ",.1f"
    if big >= 0.1:
        return ",.2f"
    return ".3~g"


def _py_format(value: float, fmt: str) -> str:
    """Format one number like the d3 format from `_d3_format` would."""
    if not np.isfinite(value):
        return "—"
    if fmt == ".3~g":
        return f"{value:.3g}"
    return format(value, fmt.lstrip("~"))


def _check_names(names: Sequence[str], k: int) -> list[str]:
    names = [str(n) for n in names]
    if len(names) != k:
        raise SettingsError(
            f"{len(names)} segment names given for k={k} segments: give one name per segment."
        )
    return names


def _title(text: str, subtitle: str | None = None) -> dict:
    title: dict = {"text": text, "x": 0.0, "xanchor": "left", "font": {"size": 20}}
    if subtitle:
        title["subtitle"] = {"text": subtitle, "font": {"size": 13, "color": "#555"}}
    return title


class Figure(go.Figure):
    """A plotly Figure whose dictionary form serialises to JSON in one pass.

    Plotly's ``to_dict`` turns a text array (the scatter's customer ids) into a numpy
    object array, which its JSON encoder cannot write directly: it then walks the whole
    figure converting values one by one, about half of the 50 ms st.plotly_chart spent on
    every rerun of the Segments page. As a list, the same text goes straight through and
    the JSON is byte for byte the same.
    """

    def to_dict(self) -> dict:
        """The figure as a dictionary (``go.Figure.to_dict``), text arrays as lists."""
        result = super().to_dict()
        for trace in result["data"]:
            for key in ("text", "hovertext"):
                value = trace.get(key)
                if isinstance(value, np.ndarray) and value.dtype == object:
                    trace[key] = value.tolist()
        return result


def _figure(data: list[dict], layout: dict) -> Figure:
    """The figure built in one validated step from plain trace and layout dicts.

    Plotly's incremental calls (add_trace, add_annotation, update_layout...) each validate
    and copy what the figure already holds; one constructor call validates everything once.
    """
    return Figure(data=data, layout={"template": TEMPLATE, "font": FONT, **layout})


# --------------------------------------------------------------------------------------
# Elbow chart


def elbow_figure(choice: KChoice, *, current_k: int | None = None) -> go.Figure:
    """Inertia and silhouette against k, with the elbow, recommended and current k marked.

    Parameters
    ----------
    choice : KChoice
        The result of `evaluate_k`.
    current_k : int, optional
        The k the user has chosen; highlighted with a shaded band.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces, in order: "Inertia", "Silhouette" (second y-axis), then marker traces
        "Elbow" (when there is one), "Recommended" and "Current k" (when given); each
        marker trace holds its k as ``x[0]``. With no elbow the subtitle says
        "no clear elbow"; with a sampled sweep it says how many customers scored.
    """
    table = choice.table()
    ks = np.asarray(table.index, dtype=int)
    inertia = table["inertia"].to_numpy(dtype=float)
    sil = table["silhouette"].to_numpy(dtype=float, na_value=np.nan)

    def inertia_at(k: int) -> float:
        return float(inertia[ks == k][0]) if k in ks else float("nan")

    def sil_at(k: int) -> float:
        return float(sil[ks == k][0]) if k in ks else float("nan")

    traces: list[dict] = [
        {
            "type": "scatter",
            "x": ks,
            "y": inertia,
            "name": "Inertia",
            "mode": "lines+markers",
            "line": {"color": _INERTIA_COLOUR, "width": 3},
            "marker": {"size": 8},
            "hovertemplate": "k=%{x}<br>Inertia: %{y:,.0f}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": ks,
            "y": sil,
            "name": "Silhouette",
            "mode": "lines+markers",
            "line": {"color": _SILHOUETTE_COLOUR, "width": 3, "dash": "dot"},
            "marker": {"size": 8, "symbol": "square"},
            "hovertemplate": "k=%{x}<br>Silhouette: %{y:.3f}<extra></extra>",
            "connectgaps": False,
            "yaxis": "y2",
        },
    ]
    shapes: list[dict] = []
    annotations: list[dict] = []

    notes = []
    if choice.elbow is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [choice.elbow],
                "y": [inertia_at(choice.elbow)],
                "name": "Elbow",
                "mode": "markers+text",
                "marker": {
                    "symbol": "diamond",
                    "size": 16,
                    "color": _INERTIA_COLOUR,
                    "line": {"color": "white", "width": 2},
                },
                "text": [f"elbow (k={choice.elbow})"],
                "textposition": "top right",
                "textfont": {"size": 13, "color": _INERTIA_COLOUR},
                "hovertemplate": "Elbow of the inertia curve: k=%{x}<extra></extra>",
            }
        )
    else:
        notes.append("no clear elbow in the inertia curve")

    rec = choice.recommended
    traces.append(
        {
            "type": "scatter",
            "x": [rec],
            "y": [sil_at(rec)],
            "name": "Recommended",
            "mode": "markers+text",
            "marker": {
                "symbol": "star",
                "size": 20,
                "color": _SILHOUETTE_COLOUR,
                "line": {"color": "white", "width": 1.5},
            },
            "text": [f"recommended (k={rec})"],
            "textposition": "top center",
            "textfont": {"size": 13, "color": _SILHOUETTE_COLOUR},
            "hovertemplate": "Recommended: k=%{x} (best silhouette)<extra></extra>",
            "cliponaxis": False,
            "yaxis": "y2",
        }
    )

    if current_k is not None:
        current_k = int(current_k)
        # A band across the whole plot height behind the curves (what add_vrect draws).
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y domain",
                "x0": current_k - 0.35,
                "x1": current_k + 0.35,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#FFE9A8",
                "opacity": 0.6,
                "layer": "below",
                "line": {"width": 0},
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": [current_k],
                "y": [inertia_at(current_k)],
                "name": "Current k",
                "mode": "markers",
                "marker": {
                    "symbol": "circle-open",
                    "size": 22,
                    "color": "#333333",
                    "line": {"width": 3},
                },
                "hovertemplate": "Current choice: k=%{x}<extra></extra>",
            }
        )
        annotations.append(
            {
                "x": current_k,
                "y": 0,
                "yref": "paper",
                "yanchor": "bottom",
                "text": f"current k={current_k}",
                "showarrow": False,
                "font": {"size": 12, "color": "#333"},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        )

    if choice.sweep_sample is not None:
        notes.append(
            f"scores from a sample of {_count(choice.sweep_sample)} of "
            f"{_count(choice.n_customers)} customers"
        )
    subtitle = "; ".join(notes)
    subtitle = subtitle[:1].upper() + subtitle[1:] if subtitle else None

    finite = sil[np.isfinite(sil)]
    top = float(finite.max()) if finite.size else 1.0
    bottom = min(0.0, float(finite.min())) if finite.size else 0.0
    layout = {
        "title": _title("How many segments? Inertia and silhouette by k", subtitle),
        "margin": {"t": 100 if subtitle else 70, "r": 20, "l": 20, "b": 40},
        "height": 460,
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2, "x": 0, "yanchor": "top"},
        "xaxis": {
            "title": {"text": "Number of segments (k)"},
            "dtick": 1,
            "range": [ks.min() - 0.5, ks.max() + 0.5],
        },
        "yaxis": {
            "title": {
                "text": "Inertia (within-segment spread)",
                "font": {"color": _INERTIA_COLOUR},
            },
            "tickformat": _tick_format(inertia),
            "rangemode": "tozero",
        },
        "yaxis2": {
            "title": {
                "text": "Silhouette (higher = better separated)",
                "font": {"color": _SILHOUETTE_COLOUR},
            },
            "tickformat": ".1f",
            "dtick": 0.1,
            # headroom for the "recommended" label above the best silhouette
            "range": [bottom, top + 0.15 * max(top - bottom, 0.1)],
            "showgrid": False,
            "overlaying": "y",
            "side": "right",
        },
    }
    if shapes:
        layout["shapes"] = shapes
    if annotations:
        layout["annotations"] = annotations
    return _figure(traces, layout)


# --------------------------------------------------------------------------------------
# Scatter


def _sample_per_segment(
    labels: np.ndarray, k: int, max_points: int, random_state: int
) -> tuple[list[np.ndarray], int]:
    """Row positions to draw per segment (sorted), and the number of clustered rows.

    At most `max_points` in all; each segment keeps at least min(its size, floor) rows where
    floor = min(MIN_POINTS_PER_SEGMENT, max_points // k); the rest is shared by size.
    """
    members = [np.flatnonzero(labels == s) for s in range(k)]
    sizes = np.array([len(m) for m in members])
    n = int(sizes.sum())
    if n <= max_points:
        return members, n
    floor = min(MIN_POINTS_PER_SEGMENT, max_points // k)
    base = np.minimum(sizes, floor)
    spare = sizes - base
    extra = np.floor((max_points - base.sum()) * spare / max(spare.sum(), 1)).astype(int)
    quota = base + np.minimum(extra, spare)
    rng = np.random.default_rng(random_state)
    drawn = []
    for m, q in zip(members, quota):
        if q >= len(m):
            drawn.append(m)
        else:
            drawn.append(np.sort(rng.choice(m, size=int(q), replace=False)))
    return drawn, n


def _pca_projection(
    df: pd.DataFrame,
    segmentation: Segmentation,
    assigned: np.ndarray,
    random_state: int,
):
    """Fit a 2-D PCA on the scaled features of a fixed-seed sample of clustered rows.

    Returns (project, explained): `project(raw_values)` maps raw feature values to the two
    components; centres are projected from the fitted KMeans centres in scaled units.
    """
    from sklearn.decomposition import PCA

    features = list(segmentation.features)
    prepare = segmentation.pipeline.named_steps["prepare"]
    if len(assigned) > PCA_SAMPLE:
        rng = np.random.default_rng(random_state)
        sample = np.sort(rng.choice(assigned, size=PCA_SAMPLE, replace=False))
    else:
        sample = assigned
    raw = np.column_stack([float_values(df[f])[sample] for f in features])
    fill = np.nanmedian(raw, axis=0)

    def scaled(values: np.ndarray) -> np.ndarray:
        values = np.where(np.isfinite(values), values, fill)
        return prepare.transform(values)

    pca = PCA(n_components=2, random_state=random_state).fit(scaled(raw))

    def project(values: np.ndarray) -> np.ndarray:
        return pca.transform(scaled(values))

    centres = pca.transform(segmentation.pipeline.named_steps["kmeans"].cluster_centers_)
    return project, centres, pca.explained_variance_ratio_


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
        One ``Scattergl`` trace per segment (name = the segment's name), then one trace
        "Segment centres". Every point's ``customdata`` row (float64) starts with its 0-based
        row position in `df`, so a box or lasso selection maps back to customers (see
        `selected_rows`); the feature values follow. Centres carry row position -1. The id,
        when `id_column` is given, is the point's ``text``. Unassigned customers are not
        drawn.
    """
    k = segmentation.k
    names = _check_names(names, k)
    shown_names = [_text(n) for n in names]
    labels = np.asarray(segmentation.labels)
    if len(labels) != len(df):
        raise SettingsError(
            f"The table has {len(df):,} rows but the segmentation has {len(labels):,} labels: "
            "pass the same table the segments were fitted on."
        )
    if view not in SCATTER_VIEWS:
        raise SettingsError(f"view={view!r} is not one of {list(SCATTER_VIEWS)}.")
    if max_points < k:
        raise SettingsError(f"max_points={max_points} must be at least k={k}.")
    features = list(segmentation.features)
    if id_column is not None and id_column not in df.columns:
        raise SettingsError(f"id_column={id_column!r} is not a column of this data.")

    strip = len(features) == 1  # one feature: a strip of the feature against segment
    if view == "features" and not strip:
        x = features[0] if x is None else x
        y = features[1] if y is None else y
        for axis, col in (("x", x), ("y", y)):
            if col not in df.columns:
                raise SettingsError(
                    f"{axis}={col!r} is not a column of this data: choose among {features}."
                )
            if not pd.api.types.is_numeric_dtype(df[col]):
                raise SettingsError(f"{axis}={col!r} is not numeric: choose a numeric column.")
    elif strip:
        x = features[0] if x is None else x

    drawn, n_assigned = _sample_per_segment(labels, k, max_points, random_state)
    n_drawn = int(sum(len(d) for d in drawn))
    rows = np.concatenate(drawn)
    bounds = np.cumsum([0] + [len(d) for d in drawn])

    # Only the drawn rows are read from here on, column by column: selecting the feature
    # columns as a frame first would copy every row of them.
    feat_values = np.column_stack([float_values(df[f])[rows] for f in features])

    def drawn_values(column: str) -> np.ndarray:
        if column in features:
            return feat_values[:, features.index(column)]
        return float_values(df[column])[rows]

    ids = None
    if id_column:
        id_text = df[id_column].iloc[rows].astype(str)
        if id_text.str.contains(r"[&<>]", regex=True).any():
            id_text = id_text.map(_text)
        ids = id_text.to_numpy(dtype=object)
        if not id_text.isna().any():
            # Fixed-width text rather than Python objects: Plotly deep-copies the figure's
            # arrays to build and to serialise it, an object array one string at a time.
            # With a missing id they stay objects: the id stays missing, not the text "nan".
            ids = ids.astype(str)

    if view == "pca" and not strip:
        assigned = np.flatnonzero(labels >= 0)
        project, centre_xy, explained = _pca_projection(df, segmentation, assigned, random_state)
        xy = project(feat_values)
        x_title = f"PCA 1 ({explained[0]:.0%} of variance)"
        y_title = f"PCA 2 ({explained[1]:.0%} of variance)"
    elif strip:
        xs = drawn_values(x)
        seg_of_point = np.repeat(np.arange(k), np.diff(bounds))
        jitter = np.random.default_rng(random_state).uniform(-0.3, 0.3, size=len(rows))
        xy = np.column_stack([xs, seg_of_point + jitter])
        centre_x = _centre_values(df, x, segmentation, labels)
        centre_xy = np.column_stack([centre_x, np.arange(k)])
        x_title, y_title = _text(x), "Segment"
    else:
        xy = np.column_stack([drawn_values(x), drawn_values(y)])
        centre_xy = np.column_stack(
            [
                _centre_values(df, x, segmentation, labels),
                _centre_values(df, y, segmentation, labels),
            ]
        )
        x_title, y_title = _text(x), _text(y)

    # customdata: [row position, feature values...] as float64, so Plotly ships it as a compact
    # binary array; the id (text) goes in `text`. Hover shows the id and every feature.
    custom = np.column_stack([rows.astype(np.float64), feat_values])
    lines = ["<b>%{fullData.name}</b>"]
    if ids is not None:
        lines.append(f"{_in_template(id_column)}: %{{text}}")
    for j, f in enumerate(features):
        fmt = _d3_format(feat_values[:, j])
        lines.append(f"{_in_template(f)}: %{{customdata[{1 + j}]:{fmt}}}")
    if view == "pca" and not strip:
        lines.append("PCA: (%{x:.2f}, %{y:.2f})")
    hover = "<br>".join(lines) + "<extra></extra>"

    marker_size = 7 if n_drawn <= 2_000 else 5 if n_drawn <= 10_000 else 4
    opacity = 0.8 if n_drawn <= 5_000 else 0.6
    traces: list[dict] = []
    for s in range(k):
        lo, hi = bounds[s], bounds[s + 1]
        trace = {
            "type": "scattergl",
            "x": xy[lo:hi, 0],
            "y": xy[lo:hi, 1],
            "mode": "markers",
            "name": shown_names[s],
            "legendgroup": f"segment-{s + 1}",
            "marker": {"color": segment_colour(s + 1), "size": marker_size, "opacity": opacity},
            "customdata": custom[lo:hi],
            "hovertemplate": hover,
        }
        if ids is not None:
            trace["text"] = ids[lo:hi]
        traces.append(trace)

    centre_fmt_x = ",.2f" if view == "pca" else _d3_format(centre_xy[:, 0])
    centre_fmt_y = ",.2f" if view == "pca" else _d3_format(centre_xy[:, 1])
    traces.append(
        {
            "type": "scattergl",  # WebGL too: SVG markers would sit under the WebGL points
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
                f"{x_title.replace('%', '&#37;')}: %{{x:{centre_fmt_x}}}<br>"
                f"{y_title.replace('%', '&#37;')}: %{{y:{centre_fmt_y}}}"
                "<extra></extra>"
            ),
        }
    )
    # Centre labels: the segment number on a white tag next to the X, readable over points.
    annotations = [
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
        for s in range(k)
    ]

    notes = []
    if n_drawn < n_assigned:
        notes.append(f"Showing {_count(n_drawn)} of {_count(n_assigned)} customers")
    n_unassigned = len(labels) - n_assigned
    if n_unassigned:
        notes.append(f"{_count(n_unassigned)} customers without a segment are not drawn")
    notes.append("drag to select customers")
    subtitle = "; ".join(notes)
    if view == "pca" and not strip:
        title = "Customer segments: PCA view of all features"
    elif strip:
        title = f"Customer segments by {_text(x)}"
    else:
        title = f"Customer segments: {_text(y)} against {_text(x)}"

    if strip:
        yaxis = {
            "title": {"text": y_title},
            "tickmode": "array",
            "tickvals": list(range(k)),
            "ticktext": [f"{s + 1}" for s in range(k)],
            "autorange": "reversed",
        }
    else:
        yaxis = {"title": {"text": y_title}, "tickformat": _tick_format(xy[:, 1])}
    layout = {
        "title": _title(title, subtitle),
        "margin": {"t": 100, "r": 20, "l": 20, "b": 40},
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
        "xaxis": {"title": {"text": x_title}, "tickformat": _tick_format(xy[:, 0])},
        "yaxis": yaxis,
        "annotations": annotations,
    }
    return _figure(traces, layout)


def selected_rows(selection) -> np.ndarray:
    """Row positions (0-based, in the input table) of the customers in a scatter selection.

    Parameters
    ----------
    selection : mapping or sequence
        A Plotly selection as Streamlit reports it: the event (with a "selection" key), the
        selection (with a "points" key), or the list of points. Each point's ``customdata``
        may be a list (``[row, ...]``, as in AppTest) or a dict (``{"0": row, ...}``, as
        from the browser). Segment centres (row -1) and points without customdata are
        skipped.

    Returns
    -------
    numpy.ndarray
        Sorted, unique int64 row positions; empty when nothing is selected.
    """
    if selection is None:
        return np.empty(0, dtype=np.int64)
    if isinstance(selection, dict) or hasattr(selection, "get"):
        if selection.get("selection") is not None:
            selection = selection["selection"]
        points = selection.get("points") or []
    else:
        points = selection
    rows = []
    for point in points:
        custom = point.get("customdata") if hasattr(point, "get") else None
        if custom is None:
            continue
        if hasattr(custom, "get"):
            value = custom.get("0", custom.get(0))
        elif isinstance(custom, (list, tuple, np.ndarray)):
            value = custom[0] if len(custom) else None
        else:
            value = custom
        if value is None:
            continue
        row = int(float(value))
        if row >= 0:
            rows.append(row)
    return np.unique(np.asarray(rows, dtype=np.int64))


def _centre_values(
    df: pd.DataFrame, column: str, segmentation: Segmentation, labels: np.ndarray
) -> np.ndarray:
    """Per-segment centre on `column`: the KMeans centre for a feature, else the mean."""
    if column in segmentation.centres.columns:
        return segmentation.centres[column].to_numpy(dtype=float)
    values = float_values(df[column])
    ok = (labels >= 0) & np.isfinite(values)
    sums = np.bincount(labels[ok], weights=values[ok], minlength=segmentation.k)
    counts = np.bincount(labels[ok], minlength=segmentation.k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


# --------------------------------------------------------------------------------------
# Sizes and profile heatmap


def sizes_figure(profiles: Profiles, names: Sequence[str]) -> go.Figure:
    """Customers per segment as horizontal bars labelled "81 · 40.5%".

    Parameters
    ----------
    profiles : Profiles
    names : sequence of str
        One name per segment, segment 1 first.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Bar`` trace; bar i is segment i + 1 (segment 1 on top), coloured with
        `segment_colour`.
    """
    k = profiles.k
    names = _check_names(names, k)
    sizes = profiles.sizes.reindex(range(1, k + 1)).to_numpy(dtype=float)
    shares = profiles.shares.reindex(range(1, k + 1)).to_numpy(dtype=float)
    labels = [f"{s + 1} · {_wrap(n, 28)}" for s, n in enumerate(names)]
    bar = {
        "type": "bar",
        "x": sizes,
        "y": labels,
        "orientation": "h",
        "marker": {"color": [segment_colour(s) for s in range(1, k + 1)]},
        "text": [f"{int(n):,} · {sh:.1%}" for n, sh in zip(sizes, shares)],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [_text(n) for n in names],
        "hovertemplate": "<b>%{customdata}</b><br>%{x:,} customers (%{text})<extra></extra>",
        "name": "Customers",
    }
    layout = {
        "title": _title("Customers per segment"),
        "height": max(260, 110 + 44 * k),
        "margin": {"t": 60, "r": 40, "l": 20, "b": 40},
        "showlegend": False,
        "bargap": 0.3,
        "xaxis": {
            "title": {"text": "Customers"},
            "tickformat": _tick_format(sizes) or ",d",
            "range": [0, float(np.nanmax(sizes)) * 1.3],
        },
        "yaxis": {"autorange": "reversed", "automargin": True},
    }
    return _figure([bar], layout)


def profile_heatmap(profiles: Profiles, names: Sequence[str]) -> go.Figure:
    """Segments x features, coloured by the index against the average (100 = average).

    Parameters
    ----------
    profiles : Profiles
    names : sequence of str
        One name per segment, segment 1 first.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Heatmap`` trace: rows = segments (1 on top), columns = features, ``z`` = the
        index clipped to 0..200 for colour (blue below average, red above, white at 100),
        the exact index written in each cell and the mean in original units on hover.
    """
    k = profiles.k
    names = _check_names(names, k)
    features = list(profiles.features)
    index = profiles.index.reindex(index=range(1, k + 1), columns=features).to_numpy(dtype=float)
    means = profiles.means.reindex(index=range(1, k + 1), columns=features).to_numpy(dtype=float)
    n_feat = len(features)
    # Up to 6 features fit side by side as wrapped labels; beyond, labels are shortened and
    # tilted so they never overlap (the full name is on hover).
    tilted = n_feat > 6
    x_labels = [_shorten(f, 24) if tilted else _wrap(f, 18) for f in features]
    if len(set(x_labels)) < n_feat:  # shortening made two labels equal: number them
        x_labels = [f"{j + 1}. {label}" for j, label in enumerate(x_labels)]
    y_labels = [f"{s + 1} · {_wrap(n, 28)}" for s, n in enumerate(names)]
    text = np.array([[_py_format(v, ",.0f") for v in row] for row in index], dtype=object)
    mean_text = np.empty(means.shape, dtype=object)
    for j in range(n_feat):
        fmt = _d3_format(means[:, j])
        mean_text[:, j] = [_py_format(v, fmt) for v in means[:, j]]
    feature_text = [_text(f) for f in features]
    custom = np.dstack([mean_text, np.array([feature_text] * k), text])
    heatmap = {
        "type": "heatmap",
        "z": np.clip(index, 0, 200),
        "x": x_labels,
        "y": y_labels,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 13 if n_feat <= 10 else 11},
        "customdata": custom,
        "colorscale": "RdBu_r",
        "zmin": 0,
        "zmax": 200,
        "zmid": 100,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {
            "title": {"text": "Index (100 = average)", "side": "right"},
            "tickvals": [0, 50, 100, 150, 200],
            "ticktext": ["0", "50", "100", "150", "≥200"],
            "thickness": 14,
        },
        "hovertemplate": (
            "<b>%{y}</b><br>%{customdata[1]}<br>Mean: %{customdata[0]}"
            "<br>Index: %{customdata[2]} (100 = average)<extra></extra>"
        ),
    }
    layout = {
        "title": _title(
            "What sets each segment apart",
            "Segment mean as an index of the average customer (100 = average)",
        ),
        "height": max(320, 150 + 48 * k + (120 if tilted else 40)),
        "margin": {"t": 90, "r": 20, "l": 20, "b": 20},
        "xaxis": {"tickangle": -40 if tilted else 0, "automargin": True, "showgrid": False},
        "yaxis": {"autorange": "reversed", "automargin": True, "showgrid": False},
    }
    return _figure([heatmap], layout)
