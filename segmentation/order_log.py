"""Recognising an order log: which column is the customer, the date, the amount, the order.

An order export has one line per order (or per order line). `guess_order_log` says whether
a table looks like one (customer ids that repeat, a column of dates, a column of amounts)
and ranks the columns that could play each role, from their names (in English and a few
other languages) and their values.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.dates import looks_like_dates
from segmentation.errors import DataError
from segmentation.io import CustomerData, read_customers

# Words in column names (lower case, separators removed) that point at each role.
_CUSTOMER_WORDS = tuple(
    "customer custid custno clientid userid cust client user email member buyer "
    "account shopper contact person household loyalty kunde".split()
)
_NOT_CUSTOMER = tuple(
    "order invoice transaction receipt basket line item product sku article store "
    "shop country city channel status payment currency date amount price".split()
)
_DATE_WORDS = tuple(
    "orderdate purchasedate invoicedate transactiondate date time day created ordered "
    "purchased timestamp datum".split()
)
_NOT_DATE = tuple("ship deliver birth signup register update modif due return refund".split())
_AMOUNT_WORDS = tuple(
    "amount total revenue sales value spend net gross sum paid payment turnover "
    "subtotal monetary price dollars dollar betrag umsatz montant importe euro usd eur".split()
)
_NOT_AMOUNT = tuple(
    "quantity qty count id number no code zip postal age year score rate percent "
    "discount tax weight units".split()
)
_ORDER_WORDS = tuple(
    "orderid orderno ordernumber order invoiceno invoiceid invoice transactionid "
    "transaction receipt basket ticket bill purchaseid salesid bestellnummer commande".split()
)
#: Names (normalised) of a column holding each line's currency.
CURRENCY_NAMES = tuple(
    "currency curr currencycode ccy waehrung wahrung devise moneda valuta".split()
)


@dataclass(frozen=True)
class OrderColumns:
    """Which column of the order log holds what (``order`` None: each row is one order)."""

    customer: str
    date: str
    amount: str
    order: str | None = None


@dataclass(frozen=True)
class OrderLogGuess:
    """What `guess_order_log` found.

    Attributes
    ----------
    looks_like_orders : bool
        Repeated customer ids plus a date column plus an amount column.
    columns : OrderColumns or None
        The best guess of each role (None when a role found no column).
    n_lines, n_customers : int
        Rows of the file, and distinct ids in the guessed customer column (0 without one).
    customer_options, date_options, amount_options, order_options : tuple of str
        Columns that could play each role, best first (for the user to choose from).
    reason : str
        Why it does or does not look like an order log, in a sentence.
    """

    looks_like_orders: bool
    columns: OrderColumns | None
    n_lines: int
    n_customers: int
    customer_options: tuple[str, ...]
    date_options: tuple[str, ...]
    amount_options: tuple[str, ...]
    order_options: tuple[str, ...]
    reason: str


# --------------------------------------------------------------------------------------


def guess_order_log(frame: pd.DataFrame, *, id_column: str | None = None) -> OrderLogGuess:
    """Whether ``frame`` looks like an order log, and which column plays which role.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (`segmentation.read_customers`'s ``frame``): numbers as float64,
        other columns as text.
    id_column : str, optional
        The id the reader detected; preferred as the customer column when its ids repeat.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "order_no": ["A1", "A2", "A3", "A4"],
    ...     "customer": ["c1", "c2", "c1", "c3"],
    ...     "ordered_at": ["31.12.2024", "01.01.2025", "02.01.2025", "02.01.2025"],
    ...     "total": [10.0, 25.5, 7.0, 12.0]})
    >>> guess = guess_order_log(log)
    >>> guess.looks_like_orders, guess.columns
    (True, OrderColumns(customer='customer', date='ordered_at', amount='total', order='order_no'))
    >>> guess.reason
    'This looks like an order log: 4 order lines from 3 customers'
    """
    n = len(frame)
    names = [str(c) for c in frame.columns]
    dates = _rank(_date_columns(frame), _DATE_WORDS, _NOT_DATE)
    amounts = _rank(
        [c for c in names if c not in dates and _amount_like(frame[c], c)],
        _AMOUNT_WORDS,
        _NOT_AMOUNT,
    )
    # among equally named columns, amounts with cents before whole counts (CDs, items)
    amounts.sort(key=lambda c: (-_score(c, _AMOUNT_WORDS, _NOT_AMOUNT), _id_like(frame[c])))
    texts = [c for c in names if c not in dates and c not in amounts[:1] and _id_like(frame[c])]
    customers = _customer_columns(frame, texts, id_column)
    orders = _rank(
        [c for c in texts if c not in customers[:1]], _ORDER_WORDS, (), keep_unnamed=False
    )
    if customers and orders:
        customers = [c for c in customers if c != orders[0]] or customers
    customer = customers[0] if customers else None
    n_customers = _n_distinct(frame[customer]) if customer else 0
    columns = None
    if customer and dates and amounts:
        columns = OrderColumns(customer, dates[0], amounts[0], orders[0] if orders else None)
    repeats = customer is not None and 3 <= n_customers < int(frame[customer].notna().sum())
    named = customer is not None and (
        _score(customer, _CUSTOMER_WORDS, _NOT_CUSTOMER) > 0 or customer == id_column
    )
    one_each = _customer_id(frame, id_column)
    looks = columns is not None and repeats and named and not one_each
    return OrderLogGuess(
        looks_like_orders=looks,
        columns=columns,
        n_lines=n,
        n_customers=n_customers,
        customer_options=tuple(customers),
        date_options=tuple(dates),
        amount_options=tuple(amounts),
        order_options=tuple(orders),
        reason=_reason(looks, n, n_customers, customer, dates, amounts, repeats)
        if not one_each
        else f"Each row has its own {id_column!r}, so this is one row per customer",
    )


def _reason(looks, n, n_customers, customer, dates, amounts, repeats) -> str:
    if looks:
        return f"This looks like an order log: {n:,} order lines from {n_customers:,} customers"
    if not dates:
        return "No column of dates was found, so this is read as one row per customer"
    if not amounts:
        return "No column of amounts was found, so this is read as one row per customer"
    if customer is None or not repeats:
        return "No customer id repeats from row to row, so this is one row per customer"
    return f"{customer!r} does not look like a customer id, so this is one row per customer"


def normalise_name(name: str) -> str:
    """A column name lower-cased without spaces or separators (``Order No`` -> ``orderno``).

    Examples
    --------
    >>> normalise_name("Order No."), normalise_name("customer_id")
    ('orderno', 'customerid')
    """
    return re.sub(r"[\s_\-.#/()]+", "", str(name)).lower()


def _tokens(name: str) -> tuple[str, set[str]]:
    """The name squeezed (``customerid``) and its words (``{"customer", "id"}``)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    words = {w for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w}
    return normalise_name(name), words


