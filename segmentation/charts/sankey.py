"""`sankey_figure`: how the segments at one k split or regroup at the next, with counts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from segmentation.charts.figure import build, title
from segmentation.charts.palette import segment_colour
from segmentation.charts.text import escape, shorten
from segmentation.errors import SettingsError
from segmentation.transitions import Transition

#: Characters of a segment name shown beside a Sankey node (the hover has it whole).
NODE_NAME_WIDTH = 26


def _rgba(colour: str, alpha: float) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _check_chain(transitions: Sequence[Transition], names: Sequence[Sequence[str]]) -> list[int]:
    if not transitions:
        raise SettingsError("No transition to draw: give at least one pair of segmentations.")
    ks = [transitions[0].k_from] + [t.k_to for t in transitions]
    for before, after in zip(transitions, transitions[1:]):
        if before.k_to != after.k_from:
            raise SettingsError(
                f"Transitions k={before.k_from}->{before.k_to} and k={after.k_from}->"
                f"{after.k_to} do not follow each other: give them in order of k."
            )
    if len(names) != len(ks) or any(len(n) != k for n, k in zip(names, ks)):
        raise SettingsError(
            f"Names for {[len(n) for n in names]} segments given for k = {ks}: give one "
            "list of names per k, one name per segment."
        )
    return ks


def lineage_colours(transitions: Sequence[Transition], anchor: int = 0) -> list[list[str]]:
    """Node colours per column: column `anchor` in its own segment colours, every other
    segment in the colour of the anchor segment it shares most customers with (through
    the columns between), so a colour follows one group of customers across k.

    Examples
    --------
    >>> t = Transition(2, 3, np.array([[50, 0, 0], [0, 30, 20]]))  # segment 2 splits in two
    >>> before, after = lineage_colours([t])
    >>> after == [before[0], before[1], before[1]]
    True
    """
    ks = [transitions[0].k_from] + [t.k_to for t in transitions]
    colours: list[list[str]] = [[] for _ in ks]
    colours[anchor] = [segment_colour(s + 1) for s in range(ks[anchor])]
    for stage in range(anchor + 1, len(ks)):  # forward: each segment's main source
        source = transitions[stage - 1].counts.argmax(axis=0)
        colours[stage] = [colours[stage - 1][i] for i in source]
    for stage in range(anchor - 1, -1, -1):  # backward: each segment's main destination
        target = transitions[stage].counts.argmax(axis=1)
        colours[stage] = [colours[stage + 1][j] for j in target]
    return colours


def sankey_figure(
    transitions: Sequence[Transition],
    names: Sequence[Sequence[str]],
    *,
    chosen_k: int | None = None,
) -> go.Figure:
    """How the customers of each segment at one k are spread over the segments at the next.

    Parameters
    ----------
    transitions : sequence of Transition
        Consecutive: ``k_to`` of one is ``k_from`` of the next (e.g. 4->5, 5->6).
    names : sequence of sequence of str
        Segment names for each k in order (one list per column of nodes).
    chosen_k : int, optional
        The k the app uses: its column is headed "(chosen)".

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Sankey`` trace: a column of nodes per k (segment s coloured
        `lineage_colours`: the chosen k's own colours, followed across k), labelled
        "s · name" with each k's own numbers, a link per pair of segments sharing
        customers, its width the customer count; hover gives the counts and shares. Column
        headings are annotations "k = ...".

    Examples
    --------
    >>> t = Transition(2, 3, np.array([[50, 0, 0], [0, 30, 20]]))
    >>> fig = sankey_figure([t], [["A", "B"], ["A", "B1", "B2"]], chosen_k=2)
    >>> list(fig.data[0].link.value)
    [50, 30, 20]
    """
    ks = _check_chain(transitions, names)
    anchor = ks.index(chosen_k) if chosen_k in ks else 0
    palette = lineage_colours(transitions, anchor)
    offsets = np.concatenate([[0], np.cumsum(ks)]).astype(int)
    labels, colours, hovers = [], [], []
    for stage, (k, stage_names) in enumerate(zip(ks, names)):
        t = transitions[min(stage, len(transitions) - 1)]
        sizes = t.counts.sum(axis=1) if stage < len(transitions) else t.counts.sum(axis=0)
        for s in range(k):
            labels.append(f"{s + 1} · {shorten(stage_names[s], NODE_NAME_WIDTH)}")
            colours.append(palette[stage][s])
            hovers.append(
                f"k = {k}, segment {s + 1}: {escape(stage_names[s])}<br>{int(sizes[s]):,} customers"
            )
    sources, targets, values, link_colours, link_hovers = [], [], [], [], []
    for stage, t in enumerate(transitions):
        from_names, to_names = names[stage], names[stage + 1]
        row_totals = t.counts.sum(axis=1)
        for i, j in zip(*np.nonzero(t.counts)):
            count = int(t.counts[i, j])
            sources.append(int(offsets[stage] + i))
            targets.append(int(offsets[stage + 1] + j))
            values.append(count)
            link_colours.append(_rgba(palette[stage][i], 0.4))
            link_hovers.append(
                f"{count:,} customers ({count / max(row_totals[i], 1):.0%} of segment {i + 1})"
                f"<br>from k = {t.k_from}, {i + 1} · {escape(from_names[i])}"
                f"<br>to k = {t.k_to}, {j + 1} · {escape(to_names[j])}"
            )
    trace = {
        "type": "sankey",
        "arrangement": "snap",
        "valueformat": ",d",
        "node": {
            "label": labels,
            "color": colours,
            "pad": 14,
            "thickness": 18,
            "line": {"color": "#444", "width": 0.5},
            "customdata": hovers,
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        "link": {
            "source": sources,
            "target": targets,
            "value": values,
            "color": link_colours,
            "customdata": link_hovers,
            "hovertemplate": "%{customdata}<extra></extra>",
        },
    }
    columns = len(ks)
    headings = [
        {
            "x": stage / (columns - 1) if columns > 1 else 0.5,
            "y": 1.0,
            "xref": "paper",
            "yref": "paper",
            "xanchor": ["left", "center", "right"][min(2, 2 * stage // max(columns - 1, 1))],
            "yanchor": "bottom",
            "showarrow": False,
            "text": f"<b>k = {k}</b>" + (" (chosen)" if k == chosen_k else ""),
            "font": {"size": 14},
        }
        for stage, k in enumerate(ks)
    ]
    span = " → ".join(str(k) for k in ks)
    layout = {
        "title": title(
            f"How the segments split or regroup from k = {span}",
            "Each band is customers moving between segments as k changes, as wide as their "
            f"number; hover for counts.<br>Colours follow the segments at k = {ks[anchor]}; "
            "each k keeps its own segment numbers.",
        ),
        "height": max(420, 140 + 40 * max(ks)),
        "margin": {"t": 135, "r": 20, "l": 20, "b": 20},
        "annotations": headings,
    }
    return build([trace], layout)
