"""Default features: what an analyst would pick, the rest offered with a mark, and why."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segmentation
from segmentation import defaults
from segmentation.defaults import add_derived_columns, suggest_features

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
TODAY = dt.date(2026, 12, 7)


def load(name):
    return add_derived_columns(segmentation.read_customers(DATASETS / name), today=TODAY)


@pytest.fixture(scope="module")
def campaign():
    return load("marketing_campaign.csv")


def test_wide_file_defaults_to_behaviour_columns(campaign):
    s = suggest_features(campaign)
    assert s.defaults == (
        "Income", "Recency", "MntWines", "MntFruits", "MntMeatProducts", "MntFishProducts",
        "MntSweetProducts", "MntGoldProds", "NumDealsPurchases", "NumWebPurchases",
        "NumCatalogPurchases", "NumStorePurchases", "NumWebVisitsMonth", "Spent",
    )  # fmt: skip
    assert set(s.defaults) <= set(s.options)


def test_constants_are_not_offered_at_all(campaign):
    s = suggest_features(campaign)
    assert "Z_CostContact" not in s.options and "Z_Revenue" not in s.options
    assert s.not_offered["Z_Revenue"] == "the same for every customer"


def test_flags_are_offered_marked_and_not_chosen(campaign):
    s = suggest_features(campaign)
    for flag in ("AcceptedCmp1", "AcceptedCmp5", "Complain", "Response"):
        assert flag in s.options and flag not in s.defaults
        assert s.label(flag) == f"{flag} (0/1 flag)"
    assert s.marks["Kidhome"] == defaults.PERSON


def test_year_of_birth_is_offered_as_age(campaign):
    s = suggest_features(campaign)
    age = "Age (from Year_Birth)"
    assert age in s.options and "Year_Birth" not in s.options
    assert s.not_offered["Year_Birth"] == f"offered as {age}"
    ages = campaign.frame[age]
    assert ages.tolist()[:2] == [2026 - 1957, 2026 - 1954]
    assert "1 year of birth (offered as age)" in s.reason


def test_reason_is_one_line_with_the_counts(campaign):
    reason = suggest_features(campaign).reason
    assert "\n" not in reason
    assert reason.startswith("Chosen: 14 behaviour columns")
    assert "7 flags (0/1)" in reason
    assert "Not offered: 2 columns with one value for everyone." in reason


def test_codes_are_marked():
    s = suggest_features(load("wholesale_customers.csv"))
    assert s.marks == {"Channel": defaults.CODE, "Region": defaults.CODE}
    assert s.defaults == ("Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen")
    assert s.reason.endswith("Offered but not chosen: 2 codes.")


def test_mall_defaults_are_the_classic_income_and_spending():
    s = suggest_features(load("mall_customers.csv"))
    assert s.defaults == ("Annual Income (k$)", "Spending Score (1-100)")
    assert s.label("Age") == "Age (about the person)"
    assert segmentation.default_features(load("mall_customers.csv")) == s.defaults


def test_a_file_of_person_columns_only_still_gets_defaults():
    rows = "".join(f"c{i},{20 + (i * 7) % 30},{i % 3}\n" for i in range(20))
    data = segmentation.read_customers(("id,age,kids\n" + rows).encode())
    assert suggest_features(data).defaults == ("age", "kids")


def test_derived_age_is_not_exported(campaign):
    seg = segmentation.fit_segments(campaign.frame, ["Age (from Year_Birth)", "Income"], 3)
    names = ("a", "b", "c")
    table = pd.read_csv(
        io.BytesIO(segmentation.labelled_csv_bytes(campaign, seg, names)), dtype=str
    )
    assert "Age (from Year_Birth)" not in table.columns
    assert table.columns.tolist()[:2] == ["ID", "Year_Birth"]
    assert len(table) == len(campaign.frame)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1930, 2005), min_size=12, max_size=40), st.integers(2020, 2040))
def test_the_reference_year_never_changes_the_segments(years, this_year):
    rows = "".join(f"c{i},{y},{(i * 37) % 101}\n" for i, y in enumerate(years))
    data = segmentation.read_customers(("id,birth_year,spend\n" + rows).encode())
    features = ["Age (from birth_year)", "spend"]
    labels = []
    for year in (2026, this_year):
        aged = add_derived_columns(data, today=dt.date(year, 6, 1))
        labels.append(segmentation.fit_segments(aged.frame, features, 3).labels)
    assert np.array_equal(labels[0], labels[1])


def test_a_date_column_is_offered_as_days_counted_to_the_newest_date(campaign):
    s = suggest_features(campaign)
    days = "Days as customer (from Dt_Customer)"
    assert days in s.options and days not in s.defaults
    assert s.label(days) == f"{days} (days from a date)"
    values = campaign.frame[days]
    raw = campaign.frame["Dt_Customer"]
    # 29/06/2014 is the newest date (day first): 0 days; 04/09/2012 is 663 days before it.
    assert values[raw == "29/06/2014"].eq(0).all()
    assert values[raw == "04/09/2012"].eq(663).all()
    assert "1 date (offered as days)" in s.reason


def test_a_date_is_described_as_a_date_not_a_code(campaign):
    found = [f for f in campaign.report.findings if f.column == "Dt_Customer"]
    assert [f.problem for f in found] == [
        "holds dates, day first (21/08/2013 is 21 August 2013), from 30 Jul 2012 to 29 Jun 2014"
    ]
    assert "leading zeros" not in " ".join(f.problem for f in campaign.report.findings)
