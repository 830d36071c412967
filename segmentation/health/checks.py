"""The health checks: one function per kind of finding, run in the order of `CHECKS`.

Each check takes the table's `Facts` and returns the findings of its kind, in the order
to show them. A new kind of finding is a new function here, added to `CHECKS`.

Examples
--------
>>> import pandas as pd
>>> from segmentation.health.measure import measure
>>> frame = pd.DataFrame({"id": ["a", "b", "c"], "spend": [5.0, 5.0, 5.0]})
>>> facts = measure(frame, id_column="id", numeric_columns=["spend"])
>>> [f.problem for check in CHECKS for f in check(facts)][:2]
['Every column of numbers has a single value for all customers: nothing can be segmented', \
'has the same value for every customer']
"""

from __future__ import annotations

from segmentation.health.finding import Finding
from segmentation.health.measure import Facts
from segmentation.health.thresholds import (
    CORRELATION_COLUMNS,
    CORRELATION_THRESHOLD,
    MAX_PAIR_FINDINGS,
    MOSTLY_MISSING,
)

#: The finding of a table with nothing to segment: no column of numbers varies.
NOTHING_TO_SEGMENT = Finding(
    None,
    "Every column of numbers has a single value for all customers: nothing can be segmented",
    "Segments need at least one column whose values differ between customers: upload a "
    "file where they do",
)


def _facts(frame_dict: dict, **options) -> Facts:
    """Facts of a small table, for the examples below."""
    import pandas as pd

    from segmentation.health.measure import measure

    return measure(pd.DataFrame(frame_dict), **options)


def nothing_to_segment(facts: Facts) -> list[Finding]:
    """Every numeric column holds a single value (five identical customers): say so first.

    Examples
    --------
    >>> same = _facts({"spend": [5.0, 5.0, 5.0]}, id_column=None, numeric_columns=["spend"])
    >>> nothing_to_segment(same) == [NOTHING_TO_SEGMENT]
    True
    """
    if facts.numeric and all(c in facts.constant for c in facts.numeric):
        return [NOTHING_TO_SEGMENT]
    return []


def converted_numbers(facts: Facts) -> list[Finding]:
    """Columns of numbers whose text had to be cleaned ("$1,200" -> 1200).

    Examples
    --------
    >>> facts = _facts({"pay": [1.0, 2.0, 3.0]}, id_column=None, numeric_columns=["pay"],
    ...                converted_columns=[("pay", "currency signs removed")])
    >>> converted_numbers(facts)[0].problem
    'was read as numbers (currency signs removed)'
    """
    return [
        Finding(column, f"was read as numbers ({how})", "Check a few values in the table preview")
        for column, how in facts.converted
    ]


def no_id_column(facts: Facts) -> list[Finding]:
    """No column identifies the customers.

    Examples
    --------
    >>> no_id_column(_facts({"a": [1.0]}, id_column=None, numeric_columns=["a"]))[0].problem
    'No customer id column was found'
    """
    if facts.id_column is not None:
        return []
    return [
        Finding(
            None,
            "No customer id column was found",
            "Rows are identified by their position; choose an id column if the file has one",
        )
    ]


def repeated_ids(facts: Facts) -> list[Finding]:
    """Rows whose id was already used above.

    Examples
    --------
    >>> facts = _facts({"id": ["a", "a", "b"], "x": [1.0, 2.0, 3.0]}, id_column="id",
    ...                numeric_columns=["x"])
    >>> repeated_ids(facts)[0].problem
    '1 rows repeat an id already used above'
    """
    if not facts.duplicate_ids:
        return []
    return [
        Finding(
            facts.id_column,
            f"{facts.duplicate_ids} rows repeat an id already used above",
            "Each row is kept and segmented on its own; check whether the file "
            "holds the same customer twice",
        )
    ]


def empty_columns(facts: Facts) -> list[Finding]:
    """Columns with no value for any customer.

    Examples
    --------
    >>> facts = _facts({"note": [None, None, None], "x": [1.0, 2.0, 3.0]}, id_column=None,
    ...                numeric_columns=["x"])
    >>> empty_columns(facts)[0].column
    'note'
    """
    return [
        Finding(column, "has no value for any customer", "It cannot be used and is left out")
        for column in facts.empty
    ]


