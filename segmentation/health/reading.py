"""Findings made while reading a file, before the table is typed: shown first in the report.

The reader (`segmentation.io`) decides what happened; the words are written here, beside
the report's other findings.
"""

from __future__ import annotations

from segmentation.health.finding import Finding


def unnamed_empty_column(position: int) -> Finding:
    """A column with no name and no values (a trailing delimiter) was left out.

    Examples
    --------
    >>> unnamed_empty_column(4).problem
    'Column 4 has no name and no values (a trailing delimiter?)'
    """
    return Finding(
        None,
        f"Column {position} has no name and no values (a trailing delimiter?)",
        "It was left out",
    )


def unnamed_column(position: int, name: str) -> Finding:
    """A column with values but no name was given ``name``.

    Examples
    --------
    >>> unnamed_column(2, "column_2").advice
    "It was named 'column_2'; give it a name in the file to keep it clear"
    """
    return Finding(
        name,
        f"Column {position} has values but no name",
        f"It was named {name!r}; give it a name in the file to keep it clear",
    )


def repeated_header(count: int) -> Finding:
    """Rows repeating the header (files concatenated by hand) were left out.

    Examples
    --------
    >>> repeated_header(2).problem
    'The header row is repeated 2 times inside the file'
    """
    return Finding(
        None,
        f"The header row is repeated {count} times inside the file",
        "Those rows are not customers and were left out",
    )


def short_rows(count: int) -> Finding:
    """Rows with fewer values than the header were padded with empty cells.

    Examples
    --------
    >>> short_rows(3).problem
    '3 rows have fewer values than the header'
    """
    return Finding(
        None,
        f"{count} rows have fewer values than the header",
        "The missing values at the end of those rows are read as empty",
    )


def trailing_empty_values(count: int) -> Finding:
    """Rows ending with extra empty values (a trailing delimiter) were trimmed.

    Examples
    --------
    >>> trailing_empty_values(1).advice
    'The extra empty values are ignored'
    """
    return Finding(
        None,
        f"{count} rows end with extra empty values (a trailing delimiter)",
        "The extra empty values are ignored",
    )


def not_utf8(encoding: str) -> Finding:
    """The text was not UTF-8 and was read as ``encoding``.

    Examples
    --------
    >>> not_utf8("cp1252").problem
    'The file is not UTF-8; it was read as cp1252'
    """
    return Finding(
        None,
        f"The file is not UTF-8; it was read as {encoding}",
        "Check that accented names look right; if not, save the file as UTF-8 CSV",
    )


def leading_zeros(column: str) -> Finding:
    """A column of numbers written with leading zeros (00123) is kept as a text code.

    Examples
    --------
    >>> leading_zeros("zip").problem
    'has numbers with leading zeros (like 00123)'
    """
    return Finding(
        column,
        "has numbers with leading zeros (like 00123)",
        "It is read as a code, kept as text, and not used as an amount",
    )


def date_column(column: str, parsed) -> Finding:
    """A column of dates, described as dates: how day and month are ordered, and the span.

    `parsed` is the column as read by `segmentation.dates.parse_dates`.

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation.dates import parse_dates
    >>> parsed = parse_dates(pd.Series(["04/09/2012", "21/08/2013", "30/07/2012"]))
    >>> date_column("Dt_Customer", parsed).problem
    'holds dates, day first (21/08/2013 is 21 August 2013), from 30 Jul 2012 to 21 Aug 2013'
    """
    how = {"day-first": "day first", "month-first": "month first", "year-first": "year first"}
    text = "holds dates"
    if parsed.order in how:
        text += f", {how[parsed.order]}"
        if parsed.ambiguous:
            text += " (assumed: every value reads both ways)"
        elif parsed.decided_by:
            when = parsed.values[parsed.values.notna()]
            decided = _read_one(parsed.decided_by, parsed.order)
            text += f" ({parsed.decided_by} is {decided})" if decided and len(when) else ""
    span = parsed.values.dropna()
    if len(span):
        text += f", from {span.min():%d %b %Y} to {span.max():%d %b %Y}"
    return Finding(column, text, "Offered on the Segments page as the days since that date")


def _read_one(value: str, order: str) -> str:
    """One date as words ("21 August 2013"), read in the column's order."""
    import pandas as pd

    from segmentation.dates import parse_dates

    read = parse_dates(pd.Series([value]), order=order).values.iloc[0]
    return "" if pd.isna(read) else f"{read.day} {read:%B %Y}"
