"""``python -m segmentation customers ORDERS``: an order export to one row per customer.

Writes the customer table (recency, frequency, monetary, RFM scores and segment) as CSV.
Columns not named on the command line are found as the app finds them. Lines left out
(no customer id, an unreadable date or amount, a date after the snapshot) are counted on
standard error; the table goes to standard output or ``-o``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from segmentation.errors import DataError
from segmentation.export import to_csv_bytes
from segmentation.order_log import OrderColumns, read_order_log
from segmentation.orders import AmbiguousDates
from segmentation.orders_duckdb import customers_from_log

DESCRIPTION = """\
Turn an order export (one line per order or order line, with a customer id, a date and
an amount) into one row per customer: recency_days, frequency, monetary, avg_order_value,
tenure_days, first_order_date, last_order_date, r_score, f_score, m_score (1-5 by
quintiles, 5 best, ties never split), rfm_segment (the classic R x F grid) and value_flag.

The file may be CSV/TSV (any delimiter, encoding, decimal commas, currency signs), Excel
.xlsx or Parquet. Dates may be ISO, day-first (31.12.2024, 31/12/2024), month-first
(12/31/2024), with times and zones; the order is decided from the values."""

EPILOG = """\
examples:
  python -m segmentation customers orders.csv -o customers.csv
  python -m segmentation customers export.xlsx --id email --snapshot 2024-12-31
  python -m segmentation customers orders.csv --dates day-first | head

Lines that cannot be used are left out and counted on standard error. Errors end with
exit status 2 and one line on standard error."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``customers`` command.

    >>> from segmentation.cli import build_parser
    >>> args = build_parser().parse_args(["customers", "orders.csv", "--dates", "day-first"])
    >>> args.orders, args.dates, args.output, args.func is _run
    ('orders.csv', 'day-first', None, True)
    """
    parser = subparsers.add_parser(
        "customers",
        help="order export -> one row per customer with RFM scores and segments",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "orders", metavar="ORDERS", help="the order export (CSV, TSV, .xlsx, Parquet)"
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write the customer table here (default: standard output)",
    )
    parser.add_argument(
        "--id", metavar="COL", help="the customer id column (default: found from names and values)"
    )
    parser.add_argument("--date", metavar="COL", help="the order date column")
    parser.add_argument(
        "--amount", metavar="COL", help="the amount column (returns as negative amounts)"
    )
    order = parser.add_mutually_exclusive_group()
    order.add_argument(
        "--order",
        metavar="COL",
        help="the order id column: lines with the same order id count as one order",
    )
    order.add_argument(
        "--each-row-an-order",
        action="store_true",
        help="count every line as an order even when an order id column is found",
    )
    parser.add_argument(
        "--snapshot",
        metavar="YYYY-MM-DD",
        help="count recency to this date; later lines are left out (default: the day after "
        "the last order)",
    )
    parser.add_argument(
        "--dates",
        choices=("day-first", "month-first"),
        help="how to read dates like 04/09/2012 when the file does not settle it",
    )
    parser.add_argument(
        "--sheet", metavar="NAME", help="the Excel sheet to read (default: the first)"
    )
    parser.set_defaults(func=_run)
    return parser


def _run(args: argparse.Namespace) -> int:
    """Read the export, build the customer table, write it; 0 when done."""
    path = Path(args.orders)
    # the lines are counted where they are summed: a big file is not read twice for it
    log = read_order_log(path, sheet=args.sheet, count_lines=False)
    columns = _columns(args, log.guess, list(log.data.frame.columns))
    options = {"snapshot": args.snapshot, "date_order": args.dates or "auto"}
    try:
        table = customers_from_log(log, path, columns, limits=None, **options)
    except AmbiguousDates as problem:
        raise DataError(f"{problem}: add --dates day-first or --dates month-first") from None
    payload = to_csv_bytes(table.frame)
    if args.output:
        Path(args.output).write_bytes(payload)
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    for message in table.messages:
        print(message, file=sys.stderr)
    where = args.output or "standard output"
    print(
        f"{len(table.frame):,} customers from {table.n_used:,} of {table.n_lines:,} order "
        f"lines (customer {columns.customer!r}, date {columns.date!r}, amount "
        f"{columns.amount!r}, "
        + (f"order {columns.order!r}" if columns.order else "each line an order")
        + f"; snapshot {table.snapshot.isoformat()}; dates {table.dates.format or 'as given'}) "
        f"written to {where}",
        file=sys.stderr,
    )
    return 0


def _columns(args: argparse.Namespace, guess, names: list[str]) -> OrderColumns:
    """The columns named on the command line, the rest as guessed; unknown names refused."""
    given = {"--id": args.id, "--date": args.date, "--amount": args.amount, "--order": args.order}
    for flag, col in given.items():
        if col is not None and col not in names:
            raise DataError(
                f"{flag} {col!r}: there is no such column; the columns are "
                + ", ".join(repr(n) for n in names)
            )
    found = guess.columns

    def first(options):
        return options[0] if options else None

    customer = args.id or first(guess.customer_options)
    date = args.date or first(guess.date_options)
    amount = args.amount or first([c for c in guess.amount_options if c not in (customer, date)])
    missing = [
        flag
        for flag, col in (("--id", customer), ("--date", date), ("--amount", amount))
        if not col
    ]
    if missing:
        raise DataError(f"{guess.reason}: name the columns with {', '.join(missing)}")
    if args.each_row_an_order:
        order = None
    else:
        order = args.order or (found.order if found else None)
        order = order if order not in (customer, date, amount) else None
    return OrderColumns(customer=customer, date=date, amount=amount, order=order)
