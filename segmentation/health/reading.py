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
