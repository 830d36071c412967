"""The customer table of a big plain CSV order export, read by DuckDB.

`segmentation.orders.customers_from_orders` works on a frame the careful reader built;
for a big plain CSV file that reader is the slow part, and holding every line in memory
the heavy one (see benchmarks/README.md). Here DuckDB reads only the needed columns. When
the layout `segmentation.dates.parse_dates` finds in the first lines reads every date, each
line's day is read in the same pass; otherwise the lines that share a customer, a date and
an order are folded into one group (an order's lines usually do) and the dates read from
their distinct values. Either way `segmentation.order_sums.sum_orders` counts and sums the
lines exactly as it does the careful reader's. `customers_from_log` chooses the reader for
the command line and the app.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from segmentation.dates import parse_dates
from segmentation.errors import DataError, SettingsError
from segmentation.io import APP_LIMITS, MISSING_MARKERS, Limits, read_customers
from segmentation.order_log import CURRENCY_NAMES, OrderColumns, OrderLog, normalise_name
from segmentation.order_sums import sum_orders
from segmentation.orders import (
    DATE_ORDERS,
    TIME_PART,
    AmbiguousDates,
    CustomerTable,
    amount_decimals,
    customers_from_data,
    date_part,
    finish_sums,
    one_currency,
    table_of,
)


def customers_from_log(
    log: OrderLog,
    source: str | Path | bytes,
    columns: OrderColumns | None = None,
    *,
    snapshot: dt.date | str | None = None,
    date_order: str = "auto",
    limits: Limits | None = APP_LIMITS,
) -> CustomerTable:
    """The customer table of an order export read by `read_order_log` from ``source``.

    A big plain CSV file (``log.whole`` False) is read and summed by DuckDB; anything DuckDB
    cannot read as plain text (``$12``, ``1,234.50``, a broken line) is read whole by the
    careful reader (within ``limits``; None: no limits) and summed from its frame. Columns
    not given are the guessed ones.

    Examples
    --------
    >>> from segmentation.order_log import read_order_log
    >>> raw = (b"order,customer,date,total\\n1,A,2024-01-01,5\\n2,A,2024-01-03,7\\n"
    ...        b"3,B,2024-01-02,1\\n")
    >>> table = customers_from_log(read_order_log(raw), raw)
    >>> table.frame[["customer", "frequency", "monetary"]].values.tolist()
    [['A', 2, 12.0], ['B', 1, 1.0]]
    """
    columns = columns or log.guess.columns
    if columns is None:
        raise DataError(f"{log.guess.reason}: choose the customer id, date and amount columns")
    options = {"snapshot": snapshot, "date_order": date_order}
    data = log.data
    if not log.whole:
        delimiter = data.report.delimiter or ","
        table = _from_source(source, columns, delimiter=delimiter, **options)
        if table is not None:
            return table
        data = read_customers(source, name=data.name, limits=limits)
    return customers_from_data(data, columns, **options)


def _from_source(source: str | Path | bytes, columns: OrderColumns, **options):
    if not isinstance(source, bytes):
        return customers_from_csv(source, columns, **options)
    with tempfile.TemporaryDirectory(prefix="orders-") as folder:
        path = Path(folder) / "orders.csv"
        path.write_bytes(source)
        return customers_from_csv(path, columns, **options)


def customers_from_csv(
    path: str | Path,
    columns: OrderColumns,
    *,
    delimiter: str = ",",
    snapshot: dt.date | str | None = None,
    date_order: str = "auto",
) -> CustomerTable | None:
    """`customers_from_orders` for a plain UTF-8 CSV file, read and summed by DuckDB.

    Returns None when the file needs the careful reader (a line DuckDB cannot split, a
    header it cannot match, an amount that is not a plain number such as ``1,234.50`` or
    ``$12``).

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
    path = Path(path)
    names = _header(path, delimiter)
    wanted = [c for c in (columns.customer, columns.date, columns.amount, columns.order) if c]
    if any(c not in names for c in wanted) or len(set(names)) < len(names):
        return None
    con = duckdb.connect()
    try:
        source = _source(path, delimiter, names)
        _refuse_currencies(con, source, names, wanted)
        reading = _load_lines(con, source, columns, date_order)
        if reading is None:
            return None
        parsed, day = reading
        found = sum_orders(
            con,
            "lines",
            names=(columns.customer, columns.date, columns.amount),
            snapshot=snapshot,
            dates_read=bool(parsed.n_read),
        )
        decimals = amount_decimals(_first_amounts(con, source, columns, day, found.snap_day))
    except duckdb.Error:  # a line DuckDB cannot split: the careful reader says what is wrong
        return None
    finally:
        con.close()
    values = finish_sums(found.sums, found.snap_day, decimals)
    return table_of(
        values, columns, found.snapshot, found.n_lines, found.n_used, found.left_out, parsed
    )


