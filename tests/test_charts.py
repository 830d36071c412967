"""Figure builders: the tests read the figure's data, as a user would read the chart."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from sklearn.datasets import make_blobs

from segmentation import charts
from segmentation.charts.text import shorten, wrap
from segmentation.choose_k import KChoice, KScore
from segmentation.errors import SettingsError
from segmentation.model import fit_segments
from segmentation.prepare import prepare_features
from segmentation.profile import Profiles

FEATURES = ["Annual Income (k$)", "Spending Score (1-100)", "Visits per month"]


def customers(sizes, *, seed=0) -> pd.DataFrame:
    """Well-separated blobs of the given sizes, an id column with leading zeros."""
    centres = [[20, 20, 30], [80, 80, 60], [80, 20, 40], [20, 80, 50], [50, 50, 70]]
    X, _ = make_blobs(
        n_samples=list(sizes), centers=centres[: len(sizes)], cluster_std=4, random_state=seed
    )
    df = pd.DataFrame(X, columns=FEATURES)
    df.insert(0, "customer_id", [f"{i:05d}" for i in range(len(df))])
    return df


def names_for(k):
    return [f"Segment name {s}" for s in range(1, k + 1)]


@pytest.fixture(scope="module")
def small():
    df = customers([60, 50, 40])
    return df, fit_segments(df, FEATURES, 3)


@pytest.fixture(scope="module")
def big():
    """1,230 customers, one segment of only 30: small segments must survive the cap."""
    df = customers([600, 600, 30], seed=1)
    return df, fit_segments(df, FEATURES, 3)


def segment_traces(fig, k):
    return list(fig.data[:k])


def rows_of(trace) -> np.ndarray:
    return np.asarray(trace.customdata)[:, 0].astype(np.int64)


def profiles_by_hand(df, seg) -> Profiles:
    k = seg.k
    labelled = df[list(seg.features)].assign(segment=seg.labels + 1)
    labelled = labelled[labelled.segment > 0]
    sizes = labelled.segment.value_counts().reindex(range(1, k + 1))
    means = labelled.groupby("segment")[list(seg.features)].mean()
    overall = labelled[list(seg.features)].mean()
    return Profiles(
        k=k,
        features=tuple(seg.features),
        sizes=sizes,
        shares=sizes / sizes.sum(),
        means=means,
        medians=labelled.groupby("segment")[list(seg.features)].median(),
        index=means / overall * 100,
        effect=(means - overall) / labelled[list(seg.features)].std(),
        eta_squared=pd.Series(0.5, index=list(seg.features)),
        distinctive=tuple((seg.features[0],) for _ in range(k)),
        category_shares={},
        names=tuple(names_for(k)),
    )


def k_choice(*, elbow=4, recommended=5, sweep_sample=None, n=200) -> KChoice:
    inertia = [270.0, 160.0, 110.0, 66.0, 55.0, 45.0, 38.0, 33.0, 30.0]
    sil = [0.30, 0.46, 0.49, 0.55, 0.54, 0.52, 0.46, 0.46, 0.44]
    scores = tuple(
        KScore(k=k, inertia=i, silhouette=s, calinski_harabasz=100.0, davies_bouldin=0.8)
        for k, i, s in zip(range(2, 11), inertia, sil)
    )
    return KChoice(
        scores=scores,
        elbow=elbow,
        recommended=recommended,
        reason="because",
        n_customers=n,
        sweep_sample=sweep_sample,
        silhouette_sample=None,
    )


def trace_named(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert found, f"no trace named {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def all_text(fig) -> str:
    """Title, subtitle and annotations: everything written on the chart."""
    title = fig.layout.title
    parts = [title.text or "", (title.subtitle.text if title.subtitle else None) or ""]
    parts += [a.text or "" for a in fig.layout.annotations]
    return " | ".join(parts)


# --- palette ---------------------------------------------------------------------------


def test_segment_colour_gives_12_distinct_colours_then_repeats():
    colours = [charts.segment_colour(s) for s in range(1, 13)]
    assert len(set(colours)) == 12
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colours)
    assert charts.segment_colour(13) == charts.segment_colour(1)


@pytest.mark.parametrize("unassigned", [-1, 0])
def test_segment_colour_of_unassigned_is_grey(unassigned):
    assert charts.segment_colour(unassigned) == charts.UNASSIGNED_COLOUR
    assert charts.UNASSIGNED_COLOUR not in charts.SEGMENT_COLOURS


# --- scatter ---------------------------------------------------------------------------


def test_scatter_has_one_svg_trace_per_segment_plus_centres(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3))
    assert len(fig.data) == seg.k + 1
    assert all(isinstance(t, go.Scatter) for t in fig.data)
    assert fig.data[-1].name == "Segment centres"
    assert len(fig.data[-1].x) == seg.k


def test_scatter_of_many_customers_is_webgl_centres_and_borderline_included(small, monkeypatch):
    from segmentation.charts import scatter as scatter_module
    from segmentation.margins import segment_margins

    df, seg = small
    monkeypatch.setattr(scatter_module, "SVG_MAX_POINTS", len(df) - 1)
    fig = charts.scatter_figure(df, seg, names_for(3))
    assert all(isinstance(t, go.Scattergl) for t in fig.data)
    prepared = prepare_features(df, list(seg.features))
    out = charts.borderline_overlay(fig, segment_margins(prepared, seg), threshold=10.0)
    assert isinstance(out.data[-1], go.Scattergl) and len(out.data[-1].x) > 0


def test_scatter_legend_shows_segment_names(small):
    df, seg = small
    names = ["Budget", "Big spenders", "Careful rich"]
    fig = charts.scatter_figure(df, seg, names)
    assert [t.name for t in fig.data[:3]] == names


def test_scatter_customdata_rows_map_back_to_their_segment(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3))
    for s, trace in enumerate(segment_traces(fig, 3)):
        rows = rows_of(trace)
        assert (seg.labels[rows] == s).all()
        np.testing.assert_allclose(trace.x, df[FEATURES[0]].to_numpy()[rows])
        np.testing.assert_allclose(trace.y, df[FEATURES[1]].to_numpy()[rows])


def test_scatter_draws_every_customer_once_when_not_capped(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3))
    rows = np.concatenate([rows_of(t) for t in segment_traces(fig, 3)])
    assert sorted(rows) == list(range(len(df)))
    assert "Showing" not in all_text(fig)


def test_scatter_axis_titles_are_the_column_names(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3), x=FEATURES[2], y=FEATURES[0])
    assert fig.layout.xaxis.title.text == FEATURES[2]
    assert fig.layout.yaxis.title.text == FEATURES[0]
    np.testing.assert_allclose(fig.data[0].x, df[FEATURES[2]].to_numpy()[rows_of(fig.data[0])])


def test_scatter_defaults_to_the_first_two_features(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3))
    assert fig.layout.xaxis.title.text == FEATURES[0]
    assert fig.layout.yaxis.title.text == FEATURES[1]


def test_scatter_centres_are_the_segment_centres_in_original_units(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3))
    centres = fig.data[-1]
    np.testing.assert_allclose(centres.x, seg.centres[FEATURES[0]])
    np.testing.assert_allclose(centres.y, seg.centres[FEATURES[1]])
    assert (np.asarray(centres.customdata)[:, 0] == -1).all()  # not customers


def test_scatter_colours_match_the_size_bars(small):
    df, seg = small
    scatter = charts.scatter_figure(df, seg, names_for(3))
    bars = charts.sizes_figure(profiles_by_hand(df, seg), names_for(3))
    scatter_colours = [t.marker.color for t in segment_traces(scatter, 3)]
    assert scatter_colours == list(bars.data[0].marker.color)
    assert scatter_colours == [charts.segment_colour(s) for s in (1, 2, 3)]
    assert list(scatter.data[-1].marker.color) == scatter_colours


def test_scatter_hover_shows_customer_ids_as_text(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3), id_column="customer_id")
    trace = fig.data[0]
    assert list(trace.text) == list(df["customer_id"].to_numpy()[rows_of(trace)])
    assert "customer_id: %{text}" in trace.hovertemplate
    assert all(f in trace.hovertemplate for f in FEATURES)


def test_scatter_selects_by_dragging(small):
    df, seg = small
    assert charts.scatter_figure(df, seg, names_for(3)).layout.dragmode == "select"


def test_scatter_cap_holds_and_keeps_every_segment(big):
    df, seg = big
    fig = charts.scatter_figure(df, seg, names_for(3), max_points=300)
    drawn = [len(t.x) for t in segment_traces(fig, 3)]
    assert sum(drawn) <= 300
    smallest = int(np.argmin(seg.sizes))
    assert drawn[smallest] == seg.sizes[smallest]  # 30 customers: all kept
    assert all(n > 0 for n in drawn)
    for s, trace in enumerate(segment_traces(fig, 3)):
        assert (seg.labels[rows_of(trace)] == s).all()
    assert f"Showing {sum(drawn):,} of 1,230 customers" in all_text(fig)


def test_scatter_sample_is_the_same_every_time(big):
    df, seg = big
    a = charts.scatter_figure(df, seg, names_for(3), max_points=300)
    b = charts.scatter_figure(df, seg, names_for(3), max_points=300)
    for ta, tb in zip(a.data[:3], b.data[:3]):
        np.testing.assert_array_equal(rows_of(ta), rows_of(tb))


def test_scatter_pca_view_titles_axes_with_variance(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3), view="pca")
    title = r"Map axis {0}: \d+% of how customers differ \(PCA {0}\)"
    assert re.fullmatch(title.format(1), fig.layout.xaxis.title.text)
    assert re.fullmatch(title.format(2), fig.layout.yaxis.title.text)
    assert len(fig.data) == 4
    for s, trace in enumerate(segment_traces(fig, 3)):
        assert (seg.labels[rows_of(trace)] == s).all()


def test_scatter_leaves_out_customers_without_a_segment():
    df = customers([60, 50, 40])
    df.loc[[3, 70], FEATURES[1]] = np.nan
    seg = fit_segments(df, FEATURES, 3)
    fig = charts.scatter_figure(df, seg, names_for(3))
    rows = np.concatenate([rows_of(t) for t in segment_traces(fig, 3)])
    assert 3 not in rows and 70 not in rows
    assert len(rows) == len(df) - 2
    assert "2 customers without a segment" in all_text(fig)
    assert "Showing" not in all_text(fig)


def test_scatter_with_one_feature_draws_a_strip_per_segment():
    df = customers([60, 50, 40])
    seg = fit_segments(df, FEATURES[:1], 2)
    fig = charts.scatter_figure(df, seg, names_for(2))
    assert fig.layout.xaxis.title.text == FEATURES[0]
    for s, trace in enumerate(segment_traces(fig, 2)):
        assert (np.abs(np.asarray(trace.y) - s) < 0.5).all()


def test_scatter_refuses_the_wrong_number_of_names(small):
    df, seg = small
    with pytest.raises(SettingsError, match="2 segment names given for k=3"):
        charts.scatter_figure(df, seg, names_for(2))


def test_scatter_refuses_an_unknown_axis_column(small):
    df, seg = small
    with pytest.raises(SettingsError, match="'Age' is not a column"):
        charts.scatter_figure(df, seg, names_for(3), x="Age")


# --- selection -------------------------------------------------------------------------


def test_selected_rows_reads_apptest_and_browser_customdata():
    points = [
        {"curve_number": 0, "customdata": [12.0, 3.5]},
        {"curve_number": 1, "customdata": {"0": 7, "1": 2.0}},
        {"curve_number": 3, "customdata": [-1.0, 2.0]},  # a centre
        {"curve_number": 0, "customdata": [12, 3.5]},  # same customer twice
    ]
    assert charts.selected_rows({"selection": {"points": points}}).tolist() == [7, 12]
    assert charts.selected_rows({"points": points}).tolist() == [7, 12]
    assert charts.selected_rows(None).tolist() == []


def test_selected_rows_round_trip_through_the_figure(small):
    df, seg = small
    fig = charts.scatter_figure(df, seg, names_for(3))
    trace = fig.data[1]
    points = [{"customdata": list(row)} for row in np.asarray(trace.customdata)[:5]]
    rows = charts.selected_rows(points)
    assert (seg.labels[rows] == 1).all()
    assert rows.tolist() == sorted(rows_of(trace)[:5].tolist())


# --- elbow -----------------------------------------------------------------------------


def marker_named(fig, prefix):
    """The marker trace whose legend entry starts with `prefix` ("Recommended", "Elbow"...)."""
    found = [t for t in fig.data if (t.name or "").startswith(prefix + ":")]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def test_elbow_marks_the_recommended_k():
    fig = charts.elbow_figure(k_choice(recommended=5))
    rec = marker_named(fig, "Recommended")
    assert list(rec.x) == [5]
    assert rec.y[0] == pytest.approx(0.55)
    assert rec.name == "Recommended: k=5" and rec.yaxis == "y2"


def test_elbow_marks_the_elbow():
    fig = charts.elbow_figure(k_choice(elbow=4))
    elbow = marker_named(fig, "Elbow")
    assert list(elbow.x) == [4] and elbow.name == "Elbow: k=4"
    assert elbow.y[0] == pytest.approx(110.0)
    assert "no clear elbow" not in all_text(fig).lower()


def test_elbow_says_when_there_is_no_clear_elbow():
    fig = charts.elbow_figure(k_choice(elbow=None))
    assert not [t.name for t in fig.data if t.name.startswith("Elbow")]
    assert "no clear elbow" in all_text(fig).lower()


def test_elbow_highlights_the_current_k():
    fig = charts.elbow_figure(k_choice(), current_k=7)
    current = marker_named(fig, "Your choice")
    assert list(current.x) == [7] and current.name == "Your choice: k=7"
    assert current.y[0] == pytest.approx(45.0)
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(6.65, 7.35)]
    assert not [t for t in charts.elbow_figure(k_choice()).data if t.name.startswith("Your")]


def test_elbow_names_every_mark_in_the_legend_not_on_the_plot():
    """No text sits on the curves or the ticks: every mark is named in the legend, above the
    plot (the labels used to overlap the ticks and each other)."""
    fig = charts.elbow_figure(k_choice(elbow=4, recommended=5), current_k=5)
    assert all("text" not in (t.mode or "") for t in fig.data)
    assert not fig.layout.annotations
    assert fig.layout.legend.y >= 1 and fig.layout.legend.yanchor == "bottom"
    assert all(t.showlegend is not False for t in fig.data)


def test_elbow_plots_spread_and_separation_by_k_in_plain_words():
    fig = charts.elbow_figure(k_choice())
    spread = trace_named(fig, "Spread within segments")
    separation = trace_named(fig, "Separation")
    assert list(spread.x) == list(range(2, 11))
    assert spread.y[0] == 270.0 and separation.y[3] == pytest.approx(0.55)
    assert separation.yaxis == "y2"
    assert fig.layout.xaxis.title.text == "Number of segments (k)"
    assert fig.layout.yaxis.title.text == "Spread within segments (lower = tighter)"
    assert fig.layout.yaxis2.title.text == "Separation (higher = clearer)"
    shown = all_text(fig) + fig.layout.yaxis.title.text + fig.layout.yaxis2.title.text
    assert "inertia" not in shown.lower() and "silhouette" not in shown.lower()


def test_elbow_says_when_scores_come_from_a_sample():
    sampled = charts.elbow_figure(k_choice(sweep_sample=20_000, n=1_000_000))
    assert "scores from a sample of 20,000 of 1,000,000 customers" in all_text(sampled).lower()
    assert "sample" not in all_text(charts.elbow_figure(k_choice()))


# --- sizes and heatmap -----------------------------------------------------------------


def test_sizes_bars_show_count_and_share(small):
    df, seg = small
    fig = charts.sizes_figure(profiles_by_hand(df, seg), names_for(3))
    bar = fig.data[0]
    assert list(bar.x) == list(seg.sizes)
    assert bar.orientation == "h"
    assert bar.text[0] == f"{seg.sizes[0]} · {seg.sizes[0] / 150:.1%}"
    assert all(name in label for name, label in zip(names_for(3), bar.y))


def test_heatmap_colours_the_index_around_100(small):
    df, seg = small
    profiles = profiles_by_hand(df, seg)
    fig = charts.profile_heatmap(profiles, names_for(3))
    heat = fig.data[0]
    assert heat.zmid == 100
    assert np.asarray(heat.z).shape == (3, len(FEATURES))
    expected = profiles.index.to_numpy()
    assert heat.text[0][0] == f"{expected[0, 0]:,.0f}"
    np.testing.assert_allclose(np.asarray(heat.z), np.clip(expected, 0, 200))
    assert list(heat.x) == [wrap(f, 18) for f in FEATURES]


def big_profiles(features, k=10) -> Profiles:
    frame = pd.DataFrame(100.0, index=range(1, k + 1), columns=features)
    sizes = pd.Series(10, index=range(1, k + 1))
    return Profiles(
        k=k,
        features=tuple(features),
        sizes=sizes,
        shares=sizes / sizes.sum(),
        means=frame,
        medians=frame,
        index=frame,
        effect=frame * 0,
        eta_squared=pd.Series(0.1, index=features),
        distinctive=((),) * k,
        category_shares={},
        names=tuple(names_for(k)),
    )


def test_heatmap_shortens_and_tilts_labels_for_15_features():
    features = [f"Feature {j} with a rather long descriptive name" for j in range(15)]
    fig = charts.profile_heatmap(big_profiles(features), names_for(10))
    labels = list(fig.data[0].x)
    assert all(len(label) <= 24 for label in labels)
    assert fig.layout.xaxis.tickangle == -40
    assert np.asarray(fig.data[0].customdata)[0, 14, 1] == features[14]  # full name on hover


def test_heatmap_labels_stay_distinct_when_shortened():
    features = [f"A rather long feature name number {j}" for j in range(15)]
    fig = charts.profile_heatmap(big_profiles(features), names_for(10))
    assert len(set(fig.data[0].x)) == 15


def test_small_numbers_are_not_written_with_si_prefixes():
    df = customers([60, 50, 40])
    df[FEATURES] = df[FEATURES] / 100  # shares 0..1: "500m" would be unreadable
    seg = fit_segments(df, FEATURES, 3)
    fig = charts.scatter_figure(df, seg, names_for(3))
    assert fig.layout.xaxis.tickformat is None
    big = df.assign(**{FEATURES[0]: df[FEATURES[0]] * 1e6})
    assert charts.scatter_figure(big, seg, names_for(3)).layout.xaxis.tickformat == "~s"


# --- user text is shown literally, never as Plotly's HTML subset --------------------------

HOSTILE_NAME = "<b>x</b>"
HOSTILE_COLUMN = "<img src=x onerror=alert(1)>"


def figure_strings(fig: go.Figure) -> list[str]:
    """Every string in the figure's JSON: names, titles, ticks, hover text, annotations."""
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple, np.ndarray)):
            for v in value:
                walk(v)

    spec = fig.to_plotly_json()
    walk(spec["data"])
    walk({k: v for k, v in spec["layout"].items() if k != "template"})
    return out


