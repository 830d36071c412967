"""Bootstrap stability, margins and transitions on planted data a person can picture.

The planted data: one wide round group (an even disc) and three compact groups around it at
120 degrees (so the standard scaling keeps the disc round). k=5 must cut the disc in two,
along an arbitrary line: those two halves are the segments a marketer should not trust.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from segmentation import SettingsError, fit_prepared, prepare_features
from segmentation.margins import segment_margins
from segmentation.stability import (
    STABILITY_RESAMPLES,
    Stability,
    best_jaccard,
    segment_stability,
    stability_word,
    stable_sample,
)


def _turn(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def planted(n_wide: int = 400, n_compact: int = 150, seed: int = 0):
    """(frame, truth): truth 0 = the wide disc, 1..3 the compact groups."""
    i = np.arange(n_wide) + 0.5
    angle = i * np.pi * (3 - 5**0.5)  # the golden angle: an even disc with no long axis
    radius = 5.0 * np.sqrt(i / n_wide)
    wide = np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]
    blob = np.random.default_rng(seed).normal(size=(n_compact, 2)) * 0.7 + [14.0, 0.0]
    compact = [blob @ _turn(a).T for a in (0.0, 2 * np.pi / 3, 4 * np.pi / 3)]
    frame = pd.DataFrame(np.vstack([wide, *compact]), columns=["x", "y"])
    return frame, np.repeat([0, 1, 2, 3], [n_wide] + [n_compact] * 3)


@pytest.fixture(scope="module")
def planted_fit():
    frame, truth = planted()
    prepared = prepare_features(frame, ["x", "y"])
    seg = fit_prepared(prepared, 5)
    return frame, truth, prepared, seg


@pytest.fixture(scope="module")
def planted_stability(planted_fit):
    _, _, prepared, seg = planted_fit
    return segment_stability(prepared, seg)


def _halves_and_compact(truth: np.ndarray, labels: np.ndarray) -> tuple[set, set]:
    halves = set(np.unique(labels[truth == 0]).tolist())
    compact = {int(np.bincount(labels[truth == g]).argmax()) for g in (1, 2, 3)}
    return halves, compact


def test_planted_fit_cuts_the_disc_and_keeps_compact_groups_whole(planted_fit):
    _, truth, _, seg = planted_fit
    halves, compact = _halves_and_compact(truth, seg.labels)
    assert len(halves) == 2 and len(compact) == 3 and not halves & compact


def test_stability_halves_doubtful_or_unstable_compact_highly_stable(
    planted_fit, planted_stability
):
    _, truth, _, seg = planted_fit
    halves, compact = _halves_and_compact(truth, seg.labels)
    values, words = planted_stability.stability, planted_stability.words
    for s in halves:
        assert values[s] <= 0.75
        assert words[s] in ("doubtful", "unstable")
    for s in compact:
        assert values[s] >= 0.85
        assert words[s] == "highly stable"


def test_stability_reports_what_it_did(planted_fit, planted_stability):
    _, _, prepared, _ = planted_fit
    assert planted_stability.resamples == STABILITY_RESAMPLES
    assert planted_stability.sample_size == len(prepared.matrix)  # 850 rows: all resampled
    assert planted_stability.starts == 10  # the app's fit of a small table: 10 starts
    table = planted_stability.table()
    assert table.index.tolist() == [1, 2, 3, 4, 5]
    assert table["stability"].between(0, 1).all()


def test_stability_same_input_same_numbers(planted_fit, planted_stability):
    _, _, prepared, seg = planted_fit
    assert segment_stability(prepared, seg) == planted_stability


def test_stability_row_shuffle_with_same_segments_gives_identical_numbers(
    planted_fit, planted_stability
):
    frame, _, _, seg = planted_fit
    order = np.random.default_rng(7).permutation(len(frame))
    shuffled = prepare_features(frame.iloc[order].reset_index(drop=True), ["x", "y"])
    # The same segments, each customer keeping its own: only the row order changed.
    same = dataclasses.replace(seg, labels=seg.labels[order], reasons=seg.reasons[order])
    assert segment_stability(shuffled, same) == planted_stability


def test_stability_row_shuffle_and_refit_gives_the_same_verdicts(planted_fit, planted_stability):
    frame, truth, _, _ = planted_fit
    order = np.random.default_rng(11).permutation(len(frame))
    shuffled = prepare_features(frame.iloc[order].reset_index(drop=True), ["x", "y"])
    refit = fit_prepared(shuffled, 5)
    again = segment_stability(shuffled, refit)
    # The refit may cut the disc at another angle, so the halves may move a little; the
    # compact groups are the same customers and come out exactly the same.
    assert sorted(again.words) == sorted(planted_stability.words)
    np.testing.assert_allclose(
        sorted(again.stability), sorted(planted_stability.stability), atol=0.05
    )
    _, compact = _halves_and_compact(truth[order], refit.labels)
    _, compact_before = _halves_and_compact(truth, planted_fit[3].labels)
    assert sorted(again.stability[s] for s in compact) == sorted(
        planted_stability.stability[s] for s in compact_before
    )


def test_stability_has_settled_at_the_chosen_resample_count(planted_fit, planted_stability):
    _, _, prepared, seg = planted_fit
    many = segment_stability(prepared, seg, resamples=4 * STABILITY_RESAMPLES)
    # The first STABILITY_RESAMPLES resamples are the same draws: the rest move the mean
    # by less than 0.05 (a Monte Carlo error far below the gaps between fpc's words).
    np.testing.assert_allclose(planted_stability.stability, many.stability, atol=0.05)
    assert planted_stability.words == many.words


def test_stability_large_table_uses_a_fixed_sample_and_the_large_fit_settings():
    frame, truth = planted(n_wide=4000, n_compact=1500)
    prepared = prepare_features(frame, ["x", "y"])
    seg = fit_prepared(prepared, 5)
    result = segment_stability(prepared, seg, resamples=20, sample_size=1000)
    assert result.sample_size == 1000
    assert result.starts == 2  # the app fits more than 5,000 customers with 2 starts
    halves, compact = _halves_and_compact(truth, seg.labels)
    assert max(result.stability[s] for s in halves) < min(result.stability[s] for s in compact)


def test_stability_small_segment_is_not_measured():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        np.vstack([rng.normal(size=(300, 2)), rng.normal(size=(2, 2)) * 0.1 + 50.0]),
        columns=["a", "b"],
    )
    prepared = prepare_features(frame, ["a", "b"])
    seg = fit_prepared(prepared, 2)
    result = segment_stability(prepared, seg, resamples=4)
    assert seg.sizes[1] == 2
    assert result.stability[1] is None and result.words[1] == "not measured"
    assert result.stability[0] is not None


@pytest.mark.parametrize("kwargs", [{"resamples": 1}, {"sample_size": 5}, {"resamples": 2.5}])
def test_stability_refuses_too_few_resamples_or_customers(planted_fit, kwargs):
    _, _, prepared, seg = planted_fit
    with pytest.raises(SettingsError, match="must be a whole number of at least"):
        segment_stability(prepared, seg, **kwargs)


def test_stability_refuses_a_segmentation_of_other_features(planted_fit):
    frame, _, prepared, _ = planted_fit
    other = fit_prepared(prepare_features(frame, ["x"]), 3)
    with pytest.raises(SettingsError, match="not fitted on these prepared features"):
        segment_stability(prepared, other)


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (1.0, "highly stable"),
        (0.85, "highly stable"),
        (0.849, "stable"),
        (0.75, "stable"),
        (0.7, "doubtful"),
        (0.6, "doubtful"),
        (0.59, "unstable"),
        (0.0, "unstable"),
    ],
)
def test_stability_words_follow_fpc(value, word):
    assert stability_word(value) == word


def test_best_jaccard_by_hand():
    # Segment 0 = {0, 1, 2} meets new segment 1 = {2, 3}: 1 shared of 4 -> 0.25, and new
    # segment 0 = {0, 1}: 2 of 3 -> 0.667 (the best); segment 1 = {3} best with {2, 3}: 0.5.
    best = best_jaccard(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1]), 2)
    np.testing.assert_allclose(best, [2 / 3, 1 / 2])


def test_stable_sample_is_the_same_customers_in_any_row_order():
    matrix = np.random.default_rng(3).normal(size=(500, 3))
    order = np.random.default_rng(4).permutation(500)
    first = matrix[stable_sample(matrix, 100)]
    second = matrix[order][stable_sample(matrix[order], 100)]
    np.testing.assert_array_equal(first, second)


def test_margins_lowest_along_the_cut(planted_fit):
    _, truth, prepared, seg = planted_fit
    halves, _ = _halves_and_compact(truth, seg.labels)
    margins = segment_margins(prepared, seg)
    lowest = np.argsort(margins.margin)[: len(truth) // 20]  # the 5% nearest a border
    # All of them are in the disc, leaning to its other half.
    assert (truth[lowest] == 0).all()
    assert all(margins.runner_up[r] in halves - {seg.labels[r]} for r in lowest)
    assert np.median(margins.margin[truth > 0]) > np.median(margins.margin[truth == 0])


def test_stability_result_is_frozen(planted_stability):
    assert isinstance(planted_stability, Stability)
    with pytest.raises(dataclasses.FrozenInstanceError):
        planted_stability.resamples = 3  # type: ignore[misc]


@pytest.mark.parametrize(("settings", "n"), [((10, 1e-4, False), 10), ((2, 3e-3, True), 2)])
def test_each_refit_is_the_apps_fit_with_its_starts(settings, n):
    from sklearn.cluster import KMeans

    from segmentation.stability import _fit_settings, _refit

    rows = np.random.default_rng(5).normal(size=(600, 3))
    got = _refit(rows, 4, 123, settings)
    km = KMeans(4, n_init=n, tol=settings[1], random_state=123).fit(rows)
    if settings[2]:  # a large table: the best start refined on every row to the default tol
        km = KMeans(4, init=km.cluster_centers_, n_init=1).fit(rows)
    np.testing.assert_allclose(got, km.cluster_centers_, atol=1e-9)
    assert _fit_settings(5_000) == (10, 1e-4, False) and _fit_settings(5_001) == (2, 3e-3, True)