def _load_lines(con, source: str, columns: OrderColumns, date_order: str):
    """The temporary table ``lines`` (see `segmentation.order_sums`), the date reading and
    an expression giving a date text ``d`` its day; None when an amount is not a plain
    number. When the first lines' layout reads every date, each line's day is read in the
    same pass; otherwise the lines are folded first and their distinct dates read."""
    head = _head_layout(con, source, columns, date_order)
    if head is not None:
        parsed, day = head
        # the table keeps the file's order (rowid = line number): no row_number() pass,
        # which would read the file on one thread
        con.execute(f"CREATE TEMP TABLE read_lines AS {_lines(source, columns, day)}")
        con.execute(
            "CREATE TEMP VIEW lines AS SELECT c, day, o, 1 AS n, CAST(s IS NOT NULL AS "
            "INTEGER) AS n_a, s, rowid AS r FROM read_lines"
        )
        bad_dates, unread = con.execute(
            "SELECT count(*) FILTER (flags >= 2), count(*) FILTER (flags % 2 = 1) FROM read_lines"
        ).fetchall()[0]
        if bad_dates:  # a date that layout does not read: read them all
            con.execute("DROP VIEW lines")
            con.execute("DROP TABLE read_lines")
            head = None
    if head is None:
        _group_lines(con, source, columns)
        parsed, day = _read_dates(con, columns.date, date_order)
        con.execute(
            "CREATE TEMP TABLE lines AS SELECT g.c, lk.day, g.o, g.n, g.n_a, g.s, g.r, "
            "g.unread FROM groups AS g LEFT JOIN lookup AS lk ON lk.t = g.t"
        )
        con.execute("DROP TABLE groups")
        unread = con.execute("SELECT sum(unread) FROM lines").fetchall()[0][0]
    if unread and _odd_amounts(con, source, columns):
        return None
    return parsed, day


def _header(path: Path, delimiter: str) -> list[str]:
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8-sig", errors="replace")
    return [n.strip().strip('"') for n in header.rstrip("\r\n").split(delimiter)]


# Unicode white space, as the careful path trims ids (pyarrow's utf8_trim_whitespace):
# DuckDB's trim() alone leaves tabs.
_WHITE_SPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def _trim(expression: str) -> str:
    """``expression`` trimmed of white space, NULL when nothing is left (trimming by a set of
    characters is slow in DuckDB: only text with white space at an end is trimmed)."""
    space = _literal(_WHITE_SPACE)
    ends = f"contains({space}, left({expression}, 1)) OR contains({space}, right({expression}, 1))"
    return (
        f"NULLIF(CASE WHEN {ends} THEN trim({expression}, {space}) ELSE {expression} END, '')"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(path: Path, delimiter: str, names: list[str]) -> str:
    """A read_csv call with every column named and read as text (no sniffing)."""
    spec = ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in names)
    return (
        f"read_csv({_literal(str(path))}, delim={_literal(delimiter)}, header=true, "
        f"auto_detect=false, quote='\"', escape='\"', columns={{{spec}}})"
    )


def _refuse_currencies(con, source: str, names: list[str], wanted: list[str]) -> None:
    for col in names:
        if normalise_name(col) in CURRENCY_NAMES and col not in wanted:
            found = con.execute(f"SELECT DISTINCT {_quoted(col)} FROM {source}").fetchall()
            one_currency([r[0] for r in found if r[0] is not None], col)


def _day_text(column: str) -> str:
    """A date cell without its time, as `segmentation.orders.date_part` cuts it (only a
    cell with a colon can hold a time: the others skip the regular expression)."""
    return (
        f"CASE WHEN contains({column}, ':') THEN trim(regexp_replace(trim({column}), "
        f"'{TIME_PART}', '')) ELSE trim({column}) END"
    )


def _amount(column: str) -> str:
    number = f"TRY_CAST({column} AS DOUBLE)"
    return f"CASE WHEN isfinite({number}) THEN {number} END"


def _group_lines(con, source: str, columns: OrderColumns) -> None:
    """The temporary table ``groups``: lines folded by customer, date and order (the time
    cut from the date after folding: an order's lines share it), with their count, readable
    amounts, amounts that are not numbers, and first line."""
    con.execute(
        f"CREATE TEMP TABLE groups AS SELECT {_trim('c')} AS c, {_day_text('d')} AS t, "
        f"{_trim('o')} AS o, n, n_a, s, r, unread FROM (SELECT c, d, o, count(*) AS n, "
        "count(a) AS n_a, sum(a) AS s, min(r) AS r, count(*) FILTER (unread) AS unread FROM "
        f"{_read_lines(source, columns)} GROUP BY c, d, o)"
    )


