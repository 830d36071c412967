"""Fitting segments: labels, stable numbering, centres in original units, errors."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import make_blobs

from segmentation.errors import DataError, SettingsError
from segmentation.kmeans import SMALL_DATA
from segmentation.model import fit_segments
from segmentation.prepare import prepare_features


@pytest.fixture
def blobs():
    X, truth = make_blobs(
        n_samples=[60, 30, 10], centers=[[0, 0], [10, 10], [20, 0]], random_state=0
    )
    df = pd.DataFrame(X * [1000, 1], columns=["income", "spend"])
    df.insert(0, "customer_id", [f"c{i}" for i in range(len(df))])
    return df, truth


def test_fit_numbers_segments_largest_first(blobs):
    df, _ = blobs
    seg = fit_segments(df, ["income", "spend"], 3)
    assert seg.sizes == (60, 30, 10)
    assert np.bincount(seg.labels).tolist() == [60, 30, 10]


def test_fit_recovers_planted_groups(blobs):
    df, truth = blobs
    seg = fit_segments(df, ["income", "spend"], 3)
    # Each planted group lands in exactly one segment.
    for group in range(3):
        assert len(set(seg.labels[truth == group])) == 1


def test_fit_centres_are_in_original_units(blobs):
    df, truth = blobs
    seg = fit_segments(df, ["income", "spend"], 3)
    for segment in range(3):
        members = df.loc[seg.labels == segment, ["income", "spend"]]
        np.testing.assert_allclose(seg.centres.loc[segment], members.mean(), rtol=1e-6)


def test_fit_centres_undo_the_log_transform():
    df = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 1000.0, 1100.0, 1200.0]})
    seg = fit_segments(df, ["spend"], 2, log_features=["spend"])
    # The centre of a log-scaled segment is the geometric-style mean, back in dollars.
    assert 900 < seg.centres["spend"].max() < 1200
    assert 1 < seg.centres["spend"].min() < 3


def test_fit_same_input_same_labels(blobs):
    df, _ = blobs
    first = fit_segments(df, ["income", "spend"], 4)
    second = fit_segments(df, ["income", "spend"], 4)
    np.testing.assert_array_equal(first.labels, second.labels)
    assert first.inertia == second.inertia


def test_fit_numbering_survives_a_reshuffle_of_rows(blobs):
    df, _ = blobs
    seg = fit_segments(df, ["income", "spend"], 3)
    order = np.random.default_rng(1).permutation(len(df))
    shuffled = fit_segments(df.iloc[order].reset_index(drop=True), ["income", "spend"], 3)
    np.testing.assert_array_equal(shuffled.labels, seg.labels[order])


def test_fit_unassigned_rows_keep_their_place_and_reason(blobs):
    df, _ = blobs
    df.loc[[3, 7], "spend"] = np.nan
    seg = fit_segments(df, ["income", "spend"], 3)
    assert len(seg.labels) == len(df)
    assert seg.labels[3] == -1 and seg.labels[7] == -1
    assert seg.reasons[3] == "missing spend"
    assert seg.n_assigned == len(df) - 2


def test_fit_pipeline_predicts_the_same_segments(blobs):
    df, _ = blobs
    seg = fit_segments(df, ["income", "spend"], 3)
    predicted = seg.pipeline.predict(df[["income", "spend"]].to_numpy())
    np.testing.assert_array_equal(predicted, seg.labels)


def test_fit_large_data_matches_full_data_quality():
    X, _ = make_blobs(n_samples=SMALL_DATA * 6, centers=5, n_features=4, random_state=3)
    df = pd.DataFrame(X, columns=list("abcd"))
    seg = fit_segments(df, list("abcd"), 5)
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    reference = KMeans(5, n_init=10, random_state=42).fit(StandardScaler().fit_transform(X))
    assert seg.inertia <= reference.inertia_ * 1.005
    assert seg.silhouette_sample is not None  # the score says it was sampled


@pytest.mark.parametrize(
    ("k", "match"),
    [
        (12, "k=12 must be between 2 and 9 for 10 customers"),
        (1, "k=1 must be between 2 and 9 for 10 customers"),
        (2.5, "must be a whole number"),
    ],
)
def test_fit_rejects_k_out_of_range(k, match):
    df = pd.DataFrame({"x": np.arange(10.0)})
    with pytest.raises(SettingsError, match=match):
        fit_segments(df, ["x"], k)


def test_fit_refuses_more_segments_than_distinct_customers():
    df = pd.DataFrame({"x": [1.0] * 8 + [2.0] * 2})
    with pytest.raises(SettingsError, match="more than the 2 distinct customers"):
        fit_segments(df, ["x"], 3)


def test_fit_two_customers_is_too_few():
    df = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(SettingsError, match="needs at least 3"):
        fit_segments(df, ["x"], 2)


@settings(max_examples=25, deadline=None)
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(6, 60), st.integers(1, 3)),
        # Customer-sized numbers: values like 1e-195 are told apart by no distance
        # (test_fit_refuses_values_no_distance_tells_apart).
        elements=st.one_of(
            st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).filter(
                lambda x: x == 0 or abs(x) >= 1e-9
            ),
            st.just(np.nan),
        ),
    ),
    k=st.integers(2, 4),
)
def test_fit_every_clustered_customer_gets_one_segment_in_range(values, k):
    df = pd.DataFrame(values, columns=[f"f{j}" for j in range(values.shape[1])])
    features = list(df.columns)
    refusal = _expected_refusal(df, values, k)
    if refusal is not None:  # the data cannot hold k segments: refused, naming why
        error, match = refusal
        with pytest.raises(error, match=match):
            fit_segments(df, features, k)
        return
    seg = fit_segments(df, features, k)
    complete = np.isfinite(values).all(axis=1)
    assert (seg.labels[complete] >= 0).all() and (seg.labels[complete] < k).all()
    assert (seg.labels[~complete] == -1).all()
    assert sum(seg.sizes) == complete.sum() == seg.n_assigned
    assert len(seg.labels) == len(df)
    assert all(size > 0 for size in seg.sizes), "an empty segment"


def _expected_refusal(df, values, k):
    """The error (class, message pattern) `fit_segments` must raise, or None to fit."""
    present = np.isfinite(values)
    if not present.any(axis=0).all():
        return DataError, "has no values at all"
    complete = present.all(axis=1)
    n = int(complete.sum())
    if n == 0:
        return DataError, "Every customer misses at least one chosen feature"
    if n < 3:
        return SettingsError, "needs at least 3"
    if not 2 <= k <= n - 1:
        return SettingsError, f"k={k} must be between 2 and {n - 1}"
    # Distinct in the scaled features the fit sees (scaling may merge near-equal values).
    distinct = len(np.unique(prepare_features(df, list(df.columns)).matrix, axis=0))
    if distinct < 2:
        return SettingsError, "Every customer is identical"
    if distinct < k:
        return SettingsError, f"more than the {distinct} distinct customers"
    return None


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_refuses_values_no_distance_tells_apart():
    # Distinct numbers whose squared differences underflow to 0: no segment can be built.
    df = pd.DataFrame({"x": [0.0] + [1.3e-195] * 5})
    with pytest.raises(SettingsError, match="left a segment empty"):
        fit_segments(df, ["x"], 2)


def test_core_imports_without_streamlit():
    code = "import segmentation, sys; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
