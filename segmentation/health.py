"""The data-health report: what was read and what to watch out for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Skewness above which a column is reported as skewed (a log transform is suggested).
SKEW_THRESHOLD = 1.0
#: Absolute correlation at or above which a pair of columns is reported.
CORRELATION_THRESHOLD = 0.9
#: Correlated pairs spelled out in the findings (the strongest); the rest are counted.
MAX_PAIR_FINDINGS = 10
#: Share of missing values above which a column is better left out than filled.
MOSTLY_MISSING = 0.5
#: Name parts of numeric columns that hold codes, not amounts (Channel, Region, zip).
CODE_TOKENS = frozenset(
    {
        "id",
        "code",
        "zip",
        "zipcode",
        "postal",
        "postcode",
        "plz",
        "region",
        "channel",
        "area",
        "country",
        "state",
        "district",
        "branch",
        "store",
        "segment",
        "cluster",
        "type",
        "category",
        "class",
        "group",
        "key",
        "no",
        "nr",
        "number",
        "num",
    }
)
# Rows used to compute correlations on very long files (enough for r to 2 decimals).
_CORR_ROWS = 200_000


@dataclass(frozen=True)
class Finding:
    """One thing the user should know about the data, and what to do about it."""

    column: str | None
    problem: str
    advice: str


@dataclass(frozen=True)
class HealthReport:
    """What was read and what to watch out for.

    Attributes
    ----------
    n_rows, n_columns : int
    file_format : str
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    encoding, delimiter, decimal : str or None
        How a text file was decoded and split (None for binary formats).
    id_column : str or None
    id_candidates : tuple of str
        Columns that could be the id (for the override choice), best first.
    numeric_columns, categorical_columns, date_columns : tuple of str
    converted_columns : tuple of (column, how) pairs
        Text columns recognised as numbers, e.g. ``("revenue", "currency signs and
        thousands separators removed")``.
    missing : dict of column -> count
        Only columns with at least one missing value (missing markers and infinities count).
    duplicate_ids : int
        Rows whose id already appeared above.
    constant_columns : tuple of str
    code_like_columns : tuple of str
        Numeric columns that are ids or codes (Channel, Region, zip), not amounts:
        excluded from the default features.
    skewed_columns : dict of column -> skewness
        Numeric columns with skewness > 1 (a log transform is suggested when non-negative).
    correlated_pairs : tuple of (a, b, r)
        Numeric pairs with |r| >= 0.9.
    findings : tuple of Finding
        Each warning in words with what to do, in the order to show them.
    """

    n_rows: int
    n_columns: int
    file_format: str
    encoding: str | None
    delimiter: str | None
    decimal: str | None
    id_column: str | None
    id_candidates: tuple[str, ...]
    numeric_columns: tuple[str, ...]
    categorical_columns: tuple[str, ...]
    date_columns: tuple[str, ...]
    converted_columns: tuple[tuple[str, str], ...] = ()
    missing: dict[str, int] = field(default_factory=dict)
    duplicate_ids: int = 0
    constant_columns: tuple[str, ...] = ()
    code_like_columns: tuple[str, ...] = ()
    skewed_columns: dict[str, float] = field(default_factory=dict)
    correlated_pairs: tuple[tuple[str, str, float], ...] = ()
    findings: tuple[Finding, ...] = ()
    empty_columns: tuple[str, ...] = ()


def build_report(
    frame: pd.DataFrame,
    *,
    id_column: str | None,
    file_format: str,
    numeric_columns: Sequence[str],
    date_columns: Sequence[str] = (),
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    id_candidates: Sequence[str] = (),
    converted_columns: Sequence[tuple[str, str]] = (),
    notes: Sequence[Finding] = (),
) -> HealthReport:
    """Compute the health report of a typed customer table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The typed table: numeric columns float64 (NaN for missing), others text.
    id_column : str or None
        The customer id column.
    file_format : str
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    numeric_columns, date_columns : sequence of str
        Columns read as numbers and as dates; every other non-id column is categorical.
    encoding, delimiter, decimal : str or None
        How a text file was read.
    id_candidates : sequence of str
        Columns that could be the id, best first.
    converted_columns : sequence of (column, how)
        Numeric columns whose text had to be cleaned.
    notes : sequence of Finding
        Findings made while reading (dropped rows or columns), shown first.

    Returns
    -------
    HealthReport
    """
    n_rows = len(frame)
    numeric = [c for c in numeric_columns if c != id_column]
    dates = [c for c in date_columns if c != id_column]
    others = [c for c in frame.columns if c != id_column and c not in numeric and c not in dates]
    counts = {c: _missing_count(frame[c]) for c in frame.columns}
    missing = {str(c): v for c, v in counts.items() if v > 0}
    empty = tuple(c for c in others if n_rows and missing.get(c, 0) == n_rows)
    categorical = tuple(c for c in others if c not in empty)

    findings = list(notes)
    for column, how in converted_columns:
        findings.append(
            Finding(
                column, f"was read as numbers ({how})", "Check a few values in the table preview"
            )
        )

    duplicate_ids = 0
    if id_column is None:
        findings.append(
            Finding(
                None,
                "No customer id column was found",
                "Rows are identified by their position; choose an id column if the file has one",
            )
        )
    else:
        duplicate_ids = count_repeats(_arrow(frame[id_column]))
        if duplicate_ids:
            findings.append(
                Finding(
                    id_column,
                    f"{duplicate_ids} rows repeat an id already used above",
                    "Each row is kept and segmented on its own; check whether the file "
                    "holds the same customer twice",
                )
            )

    for column in empty:
        findings.append(
            Finding(column, "has no value for any customer", "It cannot be used and is left out")
        )
    for column, count in missing.items():
        if column in empty:
            continue
        share = count / n_rows
        percent = f"{100 * share:.1f}%" if share >= 0.001 else "under 0.1%"
        problem = (
            f"{count} customers ({percent}) have no value"
            if count != 1
            else f"1 customer ({percent}) has no value"
        )
        if column == id_column:
            advice = "Those rows are kept; give every customer an id to find them again"
        elif column not in numeric:
            advice = "Those customers are shown as having no value in the profiles"
        elif share > MOSTLY_MISSING:
            advice = "Most values are missing: leave this column out of the features"
        else:
            advice = (
                "They are left out of the segments unless you fill missing values with the median"
            )
        findings.append(Finding(column, problem, advice))

    values = {c: frame[c].to_numpy(dtype=np.float64) for c in numeric}
    # Each whole-column pass costs a few ms at a million rows: the extremes serve the
    # constant, code and flag tests and the log advice.
    extremes = {c: _min_max(values[c]) for c in numeric}
    constant = tuple(
        c
        for c in frame.columns
        if c != id_column
        and c not in empty
        and (extremes[c][0] == extremes[c][1] if c in extremes else _is_constant(frame[c]))
    )
    for column in constant:
        findings.append(
            Finding(
                column,
                "has the same value for every customer",
                "It cannot tell segments apart and is left out",
            )
        )

    code_like = tuple(
        c for c in numeric if c not in constant and _is_code_like(c, values[c], extremes[c])
    )
    for column in code_like:
        findings.append(
            Finding(
                column,
                "looks like a code, not an amount",
                "It is left out of the default features; add it only if its numbers mean "
                "more or less of something",
            )
        )

    varying = [c for c in numeric if c not in constant]
    skewed: dict[str, float] = {}
    if varying and n_rows >= 3:
        for column in varying:
            # Column by column: a skew of the whole block holds four temporary copies of
            # it (seconds of page faults on a fresh million-row table).
            value = pd.Series(values[column], copy=False).skew()
            # A 0/1 flag is skewed when rare, but a log of it means nothing.
            if not (np.isfinite(value) and value > SKEW_THRESHOLD):
                continue
            if not _two_valued(values[column], extremes[column]):
                skewed[str(column)] = round(float(value), 3)
    for column, value in skewed.items():
        if column in code_like:
            continue
        if extremes[column][0] >= 0:
            advice = "A log transform is suggested"
        else:
            advice = (
                "It has negative values, so a log transform cannot be used; "
                "consider clipping outliers"
            )
        findings.append(Finding(column, f"is strongly skewed (skewness {value:.1f})", advice))

    pairs = _correlated_pairs(frame, [c for c in varying if c not in code_like])
    for a, b, r in pairs[:MAX_PAIR_FINDINGS]:
        findings.append(
            Finding(
                b,
                f"moves with {a} (r={r:.2f})",
                "Using both gives that behaviour double weight: consider choosing one",
            )
        )
    if len(pairs) > MAX_PAIR_FINDINGS:
        # A wide file can hold tens of thousands of such pairs: a list no one reads.
        findings.append(
            Finding(
                None,
                f"{len(pairs) - MAX_PAIR_FINDINGS:,} more pairs of columns move together "
                f"(|r| >= {CORRELATION_THRESHOLD})",
                "Choose a few features that describe different behaviour",
            )
        )

    return HealthReport(
        n_rows=n_rows,
        n_columns=len(frame.columns),
        file_format=file_format,
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        id_column=id_column,
        id_candidates=tuple(id_candidates),
        numeric_columns=tuple(numeric),
        categorical_columns=categorical,
        date_columns=tuple(dates),
        converted_columns=tuple(converted_columns),
        missing=missing,
        duplicate_ids=duplicate_ids,
        constant_columns=constant,
        code_like_columns=code_like,
        skewed_columns=skewed,
        correlated_pairs=tuple(pairs),
        findings=tuple(findings),
        empty_columns=empty,
    )


def count_repeats(values: pa.ChunkedArray) -> int:
    """Number of non-null values equal to an earlier one (duplicates beyond the first).

    Sorting then comparing neighbours was measured 2-3x faster than hashing (arrow's
    count_distinct, pandas' duplicated) on a million string ids.
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
    # pa.chunked_array([...]) would iterate it value by value (seconds at 1M rows).
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


#: Values per slice in the whole-column tests below: small temporaries stay in cache,
#: and a test that fails on the first slice stops there.
_SLICE = 1 << 16


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


def _correlated_pairs(frame: pd.DataFrame, columns: list[str]) -> list[tuple[str, str, float]]:
    """Pairs with |r| >= CORRELATION_THRESHOLD, strongest first (row sample if long)."""
    if len(columns) < 2 or len(frame) < 3:
        return []
    data = frame[columns]
    if len(data) > _CORR_ROWS:
        # Every k-th row keeps long files fast and the result deterministic; a warning at
        # |r| >= 0.9 does not need the last decimal of r.
        data = data.iloc[:: -(-len(data) // _CORR_ROWS)]
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