def _read_lines(source: str, columns: OrderColumns, *, numbered: bool = True) -> str:
    """Each line's customer ``c``, date text ``d``, order ``o``, amount ``a`` (NULL when not
    a finite number), ``unread`` (an amount written that is not a number) and, when
    ``numbered``, its number ``r``."""
    amount = _quoted(columns.amount)
    order = _quoted(columns.order) if columns.order else "NULL::VARCHAR"
    number = ", row_number() OVER () AS r" if numbered else ""
    return (
        "(SELECT * EXCLUDE (a0, written), CASE WHEN isfinite(a0) THEN a0 END AS a, a0 IS NULL "
        f"AND written AS unread FROM (SELECT {_quoted(columns.customer)} AS c, "
        f"{_quoted(columns.date)} AS d, {order} AS o, TRY_CAST({amount} AS DOUBLE) AS a0, "
        f"{amount} IS NOT NULL AS written{number} FROM {source}))"
    )


def _lines(source: str, columns: OrderColumns, day: str) -> str:
    """A SELECT of the lines in file order with their day read by ``day`` (an expression of
    the date text ``d``), as narrow as the sums allow (the view ``lines`` adds ``n``,
    ``n_a`` and ``r``, see `segmentation.order_sums`): ``s`` the amount (NULL when not
    read), ``flags`` 1 for an amount written that is not a number plus 2 for a date written
    that ``day`` does not read."""
    return (
        f"SELECT {_trim('c')} AS c, day, {_trim('o')} AS o, a AS s, "
        "CAST(unread AS UTINYINT) + 2 * CAST(d IS NOT NULL AND day IS NULL AS UTINYINT) AS "
        f"flags FROM (SELECT *, {day} AS day FROM "
        f"{_read_lines(source, columns, numbered=False)})"
    )


def _odd_amounts(con, source: str, columns: OrderColumns) -> bool:
    """Some amounts are not numbers: fine when they are all missing markers ("n/a")."""
    amount = _quoted(columns.amount)
    markers = ", ".join(_literal(m) for m in sorted(MISSING_MARKERS))
    return bool(
        con.execute(
            f"SELECT count(*) FROM {source} WHERE {amount} IS NOT NULL AND TRY_CAST({amount} AS "
            f"DOUBLE) IS NULL AND lower(trim({amount})) NOT IN ({markers})"
        ).fetchall()[0][0]
    )


def _head_layout(con, source: str, columns: OrderColumns, date_order: str):
    """How the first lines write their dates, when one reading settles it: the reading
    (`parse_dates` of their date parts) and a DuckDB expression reading a date text ``d``
    with their layouts; None otherwise."""
    head = con.execute(
        f"SELECT DISTINCT {_quoted(columns.date)} FROM (SELECT {_quoted(columns.date)} FROM "
        f"{source} LIMIT 2000) WHERE {_quoted(columns.date)} IS NOT NULL"
    ).fetchnumpy()[columns.date]
    written = pd.Series(head, dtype="str")
    parsed = parse_dates(date_part(written), order=date_order)
    whole = parse_dates(written, order=date_order)
    if parsed.ambiguous or not parsed.format or not whole.format or parsed.n_unreadable:
        return None
    # one strptime per layout, the most common first: a list of layouts is much slower
    layouts = dict.fromkeys([whole.format, parsed.format])
    reads = [f"TRY_STRPTIME(d, {_literal(f)})" for f in layouts]
    day = f"(CAST(coalesce({', '.join(reads)}) AS DATE) - DATE '1970-01-01')"
    return parsed, day


def _read_dates(con, column: str, date_order: str):
    """The folded lines' distinct date texts read by `parse_dates`: the reading, and the
    table ``lookup(t, day)`` with an expression looking a date text ``d`` up in it."""
    distinct = con.execute("SELECT DISTINCT t FROM groups WHERE t IS NOT NULL").fetchnumpy()
    values = pd.Series(distinct["t"], dtype="str")
    parsed = parse_dates(values, order=date_order)
    if parsed.ambiguous:
        raise AmbiguousDates(column, parsed)
    stamps = parsed.values.to_numpy("datetime64[us]")
    read = ~np.isnat(stamps)
    days = stamps[read].astype("datetime64[D]").astype(np.int32)
    con.register(
        "lookup", pa.table({"t": pa.array(values[read].tolist(), pa.string()), "day": days})
    )
    return parsed, f"(SELECT lk.day FROM lookup AS lk WHERE lk.t = {_day_text('d')})"


def _first_amounts(con, source, columns, day: str, snap_day: int, want: int = 10_000):
    """The amounts of the first ``want`` usable lines, in file order (the decimals the
    amounts are written with are read from them, as the careful path reads them)."""
    head = 4 * want
    while True:
        rows = con.sql(
            f"SELECT c, {day} AS day, a FROM (SELECT *, row_number() OVER () AS i FROM "
            f"(SELECT {_trim(_quoted(columns.customer))} AS c, "
            f"{_quoted(columns.date)} AS d, {_amount(_quoted(columns.amount))} AS a FROM "
            f"{source} LIMIT {head})) ORDER BY i"
        ).df()
        usable = rows["c"].notna() & rows["a"].notna() & (rows["day"] <= snap_day)
        if usable.sum() >= want or len(rows) < head:
            return rows.loc[usable, "a"].to_numpy(np.float64)[:want]
        head *= 4
