"""Per-customer sums of an order log, by DuckDB: the one place the customer table's numbers
come from, whichever reader read the lines.

Both readers hand over the same relation, one row per group of lines that share a
customer, a date and an order (a line of its own is a group of one)::

    c    VARCHAR  customer id, trimmed; NULL when missing
    day  INTEGER  days since 1970-01-01 of the date; NULL when unreadable
    o    VARCHAR  order id; NULL: each line is an order of its own
    n    BIGINT   lines in the group
    n_a  BIGINT   lines with a readable amount
    s    DOUBLE   sum of the readable amounts
    r    BIGINT   the group's first line (customers come out in order of appearance)

`sum_orders` counts the lines left out (each under the first rule it breaks: no customer
id, an unreadable date, an unreadable amount, a date after the snapshot) and sums the rest
per customer: first and last day, distinct orders and net amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import DataError, SettingsError


@dataclass(frozen=True, eq=False)
class OrderSums:
    """What `sum_orders` found.

    Attributes
    ----------
    sums : pandas.DataFrame
        One row per customer in order of first appearance: ``customer``, ``first`` and
        ``last`` (days since 1970-01-01), ``frequency`` and ``monetary``.
    snapshot : datetime.date
        The date recency is counted to.
    snap_day : int
        The snapshot in days since 1970-01-01.
    n_lines, n_used : int
        Lines in the log, lines summed.
    left_out : tuple of (reason, count)
        Lines left out, by reason, in the order the rules are checked.
    """

    sums: pd.DataFrame
    snapshot: dt.date
    snap_day: int
    n_lines: int
    n_used: int
    left_out: tuple[tuple[str, int], ...]


def sum_orders(
    con,
    relation: str,
    *,
    names: tuple[str, str, str],
    snapshot: dt.date | str | None = None,
    dates_read: bool = True,
) -> OrderSums:
    """Count the unusable lines of ``relation`` (see the module's docstring) and sum the
    rest per customer.

    ``con`` is a DuckDB connection holding ``relation``; ``names`` are the customer, date
    and amount columns as the file names them (for the message when no line can be used).
    ``dates_read`` is False when no date of the file could be read: its dateless lines are
    then counted as "without a date" rather than "with an unreadable date".

    Raises
    ------
    DataError
        No usable line, or every usable line dated after the snapshot.
    SettingsError
        A snapshot that is not a date.

    Examples
    --------
    >>> import duckdb, pyarrow as pa
    >>> con = duckdb.connect()
    >>> _ = con.register("lines", pa.table({
    ...     "c": ["A", "B", "A", None], "day": [19724, 19725, None, 19726],
    ...     "o": [None] * 4, "n": [1] * 4, "n_a": [1] * 4,
    ...     "s": [10.0, 2.5, 1.0, 4.0], "r": [0, 1, 2, 3]}))
    >>> found = sum_orders(con, "lines", names=("id", "date", "amount"))
    >>> found.sums.values.tolist(), found.snapshot
    ([['A', 19724, 19724, 1, 10.0], ['B', 19725, 19725, 1, 2.5]], datetime.date(2024, 1, 4))
    >>> found.left_out[:2]
    (('without a customer id', 1), ('with an unreadable date', 1))
    """
    dated = "c IS NOT NULL AND day IS NOT NULL"
    counts = con.execute(
        f"SELECT sum(n), sum(n) FILTER (c IS NULL), sum(n) FILTER (c IS NOT NULL AND day IS "
        f"NULL), sum(n - n_a) FILTER ({dated}), max(day) FILTER ({dated} AND n_a > 0), "
        f"sum(n) FILTER (day IS NULL), sum(n - n_a) FROM {relation}"
    ).fetchall()[0]
    n_lines, no_id, no_date, no_amount, last_day, any_no_date, any_no_amount = (
        int(v) if v is not None else None for v in counts
    )
    n_lines = n_lines or 0
    date_reason = "with an unreadable date" if dates_read else "without a date"
    reasons = ("without a customer id", date_reason, "with an unreadable amount")
    if last_day is None:
        raw = (no_id or 0, any_no_date or 0, any_no_amount or 0)
        raise DataError(_nothing_usable(names, tuple(zip(reasons, raw)), n_lines))
    snap = snapshot_date(snapshot, last_day)
    snap_day = int((np.datetime64(snap, "D") - np.datetime64("1970-01-01", "D")).astype(int))
    usable = f"{dated} AND n_a > 0"
    after = 0  # the default snapshot is the day after the last usable line
    if snapshot is not None:
        after = con.execute(
            f"SELECT sum(n_a) FILTER (day > {snap_day}) FROM {relation} WHERE {usable}"
        ).fetchall()[0][0]
    dropped = tuple(zip(reasons, (no_id or 0, no_date or 0, no_amount or 0))) + (
        (f"dated after the snapshot date ({snap.isoformat()})", int(after or 0)),
    )
    n_used = n_lines - sum(n for _, n in dropped)
    if not n_used:
        raise DataError(
            f"Every order line is dated after the snapshot date {snap.isoformat()}: choose a "
            "later snapshot date"
        )
    sums = con.execute(
        "SELECT c AS customer, min(day) AS first, max(day) AS last, CAST(count(DISTINCT o) + "
        "coalesce(sum(n_a) FILTER (o IS NULL), 0) AS BIGINT) AS frequency, sum(s) AS monetary "
        f"FROM {relation} WHERE {usable} AND day <= {snap_day} GROUP BY c ORDER BY min(r)"
    ).df()
    return OrderSums(sums, snap, snap_day, n_lines, n_used, dropped)


def snapshot_date(snapshot: dt.date | str | None, last_day: int) -> dt.date:
    """The snapshot as a date: the one given, or the day after ``last_day`` (days since
    1970-01-01, the last usable order).

    Examples
    --------
    >>> snapshot_date(None, 19722), snapshot_date("2024-03-01", 19722)
    (datetime.date(2024, 1, 1), datetime.date(2024, 3, 1))
    """
    last = dt.date(1970, 1, 1) + dt.timedelta(days=int(last_day))
    if snapshot is None:
        return last + dt.timedelta(days=1)
    if isinstance(snapshot, dt.datetime):
        return snapshot.date()
    if isinstance(snapshot, dt.date):
        return snapshot
    try:
        return dt.date.fromisoformat(str(snapshot).strip())
    except ValueError:
        raise SettingsError(
            f"snapshot={snapshot!r} is not a date: write it as YYYY-MM-DD, e.g. "
            f"{(last + dt.timedelta(days=1)).isoformat()}"
        ) from None


def _nothing_usable(names, raw_counts, n_lines: int) -> str:
    worst, count = max(raw_counts, key=lambda rc: rc[1])
    customer, date, amount = names
    return (
        f"None of the {n_lines:,} order lines can be used: {count:,} are {worst} (customer "
        f"{customer!r}, date {date!r}, amount {amount!r}): check the columns chosen"
    )