def missing_values(facts: Facts) -> list[Finding]:
    """Columns where some customers have no value, with what happens to them.

    Examples
    --------
    >>> facts = _facts({"x": [1.0, None, 3.0, 4.0]}, id_column=None, numeric_columns=["x"])
    >>> missing_values(facts)[0].problem
    '1 customer (25.0%) has no value'
    """
    findings = []
    for column, count in facts.missing.items():
        if column in facts.empty:
            continue
        share = count / facts.n_rows
        percent = f"{100 * share:.1f}%" if share >= 0.001 else "under 0.1%"
        problem = (
            f"{count} customers ({percent}) have no value"
            if count != 1
            else f"1 customer ({percent}) has no value"
        )
        if column == facts.id_column:
            advice = "Those rows are kept; give every customer an id to find them again"
        elif column not in facts.numeric:
            advice = "Those customers are shown as having no value in the profiles"
        elif share > MOSTLY_MISSING:
            advice = "Most values are missing: leave this column out of the features"
        else:
            advice = (
                "They are left out of the segments unless you fill missing values with the median"
            )
        findings.append(Finding(column, problem, advice))
    return findings


def constant_columns(facts: Facts) -> list[Finding]:
    """Columns with the same value for every customer.

    Examples
    --------
    >>> facts = _facts({"fee": [2.0, 2.0, 2.0]}, id_column=None, numeric_columns=["fee"])
    >>> constant_columns(facts)[0].problem
    'has the same value for every customer'
    """
    return [
        Finding(
            column,
            "has the same value for every customer",
            "It cannot tell segments apart and is left out",
        )
        for column in facts.constant
    ]


def code_like_columns(facts: Facts) -> list[Finding]:
    """Numeric columns that are codes (Region, zip), not amounts.

    Examples
    --------
    >>> facts = _facts({"Region": [1.0, 2.0, 3.0]}, id_column=None, numeric_columns=["Region"])
    >>> code_like_columns(facts)[0].problem
    'looks like a code, not an amount'
    """
    return [
        Finding(
            column,
            "looks like a code, not an amount",
            "It is left out of the default features; add it only if its numbers mean "
            "more or less of something",
        )
        for column in facts.code_like
    ]


def skewed_columns(facts: Facts) -> list[Finding]:
    """Strongly skewed amounts, with a log transform suggested where it can be used.

    Examples
    --------
    >>> facts = _facts({"spend": [1.0, 1.0, 1.0, 2.0, 100.0]}, id_column=None,
    ...                numeric_columns=["spend"])
    >>> skewed_columns(facts)[0].advice
    'A log transform is suggested'
    """
    findings = []
    for column, value in facts.skewed.items():
        if column in facts.code_like:
            continue
        if facts.extremes[column][0] >= 0:
            advice = "A log transform is suggested"
        else:
            advice = (
                "It has negative values, so a log transform cannot be used; "
                "consider clipping outliers"
            )
        findings.append(Finding(column, f"is strongly skewed (skewness {value:.1f})", advice))
    return findings


def correlated_columns(facts: Facts) -> list[Finding]:
    """Pairs of columns that move together: the strongest spelled out, the rest counted.

    Examples
    --------
    >>> facts = _facts({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.1]}, id_column=None,
    ...                numeric_columns=["a", "b"])
    >>> correlated_columns(facts)[0].problem
    'moves with a (r=1.00)'
    """
    findings = [
        Finding(
            b,
            f"moves with {a} (r={r:.2f})",
            "Using both gives that behaviour double weight: consider choosing one",
        )
        for a, b, r in facts.pairs[:MAX_PAIR_FINDINGS]
    ]
    if facts.uncompared:
        findings.append(
            Finding(
                None,
                f"Only the first {CORRELATION_COLUMNS} columns of numbers were compared for "
                f"pairs that move together ({facts.uncompared:,} more were not)",
                "Choose a few features that describe different behaviour",
            )
        )
    if len(facts.pairs) > MAX_PAIR_FINDINGS:
        # A wide file can hold tens of thousands of such pairs: a list no one reads.
        findings.append(
            Finding(
                None,
                f"{len(facts.pairs) - MAX_PAIR_FINDINGS:,} more pairs of columns move together "
                f"(|r| >= {CORRELATION_THRESHOLD})",
                "Choose a few features that describe different behaviour",
            )
        )
    return findings


#: Every check, in the order its findings are shown (after the notes made while reading).
CHECKS = (
    nothing_to_segment,
    converted_numbers,
    no_id_column,
    repeated_ids,
    empty_columns,
    missing_values,
    constant_columns,
    code_like_columns,
    skewed_columns,
    correlated_columns,
)
