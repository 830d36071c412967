"""Profiles, effect sizes and plain-language names, on data small enough to check by hand."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.errors import SettingsError
from segmentation.model import fit_segments
from segmentation.profile import (
    MISSING_CATEGORY,
    apply_names,
    default_names,
    feature_word,
    feature_words,
    profile_segments,
    profile_table,
    readable_table,
)

MALL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mall_customers.csv"


def fake_segmentation(labels, features, k=None):
    """What profile_segments reads of a Segmentation: k, features and labels."""
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if k is None else k
    return SimpleNamespace(k=k, features=tuple(features), labels=labels)


@pytest.fixture
def toy():
    """Two segments of three; a seventh customer unassigned with an extreme income."""
    df = pd.DataFrame(
        {
            "customer_id": pd.array(["a", "b", "c", "d", "e", "f", "g"], dtype="str"),
            "income": [10.0, 20.0, 30.0, 70.0, 80.0, 90.0, 1000.0],
            "spend": [5.0] * 7,
            "gender": pd.array(["F", "F", "M", "M", "M", None, "F"], dtype="str"),
        }
    )
    seg = fake_segmentation([0, 0, 0, 1, 1, 1, -1], ["income", "spend"])
    return df, seg


def test_profile_sizes_and_shares_count_only_assigned_customers(toy):
    p = profile_segments(*toy)
    assert p.sizes.to_dict() == {1: 3, 2: 3}
    assert p.shares.to_dict() == {1: 0.5, 2: 0.5}
    assert p.n_assigned == 6


def test_profile_means_medians_and_index_by_hand(toy):
    p = profile_segments(*toy)
    assert p.means["income"].tolist() == [20.0, 80.0]
    assert p.medians["income"].tolist() == [20.0, 80.0]
    # overall mean of the six assigned customers is 50: 20/50 -> 40, 80/50 -> 160
    assert p.index["income"].tolist() == pytest.approx([40.0, 160.0])
    assert p.index["spend"].tolist() == pytest.approx([100.0, 100.0])


def test_profile_effect_and_eta_squared_by_hand(toy):
    p = profile_segments(*toy)
    std = np.sqrt((1600 + 900 + 400 + 400 + 900 + 1600) / 6)
    assert p.effect["income"].tolist() == pytest.approx([-30 / std, 30 / std])
    assert p.eta_squared["income"] == pytest.approx(5400 / 5800)
    assert p.eta_squared.index.tolist() == ["income", "spend"]


def test_profile_constant_feature_has_no_effect(toy):
    p = profile_segments(*toy)
    assert p.effect["spend"].tolist() == [0.0, 0.0]
    assert p.eta_squared["spend"] == 0.0


def test_profile_index_is_nan_when_overall_mean_is_zero():
    df = pd.DataFrame({"balance": [-1.0, -2.0, 1.0, 2.0]})
    p = profile_segments(df, fake_segmentation([0, 0, 1, 1], ["balance"]))
    assert p.index["balance"].isna().all()
    assert p.effect["balance"].tolist() == pytest.approx([-1.5 / np.sqrt(2.5), 1.5 / np.sqrt(2.5)])


def test_profile_even_and_odd_medians():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 10.0, 4.0, 20.0, 30.0]})
    p = profile_segments(df, fake_segmentation([0, 0, 0, 0, 1, 1, 1], ["x"]))
    assert p.medians["x"].tolist() == [2.5, 20.0]


def test_profile_missing_feature_values_are_left_out_of_that_feature():
    df = pd.DataFrame({"x": [1.0, np.nan, 3.0, 10.0], "y": [1.0, 2.0, 3.0, 4.0]})
    p = profile_segments(df, fake_segmentation([0, 0, 0, 1], ["x", "y"]))
    assert p.means["x"].tolist() == [2.0, 10.0]
    assert p.medians["x"].tolist() == [2.0, 10.0]
    assert p.means["y"].tolist() == [2.0, 4.0]
    assert p.sizes.tolist() == [3, 1]


def test_profile_distinctive_lists_features_by_effect_keeping_at_least_one(toy):
    p = profile_segments(*toy)
    assert p.distinctive == (("income",), ("income",))
    df = pd.DataFrame({"a": [1.0, 1.0, 1.0, 1.0], "b": [1.0, 1.0, 1.0, 1.0]})
    flat = profile_segments(df, fake_segmentation([0, 0, 1, 1], ["a", "b"]))
    assert flat.distinctive == (("a",), ("a",))


def test_profile_category_shares_skip_the_id_and_count_missing(toy):
    p = profile_segments(*toy)
    assert list(p.category_shares) == ["gender"]
    shares = p.category_shares["gender"]
    assert shares.loc[1, "F"] == pytest.approx(2 / 3)
    assert shares.loc[2, MISSING_CATEGORY] == pytest.approx(1 / 3)
    assert shares.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert shares.columns.tolist()[0] == "M"  # most common among assigned customers first


def test_profile_explicit_categorical_columns(toy):
    p = profile_segments(*toy, categorical=[])
    assert p.category_shares == {}
    with pytest.raises(SettingsError, match="'plan' are not in the table"):
        profile_segments(*toy, categorical=["plan"])


def test_profile_refuses_a_different_table(toy):
    df, seg = toy
    with pytest.raises(SettingsError, match="6 rows but the segmentation was fitted on 7"):
        profile_segments(df.iloc[:6], seg)
    with pytest.raises(SettingsError, match="'income' are not columns"):
        profile_segments(df.drop(columns="income"), seg)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-1, 3), st.floats(-1e6, 1e6), st.floats(0, 100)),
        min_size=1,
        max_size=60,
    )
)
def test_profile_sizes_sum_to_assigned_customers(rows):
    labels = [r[0] for r in rows]
    df = pd.DataFrame({"a": [r[1] for r in rows], "b": [r[2] for r in rows]})
    p = profile_segments(df, fake_segmentation(labels, ["a", "b"], k=4))
    assert p.sizes.sum() == sum(label >= 0 for label in labels)
    assert p.sizes.index.tolist() == [1, 2, 3, 4]
    for s in range(1, 5):
        members = df["a"][np.asarray(labels) == s - 1]
        if len(members):
            assert members.min() - 1e-6 <= p.means.loc[s, "a"] <= members.max() + 1e-6
            assert p.medians.loc[s, "a"] == pytest.approx(members.median())
    assert len(set(p.names)) == 4
    assert ((p.eta_squared >= 0) & (p.eta_squared <= 1)).all()


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("column", "word"),
    [
        ("Annual Income (k$)", "income"),
        ("Spending Score (1-100)", "spending"),
        ("annual_income", "income"),
        ("purchase_frequency", "purchase frequency"),
        ("MntWines", "wines"),
        ("avgOrderValue", "order value"),
        ("Score", "score"),
        ("NumWebPurchases", "web purchases"),
        ("recency_days", "recency"),
        ("purchases_installment_frequency", "installment purchase frequency"),
        ("cash_advance_trx", "cash advance transactions"),
        ("prc_full_payment", "full payment share"),
        ("NumDealsPurchases", "deal purchases"),
        ("MntGoldProds", "gold products"),
        ("Spent", "spending"),
    ],
)
def test_feature_word(column, word):
    assert feature_word(column) == word


def test_feature_words_stay_distinct_when_two_features_read_the_same():
    words = feature_words(["Income", "total_income"])
    assert words == {"Income": "income", "total_income": "total income"}


def frames(index, effect, segments=None):
    n = len(next(iter(index.values())))
    rows = segments or list(range(1, n + 1))
    return pd.DataFrame(index, index=rows), pd.DataFrame(effect, index=rows)


def test_default_names_add_a_trait_then_a_number_on_collision():
    index, effect = frames(
        {"income": [150.0] * 3, "spend": [60.0] * 3, "age": [130.0, 70.0, 70.0]},
        {"income": [1.0] * 3, "spend": [-1.0] * 3, "age": [0.9, -0.9, -0.9]},
    )
    # income and spend are the top two everywhere; age tells segment 1 from 2 and 3 only.
    assert default_names(index, effect) == (
        "High income · Low spending · Older",
        "High income · Low spending · Younger",
        "High income · Low spending · Younger (2)",
    )


def test_default_names_call_a_segment_without_traits_typical():
    index, effect = frames(
        {"income": [60.0, 100.0, 140.0]}, {"income": [-1.0, 0.0, 1.0]}
    )
    assert default_names(index, effect) == ("Low income", "Typical", "High income")


def test_default_names_take_the_level_from_the_index_not_the_spread():
    # A long-tailed column: 49% of the average is only 0.4 sd below it, yet reads "Very low".
    index, effect = frames({"order_value": [49.0, 160.0]}, {"order_value": [-0.4, 0.6]})
    assert default_names(index, effect) == ("Very low order value", "High order value")


def test_default_names_lead_with_the_most_distinctive_trait():
    index, effect = frames(
        {"income": [130.0, 70.0], "spend": [300.0, 40.0]},
        {"income": [0.4, -0.4], "spend": [2.5, -1.0]},
    )
    assert default_names(index, effect) == (
        "Very high spending · High income",
        "Very low spending · Low income",
    )


def test_default_names_say_recent_and_lapsed_for_time_since_the_last_order():
    index, effect = frames({"recency_days": [40.0, 180.0]}, {"recency_days": [-1.0, 1.0]})
    assert default_names(index, effect) == ("Very recent", "Lapsed")


def test_default_names_fall_back_on_the_effect_without_an_index():
    index, effect = frames({"profit": [np.nan, np.nan]}, {"profit": [-2.0, 0.7]})
    assert default_names(index, effect) == ("Very low profit", "High profit")


@pytest.fixture(scope="module")
def mall_profiles():
    df = pd.read_csv(MALL)
    seg = fit_segments(df, ["Annual Income (k$)", "Spending Score (1-100)"], 5)
    return df, seg, profile_segments(df, seg)


def test_mall_segments_get_the_classic_names(mall_profiles):
    _, _, p = mall_profiles
    assert p.names == (
        "Typical",
        "High spending · High income",
        "Very low spending · High income",
        "Very low income · Very low spending",
        "Very low income · High spending",
    )
    assert p.sizes.tolist() == [81, 39, 35, 23, 22]
    assert list(p.category_shares) == ["Gender"]


def test_names_are_deterministic(mall_profiles):
    df, seg, p = mall_profiles
    assert profile_segments(df, seg).names == p.names


def test_apply_names_renames_and_strips():
    assert apply_names(("a", "b", "c"), {2: "  VIP  "}) == ("a", "VIP", "c")
    assert apply_names(("a", "b"), {}) == ("a", "b")


@pytest.mark.parametrize(
    ("renames", "message"),
    [
        ({2: "   "}, "name for segment 2 is empty"),
        ({4: "VIP"}, "no segment 4: choose a segment number from 1 to 3"),
        ({0: "VIP"}, "from 1 to 3"),
        ({True: "VIP"}, "not a segment number"),
        ({3: "A"}, "Segments 1 and 3 would both be called 'A'"),
        ({1: "VIP", 2: "vip"}, "Segments 1 and 2 would both be called 'vip'"),
    ],
)
def test_apply_names_errors(renames, message):
    with pytest.raises(SettingsError, match=message):
        apply_names(("a", "b", "c"), renames)


def test_profile_table_has_one_row_per_segment_with_readable_columns(toy):
    p = profile_segments(*toy)
    table = profile_table(p, ("Budget", "Premium"))
    assert table.columns.tolist() == [
        "segment", "name", "customers", "share",
        "income mean", "income median", "income index",
        "spend mean", "spend median", "spend index",
        "sets it apart", "difference in sd", "clustered on",
    ]  # fmt: skip
    assert table["segment"].tolist() == [1, 2]
    assert table["customers"].tolist() == [3, 3]
    assert table["income index"].tolist() == [40.0, 160.0]
    assert table["sets it apart"].tolist() == ["income 0.4x the average", "income 1.6x the average"]
    assert table["difference in sd"].tolist() == ["income ↓ 1.0 sd", "income ↑ 1.0 sd"]


def test_profile_table_needs_one_name_per_segment(toy):
    with pytest.raises(SettingsError, match="1 names given for 2 segments"):
        profile_table(profile_segments(*toy), ("only one",))


def test_profile_with_median_policy_describes_real_values_only():
    df = pd.DataFrame(
        {"x": [1.0, 2.0, np.nan, 10.0, 11.0, 12.0], "y": [1.0, 1.5, 2.0, 9.0, 9.5, 10.0]}
    )
    seg = fit_segments(df, ["x", "y"], 2, missing="median")
    p = profile_segments(df, seg)
    assert p.sizes.sum() == 6
    low = p.means["x"].idxmin()
    assert p.means.loc[low, "x"] == pytest.approx(1.5)  # the missing x is not counted as a median


def test_profile_of_huge_values_does_not_overflow():
    df = pd.DataFrame({"x": [1e300, 2e300, 1.5e300, 1e10, 2e10, 3e10]})
    p = profile_segments(df, fake_segmentation([0, 0, 0, 1, 1, 1], ["x"]))
    assert p.means.loc[1, "x"] == pytest.approx(1.5e300)
    assert p.eta_squared["x"] == pytest.approx(3.375 / 3.875)
    assert np.isfinite(p.effect["x"]).all()


def test_profile_describes_every_numeric_column_clustered_ones_first(mall_profiles):
    _, _, p = mall_profiles
    assert p.features == ("Annual Income (k$)", "Spending Score (1-100)")
    # Age was not clustered on, yet each segment's age is there; the id is not a number to average.
    assert p.columns == ("Annual Income (k$)", "Spending Score (1-100)", "Age")
    assert "CustomerID" not in p.means.columns
    table = profile_table(p, p.names)
    assert "Age mean" in table.columns and "Age index" in table.columns
    assert set(table["clustered on"]) == {"Annual Income (k$), Spending Score (1-100)"}
    # Only clustered features name the segments and set them apart.
    assert all(set(d) <= set(p.features) for d in p.distinctive)
    assert p.eta_squared.index.tolist() == sorted(p.features, key=lambda f: -p.eta_squared[f])


def test_profile_leaves_out_other_columns_that_do_not_vary():
    df = pd.DataFrame({"x": [1.0, 2.0, 8.0, 9.0], "z": [3.0] * 4, "w": [5.0, 1.0, 2.0, 7.0]})
    p = profile_segments(df, fake_segmentation([0, 0, 1, 1], ["x"]))
    assert p.columns == ("x", "w")


def test_profile_has_no_index_for_a_column_with_negative_values():
    df = pd.DataFrame({"profit": [-100.0, -50.0, 200.0, 250.0], "x": [1.0, 2.0, 8.0, 9.0]})
    p = profile_segments(df, fake_segmentation([0, 0, 1, 1], ["profit", "x"]))
    assert p.index["profit"].isna().all()
    assert p.index["x"].tolist() == pytest.approx([30.0, 170.0])
    # profit's level follows its effect (-0.99 sd: "Low"), x's its index (30: "Very low").
    assert p.names == ("Very low x · Low profit", "High x · High profit")


def test_profile_numeric_columns_can_be_chosen_and_are_checked(toy):
    df, seg = toy
    assert profile_segments(df, seg, numeric=[]).columns == ("income", "spend")
    with pytest.raises(SettingsError, match="'gender' are not numeric"):
        profile_segments(df, seg, numeric=["gender"])


def test_readable_table_rounds_marks_and_says_how_each_column_reads():
    """What the Profiles page shows: shares in percent, big numbers whole, small ones to
    two decimals, a year without a separator, the clustered columns marked."""
    df = pd.DataFrame(
        {
            "spend": [1500.4, 1499.6, 1500.0, 2.114, 2.116, 2.115],
            "birth year": [1970.0, 1980, 1990, 1960, 1975, 1985],
            "visits": [0.333, 0.5, 0.25, 1.0, 1.0, 1.0],
        }
    )
    seg = fit_segments(df, ["spend"], k=2)
    prof = profile_segments(df, seg)
    table = readable_table(prof, prof.names)
    big = int(np.argmax(table.frame["● spend mean"]))
    assert table.frame["● spend mean"].tolist()[big] == 1500.0
    assert table.frame["● spend mean"].tolist()[1 - big] == 2.12
    assert table.frame["visits mean"].tolist()[big] == 0.36
    assert table.frame["share"].tolist() == [50.0, 50.0]
    assert table.frame["● spend index"].tolist()[1 - big] == round(2.115 / 751.0575 * 100)
    assert table.kinds["birth year mean"] == "year" and table.kinds["visits mean"] == "number"
    assert table.kinds["customers"] == "count" and table.kinds["share"] == "percent"
    assert "clustered on" not in table.frame.columns and "spend mean" not in table.frame.columns
