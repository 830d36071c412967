"""The customer table of a big order export, with DuckDB doing the per-line work.

`segmentation.orders.customers_from_orders` works on a frame the careful reader built;
for a big plain CSV file that reader is the slow part, and holding every line in memory
the heavy one (see benchmarks/README.md). Here DuckDB reads only the needed columns and
sums per customer on all cores, spilling nothing to Python but the distinct dates and
the per-customer sums. The rules are the same ones: `segmentation.dates` decides how the
(distinct) dates are read, the lines left out are counted under the same reasons, and
`segmentation.orders.finish_sums` and `table_of` make the same table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

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
    one_currency,
    snapshot_date,
    table_of,
)

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_ISO_STAMP = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$"


def customers_from_csv(
    path: str | Path,
    columns: OrderColumns,
    *,
    delimiter: str = ",",
    snapshot: dt.date | str | None = None,
    date_order: str = "auto",
) -> CustomerTable | None:
    """`customers_from_orders` for a plain UTF-8 CSV file, summed by DuckDB.

    Returns None when the file needs the careful reader (DuckDB missing, a line it cannot
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
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect()
    try:
        lines = _load(con, Path(path), delimiter, columns, date_order)
        if lines is None:
            return None
        return _table(con, columns, snapshot, *lines)
    except duckdb.Error:  # a line DuckDB cannot split: the careful reader says what is wrong
        return None
    finally:
        con.close()


def _header(path: Path, delimiter: str) -> list[str]:
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8-sig", errors="replace")
    return [n.strip().strip('"') for n in header.rstrip("\r\n").split(delimiter)]


def _source(path: Path, delimiter: str, types: dict[str, str]) -> str:
    """A read_csv call with every column named and typed (no sniffing)."""
    spec = ", ".join(f"{_literal(n)}: '{t}'" for n, t in types.items())
    return (
        f"read_csv({_literal(str(path))}, delim={_literal(delimiter)}, header=true, "
        f"auto_detect=false, quote='\"', escape='\"', columns={{{spec}}})"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load(con, path: Path, delimiter: str, columns: OrderColumns, date_order: str):
    """The lines as a temporary table ``lines(c, day, a, o)``; the date reading; the count
    of lines. None when the careful reader must read the file."""
    names = _header(path, delimiter)
    wanted = [c for c in (columns.customer, columns.date, columns.amount, columns.order) if c]
    if any(c not in names for c in wanted) or len(set(names)) < len(names):
        return None
    text = dict.fromkeys(names, "VARCHAR")
    head = con.execute(
        f"SELECT {_quoted(columns.date)} FROM {_source(path, delimiter, text)} LIMIT 1000"
    )
    sample = pd.Series([r[0] for r in head.fetchall() if r[0] is not None], dtype="str")
    iso = sample.size and sample.str.match(_ISO_DATE).all()
    stamps = sample.size and not iso and sample.str.match(_ISO_STAMP).all()
    for col in names:
        if normalise_name(col) in CURRENCY_NAMES and col not in wanted:
            found = con.execute(
                f"SELECT DISTINCT {_quoted(col)} FROM {_source(path, delimiter, text)}"
            ).fetchall()
            one_currency([r[0] for r in found if r[0] is not None], col)
    # Typed columns are parsed by DuckDB's reader; a cell that does not parse makes it fail
    # (a missing marker such as "n/a" too), and the all-text read takes over.
    typed = dict(text, **{columns.amount: "DOUBLE"})
    if iso or stamps:
        typed[columns.date] = "DATE" if iso else "TIMESTAMP"
    for types in (typed, text):
        try:
            return _materialise(con, path, delimiter, columns, types, date_order, sample)
        except _NotPlain:
            return None
        except Exception as problem:  # noqa: BLE001 - duckdb's conversion errors
            if types is text or "onversion" not in str(problem):
                raise
    return None


class _NotPlain(Exception):
    """An amount that is not a plain number: the careful reader's job."""


def _materialise(con, path, delimiter, columns, types, date_order, sample):
    source = _source(path, delimiter, types)
    date = _quoted(columns.date)
    if types[columns.date] == "VARCHAR":
        day_text = f"trim(regexp_replace({date}, '{TIME_PART}', ''))"
        distinct = con.execute(
            f"SELECT DISTINCT {day_text} AS t FROM {source} WHERE {date} IS NOT NULL"
        )
        values = pd.Series([r[0] for r in distinct.fetchall()], dtype="str")
        parsed = parse_dates(values, order=date_order)
        if parsed.ambiguous:
            raise AmbiguousDates(columns.date, parsed)
        stamps = parsed.values.to_numpy("datetime64[us]")
        read = ~np.isnat(stamps)
        days = stamps[read].astype("datetime64[D]").astype(np.int64)
        lookup = pa.table({"t": pa.array(values[read].tolist(), pa.string()), "day": days})
        con.register("day_lookup", lookup)
        strptime = f"CAST(TRY_STRPTIME({day_text}, {_literal(parsed.format or '')}) AS DATE)"
        same = (
            parsed.format
            and not con.execute(
                f"SELECT count(*) FROM day_lookup WHERE {strptime.replace(day_text, 't')} "
                "IS DISTINCT FROM (DATE '1970-01-01' + CAST(day AS INTEGER))"
            ).fetchall()[0][0]
        )
        if same and read.all():
            # one format reads every distinct date as parse_dates does: DuckDB parses them
            day = f"({strptime} - DATE '1970-01-01')"
        else:  # several layouts in one column: each line's date looked up
            source = (
                f"(SELECT src.*, lk.day AS _day FROM (SELECT *, row_number() OVER () AS _row "
                f"FROM {source}) AS src LEFT JOIN day_lookup AS lk ON lk.t = "
                f"{day_text.replace(date, 'src.' + date)} ORDER BY src._row)"
            )
            day = "_day"
    else:
        parsed = parse_dates(sample, order="year-first")
        day = f"(CAST({date} AS DATE) - DATE '1970-01-01')"
    amount = _quoted(columns.amount)
    if types[columns.amount] == "VARCHAR":
        markers = ", ".join(_literal(m) for m in sorted(MISSING_MARKERS))
        odd = con.execute(
            f"SELECT count(*) FROM {source} WHERE {amount} IS NOT NULL AND "
            f"TRY_CAST(trim({amount}) AS DOUBLE) IS NULL AND lower(trim({amount})) NOT IN "
            f"({markers})"
        ).fetchall()[0][0]
        if odd:
            raise _NotPlain
        amount = f"TRY_CAST(trim({amount}) AS DOUBLE)"
    order = _quoted(columns.order) if columns.order else "NULL"
    customer = _quoted(columns.customer)
    con.execute(
        f"CREATE TEMP TABLE lines AS SELECT NULLIF(trim({customer}), '') AS c, {day} AS day, "
        f"CASE WHEN isnan({amount}) THEN NULL ELSE {amount} END AS a, {order} AS o "
        f"FROM {source}"
    )
    n_lines = con.execute("SELECT count(*) FROM lines").fetchall()[0][0]
    return parsed, n_lines


def _table(con, columns, snapshot, parsed, n_lines) -> CustomerTable:
    reasons = (
        "without a customer id",
        "with an unreadable date" if parsed.n_read else "without a date",
        "with an unreadable amount",
    )
    counts = con.execute(
        "SELECT count(*) FILTER (c IS NULL), count(*) FILTER (c IS NOT NULL AND day IS NULL), "
        "count(*) FILTER (c IS NOT NULL AND day IS NOT NULL AND a IS NULL), "
        "max(day) FILTER (c IS NOT NULL AND day IS NOT NULL AND a IS NOT NULL) FROM lines"
    ).fetchall()[0]
    if counts[3] is None:
        raise DataError(f"None of the {n_lines:,} order lines can be used: check the columns")
    snap = snapshot_date(snapshot, np.array([counts[3]], dtype=np.int64))
    snap_day = int((np.datetime64(snap, "D") - np.datetime64("1970-01-01", "D")).astype(int))
    usable = "c IS NOT NULL AND day IS NOT NULL AND a IS NOT NULL"
    after = con.execute(
        f"SELECT count(*) FROM lines WHERE {usable} AND day > {snap_day}"
    ).fetchall()[0]
    dropped = tuple(zip(reasons, counts[:3])) + (
        (f"dated after the snapshot date ({snap.isoformat()})", after[0]),
    )
    n_used = n_lines - sum(n for _, n in dropped)
    if not n_used:
        raise DataError(
            f"Every order line is dated after the snapshot date {snap.isoformat()}: choose a "
            "later snapshot date"
        )
    orders = "count(DISTINCT o) + count(*) FILTER (o IS NULL)" if columns.order else "count(*)"
    sums = con.sql(
        f"SELECT c AS customer, min(day) AS first, max(day) AS last, {orders} AS frequency, "
        f"sum(a) AS monetary FROM lines WHERE {usable} AND day <= {snap_day} "
        "GROUP BY c ORDER BY min(rowid)"
    ).to_arrow_table()
    sample = con.execute(f"SELECT a FROM lines WHERE {usable} LIMIT 10000").fetchnumpy()["a"]
    values = finish_sums(sums.to_pandas(), snap_day, amount_decimals(np.asarray(sample)))
    return table_of(values, columns, snap, n_lines, n_used, dropped, parsed)
