"""Choosing k: scores, elbow, recommendation; the published mall result."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from segmentation.choose_k import evaluate_k, evaluate_prepared, find_elbow
from segmentation.errors import SettingsError
from segmentation.kmeans import FIT_SAMPLE
from segmentation.metrics import SILHOUETTE_SAMPLE
from segmentation.model import fit_segments

MALL_FEATURES = ["Annual Income (k$)", "Spending Score (1-100)"]


@pytest.fixture(scope="module")
def mall(datasets_dir):
    return pd.read_csv(datasets_dir / "mall_customers.csv")


def test_mall_best_silhouette_is_k5_with_the_published_sizes(mall):
    choice = evaluate_k(mall, MALL_FEATURES, range(2, 11), scaler="standard")
    assert choice.recommended == 5
    assert choice.k_values == tuple(range(2, 11))
    seg = fit_segments(mall, MALL_FEATURES, choice.recommended)
    assert seg.sizes == (81, 39, 35, 23, 22)


def test_mall_sweep_and_fit_agree_on_the_silhouette(mall):
    choice = evaluate_k(mall, MALL_FEATURES)
    seg = fit_segments(mall, MALL_FEATURES, 5)
    assert choice.table().loc[5, "silhouette"] == pytest.approx(seg.silhouette)


def test_evaluate_k_reason_names_the_k_and_the_score(mall):
    choice = evaluate_k(mall, MALL_FEATURES)
    assert "k=5" in choice.reason and "silhouette" in choice.reason


def test_evaluate_k_inertia_falls_as_k_grows(mall):
    inertia = evaluate_k(mall, MALL_FEATURES).table()["inertia"]
    assert inertia.is_monotonic_decreasing


def test_evaluate_k_table_has_every_score(mall):
    table = evaluate_k(mall, MALL_FEATURES, [2, 3]).table()
    assert list(table.columns) == ["inertia", "silhouette", "calinski_harabasz", "davies_bouldin"]
    assert list(table.index) == [2, 3]


def test_evaluate_k_small_data_is_not_sampled(mall):
    choice = evaluate_k(mall, MALL_FEATURES)
    assert choice.sweep_sample is None and choice.silhouette_sample is None


def test_evaluate_k_large_data_says_it_sampled():
    X, _ = make_blobs(n_samples=30_000, centers=4, n_features=3, random_state=0)
    choice = evaluate_k(pd.DataFrame(X, columns=list("abc")), list("abc"), range(2, 7))
    assert choice.recommended == 4
    assert choice.sweep_sample == FIT_SAMPLE and choice.silhouette_sample == SILHOUETTE_SAMPLE
    assert choice.n_customers == 30_000


def test_evaluate_k_leaves_out_k_beyond_the_customers():
    df = pd.DataFrame({"x": np.arange(6.0)})
    assert evaluate_k(df, ["x"], range(2, 11)).k_values == (2, 3, 4, 5)


def test_evaluate_k_with_too_few_distinct_customers_is_refused():
    df = pd.DataFrame({"x": [5.0] * 10})
    with pytest.raises(SettingsError, match="1 distinct customers"):
        evaluate_k(df, ["x"])


def test_find_elbow_on_a_clear_knee():
    assert find_elbow([1, 2, 3, 4, 5, 6], [100, 40, 12, 10, 9, 8]) == 3


def test_find_elbow_is_honestly_none_on_a_straight_line():
    assert find_elbow([2, 3, 4, 5, 6], [50, 40, 30, 20, 10]) is None


def test_find_elbow_needs_three_points():
    assert find_elbow([2, 3], [10, 5]) is None


@pytest.mark.parametrize("n", [300, 12_000])
def test_fit_from_the_sweeps_centres_gives_the_same_segments(n):
    from segmentation.model import fit_prepared
    from segmentation.prepare import prepare_features

    X, _ = make_blobs(n_samples=n, centers=4, n_features=3, random_state=1)
    prepared = prepare_features(pd.DataFrame(X, columns=list("abc")), list("abc"))
    choice = evaluate_prepared(prepared, range(2, 6))
    for k in choice.k_values:
        started = fit_prepared(prepared, k, start=choice.start_centres[k])
        searched = fit_prepared(prepared, k)
        np.testing.assert_array_equal(started.labels, searched.labels)
        assert started.inertia == pytest.approx(searched.inertia)
