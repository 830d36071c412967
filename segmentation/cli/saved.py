"""``fit``, ``apply`` and ``sql``: save a segmentation, apply it to new customers, score
customers in a warehouse with one SELECT."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from segmentation.errors import SettingsError
from segmentation.prepare import MISSING_POLICIES, SCALERS

FIT_HELP = """\
Fit segments on a customers file and save them as a JSON file that `apply` and `sql` use.
Without --k the recommended number of segments is used (said on standard error).
Example:
  python -m segmentation fit customers.csv --features recency frequency monetary \\
      --log monetary -o segments.json"""

APPLY_HELP = """\
Assign the customers of a file (CSV, TSV, Excel .xlsx or Parquet) to the segments of a
saved segmentation, without refitting. The output is what the app's `Download labelled
customers` gives for the same file: every row and cell as written, then `segment`,
`segment_name`, `unassigned_reason`, `runner_up_segment` and `margin`; a file carrying an
earlier download's `segment` and `segment_name` keeps them as `previous_segment` and
`previous_segment_name`. Large
files are read in blocks, so memory stays bounded (10 million rows in well under 1 GB).
Example:
  python -m segmentation apply segments.json june.csv -o june_labelled.csv"""

SQL_HELP = """\
Print one SELECT that scores every row of a table with a saved segmentation, returning
the id column, `segment` (1..k, NULL when a feature is missing) and `segment_name`, with
the same arithmetic as `apply`. Identifiers are quoted and names escaped for the dialect.
Example:
  python -m segmentation sql segments.json --dialect bigquery --table customers"""


def add_parser(subparsers) -> None:
    """Register ``fit``, ``apply`` and ``sql``.

    >>> from segmentation.cli import build_parser
    >>> args = build_parser().parse_args(["sql", "segments.json", "--dialect", "duckdb"])
    >>> args.segmentation, args.dialect, args.table, args.func is _run_sql
    ('segments.json', 'duckdb', 'customers', True)
    """
    raw = argparse.RawDescriptionHelpFormatter
    fit = subparsers.add_parser(
        "fit",
        help="fit segments and save them as JSON",
        description=FIT_HELP,
        formatter_class=raw,
    )
    fit.add_argument("customers", help="the customers file (CSV, TSV, .xlsx or Parquet)")
    fit.add_argument(
        "--features", nargs="+", required=True, metavar="COL", help="numeric columns to segment on"
    )
    fit.add_argument("--k", type=int, help="number of segments (default: the recommended k)")
    fit.add_argument(
        "--log", nargs="+", default=[], metavar="COL", help="features to transform with log(1 + x)"
    )
    fit.add_argument("--scaler", choices=SCALERS, default="standard", help="default: standard")
    fit.add_argument(
        "--missing",
        choices=MISSING_POLICIES,
        default="drop",
        help="drop: customers missing a feature get no segment (default); median: fill gaps",
    )
    fit.add_argument(
        "--clip", action="store_true", help="clip outliers at the 1st and 99th percentiles"
    )
    fit.add_argument("--id", metavar="COL", help="the customer id column (default: detected)")
    fit.add_argument("-o", "--output", required=True, metavar="FILE.json", help="where to save")
    fit.set_defaults(func=_run_fit)

    apply = subparsers.add_parser(
        "apply",
        help="label customers with a saved segmentation",
        description=APPLY_HELP,
        formatter_class=raw,
    )
    apply.add_argument("segmentation", metavar="FILE.json", help="a saved segmentation")
    apply.add_argument("customers", help="the customers file")
    apply.add_argument(
        "-o", "--output", metavar="OUT.csv", help="where to write (default: standard output)"
    )
    apply.set_defaults(func=_run_apply)

    sql = subparsers.add_parser(
        "sql",
        help="print a SELECT that scores customers in a database",
        description=SQL_HELP,
        formatter_class=raw,
    )
    sql.add_argument("segmentation", metavar="FILE.json", help="a saved segmentation")
    sql.add_argument(
        "--dialect",
        required=True,
        choices=("duckdb", "postgres", "bigquery", "snowflake", "spark", "sqlite"),
    )
    sql.add_argument("--table", default="customers", help="table name (default: customers)")
    sql.add_argument("--schema", help="schema or dataset holding the table")
    sql.add_argument("--id", metavar="COL", help="id column (default: the saved one)")
    sql.set_defaults(func=_run_sql)


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _run_fit(args: argparse.Namespace) -> int:
    """Fit, name and save."""
    from segmentation import evaluate_prepared, fit_prepared, prepare_features, read_customers
    from segmentation.profile import profile_segments
    from segmentation.saved import save_segmentation, write_saved

    path = Path(args.customers)
    # The command line reads without the app's limits: the machine is the user's own.
    data = read_customers(path, id_column=args.id, limits=None)
    if data.id_column in args.features:
        raise SettingsError(
            f"{data.id_column!r} is the customer id column: it cannot be a feature."
        )
    prepared = prepare_features(
        data.frame,
        args.features,
        scaler=args.scaler,
        missing=args.missing,
        log_features=args.log,
        clip=(1.0, 99.0) if args.clip else None,
    )
    k, start = args.k, None
    if k is None:
        choice = evaluate_prepared(prepared)
        k, start = choice.recommended, choice.start_centres.get(choice.recommended)
        _say(f"k={k} (recommended: {choice.reason})")
    seg = fit_prepared(prepared, k, start=start)
    names = profile_segments(data.frame, seg).names
    saved = save_segmentation(
        data.frame,
        seg,
        names,
        id_column=data.id_column,
        file_name=path.name,
        sha256=_sha256(path),
    )
    write_saved(saved, args.output)
    sizes = ", ".join(f"{n} ({s:,})" for n, s in zip(names, seg.sizes))
    _say(f"saved {k} segments to {args.output}: {sizes}")
    return 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run_apply(args: argparse.Namespace) -> int:
    """Label the customers, streaming large files."""
    from segmentation.apply_file import apply_file
    from segmentation.saved import read_saved

    saved = read_saved(args.segmentation)
    if args.output is None:
        result = apply_file(saved, args.customers, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        out = Path(args.output)
        partial = out.with_name(out.name + ".partial")
        try:
            with partial.open("wb") as f:
                result = apply_file(saved, args.customers, f)
            partial.replace(out)  # a failed run leaves no half-written output behind
        finally:
            partial.unlink(missing_ok=True)
    sizes = ", ".join(f"{n} ({s:,})" for n, s in zip(saved.names, result.sizes))
    _say(f"{result.rows:,} customers: {sizes}; {result.unassigned:,} without a segment")
    return 0


def _run_sql(args: argparse.Namespace) -> int:
    """Print the SELECT."""
    from segmentation.saved import read_saved
    from segmentation.sql import segment_sql

    saved = read_saved(args.segmentation)
    print(segment_sql(saved, args.dialect, table=args.table, schema=args.schema, id_column=args.id))
    return 0