def assert_literal(fig: go.Figure, *raw: str) -> str:
    """No raw user markup in the figure; return its strings joined for further checks."""
    text = "\n".join(figure_strings(fig))
    for value in raw:
        assert value not in text, f"{value!r} reaches the figure unescaped"
    assert "<img" not in text
    return text


@pytest.fixture(scope="module")
def hostile():
    df = customers([60, 50, 40]).rename(columns={FEATURES[0]: HOSTILE_COLUMN})
    df["customer_id"] = [f"<i>{i}</i>" for i in range(len(df))]
    features = [HOSTILE_COLUMN, *FEATURES[1:]]
    seg = fit_segments(df, features, 3)
    names = [HOSTILE_NAME, "Plain", "A & B"]
    return df, seg, names


@pytest.mark.parametrize("view", ["features", "pca"])
def test_scatter_escapes_names_columns_and_ids(hostile, view):
    df, seg, names = hostile
    fig = charts.scatter_figure(df, seg, names, view=view, id_column="customer_id")
    text = assert_literal(fig, HOSTILE_NAME, HOSTILE_COLUMN, "<i>0</i>")
    assert fig.data[0].name == "&lt;b&gt;x&lt;/b&gt;"
    assert fig.data[2].name == "A &amp; B"
    assert "&lt;i&gt;" in fig.data[0].text[0]  # ids in hover text
    centres = fig.data[-1]
    assert list(centres.text) == ["&lt;b&gt;x&lt;/b&gt;", "Plain", "A &amp; B"]
    escaped_column = "&lt;img src=x onerror=alert(1)&gt;"
    assert escaped_column in fig.data[0].hovertemplate
    if view == "features":
        assert fig.layout.xaxis.title.text == escaped_column
        assert escaped_column in fig.layout.title.text
        assert escaped_column in centres.hovertemplate
    assert "<b>%{fullData.name}</b>" in fig.data[0].hovertemplate  # our own markup stays
    assert "&lt;b&gt;" in text


