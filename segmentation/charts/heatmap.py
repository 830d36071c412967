"""The profile heatmap: segments x features, index against the average (100 = average)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from segmentation.charts.figure import build, title
from segmentation.charts.text import check_names, d3_format, escape, py_format, shorten, wrap
from segmentation.profile import Profiles

#: Up to this many features fit side by side as wrapped labels; beyond, labels are
#: shortened and tilted so they never overlap (the full name is on hover).
MAX_UPRIGHT_FEATURES = 6


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

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers, profile_segments
    >>> customers = make_sample_customers(200)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> fig = profile_heatmap(profile_segments(customers, seg), ["Budget", "Mid", "Premium"])
    >>> list(fig.data[0].x), fig.data[0].zmid
    (['annual_income', 'spending_score'], 100)
    """
    k = profiles.k
    names = check_names(names, k)
    features = list(profiles.features)
    index = profiles.index.reindex(index=range(1, k + 1), columns=features).to_numpy(dtype=float)
    means = profiles.means.reindex(index=range(1, k + 1), columns=features).to_numpy(dtype=float)
    tilted = len(features) > MAX_UPRIGHT_FEATURES
    heatmap = _heatmap_trace(features, names, index, means, tilted=tilted)
    layout = {
        "title": title(
            "What sets each segment apart",
            "Segment mean as an index of the average customer (100 = average)",
        ),
        "height": max(320, 150 + 48 * k + (120 if tilted else 40)),
        "margin": {"t": 90, "r": 20, "l": 20, "b": 20},
        "xaxis": {"tickangle": -40 if tilted else 0, "automargin": True, "showgrid": False},
        "yaxis": {"autorange": "reversed", "automargin": True, "showgrid": False},
    }
    return build([heatmap], layout)


def _feature_labels(features: list[str], *, tilted: bool) -> list[str]:
    """Column labels: wrapped when upright, shortened when tilted, numbered if that made
    two of them equal."""
    labels = [shorten(f, 24) if tilted else wrap(f, 18) for f in features]
    if len(set(labels)) < len(features):
        labels = [f"{j + 1}. {label}" for j, label in enumerate(labels)]
    return labels


def _heatmap_trace(
    features: list[str],
    names: list[str],
    index: np.ndarray,
    means: np.ndarray,
    *,
    tilted: bool,
) -> dict:
    """The heatmap: colour by the clipped index, the index in each cell, the mean on hover."""
    k, n_feat = index.shape
    text = np.array([[py_format(v, ",.0f") for v in row] for row in index], dtype=object)
    mean_text = np.empty(means.shape, dtype=object)
    for j in range(n_feat):
        fmt = d3_format(means[:, j])
        mean_text[:, j] = [py_format(v, fmt) for v in means[:, j]]
    feature_text = [escape(f) for f in features]
    custom = np.dstack([mean_text, np.array([feature_text] * k), text])
    return {
        "type": "heatmap",
        "z": np.clip(index, 0, 200),
        "x": _feature_labels(features, tilted=tilted),
        "y": [f"{s + 1} · {wrap(n, 28)}" for s, n in enumerate(names)],
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
