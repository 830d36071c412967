"""The offline HTML report: one self-contained file built from a Jinja2 template.

Self-contained: plotly.js is embedded once (inline, with the first chart; the others reuse
it), the styles are in the page and use the system's fonts, and there is no image, font,
script or stylesheet to fetch, so the file opens on any machine without a network.

Escaped: the template is rendered with autoescaping, so every user text (file name, column
names, segment names, campaign notes, health findings) is written as text. Chart HTML is
the only markup passed through unescaped; Plotly writes user text inside it as JSON with
``<`` as ``\\u003c``, and our figures escape it as well (see `segmentation.charts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jinja2
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup

from segmentation import charts
from segmentation.cards import SegmentCard, segment_cards
from segmentation.choose_k import KChoice
from segmentation.errors import SettingsError
from segmentation.io import CustomerData
from segmentation.model import Segmentation
from segmentation.profile import Profiles, profile_segments
from segmentation.traits import ratio_words
from segmentation.value import SegmentValue

#: Customers drawn in the report's scatter (sampled per segment, fixed seed): enough to
#: see the shapes, few enough that the file stays small and prints quickly.
SCATTER_POINTS = 4_000
#: Plotly options of every chart in the report: no logo link, no "edit in Chart Studio".
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
#: Human names of the scalers.
SCALER_WORDS = {
    "standard": "standard (mean 0, standard deviation 1)",
    "minmax": "min-max (0 to 1)",
    "robust": "robust (median and interquartile range)",
    "none": "none (raw units)",
}
MISSING_WORDS = {
    "drop": "customers missing a feature are left without a segment (kept in the exports)",
    "median": "missing feature values are filled with the feature's median",
}

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("segmentation.report", "templates"),
    autoescape=True,  # every value is escaped unless marked safe (only chart HTML is)
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class _CardView:
    """A card with its numbers written for people."""

    segment: int
    name: str
    colour: str
    customers_text: str
    share_text: str
    value_share_text: str | None
    value_per_customer_text: str | None
    traits: tuple[str, ...]
    stability_text: str | None
    note: str


def _count(n: float) -> str:
    return f"{int(n):,}"


def _percent(share: float | None) -> str | None:
    return None if share is None or not np.isfinite(share) else f"{share:.1%}"


def _number(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def _against_average(index: float | None) -> str:
    """An index (100 = average) as words: "1.5x the average", "52% below the average"."""
    return "" if index is None or not np.isfinite(index) else ratio_words(index / 100)


def _k_reason(choice: KChoice | None, k: int) -> str | None:
    """Why this k, in words: the recommendation, and whether the analyst chose another."""
    if choice is None:
        return None
    if k == choice.recommended:
        return choice.reason
    return (
        f"These segments use k={k}, the analyst's choice. The recommendation was "
        f"k={choice.recommended}: {choice.reason}"
    )


def _findings(data: CustomerData) -> list[dict]:
    """Health findings as sentences: "<column> is strongly skewed (...). <advice>."."""
    rows = []
    for finding in data.report.findings:
        problem = finding.problem.rstrip(".")
        joiner = " " if finding.column and problem[:1].islower() else ": "
        rows.append(
            {
                "column": finding.column,
                "joiner": joiner if finding.column else "",
                "problem": problem + ".",
                "advice": finding.advice.rstrip(".") + "." if finding.advice else "",
            }
        )
    return rows


def _card_view(card: SegmentCard) -> _CardView:
    return _CardView(
        segment=card.segment,
        name=card.name,
        colour=card.colour,
        customers_text=_count(card.customers),
        share_text=_percent(card.share) or "—",
        value_share_text=_percent(card.value_share),
        value_per_customer_text=(
            None if card.value_per_customer is None else _number(card.value_per_customer)
        ),
        traits=card.traits,
        stability_text=card.stability_text,
        note=card.note,
    )


class _Charts:
    """Figures to HTML in document order: plotly.js goes inline with the first only."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, figure: go.Figure) -> Markup:
        self.count += 1
        return Markup(  # noqa: S704 - Plotly's own output; user text in it is JSON-escaped
            pio.to_html(
                figure,
                include_plotlyjs=self.count == 1,
                full_html=False,
                config=PLOT_CONFIG,
                div_id=f"chart-{self.count}",
                validate=False,
            )
        )


def _printable_scatter(figure: go.Figure) -> go.Figure:
    """The app's scatter as SVG traces (print and any browser, no WebGL needed), zoom
    instead of selection, without the app's "drag to select" hint."""
    spec = figure.to_plotly_json()
    for trace in spec["data"]:
        if trace.get("type") == "scattergl":
            trace["type"] = "scatter"
    layout = spec["layout"]
    layout["dragmode"] = "zoom"
    subtitle = layout.get("title", {}).get("subtitle", {})
    if subtitle.get("text"):
        parts = [p for p in subtitle["text"].split("; ") if "select" not in p]
        subtitle["text"] = "; ".join(parts)
    return go.Figure(spec)