def test_scatter_strip_escapes_the_single_feature(hostile):
    df, _, names = hostile
    seg = fit_segments(df, [HOSTILE_COLUMN], 3)
    fig = charts.scatter_figure(df, seg, names)
    assert_literal(fig, HOSTILE_NAME, HOSTILE_COLUMN)
    assert fig.layout.xaxis.title.text == "&lt;img src=x onerror=alert(1)&gt;"


def test_percent_braces_in_a_column_are_not_a_hover_placeholder():
    df = customers([60, 50, 40]).rename(columns={FEATURES[1]: "%{x} share"})
    features = [FEATURES[0], "%{x} share", FEATURES[2]]
    seg = fit_segments(df, features, 3)
    fig = charts.scatter_figure(df, seg, names_for(3), x=FEATURES[0], y="%{x} share")
    hover = fig.data[0].hovertemplate
    assert "%{x} share" not in hover and "&#37;{x} share" in hover
    assert "%{x} share" not in fig.data[-1].hovertemplate
    assert fig.layout.yaxis.title.text == "%{x} share"  # a title is not a template


def test_sizes_and_heatmap_escape_names_and_columns(hostile):
    df, seg, names = hostile
    prof = profiles_by_hand(df, seg)
    sizes = charts.sizes_figure(prof, names)
    assert_literal(sizes, HOSTILE_NAME)
    assert sizes.data[0].y[0] == "1 · &lt;b&gt;x&lt;/b&gt;"
    assert list(sizes.data[0].customdata)[0] == "&lt;b&gt;x&lt;/b&gt;"

    heat = charts.profile_heatmap(prof, names)
    assert_literal(heat, HOSTILE_NAME, HOSTILE_COLUMN)
    assert heat.data[0].y[0] == "1 · &lt;b&gt;x&lt;/b&gt;"
    assert "&lt;img" in heat.data[0].x[0]
    assert np.asarray(heat.data[0].customdata)[0, 0, 1] == "&lt;img src=x onerror=alert(1)&gt;"


