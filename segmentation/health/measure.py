"""What the checks look at, measured once per table: missing, constant, codes, skew, pairs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.health.thresholds import (
    CODE_TOKENS,
    CORRELATION_COLUMNS,
    CORRELATION_ROWS,
    CORRELATION_THRESHOLD,
    SKEW_THRESHOLD,
)

#: Values per slice in the whole-column tests below: small temporaries stay in cache,
#: and a test that fails on the first slice stops there.
_SLICE = 1 << 16


@dataclass(frozen=True)
class Facts:
    """A typed table measured for the health checks (see `measure`).

    Attributes
    ----------
    n_rows : int
    id_column : str or None
    numeric, dates, categorical : tuple of str
        Non-id columns read as numbers, as dates, and the rest (empty ones aside).
    missing : dict of column -> count
        Columns with at least one missing value.
    empty : tuple of str
        Non-numeric columns with no value at all.
    duplicate_ids : int
        Rows whose id already appeared above.
    extremes : dict of column -> (min, max)
        Of each numeric column, missing values aside.
    constant, code_like : tuple of str
    skewed : dict of column -> skewness
    pairs : tuple of (a, b, r)
        Correlated numeric pairs, strongest first, among the first `CORRELATION_COLUMNS`
        varying amounts.
    uncompared : int
        Varying amounts left out of the pair search (beyond the first ones).
    converted : tuple of (column, how)
        Numeric columns whose text had to be cleaned.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["a", "b", "c"], "spend": [1.0, 1.0, 1.0]})
    >>> measure(frame, id_column="id", numeric_columns=["spend"]).constant
    ('spend',)
    """

    n_rows: int
    id_column: str | None
    numeric: tuple[str, ...]
    dates: tuple[str, ...]
    categorical: tuple[str, ...]
    missing: dict[str, int]
    empty: tuple[str, ...]
    duplicate_ids: int
    extremes: dict[str, tuple[float, float]]
    constant: tuple[str, ...]
    code_like: tuple[str, ...]
    skewed: dict[str, float]
    pairs: tuple[tuple[str, str, float], ...]
    converted: tuple[tuple[str, str], ...] = ()
    uncompared: int = 0


def measure(
    frame: pd.DataFrame,
    *,
    id_column: str | None,
    numeric_columns: Sequence[str],
    date_columns: Sequence[str] = (),
    converted_columns: Sequence[tuple[str, str]] = (),
) -> Facts:
    """Measure a typed table once for every health check.

    Examples
    --------
    >>> frame = pd.DataFrame({"spend": [1.0, 2.0, None], "visits": [2.0, 4.0, 6.0]})
    >>> facts = measure(frame, id_column=None, numeric_columns=["spend", "visits"])
    >>> facts.missing, facts.extremes["visits"]
    ({'spend': 1}, (2.0, 6.0))
    """
    n_rows = len(frame)
    numeric = [c for c in numeric_columns if c != id_column]
    dates = [c for c in date_columns if c != id_column]
    others = [c for c in frame.columns if c != id_column and c not in numeric and c not in dates]
    counts = {c: _missing_count(frame[c]) for c in frame.columns}
    missing = {str(c): v for c, v in counts.items() if v > 0}
    empty = tuple(c for c in others if n_rows and missing.get(c, 0) == n_rows)
    values = {c: frame[c].to_numpy(dtype=np.float64) for c in numeric}
    # One pass per column serves the constant, code and flag tests and the log advice.
    extremes = {c: _min_max(values[c]) for c in numeric}
    constant = tuple(
        c
        for c in frame.columns
        if c != id_column
        and c not in empty
        and (extremes[c][0] == extremes[c][1] if c in extremes else _is_constant(frame[c]))
    )
    code_like = tuple(
        c for c in numeric if c not in constant and _is_code_like(c, values[c], extremes[c])
    )
    varying = [c for c in numeric if c not in constant]
    skewed = _skewed(values, extremes, varying, n_rows)
    amounts = [c for c in varying if c not in code_like]
    pairs = _correlated_pairs(frame, amounts[:CORRELATION_COLUMNS])
    return Facts(
        n_rows=n_rows,
        id_column=id_column,
        numeric=tuple(numeric),
        dates=tuple(dates),
        categorical=tuple(c for c in others if c not in empty),
        missing=missing,
        empty=empty,
        duplicate_ids=0 if id_column is None else count_repeats(_arrow(frame[id_column])),
        extremes=extremes,
        constant=constant,
        code_like=code_like,
        skewed=skewed,
        pairs=tuple(pairs),
        converted=tuple(converted_columns),
        uncompared=max(len(amounts) - CORRELATION_COLUMNS, 0),
    )


def count_repeats(values: pa.ChunkedArray) -> int:
    """Number of non-null values equal to an earlier one (duplicates beyond the first).

    Sorting then comparing neighbours is faster than hashing (arrow's count_distinct,
    pandas' duplicated) on a million string ids.

    Examples
    --------
    >>> count_repeats(pa.chunked_array([["a", "b", "a", None, "a"]]))
    2
    """
    if len(values) < 2:
        return 0
    head, tail = values.slice(0, len(values) - 1), values.slice(1)
    if values.null_count == 0 and pc.all(pc.less(head, tail)).as_py():
        return 0  # already in increasing order (ids usually are): no sort needed
    ordered = pc.take(values, pc.sort_indices(values))
    same = pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
    return int(pc.sum(same).as_py() or 0)


def _arrow(column: pd.Series) -> pa.ChunkedArray:
    """The column as one arrow ChunkedArray (zero-copy for arrow-backed strings)."""
    array = pa.array(column)
    # pa.array returns a ChunkedArray for arrow-backed columns; wrapping that again in
    # pa.chunked_array([...]) would iterate it value by value.
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _slices(values: np.ndarray):
    for start in range(0, len(values), _SLICE):
        yield values[start : start + _SLICE]


def _missing_count(column: pd.Series) -> int:
    if column.dtype == np.float64:
        return int(sum(np.count_nonzero(np.isnan(part)) for part in _slices(column.to_numpy())))
    return int(column.isna().sum())


def _min_max(values: np.ndarray) -> tuple[float, float]:
    """Smallest and largest non-missing value (NaN, NaN when all are missing)."""
    if values.size == 0:
        return np.nan, np.nan
    low = values.min()  # the fastest pass; NaN when a value is missing
    if not np.isnan(low):
        return float(low), float(values.max())
    # fmin/fmax skip NaN without the copies nanmin/nanmax make to warn on an all-NaN column.
    return float(np.fmin.reduce(values)), float(np.fmax.reduce(values))


def _two_valued(values: np.ndarray, extremes: tuple[float, float] | None = None) -> bool:
    """At most two distinct values (a flag), without hashing a million floats."""
    low, high = extremes or _min_max(values)
    if np.isnan(low):
        return True
    return all(
        bool(np.all((part == low) | (part == high) | np.isnan(part))) for part in _slices(values)
    )


def _is_constant(column: pd.Series) -> bool:
    """One distinct non-missing value (cheaper than nunique on a million rows)."""
    if pd.api.types.is_float_dtype(column):
        low, high = _min_max(column.to_numpy())
        return bool(low == high)  # False for an all-missing column: NaN != NaN
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        # Arrow's min and max of the text: no copy of the present values.
        extremes = pc.min_max(_arrow(column))
        low, high = extremes["min"].as_py(), extremes["max"].as_py()
        return low is not None and low == high
    present = column.dropna()
    if present.empty:
        return False
    return bool((present == present.iloc[0]).all())


def _name_tokens(name: str) -> list[str]:
    """Words of a column name: "Customer ID" / "customerId" / "zip_code" -> words."""
    return [t.lower() for t in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]


def _is_code_name(name: str) -> bool:
    """The last word names a code ("Region", "zip_code", "Customer No").

    Only the last word counts, so "NumStorePurchases" (a count of purchases) is not a code.
    """
    tokens = _name_tokens(name)
    return bool(tokens) and tokens[-1] in CODE_TOKENS


def _is_code_like(
    name: str, values: np.ndarray, extremes: tuple[float, float] | None = None
) -> bool:
    """Integer values that are codes (named like one) or a running number (1, 2, 3...)."""
    low, high = extremes or _min_max(values)
    if np.isnan(low):
        return False  # no value at all
    if not _is_code_name(name):
        # A running number has no gap and no missing value: tested before the (slower)
        # integer test, which most amounts then never reach.
        if values.size < 10 or high - low + 1 != values.size or np.isnan(values).any():
            return False
    if not all(bool(np.all((part == np.floor(part)) | np.isnan(part))) for part in _slices(values)):
        return False
    if _is_code_name(name):
        return True
    distinct = np.unique(values)
    return distinct.size == values.size


def _skewed(
    values: dict[str, np.ndarray],
    extremes: dict[str, tuple[float, float]],
    varying: list[str],
    n_rows: int,
) -> dict[str, float]:
    """Skewness of the varying columns above `SKEW_THRESHOLD` (0/1 flags aside)."""
    skewed: dict[str, float] = {}
    if n_rows < 3:
        return skewed
    for column in varying:
        # Column by column: a skew of the whole block holds several temporary copies of it.
        value = pd.Series(values[column], copy=False).skew()
        # A 0/1 flag is skewed when rare, but a log of it means nothing.
        if not (np.isfinite(value) and value > SKEW_THRESHOLD):
            continue
        if not _two_valued(values[column], extremes[column]):
            skewed[str(column)] = round(float(value), 3)
    return skewed


def _correlated_pairs(frame: pd.DataFrame, columns: list[str]) -> list[tuple[str, str, float]]:
    """Pairs with |r| >= CORRELATION_THRESHOLD, strongest first (row sample if long)."""
    if len(columns) < 2 or len(frame) < 3:
        return []
    data = frame[columns]
    if len(data) > CORRELATION_ROWS:
        # Every k-th row keeps the result deterministic; a warning at |r| >= 0.9 does not
        # need the last decimal of r.
        data = data.iloc[:: -(-len(data) // CORRELATION_ROWS)]
    matrix = data.to_numpy(dtype=np.float64)
    if np.isnan(matrix).any():
        corr = data.corr().to_numpy()
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(matrix, rowvar=False)
    upper_i, upper_j = np.triu_indices(len(columns), k=1)
    r = corr[upper_i, upper_j]
    keep = np.isfinite(r) & (np.abs(r) >= CORRELATION_THRESHOLD)
    pairs = [
        (columns[i], columns[j], round(float(v), 3))
        for i, j, v in zip(upper_i[keep], upper_j[keep], r[keep])
    ]
    pairs.sort(key=lambda p: -abs(p[2]))
    return pairs
