"""Margins and runner-up segments, transitions between k, and their figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from segmentation import SettingsError, charts, fit_prepared, fit_segments, prepare_features
from segmentation.charts import borderline_overlay, sankey_figure
from segmentation.margins import (
    BORDERLINE,
    borderline_summary,
    scaled_centres,
    segment_margins,
)
from segmentation.transitions import describe_transition, segment_transitions

values = arrays(
    np.float64,
    st.tuples(st.integers(12, 60), st.integers(1, 3)),
    elements=st.floats(-1e3, 1e3, allow_nan=False, width=32),
)


@settings(max_examples=25, deadline=None)
@given(values, st.integers(2, 4))
def test_margins_in_unit_range_with_a_runner_up_other_than_own(matrix, k):
    frame = pd.DataFrame(matrix, columns=[f"f{j}" for j in range(matrix.shape[1])])
    prepared = prepare_features(frame, list(frame.columns))
    try:
        seg = fit_prepared(prepared, k)
    except SettingsError:  # fewer distinct customers than k: no segmentation to measure
        assume(False)
    result = segment_margins(prepared, seg)
    assert ((result.margin >= 0) & (result.margin <= 1)).all()
    assert (result.runner_up != seg.labels).all()
    assert ((result.runner_up >= 0) & (result.runner_up < k)).all()
    # The definition, brute force: 1 - d(own) / d(nearest other centre), clipped at 0.
    centres = scaled_centres(seg)
    d = np.linalg.norm(prepared.matrix[:, None, :] - centres[None], axis=2)
    own = d[np.arange(len(d)), seg.labels]
    d[np.arange(len(d)), seg.labels] = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.clip(np.nan_to_num(1 - own / d.min(axis=1)), 0, 1)
    np.testing.assert_allclose(result.margin, expected, atol=1e-9)


def test_margins_blank_for_customers_without_a_segment():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 10.0, 11.0, 12.0], "b": [1.0] * 6})
    prepared = prepare_features(frame, ["a", "b"])
    seg = fit_prepared(prepared, 2)
    result = segment_margins(prepared, seg)
    assert result.runner_up[2] == -1 and np.isnan(result.margin[2])
    assert np.isfinite(np.delete(result.margin, 2)).all()


def test_margins_in_chunks_equal_margins_in_one_go(monkeypatch):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(1000, 3)), columns=list("abc"))
    prepared = prepare_features(frame, list("abc"))
    seg = fit_prepared(prepared, 4)
    whole = segment_margins(prepared, seg)
    monkeypatch.setattr("segmentation.margins.CHUNK", 97)  # 11 chunks over two threads
    chunked = segment_margins(prepared, seg)
    np.testing.assert_array_equal(whole.margin, chunked.margin)
    np.testing.assert_array_equal(whole.runner_up, chunked.runner_up)


def test_borderline_summary_counts_and_leaning():
    frame = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 5.0, 6.0, 10.0, 11.0, 12.0]})
    prepared = prepare_features(frame, ["spend"], scaler="none")
    seg = fit_prepared(prepared, 2)
    margins = segment_margins(prepared, seg)
    summary = borderline_summary(margins, seg, threshold=0.7)
    border = margins.margin < 0.7
    for s in range(2):
        members = seg.labels == s
        assert summary.counts[s] == int((border & members).sum())
        assert summary.shares[s] == pytest.approx((border & members).sum() / members.sum())
    assert summary.lean_to[seg.labels[4]] == 1 - seg.labels[4]  # 6 leans to the other one
    assert BORDERLINE == 0.2
    with pytest.raises(SettingsError, match="threshold=0"):
        borderline_summary(margins, seg, threshold=0)


@pytest.fixture(scope="module")
def three_groups():
    frame = pd.DataFrame({"spend": [1.0, 1.1, 1.2, 5.0, 5.2, 5.4, 9.0, 9.1, 9.2, 9.3]})
    return frame, [fit_segments(frame, ["spend"], k) for k in (2, 3, 4)]


def test_transitions_count_every_customer_once(three_groups):
    _, (two, three, _) = three_groups
    t = segment_transitions(two, three)
    assert t.counts.shape == (2, 3)
    assert t.counts.sum(axis=1).tolist() == list(two.sizes)
    assert t.counts.sum(axis=0).tolist() == list(three.sizes)
    assert t.n_customers == 10


def test_transition_description_names_the_split(three_groups):
    _, (two, three, _) = three_groups
    text = describe_transition(
        segment_transitions(two, three), ["Low", "High"], ["High", "Low", "Middle"]
    )
    # k=2 puts 1-5.4 together; k=3 splits them into "Low" and "Middle".
    assert "Low splits into" in text and "Middle" in text


def test_transition_description_says_when_nothing_moves(three_groups):
    _, (_, three, _) = three_groups
    text = describe_transition(segment_transitions(three, three), list("abc"), list("abc"))
    assert "none splits or merges" in text


def test_transitions_refuse_fits_of_other_customers(three_groups):
    frame, (two, _, _) = three_groups
    other = fit_segments(frame.iloc[:9], ["spend"], 2)
    with pytest.raises(SettingsError, match="not of the same customers"):
        segment_transitions(two, other)


def test_sankey_links_carry_every_customer_and_names_are_text(three_groups):
    _, (two, three, four) = three_groups
    chain = [segment_transitions(two, three), segment_transitions(three, four)]
    names = [["<b>A</b>", "B"], list("CDE"), list("FGHI")]
    fig = sankey_figure(chain, names, chosen_k=3)
    spec = json.loads(fig.to_json())
    trace = spec["data"][0]
    assert trace["type"] == "sankey"
    assert len(trace["node"]["label"]) == 2 + 3 + 4
    assert sum(fig.data[0].link.value) == 20  # 10 customers, twice
    assert "&lt;b&gt;A&lt;/b&gt;" in trace["node"]["label"][0]
    headings = [a["text"] for a in spec["layout"]["annotations"]]
    assert headings == ["<b>k = 2</b>", "<b>k = 3</b> (chosen)", "<b>k = 4</b>"]
    assert "split or regroup" in spec["layout"]["title"]["text"]


def test_sankey_refuses_a_broken_chain(three_groups):
    _, (two, three, four) = three_groups
    with pytest.raises(SettingsError, match="do not follow each other"):
        sankey_figure(
            [segment_transitions(two, three), segment_transitions(two, four)],
            [list("ab"), list("abc"), list("abcd")],
        )
    with pytest.raises(SettingsError, match="one name per segment"):
        sankey_figure([segment_transitions(two, three)], [list("ab"), list("ab")])


def test_borderline_overlay_outlines_exactly_the_borderline_drawn_customers():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(400, 2)), columns=["a", "b"])
    prepared = prepare_features(frame, ["a", "b"])
    seg = fit_prepared(prepared, 3)
    margins = segment_margins(prepared, seg)
    fig = charts.scatter_figure(frame, seg, ["x", "y", "z"])
    out = borderline_overlay(fig, margins, threshold=0.2)
    overlay = out.data[-1]
    rows = sorted(int(r) for r in overlay.customdata[:, 0])
    assert rows == np.flatnonzero(margins.margin < 0.2).tolist()
    # Its extra columns are the runner-up (1..k) and the margin, for the hover.
    np.testing.assert_allclose(
        overlay.customdata[:, -1], margins.margin[overlay.customdata[:, 0].astype(int)]
    )
    assert all(t.marker.opacity < 0.5 for t in out.data[:3])
    assert len(fig.data) == len(out.data) - 1  # the cached scatter itself is not edited
    assert charts.selected_rows({"points": [{"customdata": [rows[0], 0, 0]}]}).tolist() == rows[:1]


# --------------------------------------------------------------------------- downloads


def _customers(text: str):
    from segmentation import read_customers

    return read_customers(text.encode(), name="customers.csv")


CSV = "customer_id,spend,visits\n" + "".join(
    f"c{i},{v},{w}\n"
    for i, (v, w) in enumerate(
        [(1, 2), (2, 1), (3, 3), (5, 4), (6, 2), (10, 9), (11, 8), ("", 7), (12, 9), (13, 10)]
    )
)


@pytest.mark.parametrize("plain", [True, False])
def test_downloads_gain_runner_up_and_margin_for_every_row(plain):
    from io import StringIO

    from segmentation import export

    # A quoted cell takes the general path; a plain file has its lines copied.
    text = CSV if plain else CSV.replace("c0,", '"c0",')
    data = _customers(text)
    prepared = prepare_features(data.frame, ["spend", "visits"])
    seg = fit_prepared(prepared, 2)
    margins = segment_margins(prepared, seg)
    names = ["Low", "High"]
    written = export.labelled_csv_bytes(data, seg, names, margins=margins)
    back = pd.read_csv(StringIO(written.decode()), dtype=str, keep_default_na=False)
    assert len(back) == 10  # every customer, the one without spend too
    assert list(back.columns[-2:]) == ["runner_up_segment", "margin"]
    assigned = back["segment"] != ""
    assert (back.loc[~assigned, ["runner_up_segment", "margin"]] == "").all().all()
    assert (back.loc[assigned, "runner_up_segment"] != back.loc[assigned, "segment"]).all()
    expected = np.round(margins.margin[assigned.to_numpy()], 3)
    np.testing.assert_allclose(back.loc[assigned, "margin"].astype(float), expected)
    table = export.labelled_customers(data, seg, names, margins=margins)
    general = export.to_csv_bytes(table)
    again = pd.read_csv(StringIO(general.decode()), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, again)  # both paths write the same cells
    one = export.segment_customers(data, seg, names, 1, margins=margins)
    assert (one["runner_up_segment"] == "2").all() and len(one) == seg.sizes[0]


def test_download_without_margins_is_unchanged():
    from segmentation import export

    data = _customers(CSV)
    seg = fit_prepared(prepare_features(data.frame, ["spend", "visits"]), 2)
    table = export.labelled_customers(data, seg, ["Low", "High"])
    assert "margin" not in table.columns and "runner_up_segment" not in table.columns


def test_download_margin_columns_do_not_replace_the_users_own():
    from segmentation import export

    data = _customers(CSV.replace("visits", "margin"))
    prepared = prepare_features(data.frame, ["spend", "margin"])
    seg = fit_prepared(prepared, 2)
    table = export.labelled_customers(
        data, seg, ["Low", "High"], margins=segment_margins(prepared, seg)
    )
    assert table["margin"].tolist() == data.raw["margin"].tolist()
    assert {"runner_up_segment_new", "margin_new"} <= set(table.columns)


def test_sankey_colours_follow_the_chosen_segments_across_k():
    from segmentation.charts import segment_colour
    from segmentation.transitions import Transition

    # k=2 -> 3: segment 1 keeps its customers, segment 2 splits into 2 and 3;
    # k=3 -> 4: segment 1 splits into 1 and 4.
    first = Transition(2, 3, np.array([[40, 0, 0], [0, 30, 20]]))
    second = Transition(3, 4, np.array([[25, 0, 0, 15], [0, 30, 0, 0], [0, 0, 20, 0]]))
    fig = sankey_figure([first, second], [list("ab"), list("cde"), list("fghi")], chosen_k=3)
    colours = list(fig.data[0].node.color)
    own = [segment_colour(s) for s in (1, 2, 3)]
    assert colours[2:5] == own  # the chosen k in its own colours
    assert colours[0:2] == [own[0], own[1]]  # k=2's segment 2 mostly became k=3's 2
    assert colours[5:9] == [own[0], own[1], own[2], own[0]]  # k=4's 4 came from k=3's 1
