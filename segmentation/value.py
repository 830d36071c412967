"""Value per segment: which segments carry the revenue.

A value column (revenue, spend, monetary...) is summed per segment and set beside the
segment's size: its share of customers, its share of value, value per customer and an
index against the average customer (100 = average). Shares are of the customers that have
a segment, as in `Profiles.shares`; what the unassigned customers hold is said in `notes`.

Missing values are left out of the sums (and of "per customer", which divides by the
customers whose value is known); negative values (refunds, credit notes) count as they
are, so a segment's value is its net value. Both are said in `notes`, in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import SettingsError
from segmentation.model import Segmentation
from segmentation.prepare import float_values

#: Words of a column name that say it holds money a customer brought, best first: the
#: default value column is the first numeric column holding the earliest of these words.
MONEY_WORDS = (
    "monetary",
    "revenue",
    "sales",
    "spend",
    "spent",
    "spending",
    "amount",
    "value",
    "clv",
    "ltv",
    "gmv",
    "turnover",
)
#: Words that make a money-like column something other than a total to add up (an average,
#: a score, a rate): "avg_order_value" or "spending_score" are not a customer's value.
NOT_A_TOTAL = frozenset(
    "avg average mean median per score rate ratio pct percent share index rank".split()
)
#: The choice meaning "no value column".
NO_VALUE = "(none)"


@dataclass(frozen=True)
class SegmentValue:
    """What each segment is worth. Every Series is indexed by segment number 1..k.

    Attributes
    ----------
    column : str
        The value column.
    customers : pandas.Series
        Customers per segment.
    customer_share : pandas.Series
        Share of the segmented customers (0..1).
    known : pandas.Series
        Customers per segment whose value is known (not missing).
    total : pandas.Series
        Sum of the known values per segment (negative values count as they are).
    value_share : pandas.Series
        ``total`` as a fraction of the segmented customers' total; NaN for every segment
        when that total is zero or negative (a share of nothing means nothing).
    per_customer : pandas.Series
        ``total / known``: value per customer whose value is known; NaN when none is.
    index : pandas.Series
        ``per_customer`` against the value per customer of all segmented customers x 100
        (100 = average); NaN when that average is zero or negative.
    grand_total : float
        Sum of the known values of the segmented customers.
    unassigned_total : float
        Sum of the known values of the customers without a segment (not in the shares).
    missing : int
        Segmented customers whose value is missing (left out of the sums).
    negative : int
        Segmented customers with a negative value (counted as negative).
    notes : tuple of str
        What a reader must know to read the figures right, in words.
    """

    column: str
    customers: pd.Series
    customer_share: pd.Series
    known: pd.Series
    total: pd.Series
    value_share: pd.Series
    per_customer: pd.Series
    index: pd.Series
    grand_total: float
    unassigned_total: float
    missing: int
    negative: int
    notes: tuple[str, ...]

    @property
    def k(self) -> int:
        """Number of segments."""
        return len(self.customers)

    def table(self) -> pd.DataFrame:
        """The figures as one table indexed by segment 1..k."""
        return pd.DataFrame(
            {
                "customers": self.customers,
                "customer_share": self.customer_share,
                "total": self.total,
                "value_share": self.value_share,
                "value_per_customer": self.per_customer,
                "value_index": self.index,
            }
        )


def _words(column: str) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(column))
    return [w.lower() for w in re.split(r"[\W_]+", text) if w]


def is_money_like(column: str) -> bool:
    """Whether a column's name says it holds a customer's money total.

    Examples
    --------
    >>> is_money_like("Revenue"), is_money_like("total_spent"), is_money_like("MntWines")
    (True, True, False)
    >>> is_money_like("avg_order_value"), is_money_like("Spending Score (1-100)")
    (False, False)
    """
    return _money_rank(column) is not None


def _money_rank(column: str) -> int | None:
    words = _words(column)
    if NOT_A_TOTAL.intersection(words):
        return None
    ranks = [MONEY_WORDS.index(w) for w in words if w in MONEY_WORDS]
    return min(ranks) if ranks else None


def default_value_column(columns: Sequence[str]) -> str | None:
    """The money-like column to show value by default, or None when there is none.

    Parameters
    ----------
    columns : sequence of str
        The candidate (numeric, non-id) columns, in table order.

    Returns
    -------
    str or None
        The column whose name holds the earliest word of `MONEY_WORDS` (ties: the first
        in table order); None when no name is money-like.

    Examples
    --------
    >>> default_value_column(["recency", "frequency", "monetary"])
    'monetary'
    >>> default_value_column(["Age", "Spending Score (1-100)"]) is None
    True
    """
    ranked = [(rank, i, c) for i, c in enumerate(columns) if (rank := _money_rank(c)) is not None]
    return min(ranked)[2] if ranked else None


def _sums(values: np.ndarray, labels: np.ndarray, k: int):
    """Per segment (and one extra slot for the unassigned): counts, known, sums, negatives."""
    slot = np.where(labels < 0, k, labels)
    known = np.isfinite(values)
    counts = np.bincount(slot, minlength=k + 1)
    known_counts = np.bincount(slot[known], minlength=k + 1)
    totals = np.bincount(slot[known], weights=values[known], minlength=k + 1)
    negatives = np.bincount(slot[known & (values < 0)], minlength=k + 1)
    return counts, known_counts, totals, negatives


def _count(n: int) -> str:
    return f"{int(n):,}"


def segment_value(df: pd.DataFrame, segmentation: Segmentation, column: str) -> SegmentValue:
    """Share of customers, share of value, value per customer and index per segment.

    Parameters
    ----------
    df : pandas.DataFrame
        The table the segmentation was fitted on (`CustomerData.frame`).
    segmentation : Segmentation
    column : str
        A numeric column of `df` holding each customer's value (revenue, spend...).

    Returns
    -------
    SegmentValue

    Raises
    ------
    SettingsError
        `column` is not a numeric column of `df`, or `df` is not the fitted table.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from segmentation import fit_segments
    >>> df = pd.DataFrame({"x": [1.0, 1.1, 9.0, 9.2], "revenue": [10.0, 30.0, 60.0, np.nan]})
    >>> v = segment_value(df, fit_segments(df, ["x"], k=2), "revenue")
    >>> v.value_share.round(2).tolist(), v.per_customer.tolist()
    ([0.4, 0.6], [20.0, 60.0])
    >>> v.missing, v.notes[0].split(":")[0]
    (1, '1 customer has no revenue')
    """
    if column not in df.columns:
        raise SettingsError(
            f"Value column {column!r} is not a column of the table: choose one of "
            f"{', '.join(map(repr, map(str, df.columns)))}."
        )
    if not pd.api.types.is_numeric_dtype(df[column]) or pd.api.types.is_bool_dtype(df[column]):
        raise SettingsError(
            f"Value column {column!r} is not numeric: choose a column of amounts "
            "(revenue, spend...)."
        )
    labels = np.asarray(segmentation.labels, dtype=np.int64)
    if len(labels) != len(df):
        raise SettingsError(
            f"The table has {len(df)} rows but the segmentation was fitted on {len(labels)}: "
            "use the table the segments were fitted on."
        )
    k = segmentation.k
    values = float_values(df[column])
    with np.errstate(invalid="ignore", over="ignore"):
        counts, known, totals, negatives = _sums(values, labels, k)
    segments = pd.RangeIndex(1, k + 1, name="segment")
    n_assigned = int(counts[:k].sum())
    grand = float(totals[:k].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(known[:k] > 0, totals[:k] / np.maximum(known[:k], 1), np.nan)
        n_known = int(known[:k].sum())
        average = grand / n_known if n_known else np.nan
        shares = totals[:k] / grand if grand > 0 else np.full(k, np.nan)
        index = per / average * 100 if average > 0 else np.full(k, np.nan)
    missing, negative = n_assigned - n_known, int(negatives[:k].sum())
    notes = _notes(column, missing, negative, grand, float(totals[k]), int(counts[k]))

    def series(values, name: str) -> pd.Series:
        return pd.Series(values, index=segments, name=name)

    return SegmentValue(
        column=column,
        customers=series(counts[:k].astype(np.int64), "customers"),
        customer_share=series(counts[:k] / max(n_assigned, 1), "customer_share"),
        known=series(known[:k].astype(np.int64), "known"),
        total=series(totals[:k], "total"),
        value_share=series(shares, "value_share"),
        per_customer=series(per, "value_per_customer"),
        index=series(index, "value_index"),
        grand_total=grand,
        unassigned_total=float(totals[k]),
        missing=missing,
        negative=negative,
        notes=notes,
    )


def _notes(
    column: str, missing: int, negative: int, grand: float, unassigned: float, n_unassigned: int
) -> tuple[str, ...]:
    """The caveats of a value table, in words."""
    notes = []
    if missing:
        who = "customer has" if missing == 1 else "customers have"
        notes.append(
            f"{_count(missing)} {who} no {column}: left out of the sums; value per customer "
            "divides by the customers whose value is known."
        )
    if negative:
        who = "customer has" if negative == 1 else "customers have"
        notes.append(
            f"{_count(negative)} {who} a negative {column} (refunds?): counted as negative, "
            "so each segment's value is net."
        )
    if not grand > 0:
        notes.append(
            f"The segmented customers' total {column} is {grand:,.2f}: shares of value and "
            "the index need a positive total, so they are left blank."
        )
    if n_unassigned:
        who = (
            "customer without a segment holds"
            if n_unassigned == 1
            else ("customers without a segment hold")
        )
        notes.append(
            f"{_count(n_unassigned)} {who} {unassigned:,.2f} of {column}; shares are of the "
            "segmented customers' total."
        )
    return tuple(notes)


def with_value_columns(table: pd.DataFrame, value: SegmentValue) -> pd.DataFrame:
    """The profile table (`profile_table`) with ``value_share`` (fraction of the total, 4
    decimals), ``value_per_customer`` (6 significant digits) and ``value_index`` (1
    decimal) after its ``share`` column.

    Raises
    ------
    SettingsError
        The table and `value` are not of the same segments.
    """
    segments = table["segment"].to_numpy()
    if len(segments) != value.k or sorted(segments) != list(range(1, value.k + 1)):
        raise SettingsError(
            f"The profile table has {len(segments)} segments and the value table {value.k}: "
            "use both of the same segmentation."
        )
    out = table.copy()
    at = list(out.columns).index("share") + 1 if "share" in out.columns else len(out.columns)
    per = [float(f"{v:.6g}") if np.isfinite(v) else np.nan for v in value.per_customer[segments]]
    out.insert(at, "value_share", np.round(value.value_share[segments].to_numpy(float), 4))
    out.insert(at + 1, "value_per_customer", per)
    out.insert(at + 2, "value_index", np.round(value.index[segments].to_numpy(float), 1))
    return out