def test_long_hostile_labels_are_wrapped_before_escaping():
    name = "<b>" * 20
    wrapped = wrap(name, 16)
    assert "<b>" not in wrapped.replace("<br>", "")
    assert all(not part.endswith("&") for part in wrapped.split("<br>"))  # no cut entity
    shortened = shorten("<" * 40, 24)
    assert shortened == "&lt;" * 23 + "…"


# --- every figure is valid Plotly and looks like plotly_white ------------------------------


def every_figure(df, seg) -> dict[str, go.Figure]:
    """One figure from each builder, in each of its shapes."""
    profiles = profiles_by_hand(df, seg)
    strip = fit_segments(df, FEATURES[:1], 2)
    return {
        "elbow": charts.elbow_figure(k_choice()),
        "elbow, current k, no elbow, sampled": charts.elbow_figure(
            k_choice(elbow=None, sweep_sample=100, n=1_000), current_k=7
        ),
        "scatter": charts.scatter_figure(df, seg, names_for(3), id_column="customer_id"),
        "scatter, PCA": charts.scatter_figure(df, seg, names_for(3), view="pca"),
        "scatter, strip": charts.scatter_figure(df, strip, names_for(2)),
        "sizes": charts.sizes_figure(profiles, names_for(3)),
        "heatmap": charts.profile_heatmap(profiles, names_for(3)),
    }


