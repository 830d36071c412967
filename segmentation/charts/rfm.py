"""RFM charts: the R x F grid (customers and value per cell) and each segment's RFM mix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segmentation.charts.figure import build, title
from segmentation.charts.text import check_names, escape, wrap
from segmentation.rfm import RFM_SEGMENTS, rfm_grid

#: One colour per RFM segment, from the best customers (green) to the ones slipping
#: away (red), in `RFM_SEGMENTS` order.
RFM_COLOURS = (
    "#1a9850",
    "#66bd63",
    "#a6d96a",
    "#4393c3",
    "#92c5de",
    "#fee08b",
    "#fdae61",
    "#d73027",
    "#f46d43",
    "#a50026",
)


def rfm_grid_figure(table: pd.DataFrame, *, value: str = "monetary") -> go.Figure:
    """The R x F grid as a heatmap: customers per cell (colour), the cell's segment, its
    customers and its value written in it.

    Parameters
    ----------
    table : pandas.DataFrame
        The customer table (``r_score``, ``f_score`` and ``value``).
    value : str
        The column summed as each cell's value.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Heatmap``: x = F score 1..5, y = R score 1..5 (5 on top), z = customers.

    Examples
    --------
    >>> t = pd.DataFrame({"r_score": [5, 5, 1], "f_score": [5, 4, 1], "monetary": [9, 1, 2]})
    >>> fig = rfm_grid_figure(t)
    >>> int(np.nansum(fig.data[0].z)), fig.data[0].text[4][4].split("<br>")[0]
    (3, 'Champions')
    """
    grid = rfm_grid(table, value=value)
    total_value = float(grid["value"].sum()) or 1.0
    counts = np.zeros((5, 5))
    text = [["" for _ in range(5)] for _ in range(5)]
    for row in grid.itertuples(index=False):
        r, f = int(row.r_score) - 1, int(row.f_score) - 1
        counts[r, f] = row.customers
        n = int(row.customers)
        text[r][f] = escape(row.segment) + (
            f"<br>{n:,} customer{'s' if n != 1 else ''}<br>{row.value / total_value:.0%} of value"
            if n
            else ""
        )
    heatmap = {
        "type": "heatmap",
        "x": [f"F {f}" for f in range(1, 6)],
        "y": [f"R {r}" for r in range(1, 6)],
        "z": counts,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 11},
        "colorscale": "Blues",
        "colorbar": {"title": {"text": "customers"}},
        "hovertemplate": "R %{y} · F %{x}<br>%{text}<extra></extra>",
        "xgap": 2,
        "ygap": 2,
    }
    layout = {
        "title": title(
            "The RFM grid",
            "Recency score (R, 5 = most recent) against frequency score (F, 5 = most orders)",
        ),
        "height": 560,
        "margin": {"t": 90, "r": 20, "l": 20, "b": 40},
        "xaxis": {"title": {"text": "frequency score"}, "showgrid": False},
        "yaxis": {"title": {"text": "recency score"}, "showgrid": False},
    }
    return build([heatmap], layout)


def rfm_mix_figure(
    rfm_segments: Sequence[str], labels: np.ndarray, names: Sequence[str]
) -> go.Figure:
    """Each segment's customers split by RFM segment: one stacked bar per segment, 100%.

    Parameters
    ----------
    rfm_segments : sequence of str
        Each customer's RFM segment.
    labels : numpy.ndarray
        Each customer's segment 0..k-1 (-1 when unassigned: left out).
    names : sequence of str
        One name per segment, segment 1 first.

    Examples
    --------
    >>> fig = rfm_mix_figure(["Champions", "Hibernating", "Champions"], np.array([0, 1, 0]),
    ...                      ["Best", "Asleep"])
    >>> [t.name for t in fig.data][:2], fig.data[0].x.tolist()
    (['Champions', 'Hibernating'], [1.0, 0.0])
    """
    k = len(names)
    names = check_names(names, k)
    frame = pd.DataFrame({"segment": np.asarray(labels), "rfm": list(rfm_segments)})
    frame = frame[frame["segment"] >= 0]
    counts = pd.crosstab(frame["segment"], frame["rfm"]).reindex(index=range(k), fill_value=0)
    shares = counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
    rows = [f"{s + 1} · {wrap(n, 24)}" for s, n in enumerate(names)]
    bars = []
    for name, colour in zip(RFM_SEGMENTS, RFM_COLOURS):
        if name not in shares.columns:
            continue
        bars.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "x": shares[name].to_numpy(dtype=float),
                "y": rows,
                "marker": {"color": colour},
                "customdata": counts[name].to_numpy(),
                "hovertemplate": f"{escape(name)}: %{{x:.0%}} (%{{customdata:,}} customers)"
                "<extra></extra>",
            }
        )
    layout = {
        "title": title("RFM segments within each segment", "Share of each segment's customers"),
        "barmode": "stack",
        "height": max(320, 160 + 44 * k),
        "margin": {"t": 90, "r": 20, "l": 20, "b": 40},
        "xaxis": {"tickformat": ".0%", "range": [0, 1]},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "legend": {"orientation": "h", "y": -0.15, "traceorder": "normal"},
    }
    return build(bars, layout)
