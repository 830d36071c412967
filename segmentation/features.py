"""Which columns can be offered to segment on, and why none can when that happens.

A column can be segmented on when it is numeric and not the customer id. Segments need
at least one of those columns to differ between customers: a file where every one of them
has the same value for everybody (five identical customers) has nothing to segment, and
the user is told so instead of being asked to choose a feature.
"""

from __future__ import annotations

from segmentation.errors import DataError
from segmentation.io import CustomerData


def numeric_columns(data: CustomerData) -> list[str]:
    """The numeric columns but the id, in file order (constants included).

    >>> from segmentation import read_customers
    >>> data = read_customers(b"id,spend,city,visits\\nA1,10,Oslo,1\\nA2,20,Rome,3\\nA3,5,Oslo,2")
    >>> numeric_columns(data)
    ['spend', 'visits']
    """
    return [c for c in data.report.numeric_columns if c != data.id_column]


def check_segmentable(data: CustomerData) -> None:
    """Raise DataError saying why no segments can be built on `data`, if none can.

    Segments can be built when at least one column of `numeric_columns` varies between
    customers (is not constant).

    Raises
    ------
    DataError
        Every numeric column but the id has the same value for every customer, or there is
        no numeric column but the id: nothing tells the customers apart. The message names
        the columns and what to do.

    Examples
    --------
    >>> from segmentation import read_customers
    >>> same = read_customers(b"id,spend,visits\\nA1,10,2\\nA2,10,2\\nA3,10,2\\n")
    >>> check_segmentable(same)
    Traceback (most recent call last):
    ...
    segmentation.errors.DataError: Every column of numbers has a single value for all 3 ...
    >>> check_segmentable(read_customers(b"id,spend\\nA1,10\\nA2,20\\nA3,30\\n")) is None
    True
    """
    options = numeric_columns(data)
    constant = set(data.report.constant_columns)
    if any(c not in constant for c in options):
        return
    if not options:
        raise DataError(
            f"No numeric column but the customer id {data.id_column!r}: nothing tells the "
            "customers apart, so no segments can be built. Upload a file with at least one "
            "column of numbers, such as spend or visits."
        )
    listed = ", ".join(repr(c) for c in options)
    raise DataError(
        f"Every column of numbers has a single value for all {data.report.n_rows:,} customers "
        f"({listed}): they are identical, so nothing can be segmented. Upload a file in which "
        "customers differ in at least one number, such as spend or visits."
    )
