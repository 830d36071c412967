"""The data-health report: what was read and what to watch out for."""

from __future__ import annotations

from dataclasses import dataclass, field


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
