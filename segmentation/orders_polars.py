"""The customer table of a big order export, with polars doing the per-line work.

`segmentation.orders.customers_from_orders` works on a frame the careful reader built;
for a big plain CSV file that reader is the slow part (see benchmarks/README.md). Here
polars reads only the needed columns and sums per customer on all cores; the rules are
the same ones: `segmentation.dates` decides how the (distinct) dates are read, the lines
left out are counted under the same reasons, and `segmentation.orders.finish_sums` and
`table_of` make the same table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.dates import parse_dates
from segmentation.errors import DataError, SettingsError
from segmentation.io import MISSING_MARKERS
from segmentation.order_log import CURRENCY_NAMES, OrderColumns, normalise_name
from segmentation.orders import (
    DATE_ORDERS,
    TIME_PART,
    AmbiguousDates,
    CustomerTable,
    amount_decimals,
    finish_sums,
    left_out,
    one_currency,
    snapshot_date,
    table_of,
)

MISSING = sorted(MISSING_MARKERS)


def customers_from_csv(
    path: str | Path,
    columns: OrderColumns,
    *,
    delimiter: str = ",",
    snapshot: dt.date | str | None = None,
    date_order: str = "auto",
) -> CustomerTable | None:
    """`customers_from_orders` for a plain UTF-8 CSV file, read by polars.

    Returns None when the file needs the careful reader (polars missing, a row it cannot
    split, an amount that is not a plain number such as ``1,234.50`` or ``$12``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = path.write_text("id,day,total\\nA,01/02/2024 10:00,5\\nA,13/02/2024,7.5\\n"
    ...                     "B,02/02/2024,1\\n,03/02/2024,9\\n")
    >>> table = customers_from_csv(path, OrderColumns("id", "day", "total"))
    >>> table.frame[["id", "frequency", "monetary", "last_order_date"]].values.tolist()
    [['A', 2, 12.5, '2024-02-13'], ['B', 1, 1.0, '2024-02-02']]
    >>> table.messages
    ('1 order line without a customer id was left out',)
    """
    if date_order not in DATE_ORDERS:
        raise SettingsError(f"date_order={date_order!r}: choose one of {DATE_ORDERS}")
    lines = _read(Path(path), delimiter, columns)
    if lines is None:
        return None
    import polars as pl

    n_lines = lines.height
    for col in lines.columns:
        if normalise_name(col) in CURRENCY_NAMES and col not in (columns.customer, columns.order):
            one_currency(lines.get_column(col).drop_nulls().unique().to_list(), col)
    days, parsed = _days(lines.get_column(columns.date), date_order, columns.date)
    # the date text is not needed any more: dropped so the lines are not held twice
    lines = lines.drop(columns.date).with_columns(days.alias("_day"))
    del days
    ids = lines.get_column(columns.customer)
    padded = ids.str.starts_with(" ") | ids.str.ends_with(" ") | (ids == "")
    if padded.any():  # rare: trim, and a blank id is no id
        customer = pl.col(columns.customer).str.strip_chars()
        blank = pl.when(customer == "").then(None).otherwise(customer)
        lines = lines.with_columns(blank.alias(columns.customer))
    del ids, padded
    no_id = lines.get_column(columns.customer).is_null().to_numpy()
    no_day = lines.get_column("_day").is_null().to_numpy()
    no_amount = lines.get_column(columns.amount).is_null().to_numpy()
    checks = [
        ("without a customer id", no_id),
        ("with an unreadable date" if parsed.n_read else "without a date", no_day),
        ("with an unreadable amount", no_amount),
    ]
    usable = ~(no_id | no_day | no_amount)
    if not usable.any():
        raise DataError(f"None of the {n_lines:,} order lines can be used: check the columns")
    day_values = lines.get_column("_day").to_numpy()
    snap = snapshot_date(snapshot, day_values[usable].astype(np.int64))
    snap_day = (np.datetime64(snap, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
    after = np.zeros(n_lines, dtype=bool)
    after[usable] = day_values[usable] > snap_day
    checks.append((f"dated after the snapshot date ({snap.isoformat()})", after))
    dropped, usable = left_out(checks, n_lines)
    if not usable.any():
        raise DataError(
            f"Every order line is dated after the snapshot date {snap.isoformat()}: choose a "
            "later snapshot date"
        )
    kept = lines if usable.all() else lines.filter(pl.Series(usable))
    del lines
    sums = _sums(kept, columns)
    amounts = kept.get_column(columns.amount).head(10_000).to_numpy()
    values = finish_sums(sums, snap_day, amount_decimals(amounts))
    return table_of(values, columns, snap, n_lines, int(usable.sum()), dropped, parsed)


def _read(path: Path, delimiter: str, columns: OrderColumns):
    """The needed columns as text (the amount as float64), or None (see above)."""
    try:
        import polars as pl
    except ImportError:
        return None
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8-sig", errors="replace")
    names = [n.strip().strip('"') for n in header.rstrip("\r\n").split(delimiter)]
    wanted = [c for c in (columns.customer, columns.date, columns.amount, columns.order) if c]
    wanted += [n for n in names if normalise_name(n) in CURRENCY_NAMES and n not in wanted]
    if any(c not in names for c in wanted):
        return None
    positions = sorted(names.index(c) for c in wanted)
    head = pl.read_csv(
        path, columns=positions, separator=delimiter, infer_schema=False, n_rows=1000
    )
    read_as = dict(zip([names[i] for i in positions], head.columns))  # a BOM kept or not
    head.columns = [names[i] for i in positions]
    typed = {read_as[columns.amount]: pl.Float64}
    iso = _iso_type(head.get_column(columns.date))
    if iso is not None:
        typed[read_as[columns.date]] = iso
    # Typed columns are parsed by the reader itself (no text kept); a cell that does not
    # parse (a missing marker such as "n/a" too) makes it fail, and the text read takes over.
    for overrides in (typed, {}):
        try:
            lines = pl.read_csv(
                path,
                columns=positions,
                separator=delimiter,
                infer_schema=False,
                encoding="utf8",
                schema_overrides=overrides or None,
            )
            break
        except (pl.exceptions.PolarsError, ValueError, OSError):
            continue
    else:
        return None
    lines.columns = [names[i] for i in positions]  # as the careful reader names them
    if lines.schema[columns.amount] == pl.Float64:
        return lines.with_columns(pl.col(columns.amount).fill_nan(None))
    text = lines.get_column(columns.amount)
    numbers = text.str.strip_chars().cast(pl.Float64, strict=False)
    odd = text.filter(numbers.is_null() & text.is_not_null())
    if odd.len() and not odd.str.strip_chars().str.to_lowercase().is_in(MISSING).all():
        return None  # thousands separators or currency signs: the careful reader's job
    return lines.with_columns(numbers.fill_nan(None).alias(columns.amount))


def _iso_type(sample):
    """Date or Datetime when every sampled date is ISO without a zone (the CSV reader then
    parses them itself), else None."""
    import polars as pl

    values = sample.drop_nulls()
    if values.len() == 0:
        return None
    if values.str.contains(r"^\d{4}-\d{2}-\d{2}$").all():
        return pl.Date
    if values.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$").all():
        return pl.Datetime("us")
    return None


def _days(dates, date_order: str, column: str):
    """Each line's day (days since 1970-01-01) as a polars expression, and the reading.

    The time of day is cut first (recency counts whole days), so the distinct dates are
    few and `segmentation.dates.parse_dates` reads and judges all of them.
    """
    import polars as pl

    if dates.dtype in (pl.Date, pl.Datetime("us")):
        days = dates.cast(pl.Date).cast(pl.Int64)
        sample = dates.head(10_000).drop_nulls().cast(pl.String)
        return days, parse_dates(pd.Series(sample.to_arrow(), dtype="str"), order="year-first")
    day_text = _date_part(dates)
    distinct = day_text.drop_nulls().unique()
    parsed = parse_dates(pd.Series(distinct.to_arrow(), dtype="str"), order=date_order)
    if parsed.ambiguous:
        raise AmbiguousDates(column, parsed)
    fast = day_text.str.to_date(parsed.format, strict=False) if parsed.format else None
    if fast is not None and fast.null_count() == day_text.null_count():
        return fast.cast(pl.Int64), parsed  # one format reads every date: no lookup
    stamps = parsed.values.to_numpy("datetime64[us]")
    read = ~np.isnat(stamps)
    day_numbers = stamps[read].astype("datetime64[D]").astype(np.int64)
    lookup = pl.DataFrame(
        {"_text": distinct.filter(pl.Series(read)), "_day": pl.Series(day_numbers)}
    )
    joined = pl.DataFrame({"_text": day_text}).join(
        lookup, on="_text", how="left", maintain_order="left"
    )
    return joined.get_column("_day"), parsed


def _date_part(dates):
    """The text of each date without its time; a plain slice when every date in the first
    thousand lines is as long (zero-padded exports), a regular expression otherwise."""
    head = dates.head(1000).drop_nulls().str.replace(TIME_PART, "").str.len_chars()
    if head.len() and head.min() == head.max():
        if dates.str.starts_with(" ").any():
            dates = dates.str.strip_chars_start()
        return dates.str.head(head.max())
    return dates.str.strip_chars().str.replace(TIME_PART, "")


def _sums(kept, columns: OrderColumns) -> pd.DataFrame:
    """Per customer, in order of first appearance: first and last day, orders, net value."""
    import polars as pl

    if columns.order is None:
        orders = pl.len()
    else:
        # a line without an order id is an order of its own
        order = pl.col(columns.order)
        orders = order.drop_nulls().n_unique() + order.null_count()
    sums = kept.group_by(columns.customer, maintain_order=True).agg(
        pl.col("_day").min().alias("first"),
        pl.col("_day").max().alias("last"),
        orders.alias("frequency"),
        pl.col(columns.amount).sum().alias("monetary"),
    )
    return sums.rename({columns.customer: "customer"}).to_pandas()
