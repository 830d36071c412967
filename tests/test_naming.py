"""Segment names agree with the index numbers the profile table shows beside them.

Every default name of the built-in sample and of every shared dataset is read back part by
part ("Very recent", "Low order value") and checked against the ``<feature> index`` column
of the profile table download, with the index ranges written out here (not imported).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segmentation
from segmentation import naming
from segmentation.profile import profile_segments, profile_table

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SAMPLE = Path(segmentation.__file__).parent / "data" / "sample_customers.csv"
FILES = [SAMPLE, *sorted(DATASETS.glob("*.csv"))]

# What each level word promises about the index shown (100 = average).
RANGES = {2: (200.0, np.inf), 1: (125.0, 200.0), -1: (50.0, 80.0), -2: (-np.inf, 50.0)}
AVERAGE = (80.0, 125.0)


def vocabulary(features):
    """Every phrase a name may contain -> (feature, level)."""
    words = naming.feature_words(features)
    kinds = [naming.column_kind(f) for f in features]
    phrases = {}
    for f, kind in zip(features, kinds):
        for level in (-2, -1, 1, 2):
            text = naming.trait_text(f, level, words[f], alone=kinds.count(kind) == 1)
            assert text not in phrases, f"{text!r} would name two traits"
            phrases[text] = (f, level)
    return phrases


def check_names(table, features):
    """Each part of each name is a trait whose level the row's index confirms."""
    phrases = vocabulary(features)
    for _, row in table.iterrows():
        name = re.sub(r" \(\d+\)$", "", row["name"])
        if name == naming.TYPICAL:
            for f in features:
                value = row[f"{f} index"]
                assert np.isnan(value) or AVERAGE[0] < value < AVERAGE[1], (row["name"], f, value)
            continue
        for part in name.split(naming.NAME_SEPARATOR):
            assert part in phrases, f"{part!r} of {row['name']!r} is not a trait"
            feature, level = phrases[part]
            value = row[f"{feature} index"]
            if np.isnan(value):
                continue  # no index can be shown: the level follows the effect (sets it apart)
            low, high = RANGES[level]
            assert low <= value <= high, f"{row['name']!r} says {part!r}, the index is {value}"


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.name)
def dataset(request):
    data = segmentation.read_customers(request.param)
    features = segmentation.default_features(data)
    logs = segmentation.suggested_log_features(data, features)
    prepared = segmentation.prepare_features(data.frame, features, log_features=logs)
    return data, features, prepared


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6, 8])
def test_every_default_name_agrees_with_the_profile_index(dataset, k):
    data, features, prepared = dataset
    seg = segmentation.fit_prepared(prepared, k)
    profiles = profile_segments(data.frame, seg)
    table = profile_table(profiles, profiles.names)
    check_names(table, list(features))
    assert len(set(profiles.names)) == k


def test_sample_names_tell_the_story_of_the_numbers():
    data = segmentation.read_customers(SAMPLE)
    features = segmentation.default_features(data)
    logs = segmentation.suggested_log_features(data, features)
    seg = segmentation.fit_segments(data.frame, features, 4, log_features=logs)
    names = profile_segments(data.frame, seg).names
    # The largest segment buys recently with smaller baskets (index 69 and 49), not "Average".
    assert names[0] == "Low order value · Very recent"
    assert not any(part.startswith("Average") for n in names for part in n.split(" · "))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(1.0, 1000.0), min_size=4, max_size=40),
    st.lists(st.integers(0, 2), min_size=4, max_size=40),
)
def test_names_agree_with_the_index_on_any_positive_data(values, labels):
    n = min(len(values), len(labels))
    labels = np.asarray(labels[:n])
    if len(set(labels.tolist())) < 2:
        labels[0], labels[-1] = 0, 1
    codes = np.unique(labels, return_inverse=True)[1]
    df = pd.DataFrame({"spend": values[:n], "visits": np.arange(n, dtype=float) + 1})
    seg = type("Seg", (), {"k": int(codes.max()) + 1, "features": ("spend", "visits"),
                           "labels": codes})()  # fmt: skip
    profiles = profile_segments(df, seg)
    check_names(profile_table(profiles, profiles.names), ["spend", "visits"])
