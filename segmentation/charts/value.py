"""The value bars: per segment, its share of customers beside its share of value."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from segmentation.charts.figure import build, title
from segmentation.charts.text import check_names, escape, wrap
from segmentation.value import SegmentValue

CUSTOMERS_COLOUR = "#A9B4C2"
VALUE_COLOUR = "#0072B2"


def _money(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def value_share_figure(value: SegmentValue, names: Sequence[str]) -> go.Figure:
    """Per segment, its share of customers beside its share of value (paired bars).

    Parameters
    ----------
    value : SegmentValue
    names : sequence of str
        One name per segment, segment 1 first.

    Returns
    -------
    plotly.graph_objects.Figure
        Two horizontal ``Bar`` traces, "Share of customers" then "Share of <column>",
        x in percent (0..100), segment 1 on top; hover shows value per customer and its
        index. With no positive total, the value bars are empty and the subtitle says why.

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation import fit_segments
    >>> from segmentation.value import segment_value
    >>> df = pd.DataFrame({"x": [1.0, 1.1, 9.0, 9.2], "revenue": [10.0, 30.0, 60.0, 100.0]})
    >>> fig = value_share_figure(segment_value(df, fit_segments(df, ["x"], k=2), "revenue"),
    ...                          ["Small", "Big"])
    >>> [t.name for t in fig.data], fig.data[1].x.round(1).tolist()
    (['Share of customers', 'Share of revenue'], [20.0, 80.0])
    """
    k = value.k
    names = check_names(names, k)
    labels = [f"{s} · {wrap(n, 28)}" for s, n in enumerate(names, start=1)]
    customers = value.customer_share.to_numpy(float) * 100
    shares = value.value_share.to_numpy(float) * 100
    per = value.per_customer.to_numpy(float)
    index = value.index.to_numpy(float)
    column = escape(value.column)
    hover_value = [
        f"{_money(p)} {column} per customer<br>index {_money(i)} (100 = average)"
        for p, i in zip(per, index)
    ]
    bars = [
        {
            "type": "bar",
            "orientation": "h",
            "name": "Share of customers",
            "x": customers,
            "y": labels,
            "marker": {"color": CUSTOMERS_COLOUR},
            "text": [f"{c:.1f}%" for c in customers],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{y}<br>%{x:.1f}% of customers<extra></extra>",
        },
        {
            "type": "bar",
            "orientation": "h",
            "name": f"Share of {column}",
            "x": np.nan_to_num(shares, nan=0.0),
            "y": labels,
            "marker": {"color": VALUE_COLOUR},
            "text": ["—" if not np.isfinite(v) else f"{v:.1f}%" for v in shares],
            "textposition": "outside",
            "cliponaxis": False,
            "customdata": hover_value,
            "hovertemplate": "%{y}<br>%{x:.1f}% of " + column + "<br>%{customdata}<extra></extra>",
        },
    ]
    finite = np.concatenate([customers, shares[np.isfinite(shares)]])
    low, high = min(0.0, float(finite.min())), float(finite.max())
    subtitle = (
        "A segment whose dark bar is longer than its light one brings more than its share"
        if np.isfinite(shares).all()
        else f"No share of {column}: the total is not positive"
    )
    layout = {
        "title": title(f"Share of customers and share of {column}", subtitle),
        "barmode": "group",
        "bargap": 0.25,
        "bargroupgap": 0.05,
        "height": max(300, 130 + 70 * k),
        # The legend above the bars, under the subtitle: below, it would cover the ticks.
        "margin": {"t": 120, "r": 40, "l": 20, "b": 40},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "xaxis": {
            "ticksuffix": "%",
            "range": [low * 1.2, high * 1.2 + 1],
        },
        "yaxis": {"autorange": "reversed", "automargin": True},
    }
    return build(bars, layout)
