"""The figure every chart returns: the plotly_white look, titles, and JSON in one pass.

Each figure is assembled as plain dicts and validated by Plotly once, in one `Figure`
call (see `build`): Plotly's incremental calls (add_trace, update_layout...) each validate
and copy what the figure already holds.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

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
    browser each time, so the parts no chart of ours reads are left out.
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


class Figure(go.Figure):
    """A plotly Figure whose dictionary form serialises to JSON in one pass.

    Plotly's ``to_dict`` turns a text array (the scatter's customer ids) into a numpy
    object array, which its JSON encoder cannot write directly: it then walks the whole
    figure converting values one by one. As a list, the same text goes straight through
    and the JSON is byte for byte the same.

    Examples
    --------
    >>> ids = np.array(["a", "b"], dtype=object)
    >>> fig = Figure(data=[{"type": "scatter", "x": [1, 2], "text": ids}])
    >>> fig.to_dict()["data"][0]["text"]
    ['a', 'b']
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


def build(data: list[dict], layout: dict) -> Figure:
    """The figure built in one validated step from plain trace and layout dicts, with the
    template and font of every chart.

    >>> fig = build([{"type": "bar", "x": [3, 1]}], {"height": 300})
    >>> fig.layout.height, fig.layout.font.size
    (300, 14)
    """
    return Figure(data=data, layout={"template": TEMPLATE, "font": FONT, **layout})


def title(text: str, subtitle: str | None = None) -> dict:
    """A left-aligned chart title, with a smaller grey subtitle when there is one.

    >>> title("Customers per segment")["text"]
    'Customers per segment'
    >>> title("Scores", "From a sample")["subtitle"]["text"]
    'From a sample'
    """
    result: dict = {"text": text, "x": 0.0, "xanchor": "left", "font": {"size": 20}}
    if subtitle:
        result["subtitle"] = {"text": subtitle, "font": {"size": 13, "color": "#555"}}
    return result
