"""The built-in sample: deterministic, realistic, with segments KMeans can find."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation.export import FORMULA_STARTS
from segmentation.io import read_customers
from segmentation.model import fit_segments
from segmentation.sample import (
    BEHAVIOUR_FEATURES,
    PLANTED_SEGMENTS,
    SAMPLE_NAME,
    SAMPLE_PATH,
    make_sample_customers,
    make_sample_segments,
    sample_csv_bytes,
)

COLUMNS = [
    "customer_id",
    "annual_income",
    "spending_score",
    "avg_order_value",
    "purchase_frequency",
    "recency_days",
    "tenure_months",
]


@pytest.fixture(scope="module")
def sample():
    return make_sample_segments()


def test_shipped_sample_is_the_generators_output():
    # If this fails, regenerate with `python -m segmentation.sample` and commit the file.
    assert SAMPLE_PATH.name == SAMPLE_NAME
    assert SAMPLE_PATH.read_bytes() == sample_csv_bytes(make_sample_customers())


def test_sample_is_deterministic():
    pd.testing.assert_frame_equal(make_sample_customers(), make_sample_customers())
    assert not make_sample_customers(50, random_state=1).equals(make_sample_customers(50))


def test_sample_has_the_classic_columns_and_unique_text_ids(sample):
    customers, _ = sample
    assert customers.columns.tolist() == COLUMNS
    assert len(customers) == 1000
    ids = customers["customer_id"]
    assert ids.is_unique and ids.iloc[0] == "CUST-00001"
    assert not ids.str[0].isin(FORMULA_STARTS).any()


def test_sample_values_are_in_realistic_ranges(sample):
    customers, _ = sample
    assert customers["spending_score"].between(1, 100).all()
    assert customers["annual_income"].between(8, 400).all()
    assert customers["avg_order_value"].between(5, 2000).all()
    assert (customers["purchase_frequency"] >= 1).all()
    assert customers["recency_days"].between(0, 730).all()
    assert customers["tenure_months"].between(3, 120).all()
    money = customers["avg_order_value"]
    assert (np.round(money, 2) == money).all()


def test_sample_money_is_right_skewed(sample):
    customers, _ = sample
    assert customers["avg_order_value"].skew() > 1  # a log transform will be suggested
    assert customers["annual_income"].skew() > 0.5


def test_sample_planted_segments_have_the_planned_sizes(sample):
    _, planted = sample
    assert np.bincount(planted).tolist() == [300, 350, 150, 200]
    assert len(PLANTED_SEGMENTS) == 4
    _, small = make_sample_segments(7)
    assert len(small) == 7


def test_kmeans_recovers_the_planted_segments(sample):
    customers, planted = sample
    seg = fit_segments(customers, list(BEHAVIOUR_FEATURES), 4)
    assert adjusted_rand_score(planted, seg.labels) > 0.8


def test_shipped_sample_reads_as_customer_data():
    data = read_customers(SAMPLE_PATH)
    assert data.id_column == "customer_id"
    assert len(data.frame) == 1000
    assert set(BEHAVIOUR_FEATURES) <= set(data.report.numeric_columns)


@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_sample_refuses_a_bad_size(n):
    with pytest.raises(ValueError, match="must be a whole number of customers"):
        make_sample_customers(n)
