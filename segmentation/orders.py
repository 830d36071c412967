"""From an order log to one row per customer: recency, frequency, monetary and the RFM grid.

An order export has one line per order (or per order line) with a customer id, a date and
an amount. `guess_order_log` recognises one and guesses its columns from their names and
values; `customers_from_orders` builds the customer table::

    customer id | recency_days | frequency | monetary | avg_order_value | tenure_days |
    first_order_date | last_order_date | r_score | f_score | m_score | rfm_segment | value_flag

Lines that cannot be used (no customer id, an unreadable date or amount, a date after the
snapshot) are left out and counted in `CustomerTable.messages`; the customers they belonged
to keep their other lines. The work is done on whole columns (codes per customer, integer
days, numpy sums), never a Python loop per line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.dates import ParsedDates, parse_dates
from segmentation.errors import DataError, SettingsError
from segmentation.health import build_report
from segmentation.io import CustomerData
from segmentation.order_log import (
    CURRENCY_NAMES,
    OrderColumns,
    guess_order_log,
    normalise_name,
)
from segmentation.order_sums import sum_orders
from segmentation.rfm import quintile_scores, rfm_segments, score_cuts

#: The customer table's columns after the id, in order.
CUSTOMER_COLUMNS = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "tenure_days",
    "first_order_date",
    "last_order_date",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "value_flag",
)
#: The value of ``value_flag`` for a customer whose returns cancel their purchases.
NON_POSITIVE_FLAG = "net value zero or negative"
#: The features a customer table from orders is segmented on by default.
RFM_FEATURES = ("recency_days", "frequency", "monetary")
#: Numeric columns of the customer table (the features a segmentation can use).
NUMERIC_COLUMNS = CUSTOMER_COLUMNS[:5] + CUSTOMER_COLUMNS[7:10]

# A currency sign or code written with an amount ("$12", "12,50 EUR").
_CURRENCY_TOKEN = r"[$€£¥₹]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|SEK|NOK|DKK|PLN|CZK|INR|CNY|BRL)\b"

#: A time (and zone) after a date: ``10:00``, ``T23:05:00+01:00``, `` 6:30 PM``.
TIME_PART = r"[ T]+\d{1,2}:\d{2}.*$"

#: How day/month order is chosen: decided by the values, or given.
DATE_ORDERS = ("auto", "day-first", "month-first")


@dataclass(frozen=True, eq=False)
class CustomerTable:
    """The customer table built from an order log, and how it was built.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per customer: the id column (named as in the file, text) then
        `CUSTOMER_COLUMNS`. Counts and days are integers, dates ISO text.
    columns : OrderColumns
        The columns used.
    snapshot : datetime.date
        The date recency and tenure are counted to.
    n_lines, n_used, n_orders : int
        Lines in the log, lines used, distinct orders among them.
    left_out : tuple of (reason, count)
        Lines left out, by reason, in the order they were checked.
    dates : ParsedDates
        How the date column was read (its ``values`` dropped to save memory).
    cuts : pandas.DataFrame
        How the scores were cut (see `segmentation.rfm.score_cuts`).
    n_non_positive : int
        Customers whose net value is zero or negative (kept, flagged in ``value_flag``).
    """

    frame: pd.DataFrame
    columns: OrderColumns
    snapshot: dt.date
    n_lines: int
    n_used: int
    n_orders: int
    left_out: tuple[tuple[str, int], ...]
    dates: ParsedDates
    cuts: pd.DataFrame
    n_non_positive: int

    @property
    def messages(self) -> tuple[str, ...]:
        """What a user should know, one sentence each (left-out lines, flags, dates)."""
        lines = [
            f"{n:,} order line{'s' if n != 1 else ''} {reason} {'was' if n == 1 else 'were'} "
            "left out"
            for reason, n in self.left_out
            if n
        ]
        if self.n_non_positive:
            n = self.n_non_positive
            lines.append(
                f"{n:,} customer{'s' if n != 1 else ''} with a net value of zero or less "
                f"(returns cancel purchases) {'is' if n == 1 else 'are'} kept and marked "
                f"'{NON_POSITIVE_FLAG}' in value_flag"
            )
        return tuple(lines)


# --------------------------------------------------------------------------------------
# Recognising an order log


# --------------------------------------------------------------------------------------
# Building the customer table


def customers_from_orders(
    frame: pd.DataFrame,
    columns: OrderColumns | None = None,
    *,
    snapshot: dt.date | str | None = None,
    date_order: str = "auto",
    raw_amounts: pd.Series | None = None,
) -> CustomerTable:
    """The customer table of an order log: recency, frequency, monetary, RFM scores and grid.

    Parameters
    ----------
    frame : pandas.DataFrame
        The order lines (`segmentation.read_customers`'s ``frame`` or any table).
    columns : OrderColumns, optional
        Which column holds what; guessed with `guess_order_log` when not given.
    snapshot : datetime.date or "YYYY-MM-DD", optional
        The date recency is counted to; the day after the last order by default. Lines
        dated after it are left out.
    date_order : {"auto", "day-first", "month-first"}
        How to read dates like ``04/09/2012``; "auto" decides from the values and refuses
        a column that reads both ways.
    raw_amounts : pandas.Series, optional
        The amount cells as written, when the reader removed currency signs from them:
        used to refuse a column that mixes currencies.

    Returns
    -------
    CustomerTable

    Raises
    ------
    DataError
        A column that does not exist, ambiguous dates, more than one currency, or no
        usable line.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B", "B", "C"],
    ...     "order_date": ["2024-01-01", "2024-03-01", "2024-02-10", "2024-02-12", "bad"],
    ...     "amount": [100.0, 50.0, 20.0, -20.0, 5.0]})
    >>> table = customers_from_orders(log)
    >>> table.snapshot
    datetime.date(2024, 3, 2)
    >>> table.frame[["customer_id", "recency_days", "frequency", "monetary"]].values.tolist()
    [['A', 1, 2, 150.0], ['B', 19, 2, 0.0]]
    >>> table.messages[0]
    '1 order line with an unreadable date was left out'
    """
    columns = _check_columns(frame, columns)
    if date_order not in DATE_ORDERS:
        raise SettingsError(f"date_order={date_order!r}: choose one of {DATE_ORDERS}")
    ids = _customer_ids(frame[columns.customer])
    parsed = parse_dates(date_part(frame[columns.date]), order=date_order)
    if parsed.ambiguous:
        raise AmbiguousDates(columns.date, parsed)
    _refuse_currencies(frame, columns, raw_amounts)
    amounts = _amounts(frame[columns.amount])
    days = _days(parsed.values)
    readable = np.isfinite(amounts)
    orders = _customer_ids(frame[columns.order]) if columns.order else pa.nulls(len(frame))
    lines = pa.table(
        {
            "c": ids,
            "day": pa.array(days, mask=days == _NO_DAY).cast(pa.int32()),
            "o": orders.cast(pa.string()),
            "n": np.ones(len(frame), dtype=np.int64),
            "n_a": readable.astype(np.int64),
            "s": pa.array(amounts, mask=~readable),
            "r": np.arange(len(frame), dtype=np.int64),
        }
    )
    con = duckdb.connect()
    try:
        con.register("lines", lines)
        found = sum_orders(
            con,
            "lines",
            names=(columns.customer, columns.date, columns.amount),
            snapshot=snapshot,
            dates_read=bool(parsed.n_read),
        )
    finally:
        con.close()
    usable = pc.is_valid(ids).to_numpy(zero_copy_only=False) & readable
    usable &= (days != _NO_DAY) & (days <= found.snap_day)
    values = finish_sums(found.sums, found.snap_day, amount_decimals(amounts[usable]))
    return table_of(
        values, columns, found.snapshot, found.n_lines, found.n_used, found.left_out, parsed
    )


def table_of(
    values: pd.DataFrame,
    columns: OrderColumns,
    snap: dt.date,
    n_lines: int,
    n_used: int,
    dropped: tuple[tuple[str, int], ...],
    parsed: ParsedDates,
) -> CustomerTable:
    """The `CustomerTable` from `finish_sums`'s values: scores, segments, flags added.

    Examples
    --------
    >>> from segmentation.dates import parse_dates
    >>> sums = pd.DataFrame({"customer": ["A", "B"], "first": [19723, 19724],
    ...                      "last": [19730, 19724], "frequency": [3, 1],
    ...                      "monetary": [30.0, -5.0]})
    >>> table = table_of(finish_sums(sums, 19731, 2), OrderColumns("id", "date", "amount"),
    ...                  dt.date(2024, 1, 10), 4, 4, (), parse_dates(pd.Series(["2024-01-01"])))
    >>> table.frame[["id", "r_score", "rfm_segment", "value_flag"]].values.tolist()
    [['A', 5, 'Champions', ''], ['B', 1, 'Hibernating', 'net value zero or negative']]
    """
    _score_table(values)
    frame_out = values.rename(columns={"customer": columns.customer})
    return CustomerTable(
        frame=frame_out,
        columns=columns,
        snapshot=snap,
        n_lines=n_lines,
        n_used=n_used,
        n_orders=int(frame_out["frequency"].sum()),
        left_out=dropped,
        dates=_without_values(parsed),
        cuts=score_cuts(frame_out),
        n_non_positive=int((frame_out["monetary"] <= 0).sum()),
    )


class AmbiguousDates(DataError):
    """Every date reads both day-first and month-first: the user must say which."""

    def __init__(self, column: str, parsed: ParsedDates) -> None:
        self.column = column
        self.parsed = _without_values(parsed)
        super().__init__(
            f"The dates in {column!r} read both ways (04/09/2012 could be 4 September or "
            "April 9) and no date settles it: say whether they are day-first or month-first"
        )


_NO_DAY = np.iinfo(np.int64).min  # a line's day when its date could not be read


def _check_columns(frame: pd.DataFrame, columns: OrderColumns | None) -> OrderColumns:
    if columns is None:
        guess = guess_order_log(frame)
        if guess.columns is None:
            raise DataError(f"{guess.reason}: name the customer id, date and amount columns")
        return guess.columns
    names = [str(c) for c in frame.columns]
    roles = [
        ("customer id", columns.customer),
        ("order date", columns.date),
        ("amount", columns.amount),
        ("order id", columns.order),
    ]
    for role, col in roles:
        if col is not None and col not in names:
            raise DataError(
                f"There is no column named {col!r} to use as the {role}; the columns are "
                f"{', '.join(repr(n) for n in names)}"
            )
    chosen = [c for _, c in roles if c is not None]
    if len(set(chosen)) < len(chosen):
        raise SettingsError(
            f"One column cannot play two roles: customer {columns.customer!r}, date "
            f"{columns.date!r}, amount {columns.amount!r}, order {columns.order!r}"
        )
    return columns


def _customer_ids(series: pd.Series) -> pa.Array:
    """The ids as text, trimmed, null where blank; whole numbers written without '.0'."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.isfinite(values) & (values == np.round(values))
        if whole[np.isfinite(values)].all():
            ints = pa.array(np.where(whole, values, 0).astype(np.int64), mask=~whole)
            return pc.cast(ints, pa.string())
        return pc.cast(pa.array(values, mask=np.isnan(values)), pa.string())
    array = _arrow_text(series)
    trimmed = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _arrow_text(series: pd.Series) -> pa.Array:
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array(series.astype(str).where(series.notna(), None))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_large_string(array.type):
        array = array.cast(pa.string()) if len(array) < 2**24 else array
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = pc.cast(array, pa.string())
    return array