def _has(word: str, key: str, words: set[str]) -> bool:
    """A short word must be a whole word of the name (``no`` is not in ``turnover``)."""
    return word in words or (len(word) >= 5 and word in key) or key == word


def _score(name: str, good: Sequence[str], bad: Sequence[str]) -> int:
    """How strongly a column name points at a role: earlier words count more; bad words veto."""
    key, words = _tokens(name)
    if key in good:
        return 2 * len(good) - good.index(key) + 1
    if any(_has(word, key, words) for word in bad):
        return -1
    for at, word in enumerate(good):
        if _has(word, key, words):
            return len(good) - at
    return 0


def _rank(cols, good, bad, *, keep_unnamed: bool = True) -> list[str]:
    scored = [(c, _score(c, good, bad)) for c in cols]
    kept = [(c, s) for c, s in scored if s > 0 or (keep_unnamed and s == 0)]
    return [c for c, _ in sorted(kept, key=lambda cs: -cs[1])]


def _date_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of dates: text that reads as dates, or numbers written like 20241231."""
    return [
        str(col)
        for col in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[col].dtype)
        or looks_like_dates(frame[col], min_share=0.75)
    ]


def _amount_like(series: pd.Series, name: str) -> bool:
    if pd.api.types.is_bool_dtype(series.dtype):
        return False
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _score(name, _AMOUNT_WORDS, _NOT_AMOUNT) >= 0
    # amounts the reader kept as text (currency codes, mixed signs) only when named so
    return _score(name, _AMOUNT_WORDS, _NOT_AMOUNT) > 0


def _id_like(series: pd.Series) -> bool:
    """Text, or whole numbers (ids such as 12346): not amounts with cents."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return False
    if not pd.api.types.is_numeric_dtype(series.dtype):
        return True
    head = series.dropna().head(10_000).to_numpy(dtype=np.float64)
    return head.size > 0 and bool(np.all(head == np.round(head)))


def _n_distinct(series: pd.Series) -> int:
    return int(series.nunique(dropna=True))


def _customer_columns(frame: pd.DataFrame, texts: list[str], id_column: str | None) -> list[str]:
    """Columns that could hold the customer id, best first: named like one (or the reader's
    id, unless named like an order), then other text columns; columns whose values repeat
    before columns of unique values (in an order log, a customer orders again)."""
    named = _rank(texts, _CUSTOMER_WORDS, _NOT_CUSTOMER, keep_unnamed=False)
    if id_column in texts and _score(id_column, _ORDER_WORDS, ()) <= 0:
        if id_column in named:
            named.remove(id_column)
        named.insert(0, id_column)
    others = [c for c in texts if c not in named and _score(c, (), _NOT_CUSTOMER) == 0]
    candidates = named + others
    return sorted(candidates, key=lambda c: not _repeats(frame[c]))


