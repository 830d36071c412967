"""Value per segment, traits in words and segment cards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import fit_segments, make_sample_customers, profile_segments, profile_table
from segmentation.cards import segment_cards
from segmentation.errors import SettingsError
from segmentation.traits import describe, ratio_words, segment_traits
from segmentation.value import default_value_column, segment_value, with_value_columns

# Two clear groups on x; revenue with a missing value and a refund.
TABLE = pd.DataFrame(
    {
        "x": [1.0, 1.2, 0.9, 1.1, 9.0, 9.5, 9.2, np.nan],
        "revenue": [10.0, 20.0, np.nan, -5.0, 100.0, 200.0, 300.0, 50.0],
    }
)


@pytest.fixture(scope="module")
def fitted():
    return fit_segments(TABLE, ["x"], 2)


def test_value_shares_match_hand_sums(fitted):
    value = segment_value(TABLE, fitted, "revenue")
    labels = fitted.labels
    small = int(labels[0])  # the segment of the x ~ 1 customers
    big = int(labels[4])
    # by hand: small = 10 + 20 + (-5) = 25 over 3 known; big = 600 over 3 known
    assert value.total[small + 1] == pytest.approx(25.0)
    assert value.total[big + 1] == pytest.approx(600.0)
    assert value.value_share[small + 1] == pytest.approx(25 / 625)
    assert value.value_share[big + 1] == pytest.approx(600 / 625)
    assert value.per_customer[small + 1] == pytest.approx(25 / 3)
    assert value.per_customer[big + 1] == pytest.approx(200.0)
    assert value.index[big + 1] == pytest.approx(200.0 / (625 / 6) * 100)
    assert value.customer_share.sum() == pytest.approx(1.0)


def test_value_notes_say_missing_negative_and_unassigned(fitted):
    value = segment_value(TABLE, fitted, "revenue")
    text = " ".join(value.notes)
    assert value.missing == 1 and "1 customer has no revenue" in text
    assert value.negative == 1 and "negative revenue" in text
    # the last customer has no x: no segment, its 50 is not in the shares
    assert value.unassigned_total == 50.0
    assert "1 customer without a segment holds 50.00" in text


def test_value_shares_blank_when_total_not_positive(fitted):
    table = TABLE.assign(revenue=[-1.0, -2, -3, -4, 1, 2, 3, 0])
    value = segment_value(table, fitted, "revenue")
    assert value.value_share.isna().all()
    assert value.index.isna().all()
    assert any("left blank" in note for note in value.notes)


def test_value_column_must_be_numeric(fitted):
    with pytest.raises(SettingsError, match="not numeric"):
        segment_value(TABLE.assign(revenue="a"), fitted, "revenue")
    with pytest.raises(SettingsError, match="not a column"):
        segment_value(TABLE, fitted, "turnover")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["recency", "frequency", "monetary"], "monetary"),
        (["total_spent", "revenue"], "revenue"),
        (["Age", "Annual Income (k$)", "Spending Score (1-100)"], None),
        (["avg_order_value", "purchase_frequency"], None),
        (["MntWines", "Spent"], "Spent"),
        (["Sales", "sales_2023"], "Sales"),
    ],
)
def test_default_value_column_prefers_money_totals(columns, expected):
    assert default_value_column(columns) == expected


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=12, max_size=40), st.integers(2, 4))
def test_value_shares_sum_to_one_and_totals_add_up(values, k):
    frame = pd.DataFrame({"x": np.arange(len(values), dtype=float), "v": values})
    seg = fit_segments(frame, ["x"], k)
    value = segment_value(frame, seg, "v")
    assert value.total.sum() == pytest.approx(sum(values), rel=1e-9, abs=1e-6)
    if sum(values) > 0:
        assert value.value_share.sum() == pytest.approx(1.0)


def test_profile_download_gains_value_columns(fitted):
    prof = profile_segments(TABLE, fitted)
    value = segment_value(TABLE, fitted, "revenue")
    table = with_value_columns(profile_table(prof, ["A", "B"]), value)
    cols = list(table.columns)
    assert cols[cols.index("share") + 1 : cols.index("share") + 3] == [
        "value_share",
        "value_per_customer",
    ]
    assert table["value_share"].sum() == pytest.approx(1.0, abs=1e-3)
    assert table.loc[table["segment"] == fitted.labels[4] + 1, "value_per_customer"].item() == 200


# --------------------------------------------------------------------------- traits


@pytest.mark.parametrize(
    ("feature", "kwargs", "expected"),
    [
        ("monetary", {"effect": 1.9, "ratio": 2.43}, "spends 2.4x the average"),
        ("visits", {"effect": -0.8, "ratio": 0.5}, "visits half as often"),
        ("Age", {"effect": -1.0, "mean": 25.0, "average": 40.0}, "younger"),
        ("Year_Birth", {"effect": 1.0, "mean": 1985.0, "average": 1970.0}, "younger"),
        ("recency_days", {"effect": -0.9, "ratio": 0.4}, "bought more recently"),
        ("balance", {"effect": -0.6}, "lower balance"),
        ("spending_score", {"effect": 1.0, "ratio": 1.8}, "spending score 1.8x the average"),
    ],
)
def test_describe_in_plain_words(feature, kwargs, expected):
    assert describe(feature, **kwargs).startswith(expected)


def test_ratio_near_one_is_not_said_as_a_ratio():
    # 1% above the average but 0.9 sd: a real difference, said as one
    assert describe("credit_limit", effect=0.9, ratio=1.01) == "higher credit limit"
    assert ratio_words(1.02) == "about the average"


def test_traits_follow_the_strongest_effects():
    customers = make_sample_customers(600)
    features = ["annual_income", "spending_score", "purchase_frequency"]
    prof = profile_segments(customers, fit_segments(customers, features, 4))
    for segment in range(1, 5):
        traits = segment_traits(prof, segment)
        assert 1 <= len(traits) <= 3
        sizes = [abs(t.effect) for t in traits]
        assert sizes == sorted(sizes, reverse=True)
        top = prof.effect.loc[segment, features].abs().idxmax()  # the clustered features
        assert traits[0].feature == top
        # the words go the same way as the numbers
        for t in traits:
            if t.ratio is not None and abs(t.ratio - 1) >= 0.05:
                assert (t.ratio > 1) == (t.effect > 0)


def test_cards_carry_value_notes_and_stability(fitted):
    prof = profile_segments(TABLE, fitted)
    value = segment_value(TABLE, fitted, "revenue")
    cards = segment_cards(
        prof, ["A", "B"], value=value, stability={1: 0.9}, notes={2: "  Call them  "}
    )
    assert [c.segment for c in cards] == [1, 2]
    assert cards[0].stability == 0.9 and cards[1].stability is None
    assert cards[0].stability_text == "highly stable (0.90)"
    assert cards[1].note == "Call them" and cards[0].note == ""
    assert sum(c.value_share for c in cards) == pytest.approx(1.0)
    assert sum(c.customers for c in cards) == fitted.n_assigned
    with pytest.raises(SettingsError, match="3 names"):
        segment_cards(prof, ["A", "B", "C"])


def test_a_segment_where_nothing_stands_out_says_so():
    # three groups on x; y is the same noise everywhere: the middle group is average on both
    rng = np.random.default_rng(0)
    x = np.repeat([0.0, 5.0, 10.0], 30) + rng.normal(0, 0.1, 90)
    frame = pd.DataFrame({"x": x, "y": rng.normal(0, 1, 90)})
    prof = profile_segments(frame, fit_segments(frame, ["x"], 3))
    middle = int(prof.means["x"].sub(5).abs().idxmin())
    traits = segment_traits(prof, middle)
    assert [t.text for t in traits] == ["close to the average customer on every feature"]
