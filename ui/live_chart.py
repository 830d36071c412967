"""A Plotly chart that is drawn again in place when its figure changes.

`st.plotly_chart` gives a chart a new identity whenever its figure changes, so the browser
throws the old chart away and mounts a new one (for the scatter, a new WebGL context) on
every k step. The charts a k step redraws (the scatter, the Sankey) go through this
component instead: its JavaScript (`ui/assets/live_chart.js`) calls `Plotly.react` on the
chart already on the page. plotly.js is the copy Streamlit's own charts leave on the page
(the elbow chart above the scatter loads it); when there is none, the copy the pinned
`plotly` package ships, served by this app. Nothing is fetched from outside.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
import streamlit.components.v1 as components_v1

_JS = (Path(__file__).parent / "assets" / "live_chart.js").read_text(encoding="utf-8")
_PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
_chart = st.components.v2.component("segmentation_live_chart", js=_JS, isolate_styles=False)

#: What every live chart is drawn with, on top of the caller's config: no Plotly logo and
#: no "Share chart" button (it would send the figure to a Chart Studio server).
BASE_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["sendChartToCloud"],
}


def plotly_url() -> str:
    """Where the browser loads plotly.js from when the page has none of its own: this app,
    through Streamlit's component file server (registered during a run, as it requires)."""
    served = components_v1.declare_component("plotly_js", path=str(_PLOTLY_DIR))
    return f"component/{served.name}/plotly.min.js"


def live_chart(
    fig: go.Figure, *, key: str, config: dict | None = None, selectable: bool = False
) -> dict:
    """Draw ``fig`` under ``key``; the same key keeps the same chart across reruns.

    Returns the chart's selection as Streamlit reports one for `st.plotly_chart`
    (``{"selection": {"points": [...]}}``), empty unless ``selectable`` and a box or lasso
    selection was made on this very figure: a selection made on an earlier figure (another
    k, other axes, other names) no longer describes what is drawn and is dropped.
    """
    spec = pio.to_json(fig, validate=False)
    config = {**BASE_CONFIG, **(config or {})}
    text = spec + json.dumps(config, sort_keys=True)
    revision = hashlib.sha256(text.encode()).hexdigest()[:16]
    data = {
        "plotly": plotly_url(),
        "spec": spec,
        "config": config,
        "revision": revision,
        "selectable": selectable,
    }
    # A component keeps only the state values it has a callback for: the no-op declares it.
    result = _chart(data=data, key=key, on_selection_change=lambda: None)
    selection = result.get("selection") if selectable else None
    if not selection or selection.get("revision") != data["revision"]:
        return {"selection": {"points": []}}
    return {"selection": {"points": list(selection.get("points") or [])}}