def _days(values: pd.Series) -> np.ndarray:
    """Whole days since 1970-01-01 of each line's date; _NO_DAY where unreadable."""
    stamps = values.to_numpy("datetime64[us]")
    days = stamps.astype("datetime64[D]").astype(np.int64)
    days[np.isnat(stamps)] = _NO_DAY
    return days


def _amounts(series: pd.Series) -> np.ndarray:
    """Amounts as float64, NaN where unreadable (text amounts: currency stripped, parsed)."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan).copy()
        values[~np.isfinite(values)] = np.nan
        return values
    text = pc.utf8_trim_whitespace(_arrow_text(series))
    text = pc.replace_substring_regex(text, _CURRENCY_TOKEN + r"|[\s\x{00a0}']", "")
    comma_decimal = pc.match_substring_regex(text, r"^[-+]?[\d.]*,\d{1,2}$")
    if pc.any(comma_decimal).as_py():
        text = pc.if_else(
            comma_decimal,
            pc.replace_substring(pc.replace_substring(text, ".", ""), ",", "."),
            pc.replace_substring(text, ",", ""),
        )
    else:
        text = pc.replace_substring(text, ",", "")
    numbers = pd.to_numeric(pd.Series(text.to_pandas()), errors="coerce")
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan).copy()
    values[~np.isfinite(values)] = np.nan
    return values


def _refuse_currencies(
    frame: pd.DataFrame, columns: OrderColumns, raw_amounts: pd.Series | None
) -> None:
    """Refuse amounts in more than one currency: sums across currencies mean nothing."""
    for col in frame.columns:
        if normalise_name(col) in CURRENCY_NAMES and col not in (columns.customer, columns.order):
            one_currency(frame[col].dropna().astype(str).unique(), col)
    cells = raw_amounts
    if cells is None and not pd.api.types.is_numeric_dtype(frame[columns.amount].dtype):
        cells = frame[columns.amount]
    if cells is None:
        return
    tokens = pc.extract_regex(_arrow_text(cells), f"(?P<c>{_CURRENCY_TOKEN})")
    found = pc.unique(pc.struct_field(tokens.drop_null(), "c")).to_pylist()
    found = sorted({_SIGN_CODES.get(t, t) for t in found})
    if len(found) > 1:
        raise DataError(
            f"The column {columns.amount!r} mixes currencies ({', '.join(found)}): export one "
            "currency at a time, or convert the amounts first"
        )


def one_currency(codes, column: str) -> None:
    """Refuse a currency column holding more than one currency (blank cells aside).

    Examples
    --------
    >>> one_currency(["EUR", " eur", ""], "currency")  # one currency: nothing to say
    >>> one_currency(["EUR", "USD"], "currency")
    Traceback (most recent call last):
    ...
    segmentation.errors.DataError: The amounts are in 2 currencies (EUR, USD) in column \
