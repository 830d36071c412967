"""`borderline_overlay`: the scatter with borderline customers outlined, the others faded."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from segmentation.margins import BORDERLINE, Margins

#: Opacity of the customers who are not borderline when the borderline ones are highlighted.
FADED = 0.15


def borderline_overlay(
    scatter: go.Figure, margins: Margins, *, threshold: float = BORDERLINE
) -> go.Figure:
    """The scatter of `segmentation.charts.scatter_figure` with its borderline customers
    (margin below `threshold`) outlined in black and every other customer faded.

    The borderline points are a new trace drawn on top, "Borderline customers", carrying
    the same ``customdata`` (row position first, so selections still map to customers)
    followed by the runner-up segment (1..k) and the margin, which the hover shows.

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation import charts, fit_prepared, prepare_features
    >>> from segmentation.margins import segment_margins
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0, 10.0, 11.0], "b": [1.0] * 6})
    >>> prepared = prepare_features(df, ["a", "b"])
    >>> seg = fit_prepared(prepared, 2)
    >>> fig = charts.scatter_figure(df, seg, ["Low", "High"])
    >>> out = borderline_overlay(fig, segment_margins(prepared, seg), threshold=0.7)
    >>> out.data[-1].name, [int(r) for r in out.data[-1].customdata[:, 0]]
    ('Borderline customers (margin below 0.7)', [3])
    """
    out = type(scatter)(scatter)  # the charts package's Figure keeps its one-pass JSON
    kind = out.data[0].type if out.data else "scattergl"  # on top: drawn like the points
    margin, runner = np.asarray(margins.margin), np.asarray(margins.runner_up)
    xs, ys, custom, texts, colours = [], [], [], [], []
    hover = None
    for trace in out.data:
        data = trace.customdata
        if data is None or trace.name == "Segment centres":
            continue
        data = np.asarray(data, dtype=float)
        rows = data[:, 0].astype(np.int64)
        near = np.flatnonzero((rows >= 0) & (margin[np.maximum(rows, 0)] < threshold))
        trace.marker.opacity = FADED
        if not len(near):
            continue
        xs.append(np.asarray(trace.x)[near])
        ys.append(np.asarray(trace.y)[near])
        picked = rows[near]
        custom.append(np.column_stack([data[near], runner[picked] + 1.0, margin[picked]]))
        if trace.text is not None:
            texts.append(np.asarray(trace.text)[near])
        colours += [trace.marker.color] * len(near)
        hover, width = trace.hovertemplate, data.shape[1]
    name = f"Borderline customers (margin below {threshold:g})"
    if xs:
        border = {
            "type": kind,
            "x": np.concatenate(xs),
            "y": np.concatenate(ys),
            "mode": "markers",
            "name": name,
            "marker": {"color": colours, "size": 8, "line": {"color": "#111", "width": 1.5}},
            "customdata": np.concatenate(custom),
            "hovertemplate": (hover or "").replace(
                "<extra></extra>",
                f"<br><i>Borderline: leans to segment %{{customdata[{width}]}} "
                f"(margin %{{customdata[{width + 1}]:.2f}})</i><extra></extra>",
            ),
        }
        if len(texts) == len(xs):
            border["text"] = np.concatenate(texts)
        out.add_trace(border)
    else:
        out.add_trace({"type": kind, "x": [], "y": [], "mode": "markers", "name": name})
    return out
