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
per customer: first and last day, distinct orders and net amount. `tally_lines` does the
counting and summing in one pass over the relation, so a reader may hand over a view of a
file read as it is summed (see `segmentation.orders_duckdb`).
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
    tally: LineTally | None = None,
) -> OrderSums:
    """Count the unusable lines of ``relation`` (see the module's docstring) and sum the
    rest per customer.

    ``con`` is a DuckDB connection holding ``relation``; ``names`` are the customer, date
    and amount columns as the file names them (for the message when no line can be used).
    ``dates_read`` is False when no date of the file could be read: its dateless lines are
    then counted as "without a date" rather than "with an unreadable date". ``tally`` is
    `tally_lines`'s of ``relation`` when the caller made it already (with the same
    snapshot): the lines are then not read again.

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
    if tally is None:
        tally = tally_lines(con, relation, snapshot=snapshot)
    date_reason = "with an unreadable date" if dates_read else "without a date"
    reasons = ("without a customer id", date_reason, "with an unreadable amount")
    if tally.last_day is None:
        raw = (tally.no_id, tally.any_no_date, tally.any_no_amount)
        raise DataError(_nothing_usable(names, tuple(zip(reasons, raw)), tally.n_lines))
    snap = snapshot_date(snapshot, tally.last_day)
    snap_day = _days_since_epoch(snap)
    if tally.snap_day != _given_day(snapshot):
        raise SettingsError(f"The lines were counted for another snapshot than {snapshot!r}")
    dropped = tuple(zip(reasons, (tally.no_id, tally.no_date, tally.no_amount))) + (
        (f"dated after the snapshot date ({snap.isoformat()})", tally.after),
    )
    n_used = tally.n_lines - sum(n for _, n in dropped)
    if not n_used:
        raise DataError(
            f"Every order line is dated after the snapshot date {snap.isoformat()}: choose a "
            "later snapshot date"
        )
    return OrderSums(tally.sums, snap, snap_day, tally.n_lines, n_used, dropped)


@dataclass(frozen=True, eq=False)
class LineTally:
    """What one pass over the lines found (`tally_lines`), before the rules are applied.

    Attributes
    ----------
    sums : pandas.DataFrame
        As `OrderSums.sums`: the customers with a line used, in order of first appearance.
    snap_day : int or None
        The snapshot (days since 1970-01-01) lines after it were left out for; None: none
        was given (the default snapshot, the day after the last usable line, leaves none
        out).
    n_lines, no_id, no_date, no_amount, after : int
        Lines in all; left out without a customer id, without a readable date, without a
        readable amount (each under the first rule it breaks), dated after ``snap_day``.
    any_no_date, any_no_amount : int
        Lines without a readable date, without a readable amount (whatever their id).
    last_day : int or None
        The last day of a usable line (snapshot aside); None when no line is usable.
    extra : dict of str to int
        The sums of the ``extra`` columns asked for.
    """

    sums: pd.DataFrame
    snap_day: int | None
    n_lines: int
    no_id: int
    no_date: int
    no_amount: int
    after: int
    any_no_date: int
    any_no_amount: int
    last_day: int | None
    extra: dict[str, int]


def tally_lines(
    con, relation: str, *, snapshot: dt.date | str | None = None, extra: tuple[str, ...] = ()
) -> LineTally:
    """Count and sum the lines of ``relation`` (see the module's docstring) in ONE pass,
    grouped by customer and order, then by customer. ``extra`` names 0/1 columns of
    ``relation`` (a reader's own checks, 1 only on lines no rule keeps) whose lines are
    counted in the same pass.

    A snapshot that is not a date is ignored here (`sum_orders` refuses it, naming the
    last order's day).

    Examples
    --------
    >>> import duckdb, pyarrow as pa
    >>> con = duckdb.connect()
    >>> _ = con.register("lines", pa.table({
    ...     "c": ["B", "A", "B", None], "day": [19724, 19725, 19730, 19726],
    ...     "o": ["1", "2", "1", "3"], "n": [1] * 4, "n_a": [1, 1, 1, 0],
    ...     "s": [10.0, 2.5, 1.0, None], "r": [0, 1, 2, 3]}))
    >>> tally = tally_lines(con, "lines", snapshot="2024-01-06")
    >>> tally.sums.values.tolist()
    [['B', 19724, 19724, 1, 10.0], ['A', 19725, 19725, 1, 2.5]]
    >>> tally.n_lines, tally.no_id, tally.after, tally.last_day
    (4, 1, 1, 19730)
    """
    snap_day = _given_day(snapshot)
    later = f"WHEN day > {snap_day} THEN 3 " if snap_day is not None else ""
    rule = f"CASE WHEN day IS NULL THEN 0 WHEN n_a = 0 THEN 1 {later}ELSE 2 END"
    used = "c IS NOT NULL AND n_a > 0 AND day IS NOT NULL" + (
        f" AND day <= {snap_day}" if snap_day is not None else ""
    )
    flags = "".join(f" || ',' || CAST({_quoted(e)} AS VARCHAR)" for e in extra)
    # Lines a rule leaves out (few) are grouped under customer NULL and a key naming the
    # rule, the others by customer and order (the same order id under two customers is two
    # orders): plain aggregates over one GROUP BY cost less than a FILTERed aggregate per
    # rule, the rule as a third key, or count(DISTINCT o) (benchmarks/README.md).
    keyed = (
        f"SELECT CASE WHEN {used} THEN c END AS c_key, CASE WHEN {used} THEN o ELSE "
        f"CAST({rule} AS VARCHAR) || ',' || CAST(c IS NULL AS INTEGER){flags} END AS o_key, "
        f"n, n_a, day, s, r FROM {relation}"
    )
    orders = (
        "SELECT c_key, o_key, sum(n) AS n, sum(n_a) AS n_a, min(day) AS first, max(day) AS "
        f"last, sum(s) AS s, min(r) AS r FROM ({keyed}) GROUP BY c_key, o_key"
    )
    rows = con.execute(
        "SELECT c_key AS customer, CASE WHEN c_key IS NULL THEN o_key END AS why, "
        "CAST(min(first) AS INTEGER) AS first, CAST(max(last) AS INTEGER) AS last, "
        "CAST(count(o_key) + coalesce(sum(CASE WHEN o_key IS NULL THEN n_a END), 0) AS "
        "BIGINT) AS frequency, sum(s) AS monetary, min(r) AS r, CAST(sum(n) AS BIGINT) AS n, "
        f"CAST(sum(n_a) AS BIGINT) AS n_a FROM ({orders}) GROUP BY c_key, why"
    ).df()
    return _tally_of(rows, snap_day, extra)


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


def _tally_of(rows: pd.DataFrame, snap_day: int | None, extra: tuple[str, ...]) -> LineTally:
    """The `LineTally` of `tally_lines`'s rows: one per customer with a line used, one per
    rule (``why``: the rule's number, whether the id is missing, the ``extra`` flags) for
    the lines left out."""
    kept = rows["customer"].notna().to_numpy()
    customers = rows[kept].sort_values("r", kind="stable")
    sums = customers[["customer", "first", "last", "frequency", "monetary"]]
    sums = sums.reset_index(drop=True).astype({"first": np.int32, "last": np.int32})
    out = rows[~kept]
    why = out["why"].astype("str").str.split(",", expand=True).astype(int)
    why = why.reindex(columns=range(2 + len(extra)), fill_value=0)
    rule, no_id = why[0].to_numpy(), why[1].to_numpy().astype(bool)
    n, n_a = out["n"].to_numpy(np.int64), out["n_a"].to_numpy(np.int64)
    with_id = ~no_id
    lasts = np.concatenate(
        [
            customers["last"].to_numpy(np.float64),
            out["last"].to_numpy(np.float64)[with_id & (rule == 3)],
        ]
    )
    lasts = lasts[~np.isnan(lasts)]
    return LineTally(
        sums=sums,
        snap_day=snap_day,
        n_lines=int(rows["n"].sum()),
        no_id=int(n[no_id].sum()),
        no_date=int(n[with_id & (rule == 0)].sum()),
        no_amount=int((customers["n"] - customers["n_a"]).sum())
        + int((n - n_a)[with_id & (rule != 0)].sum()),
        after=int(n_a[with_id & (rule == 3)].sum()),
        any_no_date=int(n[rule == 0].sum()),
        any_no_amount=int((rows["n"] - rows["n_a"]).sum()),
        last_day=int(lasts.max()) if len(lasts) else None,
        extra={e: int(n[why[2 + i].to_numpy() == 1].sum()) for i, e in enumerate(extra)},
    )


def _given_day(snapshot: dt.date | str | None) -> int | None:
    """A given snapshot in days since 1970-01-01; None when none is given or it is not a
    date (`snapshot_date` says what is wrong with it)."""
    if snapshot is None:
        return None
    try:
        return _days_since_epoch(snapshot_date(snapshot, 0))
    except SettingsError:
        return None


def _days_since_epoch(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
