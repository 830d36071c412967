"""Default scatter axes: the features that separate the segments best, the user's kept."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.axes import Axes, default_axes
from segmentation.errors import SettingsError

FEATURES = ["age", "income", "spend", "visits"]
ETA = pd.Series({"spend": 0.7, "income": 0.6, "visits": 0.2, "age": 0.1})


def test_default_axes_are_the_two_best_separating_features_not_the_first_columns():
    assert default_axes(FEATURES, ETA) == Axes("spend", "income")


def test_default_axes_keep_the_users_choice_while_it_is_a_feature():
    assert default_axes(FEATURES, ETA, x="age", y="visits") == Axes("age", "visits")


def test_default_axes_replace_a_choice_that_is_no_longer_a_feature():
    axes = default_axes(["age", "income", "visits"], ETA, x="spend", y="age")
    assert axes == Axes("income", "age")


def test_default_axes_never_put_one_feature_on_both_axes():
    assert default_axes(FEATURES, ETA, x="income", y="income") == Axes("income", "spend")


def test_default_axes_of_one_feature_use_it_twice():
    assert default_axes(["visits"], ETA) == Axes("visits", "visits")


def test_default_axes_rank_features_without_a_score_last():
    eta = pd.Series({"income": 0.3, "spend": float("nan")})
    assert default_axes(["spend", "age", "income"], eta) == Axes("income", "spend")


def test_default_axes_refuse_no_features():
    with pytest.raises(SettingsError, match="at least one feature"):
        default_axes([], ETA)


@settings(max_examples=25, deadline=None)
@given(
    features=st.lists(st.sampled_from(FEATURES), min_size=1, max_size=4, unique=True),
    x=st.none() | st.sampled_from(FEATURES),
    y=st.none() | st.sampled_from(FEATURES),
)
def test_default_axes_are_always_chosen_features_and_differ_when_they_can(features, x, y):
    axes = default_axes(features, ETA, x=x, y=y)
    assert axes.x in features and axes.y in features
    assert (axes.x != axes.y) == (len(features) > 1)
    if x in features:
        assert axes.x == x
