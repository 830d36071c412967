"""The built-in sample: deterministic customers with four planted segments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: The shipped sample file (1,000 customers from `make_sample_customers()`).
SAMPLE_PATH = Path(__file__).parent / "data" / "sample_customers.csv"
SAMPLE_NAME = "sample_customers.csv"


def make_sample_customers(n: int = 1000, *, random_state: int = 42) -> pd.DataFrame:
    """Customers with customer_id, annual_income, spending_score, avg_order_value,
    purchase_frequency, recency_days, tenure_months; four planted segments."""
    raise NotImplementedError
