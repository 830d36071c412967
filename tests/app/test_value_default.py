"""The value column chosen by default on Profiles is a money column that varies."""

from __future__ import annotations

from apptools import PROFILES, goto, upload

from ui import state


def test_a_constant_money_named_column_is_never_the_default_value(app, dataset):
    """marketing_campaign.csv has Z_Revenue (11 for every customer) and Spent: the value
    shares must be of Spent, not of a constant that would copy the customer shares."""
    upload(app, "marketing_campaign.csv", dataset("marketing_campaign.csv"))
    goto(app, PROFILES)
    assert app.selectbox(key=state.W_VALUE_COLUMN).value == "Spent"