'currency': export one currency at a time, or convert them first
    """
    found = sorted({str(c).strip().upper() for c in codes if str(c).strip()})
    if len(found) > 1:
        raise DataError(
            f"The amounts are in {len(found)} currencies ({', '.join(found[:5])}) in "
            f"column {column!r}: export one currency at a time, or convert them first"
        )


_SIGN_CODES = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}


def finish_sums(sums: pd.DataFrame, snap_day: int, decimals: int) -> pd.DataFrame:
    """The customer table's value columns from per-customer sums (any engine's).

    ``sums`` has ``customer``, ``first`` and ``last`` (days since 1970-01-01),
    ``frequency`` and ``monetary``.

    Examples
    --------
    >>> sums = pd.DataFrame({"customer": ["A"], "first": [19723], "last": [19730],
    ...                      "frequency": [3], "monetary": [10.0]})
    >>> finish_sums(sums, 19733, 2).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'customer': 'A', 'recency_days': 3, 'frequency': 3, 'monetary': 10.0,
      'avg_order_value': 3.33, 'tenure_days': 10, 'first_order_date': '2024-01-01',
      'last_order_date': '2024-01-08'}]
    """
    first = sums["first"].to_numpy(np.int64)
    last = sums["last"].to_numpy(np.int64)
    frequency = sums["frequency"].to_numpy(np.int64)
    # the average is taken of the rounded net value: a sum's last bits depend on the order
    # the engine added the amounts in, and at a half cent they decided the average's cent
    monetary = np.round(sums["monetary"].to_numpy(np.float64), decimals)
    return pd.DataFrame(
        {
            "customer": sums["customer"].astype("str").to_numpy(),
            "recency_days": snap_day - last,
            "frequency": frequency,
            "monetary": monetary,
            "avg_order_value": np.round(monetary / frequency, decimals),
            "tenure_days": snap_day - first,
            "first_order_date": _iso(first),
            "last_order_date": _iso(last),
        }
    )


def amount_decimals(amount: np.ndarray) -> int:
    """Decimals the amounts are written with (2 for cents, at most 4), to round sums to.

    Examples
    --------
    >>> amount_decimals(np.array([1.0, 2.5])), amount_decimals(np.array([0.125, 1.5]))
    (2, 3)
    """
    sample = amount[:10_000]
    for places in range(5):
        if np.allclose(sample, np.round(sample, places), rtol=0, atol=1e-9):
            return max(places, 2)
    return 4


def date_part(values: pd.Series) -> pd.Series:
    """The dates without their times: recency and tenure count whole days, and a
    column of timestamps has few distinct days to read.

    Examples
    --------
    >>> date_part(pd.Series(["31.12.2024 18:30", " 2024-12-31T23:05:00+01:00"])).tolist()
    ['31.12.2024', '2024-12-31']
    """
    if not pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values
    text = pc.utf8_trim_whitespace(_arrow_text(values))
    cut = pc.replace_substring_regex(text, TIME_PART, "")
    return pd.Series(cut, index=values.index, name=values.name, dtype=pd.ArrowDtype(cut.type))


def _iso(days: np.ndarray) -> pd.Series:
    """Days since 1970-01-01 written as ISO dates (arrow's cast: no Python per value)."""
    dates = pa.array(days.astype(np.int32)).cast(pa.date32())
    return pd.Series(pc.cast(dates, pa.string()), dtype="str")


def _score_table(table: pd.DataFrame) -> None:
    """Add the scores, the grid's segment and the value flag (in place)."""
    table["r_score"] = quintile_scores(table["recency_days"], higher_is_better=False)
    table["f_score"] = quintile_scores(table["frequency"])
    table["m_score"] = quintile_scores(table["monetary"])
    table["rfm_segment"] = pd.Series(rfm_segments(table["r_score"], table["f_score"]), dtype="str")
    flag = np.where(table["monetary"].to_numpy() <= 0, NON_POSITIVE_FLAG, "")
    table["value_flag"] = pd.Series(flag, dtype="str")


def _without_values(parsed: ParsedDates) -> ParsedDates:
    """The reading without its (large) values: what a result keeps to explain itself."""
    import dataclasses

    return dataclasses.replace(parsed, values=parsed.values.iloc[:0])


# --------------------------------------------------------------------------------------
# From and to the reader's CustomerData


def customers_from_data(
    data: CustomerData,
    columns: OrderColumns | None = None,
    *,
    snapshot: dt.date | str | None = None,
    date_order: str = "auto",
) -> CustomerTable:
    """`customers_from_orders` on an order log read by `segmentation.read_customers`.

    Columns not given are guessed (the reader's id preferred as the customer); amounts the
    reader read by removing currency signs are checked for mixed currencies.

    Examples
    --------
    >>> from segmentation import read_customers
    >>> data = read_customers(b"customer_id;date;amount\\nA;31.12.2024;1,50\\n"
    ...                       b"B;02.01.2025;2,00\\nA;03.01.2025;3,00\\n")
    >>> table = customers_from_data(data)
    >>> table.frame[["customer_id", "frequency", "monetary"]].values.tolist()
    [['A', 2, 4.5], ['B', 1, 2.0]]
    """
    if columns is None:
        guess = guess_order_log(data.frame, id_column=data.id_column)
        if guess.columns is None:
            raise DataError(f"{guess.reason}: choose the customer id, date and amount columns")
        columns = guess.columns
    raw_amounts = None
    signs_removed = any(
        col == columns.amount and "currency" in how for col, how in data.report.converted_columns
    )
    if signs_removed:
        raw_amounts = data.raw_head(len(data.frame))[columns.amount]
    return customers_from_orders(
        data.frame, columns, snapshot=snapshot, date_order=date_order, raw_amounts=raw_amounts
    )


def customer_data(table: CustomerTable, *, name: str, file_format: str = "csv") -> CustomerData:
    """The customer table as `CustomerData`, so it is segmented like an uploaded table.

    Numeric columns are float64 (as the reader gives them). The lines left out are in
    ``table.messages``, shown where the table is built.

    Examples
    --------
    >>> log = pd.DataFrame({"id": ["A", "B", "A", "C"], "date": ["2024-01-01"] * 4,
    ...                     "amount": [1.0, 2.0, 3.0, 4.0]})
    >>> data = customer_data(customers_from_orders(log), name="shop")
    >>> data.id_column, data.report.n_rows, data.raw["monetary"].tolist()
    ('id', 3, ['4', '2', '4'])
    """
    frame = table.frame.copy()
    id_column = frame.columns[0]
    for col in NUMERIC_COLUMNS:
        frame[col] = frame[col].astype(np.float64)
    raw = pd.DataFrame(
        {col: _as_written(table.frame[col]) for col in table.frame.columns},
        index=frame.index,
    )
    report = build_report(
        frame,
        id_column=id_column,
        file_format=file_format,
        numeric_columns=NUMERIC_COLUMNS,
        date_columns=("first_order_date", "last_order_date"),
        id_candidates=(id_column,),
    )
    return CustomerData.from_frames(frame, raw, id_column=id_column, name=name, report=report)


def _as_written(series: pd.Series) -> pd.Series:
    """A column's cells as the CSV download writes them."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        text = pc.cast(pa.array(series.to_numpy()), pa.string())
        return pd.Series(text.to_pandas(), index=series.index, dtype="str")
    return series.astype("str")


def rfm_features(data: CustomerData) -> tuple[str, ...]:
    """`RFM_FEATURES` when ``data`` is a customer table built from orders, else ().

    Examples
    --------
    >>> log = pd.DataFrame({"id": ["A", "B", "A"], "date": ["2024-01-01"] * 3,
    ...                     "amount": [1.0, 2.0, 3.0]})
    >>> rfm_features(customer_data(customers_from_orders(log), name="shop"))
    ('recency_days', 'frequency', 'monetary')
    """
    columns = list(data.frame.columns)
    return RFM_FEATURES if columns[1:] == list(CUSTOMER_COLUMNS) else ()
