"""`build_report`: measure a typed table once, then run every check in order."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from segmentation.health.checks import CHECKS
from segmentation.health.finding import Finding, HealthReport
from segmentation.health.measure import measure


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
        Its findings are the notes, then those of each of `segmentation.health.CHECKS`.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["a", "b", "c"], "spend": [1.0, None, 3.0]})
    >>> report = build_report(frame, id_column="id", file_format="csv",
    ...                       numeric_columns=["spend"])
    >>> [(f.column, f.problem) for f in report.findings]
    [('spend', '1 customer (33.3%) has no value')]
    """
    facts = measure(
        frame,
        id_column=id_column,
        numeric_columns=numeric_columns,
        date_columns=date_columns,
        converted_columns=converted_columns,
    )
    findings = list(notes) + [finding for check in CHECKS for finding in check(facts)]
    return HealthReport(
        n_rows=facts.n_rows,
        n_columns=len(frame.columns),
        file_format=file_format,
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        id_column=id_column,
        id_candidates=tuple(id_candidates),
        numeric_columns=facts.numeric,
        categorical_columns=facts.categorical,
        date_columns=facts.dates,
        converted_columns=facts.converted,
        missing=facts.missing,
        duplicate_ids=facts.duplicate_ids,
        constant_columns=facts.constant,
        code_like_columns=facts.code_like,
        skewed_columns=facts.skewed,
        correlated_pairs=facts.pairs,
        findings=tuple(findings),
        empty_columns=facts.empty,
    )