def _takeaways(cards: Sequence[SegmentCard], value: SegmentValue | None) -> list[str]:
    """Two or three sentences a reader takes away: the largest segment, and where the
    value is concentrated."""
    lines = []
    largest = max(cards, key=lambda c: (c.customers, -c.segment))
    lines.append(
        f"The largest segment is {largest.segment} · {largest.name}: "
        f"{_percent(largest.share)} of customers."
    )
    valued = [c for c in cards if c.value_share is not None]
    if value is not None and valued:
        top = max(valued, key=lambda c: (c.value_share, -c.segment))
        lines.append(
            f"Segment {top.segment} · {top.name} brings {_percent(top.value_share)} of "
            f"{value.column} with {_percent(top.share)} of customers "
            f"({_number(top.value_per_customer)} per customer, "
            f"{_against_average(top.value_index)})."
        )
        low = min(valued, key=lambda c: (c.value_index or 0.0, c.segment))
        if low.segment != top.segment and low.value_index is not None:
            lines.append(
                f"Segment {low.segment} · {low.name} brings the least per customer: "
                f"{_number(low.value_per_customer)} ({_against_average(low.value_index)})."
            )
    return lines


def _profile_rows(profiles: Profiles, value: SegmentValue | None) -> list[dict]:
    """Rows of the transposed profile table: the segments are columns, plus "All"."""
    k = profiles.k
    segments = range(1, k + 1)
    rows = [
        {
            "label": "Customers",
            "cells": [_count(profiles.sizes[s]) for s in segments] + [_count(profiles.n_assigned)],
        },
        {
            "label": "Share of customers",
            "cells": [_percent(profiles.shares[s]) for s in segments] + ["100.0%"],
        },
    ]
    if value is not None:
        shares = [_percent(value.value_share[s]) or "—" for s in segments]
        rows.append({"label": f"Share of {value.column}", "cells": shares + ["100.0%"]})
        average = value.grand_total / max(int(value.known.sum()), 1)
        rows.append(
            {
                "label": f"{value.column} per customer",
                "cells": [_number(value.per_customer[s]) for s in segments] + [_number(average)],
            }
        )
    for feature in profiles.features:
        cells = []
        for s in segments:
            mean, index = profiles.means.loc[s, feature], profiles.index.loc[s, feature]
            cells.append(_number(mean) + ("" if not np.isfinite(index) else f" ({index:.0f})"))
        overall = profiles.overall_means[feature] if profiles.overall_means is not None else None
        rows.append({"label": f"{feature} (mean)", "cells": cells + [_number(overall)]})
    return rows


def _scores(choice: KChoice | None, k: int) -> list[dict]:
    if choice is None:
        return []
    return [
        {
            "k": s.k,
            "chosen": s.k == k,
            "inertia": _number(s.inertia),
            "silhouette": "—" if s.silhouette is None else f"{s.silhouette:.3f}",
            "ch": _number(s.calinski_harabasz),
            "db": f"{s.davies_bouldin:.3f}",
        }
        for s in choice.scores
    ]


def _data_facts(data: CustomerData) -> list[tuple[str, str]]:
    report = data.report
    facts = [
        ("Rows", _count(report.n_rows)),
        ("Columns", _count(report.n_columns)),
        ("Format", report.file_format.upper()),
        ("Customer id", report.id_column or "none found (rows are the customers)"),
        ("Numeric columns", ", ".join(report.numeric_columns) or "none"),
    ]
    if report.missing:
        missing = ", ".join(f"{c} ({_count(n)})" for c, n in report.missing.items())
        facts.append(("Missing values", missing))
    if report.duplicate_ids:
        facts.append(("Repeated ids", _count(report.duplicate_ids)))
    return facts


def _method(
    data: CustomerData,
    segmentation: Segmentation,
    file_name: str,
    created: str,
    value: SegmentValue | None,
) -> list[tuple[str, str]]:
    settings = segmentation.settings
    sil = segmentation.silhouette
    sil_text = "—" if sil is None else f"{sil:.3f}"
    if sil is not None and segmentation.silhouette_sample:
        sil_text += f" (on a sample of {_count(segmentation.silhouette_sample)} customers)"
    clip = settings.clip
    unassigned = len(segmentation.labels) - segmentation.n_assigned
    return [
        ("File", file_name),
        ("Rows", _count(len(segmentation.labels))),
        ("Customers with a segment", _count(segmentation.n_assigned)),
        ("Customers without one", _count(unassigned)),
        ("Features", ", ".join(settings.features)),
        ("Log transform", ", ".join(settings.log_features) or "none"),
        ("Outliers", f"clipped at percentiles {clip[0]:g} and {clip[1]:g}" if clip else "kept"),
        ("Scaling", SCALER_WORDS.get(settings.scaler, settings.scaler)),
        ("Missing values", MISSING_WORDS.get(settings.missing, settings.missing)),
        ("Algorithm", f"k-means (k-means++ starts, random_state={segmentation.random_state})"),
        ("Number of segments (k)", str(segmentation.k)),
        ("Silhouette", sil_text),
        ("Value column", value.column if value is not None else "none"),
        ("Made", created),
    ]


