"""The built-in sample: deterministic customers with four planted segments.

Regenerate the shipped file with ``python -m segmentation.sample``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.errors import SettingsError

#: The shipped sample file (1,000 customers from `make_sample_customers()`).
SAMPLE_PATH = Path(__file__).parent / "data" / "sample_customers.csv"
SAMPLE_NAME = "sample_customers.csv"

#: The planted segments, in the order of the labels `make_sample_segments` returns.
PLANTED_SEGMENTS = (
    "low income, low spending",
    "moderate income, regular",
    "high income, selective",
    "high value, frequent",
)
#: The columns the segments were planted in (the others only follow them loosely).
BEHAVIOUR_FEATURES = ("annual_income", "spending_score", "avg_order_value", "purchase_frequency")

# Per planted segment: share of customers, median income (k$) and its log-spread, mean
# spending score and its spread, median order value ($) and log-spread, orders per year,
# mean days since the last order, tenure range in months.
_SHARE = np.array([0.30, 0.35, 0.15, 0.20])
_INCOME = np.array([30.0, 58.0, 115.0, 95.0])
_INCOME_SPREAD = np.array([0.25, 0.20, 0.20, 0.22])
_SPENDING = np.array([22.0, 52.0, 24.0, 82.0])
_SPENDING_SPREAD = np.array([8.0, 9.0, 9.0, 8.0])
_ORDER_VALUE = np.array([22.0, 45.0, 140.0, 110.0])
_ORDER_SPREAD = np.array([0.35, 0.30, 0.30, 0.30])
_ORDERS = np.array([4.0, 12.0, 3.0, 28.0])
_RECENCY = np.array([120.0, 35.0, 100.0, 12.0])
_TENURE = np.array([[3, 48], [12, 84], [6, 60], [24, 120]])


def _segment_counts(n: int) -> np.ndarray:
    """Customers per planted segment, summing to n (the rounding remainder goes to the
    largest segments first)."""
    counts = np.floor(_SHARE * n).astype(int)
    for i in np.argsort(-_SHARE, kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return counts


def make_sample_segments(
    n: int = 1000, *, random_state: int = 42
) -> tuple[pd.DataFrame, np.ndarray]:
    """Sample customers and the planted segment of each (index into `PLANTED_SEGMENTS`).

    The planted labels are returned beside the table rather than in it, so the table is
    exactly what a marketer would upload and tests can still check that segmenting it
    finds the planted groups.

    Parameters
    ----------
    n : int, default 1000
        Number of customers (at least 1).
    random_state : int, default 42
        Seed of ``numpy.random.default_rng``: the same seed gives the same customers.

    Returns
    -------
    customers : pandas.DataFrame
        See `make_sample_customers`.
    planted : numpy.ndarray
        One int 0..3 per row.

    Raises
    ------
    SettingsError
        `n` is not a whole number of at least 1.

    Examples
    --------
    >>> customers, planted = make_sample_segments(8)
    >>> len(customers), sorted(set(planted.tolist()))
    (8, [0, 1, 2, 3])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SettingsError(f"n={n!r} must be a whole number of customers, at least 1.")
    rng = np.random.default_rng(random_state)
    planted = rng.permutation(np.repeat(np.arange(4), _segment_counts(n)))

    # Money is right-skewed: lognormal around each segment's median.
    income = _INCOME[planted] * np.exp(rng.normal(0.0, _INCOME_SPREAD[planted]))
    order_value = _ORDER_VALUE[planted] * np.exp(rng.normal(0.0, _ORDER_SPREAD[planted]))
    spending = rng.normal(_SPENDING[planted], _SPENDING_SPREAD[planted])
    # Orders per year: Poisson around a customer's own rate, which varies within a segment.
    rate = _ORDERS[planted] * np.exp(rng.normal(0.0, 0.25, n))
    orders = np.maximum(rng.poisson(rate), 1)
    recency = rng.exponential(_RECENCY[planted])
    low, high = _TENURE[planted, 0], _TENURE[planted, 1]
    tenure = rng.integers(low, high + 1)

    width = max(5, len(str(n)))
    customers = pd.DataFrame(
        {
            # "CUST-" first: an id never starts with a digit (no leading-zero loss in
            # spreadsheets) nor with a character a spreadsheet reads as a formula.
            "customer_id": pd.array([f"CUST-{i:0{width}d}" for i in range(1, n + 1)], "str"),
            "annual_income": np.round(np.clip(income, 8.0, 400.0), 1),
            "spending_score": np.clip(np.round(spending), 1, 100).astype(np.int64),
            "avg_order_value": np.round(np.clip(order_value, 5.0, 2000.0), 2),
            "purchase_frequency": orders.astype(np.int64),
            "recency_days": np.clip(np.round(recency), 0, 730).astype(np.int64),
            "tenure_months": tenure.astype(np.int64),
        }
    )
    return customers, planted


def make_sample_customers(n: int = 1000, *, random_state: int = 42) -> pd.DataFrame:
    """Customers with customer_id, annual_income, spending_score, avg_order_value,
    purchase_frequency, recency_days, tenure_months; four planted segments.

    Parameters
    ----------
    n : int, default 1000
    random_state : int, default 42
        The same seed gives the same customers.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (text, ``CUST-00001``...), ``annual_income`` (k$, right-skewed,
        1 decimal), ``spending_score`` (1..100), ``avg_order_value`` ($, right-skewed,
        2 decimals), ``purchase_frequency`` (orders per year, at least 1), ``recency_days``
        (days since the last order, 0..730) and ``tenure_months``. The planted segments
        (`PLANTED_SEGMENTS`): low-income low-spending, moderate-income regular,
        high-income selective (high income, low spending, few pricey orders) and
        high-value frequent buyers.

    Examples
    --------
    >>> make_sample_customers(3).columns[:3].tolist()
    ['customer_id', 'annual_income', 'spending_score']
    """
    return make_sample_segments(n, random_state=random_state)[0]


def sample_csv_bytes(customers: pd.DataFrame) -> bytes:
    """The customers as the shipped CSV is written: UTF-8, comma, ``\\n`` line ends.

    Examples
    --------
    >>> sample_csv_bytes(make_sample_customers(2)).decode().splitlines()[0]
    'customer_id,annual_income,spending_score,avg_order_value,purchase_frequency,recency_days,tenure_months'
    """
    return customers.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_sample(path: Path = SAMPLE_PATH) -> Path:
    """Write `make_sample_customers()` to `path` (the shipped file by default).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_sample(Path(folder) / "customers.csv")
    ...     path.read_bytes() == sample_csv_bytes(make_sample_customers())
    True
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(sample_csv_bytes(make_sample_customers()))
    return path


def sample_rows(n: int, size: int, random_state: int) -> np.ndarray:
    """Sorted positions of a fixed-seed sample of `size` of `n` rows (all rows if n <= size).

    The engine fits and scores large data on such samples: the same seed gives the same
    rows, so the same data gives the same segments.

    Examples
    --------
    >>> sample_rows(5, 10, 42).tolist()
    [0, 1, 2, 3, 4]
    >>> rows = sample_rows(1000, 3, 42)
    >>> len(rows), rows.tolist() == sample_rows(1000, 3, 42).tolist()
    (3, True)
    """
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=size, replace=False))


if __name__ == "__main__":
    print(f"wrote {write_sample()}")