def _customer_id(frame: pd.DataFrame, id_column: str | None) -> bool:
    """The reader found a unique id named like a customer's (ID, CustomerID): each row is
    a customer, whatever else repeats."""
    if id_column is None or id_column not in frame.columns:
        return False
    key = normalise_name(id_column)
    named = key in ("id", "uid", "key") or _score(id_column, _CUSTOMER_WORDS, _NOT_CUSTOMER) > 0
    return named and not _repeats(frame[id_column])


def _repeats(series: pd.Series) -> bool:
    filled = series.dropna()
    return 0 < _n_distinct(filled) < len(filled)


# --------------------------------------------------------------------------------------
# Reading an order log


#: Files up to this size are read whole by `segmentation.read_customers`; bigger plain CSV
#: files have their head read by it and are then summed by DuckDB.
CAREFUL_READ_BYTES = 32 * 1024 * 1024
_HEAD_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class OrderLog:
    """An order export as first read: the reader's view of it and the guess of its columns.

    Attributes
    ----------
    data : CustomerData
        What `segmentation.read_customers` read: the whole file, or only its head (the
        first ~2 MB) when ``whole`` is False (a big plain CSV file, to be summed by
        `segmentation.orders_duckdb.customers_from_log`). Its report counts the whole
        file's lines either way (unless read with ``count_lines=False``).
    guess : OrderLogGuess
        The roles of the columns, guessed from ``data``.
    whole : bool
        ``data`` holds every line.
    """

    data: CustomerData
    guess: OrderLogGuess
    whole: bool


def read_order_log(
    source: str | Path | bytes,
    *,
    name: str | None = None,
    sheet: str | None = None,
    count_lines: bool = True,
) -> OrderLog:
    """Read an order export from a path or bytes: whole when small or not a plain UTF-8 CSV
    file, else only its head (the rest is for a fast engine to read).

    ``count_lines`` False spares reading a big file twice when the caller takes the count of
    lines from the customer table (the command line does): the report of a big file's head
    then counts only the head's lines.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = path.write_text("order,customer,date,total\\n1,A,2024-01-01,5\\n2,A,2024-01-03,7\\n"
    ...                     "3,B,2024-01-02,1\\n")
    >>> log = read_order_log(path)
    >>> log.guess.columns, log.whole
    (OrderColumns(customer='customer', date='date', amount='total', order='order'), True)
    """
    path = None if isinstance(source, bytes) else Path(source)
    if sheet is None:
        log = read_order_head(source, name=name, count_lines=count_lines)
        if log is not None:
            return log
    data = (
        read_customers(source, name=name, sheet=sheet)
        if path is None
        else (read_customers(path, sheet=sheet))
    )
    return OrderLog(
        data=data, guess=guess_order_log(data.frame, id_column=data.id_column), whole=True
    )


def read_order_head(
    source: str | Path | bytes, *, name: str | None = None, count_lines: bool = True
) -> OrderLog | None:
    """The head of a big plain UTF-8 CSV file (over `CAREFUL_READ_BYTES`) as an `OrderLog`
    whose report counts every line (only the head's with ``count_lines`` False); None for
    any other file.

    Examples
    --------
    >>> read_order_head(b"customer,date,amount\\nA,2024-01-01,5\\n") is None  # small
    True
    """
    path = None if isinstance(source, bytes) else Path(source)
    size = len(source) if path is None else path.stat().st_size
    if size <= CAREFUL_READ_BYTES:
        return None
    if path is None:
        head = source[:_HEAD_BYTES]
    else:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16: not for the plain-text engine
    head = head[: head.rfind(b"\n") + 1] or head
    try:
        data = read_customers(head, name=name or (path.name if path else None))
    except DataError:  # the whole file's read says what is wrong with it
        return None
    report = data.report
    if report.file_format != "csv" or report.encoding not in (None, "utf-8", "utf-8-sig"):
        return None
    if count_lines:
        n_lines = _count_lines(source) if path is None else _count_file_lines(path)
        data = dataclasses.replace(data, report=dataclasses.replace(report, n_rows=n_lines))
    guess = guess_order_log(data.frame, id_column=data.id_column)
    return OrderLog(data=data, guess=guess, whole=False)


def _count_lines(raw: bytes) -> int:
    """Data lines of a CSV file's bytes (quoted line breaks aside): line ends after the
    header, plus a last line without one."""
    return max(raw.count(b"\n") - 1 + (not raw.endswith(b"\n")), 0)


def _count_file_lines(path: Path) -> int:
    ends, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(16 * 1024 * 1024):
            ends += chunk.count(b"\n")
            last = chunk[-1:]
    return max(ends - 1 + (last != b"\n"), 0)