def _check(data: CustomerData, segmentation: Segmentation, names: Sequence[str]) -> None:
    if len(names) != segmentation.k:
        raise SettingsError(
            f"{len(names)} names given for {segmentation.k} segments: give one per segment."
        )
    if len(segmentation.labels) != len(data.frame):
        raise SettingsError(
            f"The segmentation has {len(segmentation.labels)} customers but the table "
            f"{len(data.frame)} rows: segment the table again before the report."
        )


def build_report(
    data: CustomerData,
    segmentation: Segmentation,
    names: Sequence[str],
    *,
    choice: KChoice | None = None,
    profiles: Profiles | None = None,
    value: SegmentValue | None = None,
    stability: Mapping[int, float] | None = None,
    notes: Mapping[int, str] | None = None,
    file_name: str | None = None,
    created: dt.datetime | None = None,
    max_points: int = SCATTER_POINTS,
) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    data : CustomerData
        The customers as read (its health report is summarised).
    segmentation : Segmentation
        The fit on ``data.frame``.
    names : sequence of str
        Final segment names, one per segment.
    choice : KChoice, optional
        The k sweep: the elbow chart and the scores table (left out without it).
    profiles : Profiles, optional
        `profile_segments` of the fit (computed when not given).
    value : SegmentValue, optional
        Value per segment (`segment_value`): value shares on the cards and a chart.
    stability : mapping of int -> float, optional
        Stability per segment number (0..1), shown on the cards where given.
    notes : mapping of int -> str, optional
        Campaign notes per segment number.
    file_name : str, optional
        The data file's name (default: the dataset's name).
    created : datetime, optional
        When the report is made (default: now, UTC).
    max_points : int, default SCATTER_POINTS
        Customers drawn in the scatter (sampled per segment).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    SettingsError
        `names` does not match the segments, or the fit is not of `data`.

    Examples
    --------
    >>> from segmentation import fit_segments, read_customers
    >>> from segmentation.sample import SAMPLE_PATH
    >>> data = read_customers(SAMPLE_PATH.read_bytes(), name="sample.csv")
    >>> seg = fit_segments(data.frame, ["annual_income", "spending_score"], 3)
    >>> page = build_report(data, seg, ["A", "B", "<C>"], max_points=300)
    >>> page.startswith("<!DOCTYPE html>"), "3 · &lt;C&gt;" in page
    (True, True)
    >>> page.count("window.PlotlyConfig")  # plotly.js embedded once
    1
    """
    _check(data, segmentation, names)
    names = [str(n) for n in names]
    profiles = profiles if profiles is not None else profile_segments(data.frame, segmentation)
    created = created or dt.datetime.now(dt.UTC)
    created_text = created.strftime("%d %B %Y, %H:%M %Z").strip().rstrip(",")
    file_name = file_name or data.name
    cards = segment_cards(profiles, names, value=value, stability=stability, notes=notes)
    figures = _Charts()
    size_charts = [figures.html(charts.sizes_figure(profiles, names))]
    if value is not None:
        size_charts.append(figures.html(charts.value_share_figure(value, names)))
    scatter = charts.scatter_figure(
        data.frame, segmentation, names, max_points=max(max_points, segmentation.k)
    )
    scatter_html = figures.html(_printable_scatter(scatter))
    heatmap_html = figures.html(charts.profile_heatmap(profiles, names))
    elbow_html = (
        figures.html(charts.elbow_figure(choice, current_k=segmentation.k)) if choice else None
    )
    sil = segmentation.silhouette
    return _ENV.get_template("report.html.j2").render(
        file_name=file_name,
        created_text=created_text,
        k=segmentation.k,
        n_rows_text=_count(len(segmentation.labels)),
        n_assigned_text=_count(segmentation.n_assigned),
        silhouette_text="—" if sil is None else f"{sil:.2f}",
        takeaways=_takeaways(cards, value),
        cards=[_card_view(c) for c in cards],
        value_column=value.column if value is not None else None,
        value_notes=value.notes if value is not None else (),
        size_charts=size_charts,
        scatter_caption=(
            "Each dot is a customer, coloured by segment; the crosses are the segment centres. "
            "Hover a dot to see its values."
        ),
        scatter_chart=scatter_html,
        heatmap_chart=heatmap_html,
        profile_rows=_profile_rows(profiles, value),
        k_reason=_k_reason(choice, segmentation.k),
        elbow_chart=elbow_html,
        scores=_scores(choice, segmentation.k),
        data_facts=_data_facts(data),
        findings=_findings(data),
        method=_method(data, segmentation, file_name, created_text, value),
    )
