"""The size bars: customers per segment, labelled "81 · 40.5%"."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from segmentation.charts.figure import build, title
from segmentation.charts.palette import segment_colour
from segmentation.charts.text import check_names, escape, tick_format, wrap
from segmentation.profile import Profiles


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

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers, profile_segments
    >>> customers = make_sample_customers(200)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> fig = sizes_figure(profile_segments(customers, seg), ["Budget", "Mid", "Premium"])
    >>> int(sum(fig.data[0].x)), fig.data[0].y[0]
    (200, '1 · Budget')
    """
    k = profiles.k
    names = check_names(names, k)
    sizes = profiles.sizes.reindex(range(1, k + 1)).to_numpy(dtype=float)
    shares = profiles.shares.reindex(range(1, k + 1)).to_numpy(dtype=float)
    bar = {
        "type": "bar",
        "x": sizes,
        "y": [f"{s + 1} · {wrap(n, 28)}" for s, n in enumerate(names)],
        "orientation": "h",
        "marker": {"color": [segment_colour(s) for s in range(1, k + 1)]},
        "text": [f"{int(n):,} · {sh:.1%}" for n, sh in zip(sizes, shares)],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [escape(n) for n in names],
        "hovertemplate": "<b>%{customdata}</b><br>%{x:,} customers (%{text})<extra></extra>",
        "name": "Customers",
    }
    layout = {
        "title": title("Customers per segment"),
        "height": max(260, 110 + 44 * k),
        "margin": {"t": 60, "r": 40, "l": 20, "b": 40},
        "showlegend": False,
        "bargap": 0.3,
        "xaxis": {
            "title": {"text": "Customers"},
            "tickformat": tick_format(sizes) or ",d",
            "range": [0, float(np.nanmax(sizes)) * 1.3],
        },
        "yaxis": {"autorange": "reversed", "automargin": True},
    }
    return build([bar], layout)
