"""Separation scores: silhouette, Calinski-Harabasz, Davies-Bouldin equal scikit-learn's."""

import numpy as np
import pytest
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from segmentation.metrics import SILHOUETTE_SAMPLE, separation_scores, silhouettes
from segmentation.sample import sample_rows


@pytest.mark.parametrize("n", [50, 5_000])
def test_silhouettes_equal_sklearns_score(n):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(n, 3))
    labels = [rng.integers(0, 3, n), np.r_[0, np.ones(n - 1, dtype=int)]]  # second: a singleton
    scores, sample = silhouettes(points, labels, 42)
    used = sample_rows(n, SILHOUETTE_SAMPLE, 42)
    for got, lab in zip(scores, labels):
        if len(np.unique(lab[used])) < 2:
            assert got is None  # one segment in the rows scored: undefined, not invented
        else:
            # Distances in float32: equal to well below a score's precision.
            assert got == pytest.approx(silhouette_score(points[used], lab[used]), abs=1e-6)
    assert sample == (None if n <= SILHOUETTE_SAMPLE else SILHOUETTE_SAMPLE)


def test_silhouettes_of_every_customer_alone_is_undefined():
    scores, _ = silhouettes(np.arange(4.0)[:, None], [np.arange(4)], 42)
    assert scores == [None]


@pytest.mark.parametrize(
    "labels",
    [
        np.repeat([0, 1, 2], [50, 30, 20]),
        np.random.default_rng(0).integers(0, 7, 100),
        np.r_[np.zeros(99, dtype=int), 5],  # a lone customer, label numbers with gaps
    ],
)
def test_separation_scores_equal_sklearns(labels):
    points = np.random.default_rng(1).normal(size=(100, 3)) + labels[:, None]
    ch, db = separation_scores(points, labels)
    assert ch == pytest.approx(calinski_harabasz_score(points, labels), rel=1e-12)
    assert db == pytest.approx(davies_bouldin_score(points, labels), rel=1e-12)


def test_separation_scores_of_identical_segments_are_sklearns_edge_values():
    points = np.r_[np.zeros((5, 2)), np.ones((5, 2))]
    labels = np.repeat([0, 1], 5)
    assert separation_scores(points, labels) == (
        calinski_harabasz_score(points, labels),
        davies_bouldin_score(points, labels),
    )