@pytest.fixture(scope="module")
def figures(small):
    return every_figure(*small)


def test_every_figure_passes_plotly_validation_when_rebuilt(figures):
    for name, fig in figures.items():
        spec = fig.to_dict()
        rebuilt = go.Figure(spec)  # validates every property; raises on an invalid one
        assert len(rebuilt.data) == len(fig.data), name


def test_every_figure_has_the_plotly_white_look(figures):
    white = pio.templates["plotly_white"].layout
    for name, fig in figures.items():
        look = fig.layout.template.layout
        assert look.plot_bgcolor == "white" == white.plot_bgcolor, name
        assert look.xaxis.gridcolor == white.xaxis.gridcolor == look.yaxis.gridcolor, name
        assert look.font.color == white.font.color, name
        assert list(look.colorway) == list(white.colorway), name


def test_bars_and_colour_bar_keep_plotly_white_trace_styles():
    white = pio.templates["plotly_white"].data
    assert charts.TEMPLATE.data.bar[0].marker.line == white.bar[0].marker.line
    assert charts.TEMPLATE.data.heatmap[0].colorbar == white.heatmap[0].colorbar


def test_scatter_ships_coordinates_and_customdata_as_binary_arrays(small):
    df, seg = small
    spec = charts.scatter_figure(df, seg, names_for(3), id_column="customer_id").to_dict()
    for trace in spec["data"]:
        for key in ("x", "y", "customdata"):
            assert set(trace[key]) >= {"dtype", "bdata"}, (trace["name"], key)


def test_every_figure_sends_the_json_plotly_itself_writes(figures):
    # Our Figure hands Plotly's JSON encoder its text arrays as lists (the fast path); the
    # browser must receive exactly what a plain go.Figure of the same spec would send.
    for name, fig in figures.items():
        plain = go.Figure(fig.to_dict())
        assert fig.to_json() == plain.to_json(), name
        assert pio.to_json(fig.to_dict(), validate=False) == plain.to_json(), name
