"""The elbow chart: spread within segments (inertia) and separation (silhouette) against k,
with the elbow, the recommended and the current k marked (named in the legend, so no label
ever sits on a curve or a tick)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from segmentation.charts.figure import build, title
from segmentation.charts.text import count, tick_format
from segmentation.choose_k import KChoice

INERTIA_COLOUR = "#0072B2"
SPREAD, SEPARATION = "Spread within segments", "Separation"
SILHOUETTE_COLOUR = "#D55E00"


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
        Traces, in order: `SPREAD` (the inertia), `SEPARATION` (the silhouette, second
        y-axis), then marker traces "Elbow: k=4" (when there is one), "Recommended: k=3"
        and "Your choice: k=3" (when given); each marker trace holds its k as ``x[0]``.
        With no elbow the subtitle says "no clear elbow"; with a sampled sweep it says how
        many customers scored.

    Examples
    --------
    >>> from segmentation import evaluate_k, make_sample_customers
    >>> customers = make_sample_customers(150)
    >>> choice = evaluate_k(customers, ["annual_income", "spending_score"], range(2, 5))
    >>> fig = elbow_figure(choice, current_k=3)
    >>> [trace.name for trace in fig.data][:2], fig.data[-1].name, list(fig.data[-1].x)
    (['Spread within segments', 'Separation'], 'Your choice: k=3', [3])
    """
    table = choice.table()
    ks = np.asarray(table.index, dtype=int)
    inertia = table["inertia"].to_numpy(dtype=float)
    sil = table["silhouette"].to_numpy(dtype=float, na_value=np.nan)

    def inertia_at(k: int) -> float:
        return float(inertia[ks == k][0]) if k in ks else float("nan")

    def sil_at(k: int) -> float:
        return float(sil[ks == k][0]) if k in ks else float("nan")

    traces = _curves(ks, inertia, sil)
    if choice.elbow is not None:
        traces.append(_elbow_marker(choice.elbow, inertia_at(choice.elbow)))
    traces.append(_recommended_marker(choice.recommended, sil_at(choice.recommended)))
    layout = _layout(ks, inertia, sil, _subtitle(choice))
    if current_k is not None:
        current_k = int(current_k)
        traces.append(_current_marker(current_k, inertia_at(current_k)))
        layout["shapes"] = [_current_band(current_k)]
    return build(traces, layout)


def _curves(ks: np.ndarray, inertia: np.ndarray, sil: np.ndarray) -> list[dict]:
    """The inertia line (left axis) and the dotted silhouette line (right axis)."""
    return [
        {
            "type": "scatter",
            "x": ks,
            "y": inertia,
            "name": SPREAD,
            "mode": "lines+markers",
            "line": {"color": INERTIA_COLOUR, "width": 3},
            "marker": {"size": 8},
            "hovertemplate": "k=%{x}<br>Spread within segments (inertia): %{y:,.0f}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": ks,
            "y": sil,
            "name": SEPARATION,
            "mode": "lines+markers",
            "line": {"color": SILHOUETTE_COLOUR, "width": 3, "dash": "dot"},
            "marker": {"size": 8, "symbol": "square"},
            "hovertemplate": "k=%{x}<br>Separation (silhouette): %{y:.3f}<extra></extra>",
            "connectgaps": False,
            "yaxis": "y2",
        },
    ]


def _elbow_marker(elbow: int, inertia: float) -> dict:
    """A diamond on the spread curve at the elbow."""
    return {
        "type": "scatter",
        "x": [elbow],
        "y": [inertia],
        "name": f"Elbow: k={elbow}",
        "mode": "markers",
        "marker": {
            "symbol": "diamond",
            "size": 16,
            "color": INERTIA_COLOUR,
            "line": {"color": "white", "width": 2},
        },
        "hovertemplate": "Elbow: beyond k=%{x} more segments pay off less<extra></extra>",
    }


def _recommended_marker(recommended: int, silhouette: float) -> dict:
    """A star on the separation curve at the recommended k."""
    return {
        "type": "scatter",
        "x": [recommended],
        "y": [silhouette],
        "name": f"Recommended: k={recommended}",
        "mode": "markers",
        "marker": {
            "symbol": "star",
            "size": 20,
            "color": SILHOUETTE_COLOUR,
            "line": {"color": "white", "width": 1.5},
        },
        "hovertemplate": "Recommended: k=%{x} (clearest separation)<extra></extra>",
        "cliponaxis": False,
        "yaxis": "y2",
    }


def _current_marker(current_k: int, inertia: float) -> dict:
    """An open circle on the spread curve at the chosen k."""
    return {
        "type": "scatter",
        "x": [current_k],
        "y": [inertia],
        "name": f"Your choice: k={current_k}",
        "mode": "markers",
        "marker": {
            "symbol": "circle-open",
            "size": 22,
            "color": "#333333",
            "line": {"width": 3},
        },
        "hovertemplate": "Your choice: k=%{x}<extra></extra>",
    }


def _current_band(current_k: int) -> dict:
    """A band across the whole plot height behind the curves (what add_vrect draws)."""
    return {
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


def _subtitle(choice: KChoice) -> str | None:
    """What to keep in mind reading the chart: no clear elbow, scores from a sample."""
    notes = []
    if choice.elbow is None:
        notes.append("no clear elbow in the spread within segments")
    if choice.sweep_sample is not None:
        notes.append(
            f"scores from a sample of {count(choice.sweep_sample)} of "
            f"{count(choice.n_customers)} customers"
        )
    subtitle = "; ".join(notes)
    return subtitle[:1].upper() + subtitle[1:] if subtitle else None


def _layout(ks: np.ndarray, inertia: np.ndarray, sil: np.ndarray, subtitle: str | None) -> dict:
    """Title, the legend under it, k on the x-axis, spread on the left axis and separation
    on the right."""
    finite = sil[np.isfinite(sil)]
    top = float(finite.max()) if finite.size else 1.0
    bottom = min(0.0, float(finite.min())) if finite.size else 0.0
    return {
        "title": title("How many segments? Spread and separation by k", subtitle),
        "margin": {"t": 130 if subtitle else 110, "r": 20, "l": 20, "b": 50},
        "height": 480,
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": 1.02, "x": 0, "yanchor": "bottom"},
        "xaxis": {
            "title": {"text": "Number of segments (k)"},
            "dtick": 1,
            "range": [ks.min() - 0.5, ks.max() + 0.5],
        },
        "yaxis": {
            "title": {
                "text": "Spread within segments (lower = tighter)",
                "font": {"color": INERTIA_COLOUR},
            },
            "tickformat": tick_format(inertia),
            "rangemode": "tozero",
        },
        "yaxis2": {
            "title": {
                "text": "Separation (higher = clearer)",
                "font": {"color": SILHOUETTE_COLOUR},
            },
            "tickformat": ".1f",
            "dtick": 0.1,
            # Headroom so the star at the best separation is never cut at the top.
            "range": [bottom, top + 0.08 * max(top - bottom, 0.1)],
            "showgrid": False,
            "overlaying": "y",
            "side": "right",
        },
    }
