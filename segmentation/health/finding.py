"""A finding, and the health report that lists them with what was read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One thing the user should know about the data, and what to do about it.

    ``column`` is the column it is about, or None when it is about the whole file.

    Examples
    --------
    >>> Finding("spend", "has no value for any customer", "It is left out").column
    'spend'
    """

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
    empty_columns : tuple of str
        Non-numeric columns with no value for any customer.

    Examples
    --------
    >>> from segmentation import read_customers
    >>> report = read_customers(b"id,spend,fee\\nA,1,5\\nB,2,5\\nC,30,5\\n").report
    >>> report.id_column, report.numeric_columns, report.constant_columns
    ('id', ('spend', 'fee'), ('fee',))
    >>> report.nothing_to_segment
    False
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

    @property
    def nothing_to_segment(self) -> bool:
        """No column of numbers has two different values: no segments can be built.

        Examples
        --------
        >>> from segmentation import read_customers
        >>> read_customers(b"id,spend\\nA,5\\nB,5\\nC,5\\n").report.nothing_to_segment
        True
        """
        return bool(self.numeric_columns) and set(self.numeric_columns) <= set(
            self.constant_columns
        )
